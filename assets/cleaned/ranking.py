"""Which copy of a duplicate survives: documents ranked broadest rights first, then by the
source's place in sources.yaml, then by doc_id; exact duplicates go first, then near duplicates
of what is left (MinHash candidates verified by exact Jaccard)."""

from __future__ import annotations

from typing import Optional

import numpy as np
import pandas as pd

from assets.core.settings import Settings
from assets.cleaned.dedup import MinHasher, Texts, exact_duplicates, near_duplicates

RIGHTS_RANK = {"train": 0, "eval_only": 1, "none": 2}  # broadest rights first


def deduplicate(settings: Settings, keys: pd.DataFrame, signature, texts: Optional[Texts] = None) -> pd.Series:
    """Removal reason (or None) per row of `keys` (doc_id, source, rights, hash), across all
    sources (`signature`: the rows' MinHash signatures, an array or a SignatureFile; `texts`:
    row -> text, to verify near-duplicate candidates by exact Jaccard)."""
    dedup = settings.params.clean.dedup
    order = {s.name: i for i, s in enumerate(settings.sources)}
    rank = keys.assign(_r=keys["rights"].map(RIGHTS_RANK), _s=keys["source"].map(order))
    ranked = rank.sort_values(["_r", "_s", "doc_id"], kind="stable").index.to_numpy()
    reasons = pd.Series(None, index=keys.index, dtype=object)
    alive = ranked
    if dedup.exact:
        dup = exact_duplicates(keys["hash"].iloc[alive].reset_index(drop=True))
        reasons.iloc[alive[dup]] = "exact_duplicate"
        alive = alive[~dup]
    if dedup.minhash and len(alive):
        verify = (lambda rows: texts(alive[rows])) if texts is not None else None
        dup = near_duplicates(signature, MinHasher.from_params(dedup), dedup.verify_threshold, verify, order=alive)
        reasons.iloc[alive[dup]] = "near_duplicate"
    return reasons

"""Train/validation split by document, decided before the mixture's copies are applied.

A document's split comes from a hash of its id, so it never depends on row order, and every copy
of a document lands on the same side. Validation is held out per source: a source whose hashes
put nothing below `val_fraction` still gives its lowest-hash document to validation, so every
source with training rights can be measured. Synthetic documents always train: validation
measures the house's own text.

The other arms reuse the default arm's decision for every doc id they share with it, so
no arm trains on a document another arm validates on.
"""

from __future__ import annotations

import hashlib
from typing import Iterable, Optional


def bucket(doc_id: str) -> float:
    """A stable number in [0, 1) for a document id."""
    return int.from_bytes(hashlib.sha256(doc_id.encode()).digest()[:8], "big") / 2**64


def split_of(doc_id: str, val_fraction: float) -> str:
    return "val" if bucket(doc_id) < val_fraction else "train"


def assign_splits(docs: Iterable[tuple[str, str, bool]], val_fraction: float, fixed: Optional[dict[str, str]] = None) -> dict[str, str]:
    """(doc_id, source, synthetic) rows -> {doc_id: "train" | "val"}.

    `fixed` forces the split of the doc ids it names (the ablation reuses the curated split)."""
    fixed = fixed or {}
    splits: dict[str, str] = {}
    lowest: dict[str, tuple[float, str]] = {}  # per source: the real document with the lowest hash
    has_val: set[str] = set()
    for doc_id, source, synthetic in docs:
        if doc_id in splits:
            raise ValueError(f"doc_id {doc_id!r} appears twice in the corpus")
        if doc_id in fixed:
            splits[doc_id] = fixed[doc_id]
        elif synthetic:
            splits[doc_id] = "train"
            continue
        else:
            b = bucket(doc_id)
            splits[doc_id] = "val" if b < val_fraction else "train"
            if source not in lowest or b < lowest[source][0]:
                lowest[source] = (b, doc_id)
        if splits[doc_id] == "val":
            has_val.add(source)
    for source, (_, doc_id) in lowest.items():
        if source not in has_val:
            splits[doc_id] = "val"
    return splits

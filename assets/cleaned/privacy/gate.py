"""What the privacy gates look at.

cleaned_privacy: one row per corpus document, with the PII the detectors still find in it (re-run
on the final text), its rights and whether it is tied to an opted-out client.
cleaned_evalset_rights: one row per evaluation document (rights train or eval_only, never none).
"""

from __future__ import annotations

from collections import Counter

import pandas as pd

from assets.cleaned import context
from assets.cleaned.paths import CORPUS, EVAL_DOCUMENTS
from assets.cleaned.privacy.consent import consent_step
from assets.cleaned.privacy.redact import Redactor
from assets.core.storage import Storage


def privacy_table(corpus: pd.DataFrame, settings, redactor: Redactor, gazetteer) -> pd.DataFrame:
    found = [redactor.find(text) for text in corpus["text"]]
    _, consent = consent_step(settings, gazetteer)(corpus)
    return pd.DataFrame(
        {
            "doc_id": corpus["doc_id"].to_numpy(),
            "source": corpus["source"].to_numpy(),
            "rights": corpus["rights"].to_numpy(),
            "pii_remaining": [len(spans) for spans in found],
            "pii_types": [", ".join(f"{k}:{v}" for k, v in sorted(Counter(s.entity for s in spans).items())) for spans in found],
            "opted_out": consent.notna().to_numpy(),
        }
    )


def privacy_gate_tables(area: Storage, settings, partition_keys=None) -> dict[str, pd.DataFrame]:
    columns = ["doc_id", "source", "text", "rights", "client_id"]
    corpus = area.read_parquet(CORPUS, columns=columns).to_pandas()
    corpus["meta"] = None
    gazetteer = context.gazetteer(settings)  # the one curation used, when the archive is the same
    tables = {"cleaned_privacy": privacy_table(corpus, settings, Redactor(gazetteer), gazetteer)}
    if area.parquet_files(EVAL_DOCUMENTS):  # evaluation documents: never rights none
        evaluation = area.read_parquet(EVAL_DOCUMENTS, columns=["doc_id", "source", "rights"]).to_pandas()
        tables["cleaned_evalset_rights"] = evaluation
    return tables

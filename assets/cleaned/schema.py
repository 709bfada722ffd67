"""The corpus schema: one row per curated document. The training corpus, the evaluation
documents, the held-out documents and the mixture all share it."""

from __future__ import annotations

import pandas as pd
import pyarrow as pa

CORPUS_SCHEMA = pa.schema(
    [
        ("doc_id", pa.string()),
        ("source", pa.string()),
        ("kind", pa.string()),
        ("text", pa.string()),
        ("lang", pa.string()),
        ("rights", pa.string()),
        ("pii", pa.string()),
        ("client_id", pa.string()),
        ("uri", pa.string()),
        ("line", pa.int64()),
        ("pii_redacted", pa.int64()),  # spans replaced by placeholders (lineage)
        ("quality_score", pa.float64()),  # the expert quality model's P(good)
    ]
)


def as_corpus(docs: pd.DataFrame) -> pa.Table:
    """The corpus columns of a batch of documents (missing ones null), as an Arrow table."""
    return pa.Table.from_pandas(docs.reindex(columns=CORPUS_SCHEMA.names), schema=CORPUS_SCHEMA, preserve_index=False)

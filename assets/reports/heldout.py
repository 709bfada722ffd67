"""The held-out texts both recipes are scored on: the graph stage's held-out documents per source,
the eval-only documents and the curated validation split (doc ids from the val shards' document
tables, texts from the mixture). The texts are re-tokenized by the scorer, never cut at shard
boundaries, so the curated and raw checkpoints see exactly the same bytes."""

from __future__ import annotations

import hashlib

import pandas as pd

from assets.cleaned.paths import EVAL_DOCUMENTS, EVALSETS, MIXTURE
from assets.core.storage import Storage
from assets.tokenized.shards import MANIFEST, SHARDS

HELDOUT_DOCS = f"{EVALSETS}/heldout"
COLUMNS = ["set", "doc_id", "source", "text"]


def _rank(doc_id: str) -> bytes:
    return hashlib.sha256(doc_id.encode()).digest()


def val_documents(storage: Storage) -> pd.DataFrame:
    manifest = storage.read_json(MANIFEST)
    tables = [storage.read_parquet(f"{SHARDS}/{s['docs']}", columns=["doc_id"]).to_pandas() for s in manifest["shards"] if s["split"] == "val" and s.get("docs")]
    ids = set(pd.concat(tables)["doc_id"]) if tables else set()
    mixture = storage.read_parquet(MIXTURE, columns=["doc_id", "source", "text"]).to_pandas()
    return mixture.loc[mixture["doc_id"].isin(ids)].drop_duplicates("doc_id").assign(set="val")


def heldout_texts(storage: Storage, per_source: int) -> pd.DataFrame:
    """set, doc_id, source, text; a document in two sets is scored once (first set wins), and at
    most `per_source` documents per set and source, chosen by a hash of the doc id."""
    frames = []
    for name, folder in (("heldout", HELDOUT_DOCS), ("eval_only", EVAL_DOCUMENTS)):
        if storage.parquet_files(folder):
            frames.append(storage.read_parquet(folder, columns=["doc_id", "source", "text"]).to_pandas().assign(set=name))
    if storage.exists(MANIFEST) and storage.parquet_files(MIXTURE):
        frames.append(val_documents(storage))
    if not frames:
        raise FileNotFoundError(f"{storage.url(HELDOUT_DOCS)}, {storage.url(EVAL_DOCUMENTS)} and the val split: no held-out documents to score")
    docs = pd.concat(frames, ignore_index=True)[COLUMNS]
    docs = docs.loc[docs["text"].fillna("").str.strip() != ""].drop_duplicates("doc_id").drop_duplicates("text")
    docs = docs.assign(_rank=docs["doc_id"].map(_rank)).sort_values(["set", "source", "_rank"])
    docs = docs.groupby(["set", "source"], sort=True).head(per_source)
    return docs.drop(columns="_rank").sort_values(["set", "source", "doc_id"]).reset_index(drop=True)

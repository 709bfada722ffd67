"""The texts every arm is scored on, by the scorer's own tokenization (never cut at shard
boundaries, so every checkpoint sees exactly the same bytes):

- `heldout`: the documents held out per source before curation (cleaned/evalsets), never trained
  on by any arm: the headline bits per byte;
- `low_quality`: the held-out documents the house judges low quality (its experts' labels and
  its own document filters, cleaned/evalsets: spam, empty marketing copy, error pages), scored
  apart: how much of its junk a model reproduces, not the headline;
- `contaminated`: held-out documents some arm trained a near copy of (at least
  privacy.decontamination_heldout_overlap of their word 13-grams in its training documents,
  Llama 2's rule): not independent of that arm, so scored apart (on the sample, a templated spam
  page the raw arm had seen in copies: 0.37 bits per byte for raw, 7.5 for curated+graph);
- `out_of_scope`: held-out documents in a language the house does not write (clean.language:
  keep, and a source's declared language), such as foreign web pages caught in a press crawl:
  scored apart, since the headline measures the text the house wants written;
- `eval_only`: documents whose rights allow evaluation only (cleaned/evalsets/documents);
- an arm's own validation split (`in_distribution_texts`): documents drawn like its training
  documents, reported apart and labelled in-distribution.
At most `per_source` documents per set and source, chosen by a hash of the doc id.
"""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd

from assets.cleaned.graph.evalsets import heldout_low_quality_ids
from assets.cleaned.graph.paths import HELDOUT_DOCS
from assets.cleaned.paths import EVAL_DOCUMENTS
from assets.core.storage import Storage
from assets.tokenized.arms import ARMS

COLUMNS = ["set", "doc_id", "source", "text"]


def _rank(doc_id: str) -> bytes:
    return hashlib.sha256(doc_id.encode()).digest()


def _capped(docs: pd.DataFrame, per_source: int) -> pd.DataFrame:
    docs = docs.loc[docs["text"].fillna("").str.strip() != ""].drop_duplicates("doc_id").drop_duplicates("text")
    docs = docs.assign(_rank=docs["doc_id"].map(_rank)).sort_values(["set", "source", "_rank"])
    docs = docs.groupby(["set", "source"], sort=True).head(per_source)
    return docs.drop(columns="_rank").sort_values(["set", "source", "doc_id"]).reset_index(drop=True)[COLUMNS]


def independent_texts(storage: Storage, per_source: int) -> pd.DataFrame:
    """set (heldout | low_quality | eval_only), doc_id, source, text; a document in both sets counts
    as held-out; `low_quality`: held-out documents the house judges low quality."""
    if not storage.parquet_files(HELDOUT_DOCS):
        raise FileNotFoundError(f"{storage.url(HELDOUT_DOCS)}: no held-out documents (the cleaned stage's evalsets write them)")
    heldout = storage.read_parquet(HELDOUT_DOCS, columns=["doc_id", "source", "text"]).to_pandas()
    low = heldout["doc_id"].isin(heldout_low_quality_ids(storage))
    frames = [heldout.assign(set=["low_quality" if x else "heldout" for x in low])]
    if storage.parquet_files(EVAL_DOCUMENTS):
        frames.append(storage.read_parquet(EVAL_DOCUMENTS, columns=["doc_id", "source", "text"]).to_pandas().assign(set="eval_only"))
    return _capped(pd.concat(frames, ignore_index=True), per_source)


def in_distribution_texts(storage: Storage, arm: str, per_source: int) -> pd.DataFrame:
    """The arm's validation documents (doc ids from its val shards' document tables, texts from
    its corpus)."""
    spec = ARMS[arm]
    manifest = storage.read_json(spec.manifest)
    tables = [storage.read_parquet(f"{spec.shards}/{s['docs']}", columns=["doc_id"]).to_pandas() for s in manifest["shards"] if s["split"] == "val" and s.get("docs")]
    ids = set(pd.concat(tables)["doc_id"]) if tables else set()
    if not ids:
        return pd.DataFrame(columns=COLUMNS)
    corpus = storage.read_parquet(spec.corpus, columns=["doc_id", "source", "text"]).to_pandas()
    return _capped(corpus.loc[corpus["doc_id"].isin(ids)].assign(set="val"), per_source)


def out_of_scope(texts: pd.DataFrame, settings) -> pd.DataFrame:
    """Held-out documents in a language the house does not keep relabelled `out_of_scope`, decided
    by curation's own language rules (assets/cleaned/language.py), the same for every arm."""
    from assets.cleaned.language import decide, detect

    p = settings.params.clean.language
    rows = np.flatnonzero(texts["set"].to_numpy() == "heldout")
    if not p.enabled or not len(rows):
        return texts
    declared = {s.name: s.language for s in settings.sources}
    chosen = texts.iloc[rows]
    reasons = [decide(t, g, declared.get(src), p)[1] for t, g, src in zip(chosen["text"], detect(chosen["text"].tolist(), p), chosen["source"])]
    sets = texts["set"].to_numpy(dtype=object).copy()
    sets[rows[[r is not None for r in reasons]]] = "out_of_scope"
    return texts.assign(set=sets)


def overlap(texts: list[str], train: list[str], n: int) -> np.ndarray:
    """Per text, the share of its word n-grams found in the training documents (0 under n words)."""
    from assets.reports.contamination import WordIds, ngram_hashes

    word_ids = WordIds()
    seen = np.unique(np.concatenate([ngram_hashes(word_ids(t), n) for t in train] + [np.zeros(0, np.uint64)]))
    grams = [ngram_hashes(word_ids(t), n) for t in texts]
    return np.array([float(np.isin(g, seen).mean()) if len(g) else 0.0 for g in grams])


def contaminated(texts: pd.DataFrame, train: dict[str, list[str]], n: int, threshold: float) -> pd.DataFrame:
    """Held-out documents of which at least `threshold` of the word n-grams occur in one arm's
    training documents (`train`: arm -> texts) relabelled `contaminated`."""
    rows = np.flatnonzero(texts["set"].to_numpy() == "heldout")
    if not len(rows) or not train:
        return texts
    chosen = texts["text"].iloc[rows].tolist()
    worst = np.max([overlap(chosen, docs, n) for docs in train.values()], axis=0)
    sets = texts["set"].to_numpy(dtype=object).copy()
    sets[rows[worst >= threshold]] = "contaminated"
    return texts.assign(set=sets)

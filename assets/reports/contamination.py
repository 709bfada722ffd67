"""Contamination of the evaluation sets by the training shards: an evaluation text is contaminated
when a word n-gram of it (evaluate.contamination_ngram words, as the cleaned stage's 13-gram
decontamination; the whole text when shorter) occurs in a document of an arm's train shards.
The shards are decoded document by document (split at end-of-text), so what is checked is what
the model was trained on; words are lower-cased \\w+ runs, compared as 64-bit rolling hashes."""

from __future__ import annotations

import re

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from tokenizers import Tokenizer

from assets.core.storage import Storage
from assets.tokenized.shards import read_manifest, read_shard

BASE = np.uint64(1_000_003)
WORD = re.compile(r"\w+")


def ngram_hashes(ids: np.ndarray, n: int) -> np.ndarray:
    if len(ids) < n:
        return np.zeros(0, dtype=np.uint64)
    powers = BASE ** np.arange(n - 1, -1, -1, dtype=np.uint64)  # wraps mod 2**64, as intended
    with np.errstate(over="ignore"):
        return (sliding_window_view(ids.astype(np.uint64), n) * powers).sum(axis=1, dtype=np.uint64)


class WordIds:
    """Words -> small integers, shared by the training and the evaluation side."""

    def __init__(self) -> None:
        self.ids: dict[str, int] = {}

    def __call__(self, text: str) -> np.ndarray:
        return np.asarray([self.ids.setdefault(w, len(self.ids) + 1) for w in WORD.findall(text.casefold())], dtype=np.uint64)


def train_documents(storage: Storage, arm: str, tokenizer: Tokenizer, eot_id: int) -> list[str]:
    manifest = read_manifest(storage, arm)
    texts = []
    for shard in manifest["shards"]:
        if shard["split"] != "train":
            continue
        ids = read_shard(storage, manifest, shard["name"], arm).astype(np.int64)
        bounds = np.flatnonzero(ids == eot_id)
        docs = [d.tolist() for d in np.split(ids, bounds + 1) if len(d)]
        texts += tokenizer.decode_batch([d[:-1] if d[-1] == eot_id else d for d in docs])
    return texts


def contamination(storage: Storage, arm: str, tokenizer: Tokenizer, evalsets: dict[str, list[str]], n: int) -> dict:
    """{set: {"texts", "contaminated", "fraction"}} for one arm's training shards."""
    word_ids = WordIds()
    train = [word_ids(t) for t in train_documents(storage, arm, tokenizer, read_manifest(storage, arm)["eot_id"])]
    encoded = {name: [word_ids(t) for t in texts] for name, texts in evalsets.items()}
    lengths = {min(len(ids), n) for docs in encoded.values() for ids in docs if len(ids)}
    seen = {k: np.unique(np.concatenate([ngram_hashes(d, k) for d in train] + [np.zeros(0, np.uint64)])) for k in lengths}
    out = {}
    for name, docs in encoded.items():
        hits = sum(bool(len(ids)) and bool(np.isin(ngram_hashes(ids, min(len(ids), n)), seen[min(len(ids), n)]).any()) for ids in docs)
        out[name] = {"texts": len(docs), "contaminated": int(hits), "fraction": hits / len(docs) if docs else 0.0}
    return out

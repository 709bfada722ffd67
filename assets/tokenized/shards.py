"""Tokenized stage: training mixture -> tokenizer.json, shards/{train,val}-NNNNN.bin (+ .docs.parquet)
and manifest.json; and the raw-recipe ablation, tokenized with the same tokenizer, under
tokenized/ablation/raw/.

The corpus is streamed in record batches, three passes: ids for the split, train texts for the
tokenizer, then texts to encode (`encode_batch_fast` runs on every core). The mixture's weights
are its copies: either one row per copy (`copy` = 0..copies-1, how cleaned/mixture is written) or,
without a `copy` column, one row standing for `copies` copies. A training document is written once
per copy; a validation document once (its copy 0), whatever its weight.

One evaluation for both recipes: every doc id that the raw recipe shares with the mixture keeps the
mixture's split, so the curated validation shards (tokenized/shards/val-*) are held out of both arms.
Score both checkpoints on them; the raw recipe's own val shards only drive its training-time loss.
"""

from __future__ import annotations

import hashlib
from typing import Iterator, Optional, Sequence

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
from tokenizers import Tokenizer

from assets.cleaned.paths import MIXTURE, RAW_RECIPE
from assets.core.settings import Settings
from assets.core.storage import Storage
from assets.tokenized.splits import assign_splits
from assets.tokenized.tokenizer import EOT, byte_tokenizer, train_bpe
from assets.tokenized.writer import ShardWriter

TOKENIZER = "tokenized/tokenizer.json"
SHARDS = "tokenized/shards"
MANIFEST = "tokenized/manifest.json"
ABLATION = "tokenized/ablation"
RECIPES = {"curated": ("tokenized", MIXTURE), "raw": (f"{ABLATION}/raw", RAW_RECIPE)}
BATCH = 2048


def recipe_dir(recipe: str) -> str:
    return RECIPES[recipe][0]


def read_batches(storage: Storage, folder: str, columns: list[str]) -> Iterator[pd.DataFrame]:
    """The corpus in record batches; a missing optional column reads as defaults."""
    defaults = {"copies": 1, "copy": 0, "synthetic": False, "uri": None, "line": None, "rights": None}
    files = storage.parquet_files(folder)
    if not files:
        raise FileNotFoundError(f"{storage.url(folder)}: no Parquet files (the cleaned stage writes them)")
    for name in files:
        with storage.open(name) as handle:
            parquet = pq.ParquetFile(handle)
            present = set(parquet.schema_arrow.names)
            missing = [c for c in columns if c not in present and c not in defaults]
            if missing:
                raise ValueError(f"{storage.url(name)}: missing column(s) {missing}")
            wanted = [c for c in columns + ["copy", "copies"] if c in present]
            for batch in parquet.iter_batches(batch_size=BATCH, columns=list(dict.fromkeys(wanted))):
                frame = batch.to_pandas()
                for column in columns + ["copy", "copies"]:
                    if column not in frame:
                        frame[column] = defaults[column]
                # how many times to write this row: each row is one copy when the rows are copies
                frame["repeat"] = 1 if "copy" in present else frame["copies"]
                bad = frame.index[frame["copies"].isna() | (frame["copies"] < 0)] if "copies" in frame else []
                if len(bad):
                    raise ValueError(f"{storage.url(name)}: doc {frame.at[bad[0], 'doc_id']!r}: copies must be an integer >= 0")
                yield frame


def decide_splits(storage: Storage, folder: str, val_fraction: float, fixed: Optional[dict] = None) -> dict[str, str]:
    rows = (
        (d, s, bool(y))
        for frame in read_batches(storage, folder, ["doc_id", "source", "synthetic"])
        for d, s, y, c in zip(frame["doc_id"], frame["source"], frame["synthetic"], frame["copy"])
        if c == 0  # a document's further copies follow its split
    )
    return assign_splits(rows, val_fraction, fixed)


def train_tokenizer(settings: Settings, storage: Storage, splits: dict[str, str]) -> Tokenizer:
    p = settings.params.tokenize
    if p.kind == "byte":
        return byte_tokenizer()

    def texts() -> Iterator[list[str]]:  # unique training documents, unweighted
        for frame in read_batches(storage, MIXTURE, ["doc_id", "text"]):
            keep = [splits[d] == "train" and c == 0 and r > 0 for d, c, r in zip(frame["doc_id"], frame["copy"], frame["repeat"])]
            yield frame.loc[keep, "text"].tolist()

    return train_bpe(texts(), p.vocab_size)


def tokenize_corpus(settings: Settings, storage: Storage, out: Storage, tokenizer: Tokenizer, folder: str, splits: dict[str, str], recipe: str) -> dict:
    p = settings.params.tokenize
    vocab_size, eot = tokenizer.get_vocab_size(), tokenizer.token_to_id(EOT)
    dtype = np.dtype(np.uint16 if vocab_size <= 2**16 else np.uint32)
    shard_folder = f"{recipe_dir(recipe)}/shards"
    writers = {s: ShardWriter(out, shard_folder, s, p.shard_tokens, dtype) for s in ("train", "val")}
    tokens: dict = {"train": {}, "val": {}}
    documents = {"train": 0, "val": 0}
    columns = ["doc_id", "source", "text", "uri", "line", "rights", "synthetic"]
    for frame in read_batches(storage, folder, columns):
        split = frame["doc_id"].map(splits)
        if split.isna().any():
            raise ValueError(f"{storage.url(folder)}: doc {frame.loc[split.isna(), 'doc_id'].iloc[0]!r} has copies but no copy 0")
        frame = frame.loc[(split == "train") | (frame["copy"] == 0)].assign(split=split)
        first = frame.loc[frame["doc_id"] != frame["doc_id"].shift()]  # encode each document once
        encoded = dict(zip(first["doc_id"], tokenizer.encode_batch_fast(first["text"].tolist(), add_special_tokens=False)))
        for row in frame.itertuples(index=False):
            repeat = 1 if row.split == "val" else int(row.repeat)
            if repeat == 0:
                continue
            ids = encoded[row.doc_id].ids
            ids.append(eot)
            array = np.asarray(ids, dtype=dtype)
            doc = {"doc_id": row.doc_id, "source": row.source, "uri": row.uri, "line": None if pd.isna(row.line) else int(row.line), "rights": row.rights, "synthetic": bool(row.synthetic)}
            for k in range(repeat):
                writers[row.split].add(array, {**doc, "copy": int(row.copy) + k})
            tokens[row.split][row.source] = tokens[row.split].get(row.source, 0) + repeat * len(array)
            documents[row.split] += int(row.copy == 0)
    manifest = {
        "recipe": recipe,
        "tokenizer": p.kind,
        "tokenizer_sha256": hashlib.sha256(tokenizer.to_str().encode()).hexdigest(),
        "vocab_size": vocab_size,
        "eot_id": eot,
        "dtype": dtype.name,
        "shard_tokens": p.shard_tokens,
        "val_fraction": p.val_fraction,
        "shards": writers["train"].close() + writers["val"].close(),
        "tokens": {s: sum(c.values()) for s, c in tokens.items()},
        "tokens_per_source": tokens,
        "documents": documents,
    }
    out.write_json(f"{recipe_dir(recipe)}/manifest.json", manifest)  # last: its presence means the shards are whole
    return manifest


def build_tokenized(settings: Settings, out: Storage, partition_keys: Optional[Sequence[str]] = None) -> dict:
    """Curated mixture and (if tokenize.ablation_raw) the raw recipe. Returns the curated manifest,
    with the ablation's under "ablation"."""
    p, storage = settings.params.tokenize, settings.storage
    splits = decide_splits(storage, MIXTURE, p.val_fraction)
    tokenizer = train_tokenizer(settings, storage, splits)
    out.write_text(TOKENIZER, tokenizer.to_str())
    manifest = tokenize_corpus(settings, storage, out, tokenizer, MIXTURE, splits, "curated")
    if p.ablation_raw:
        raw_splits = decide_splits(storage, RAW_RECIPE, p.val_fraction, fixed=splits)
        manifest = {**manifest, "ablation": {"raw": tokenize_corpus(settings, storage, out, tokenizer, RAW_RECIPE, raw_splits, "raw")}}
    return manifest


def outputs(settings: Settings, partition_keys=None) -> list[str]:
    units = [TOKENIZER, SHARDS, MANIFEST]
    return units + [ABLATION] if settings.params.tokenize.ablation_raw else units


def load_tokenizer(storage: Storage) -> Tokenizer:
    return Tokenizer.from_str(storage.read_text(TOKENIZER))


def read_shard(storage: Storage, manifest: dict, name: str, recipe: str = "curated") -> np.ndarray:
    return np.frombuffer(storage.read_bytes(f"{recipe_dir(recipe)}/shards/{name}"), dtype=np.dtype(manifest["dtype"]))


def gate_tables(area: Storage, settings: Settings, partition_keys=None) -> dict[str, pd.DataFrame]:
    recipes = ["curated", "raw"] if settings.params.tokenize.ablation_raw else ["curated"]
    shard_rows, split_rows, source_rows, doc_frames = [], [], [], []
    for recipe in recipes:
        manifest = area.read_json(f"{recipe_dir(recipe)}/manifest.json")
        counted = {"train": {}, "val": {}}
        for shard in manifest["shards"]:
            data = area.read_bytes(f"{recipe_dir(recipe)}/shards/{shard['name']}")
            ids = np.frombuffer(data, dtype=np.dtype(manifest["dtype"]))
            docs = area.read_parquet(f"{recipe_dir(recipe)}/shards/{shard['docs']}").to_pandas()
            docs["recipe"], docs["split"] = recipe, shard["split"]
            doc_frames.append(docs[["recipe", "split", "doc_id", "source", "rights", "synthetic"]])
            for source, n in docs.groupby("source")["tokens"].sum().items():
                counted[shard["split"]][source] = counted[shard["split"]].get(source, 0) + int(n)
            shard_rows.append(
                {
                    "recipe": recipe,
                    "name": shard["name"],
                    "split": shard["split"],
                    "tokens": len(ids),
                    "manifest_tokens": shard["tokens"],
                    "sha256_matches": hashlib.sha256(data).hexdigest() == shard["sha256"],
                    "max_id": int(ids.max()) if len(ids) else 0,
                    "vocab_size": manifest["vocab_size"],
                }
            )
        split_rows.append(
            {
                "recipe": recipe,
                "train_tokens": sum(s["tokens"] for s in manifest["shards"] if s["split"] == "train"),
                "val_tokens": sum(s["tokens"] for s in manifest["shards"] if s["split"] == "val"),
                "manifest_train_tokens": manifest["tokens"]["train"],
                "manifest_val_tokens": manifest["tokens"]["val"],
            }
        )
        real = {s for f in doc_frames if len(f) for s in f.loc[(f["recipe"] == recipe) & ~f["synthetic"].astype(bool), "source"]}
        for source in sorted(real):
            source_rows.append(
                {
                    "recipe": recipe,
                    "source": source,
                    "train_tokens": counted["train"].get(source, 0),
                    "val_tokens": counted["val"].get(source, 0),
                    "manifest_train_tokens": manifest["tokens_per_source"]["train"].get(source, 0),
                    "manifest_val_tokens": manifest["tokens_per_source"]["val"].get(source, 0),
                }
            )
    documents = pd.concat(doc_frames, ignore_index=True) if doc_frames else pd.DataFrame(columns=["recipe", "split", "doc_id", "source", "rights", "synthetic"])
    return {
        "tokenized_shards": pd.DataFrame(shard_rows),
        "tokenized_splits": pd.DataFrame(split_rows),
        "tokenized_sources": pd.DataFrame(source_rows),
        "tokenized_rights": documents.loc[documents["split"] == "train"].reset_index(drop=True),
    }

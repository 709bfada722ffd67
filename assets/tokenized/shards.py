"""Tokenized stage: training mixture -> tokenizer.json, shards/{train,val}-NNNNN.bin (+ .docs.parquet)
and manifest.json for the default arm (curated+graph), and the other arms of the ablation
(`assets/tokenized/arms.py`), tokenized with the same tokenizer, under tokenized/ablation/<arm>/.

The corpus is streamed in Arrow record batches, three passes: ids for the split, train texts for the
tokenizer (a hash-ordered sample once they pass `tokenizer_train_chars`), then texts to encode:
`encode_batch` over 10,000 documents (as datatrove) runs on every core (rayon) in a thread, one
batch ahead, while the main thread lays out the previous batch's ids with numpy (end-of-text after
each document, copies repeated by index arithmetic) and hands them to the shard writers columnar:
no Python work per document or per token beyond reading the ids. The mixture's weights
are its copies: either one row per copy (`copy` = 0..copies-1, how cleaned/mixture is written) or,
without a `copy` column, one row standing for `copies` copies. A training document is written once
per copy; a validation document once (its copy 0), whatever its weight.

Every doc id that another arm shares with the mixture keeps the mixture's split, so no arm trains
on a document another arm validates on. The headline evaluation is on the held-out documents
chosen before curation (cleaned/evalsets), never on these validation shards.
"""

from __future__ import annotations

import hashlib
import itertools
from concurrent.futures import ThreadPoolExecutor
from typing import Iterator, Optional, Sequence

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from tokenizers import Tokenizer

from assets.cleaned.paths import MIXTURE
from assets.core.settings import Settings
from assets.core.storage import Storage
from assets.tokenized.arms import ARMS, DEFAULT, Arm, selected
from assets.tokenized.base import base_tokenizer
from assets.tokenized.splits import assign_splits, bucket
from assets.tokenized.tokenizer import EOT, byte_tokenizer, train_bpe
from assets.tokenized.writer import DOCS_SCHEMA, LINEAGE, ShardWriter

TOKENIZER = "tokenized/tokenizer.json"
SHARDS = ARMS[DEFAULT].shards
MANIFEST = ARMS[DEFAULT].manifest
ABLATION = "tokenized/ablation"
LINEAGE_SCHEMA = pa.schema([DOCS_SCHEMA.field(k) for k in LINEAGE])
BATCH = 2048  # rows per record batch for the split and tokenizer-training passes
ENCODE_BATCH = 10_000  # rows per encode_batch call (as datatrove) ...
ENCODE_CHARS = 8_000_000  # ... and at most this many characters: bounds a batch's memory (its Encodings)


DEFAULTS = {"copies": 1, "copy": 0, "synthetic": False, "uri": None, "line": None, "rights": None}
DEFAULT_TYPES = {"copies": pa.int64(), "copy": pa.int64(), "synthetic": pa.bool_(), "uri": pa.string(), "line": pa.int64(), "rights": pa.string()}


def _arrow_batches(storage: Storage, arm: Arm, columns: list[str], batch_size: int = BATCH) -> Iterator[pa.Table]:
    """The arm's corpus in record batches, as Arrow tables with `columns`, `copy`, `copies` and
    `repeat` (how many times to write the row: each row is one copy when the rows are copies),
    rows the arm leaves out dropped; a missing optional column reads as its default."""
    folder = arm.corpus
    files = storage.parquet_files(folder)
    if not files:
        raise FileNotFoundError(f"{storage.url(folder)}: no Parquet files (the cleaned stage writes them)")
    for name in files:
        with storage.open(name) as handle:
            parquet = pq.ParquetFile(handle)
            present = set(parquet.schema_arrow.names)
            missing = [c for c in columns if c not in present and c not in DEFAULTS]
            if missing:
                raise ValueError(f"{storage.url(name)}: missing column(s) {missing}")
            wanted = list(dict.fromkeys(c for c in columns + ["copy", "copies", "source", "synthetic"] if c in present))
            for batch in parquet.iter_batches(batch_size=batch_size, columns=wanted):
                table = pa.Table.from_batches([batch])
                if not arm.graph_documents and "synthetic" in present:
                    table = table.filter(arm.keep_mask(table))
                table = table.select([c for c in wanted if c in columns or c in ("copy", "copies")])
                for column in dict.fromkeys(columns + ["copy", "copies"]):
                    if column not in present:
                        table = table.append_column(column, pa.array([DEFAULTS[column]] * len(table), DEFAULT_TYPES[column]))
                copies = table.column("copies")
                bad = pc.or_(pc.is_null(copies), pc.less(copies, 0))
                if pc.any(bad).as_py():
                    doc = table.column("doc_id").filter(bad)[0].as_py()
                    raise ValueError(f"{storage.url(name)}: doc {doc!r}: copies must be an integer >= 0")
                repeat = pa.array(np.ones(len(table), dtype=np.int64)) if "copy" in present else pc.cast(copies, pa.int64())
                yield table.append_column("repeat", repeat)


def read_batches(storage: Storage, arm: Arm, columns: list[str]) -> Iterator[pd.DataFrame]:
    """The arm's corpus in record batches (pandas); a missing optional column reads as defaults."""
    for table in _arrow_batches(storage, arm, columns):
        yield table.to_pandas()


def decide_splits(storage: Storage, arm: Arm, val_fraction: float, fixed: Optional[dict] = None) -> dict[str, str]:
    rows = (
        (d, s, bool(y))
        for frame in read_batches(storage, arm, ["doc_id", "source", "synthetic"])
        for d, s, y, c in zip(frame["doc_id"], frame["source"], frame["synthetic"], frame["copy"])
        if c == 0  # a document's further copies follow its split
    )
    return assign_splits(rows, val_fraction, fixed)


def _training_documents(table: pa.Table, splits: dict[str, str]) -> np.ndarray:
    """Mask of a batch's unique training documents (copy 0, weight above 0)."""
    train = np.fromiter((splits[d] == "train" for d in table.column("doc_id").to_pylist()), dtype=bool, count=len(table))
    return train & (table.column("copy").to_numpy(zero_copy_only=False) == 0) & (table.column("repeat").to_numpy(zero_copy_only=False) > 0)


def training_sample(storage: Storage, splits: dict[str, str], max_chars: int) -> Optional[set[str]]:
    """The doc ids the tokenizer trains on when the training documents hold more than `max_chars`
    characters: training documents in the order of their id's hash (`splits.bucket`, the same
    order that picks validation, so a deterministic, source-blind sample) until `max_chars`.
    None: every training document (max_chars 0, or a corpus within it)."""
    if not max_chars:
        return None
    ids: list[str] = []
    sizes: list[np.ndarray] = []
    for table in _arrow_batches(storage, ARMS[DEFAULT], ["doc_id", "text"]):
        keep = _training_documents(table, splits)
        ids += table.column("doc_id").filter(pa.array(keep)).to_pylist()
        sizes.append(pc.utf8_length(table.column("text").filter(pa.array(keep))).to_numpy(zero_copy_only=False))
    chars = np.concatenate(sizes) if sizes else np.zeros(0, dtype=np.int64)
    if chars.sum() <= max_chars:
        return None
    order = sorted(range(len(ids)), key=lambda i: (bucket(ids[i]), ids[i]))
    taken = int(np.searchsorted(np.cumsum(chars[order]), max_chars, side="left")) + 1  # the one that crosses the cap is in
    return {ids[i] for i in order[:taken]}


def train_tokenizer(settings: Settings, storage: Storage, splits: dict[str, str]) -> Tokenizer:
    p = settings.params.tokenize
    if p.kind == "byte":
        return byte_tokenizer()
    sample = training_sample(storage, splits, p.tokenizer_train_chars)

    def texts() -> Iterator[list[str]]:  # unique training documents of the default arm, unweighted
        for table in _arrow_batches(storage, ARMS[DEFAULT], ["doc_id", "text"]):
            keep = _training_documents(table, splits)
            if sample is not None:
                keep &= np.fromiter((d in sample for d in table.column("doc_id").to_pylist()), dtype=bool, count=len(table))
            yield table.column("text").filter(pa.array(keep)).to_pylist()

    return train_bpe(texts(), p.vocab_size)


def _coalesced(tables: Iterator[pa.Table], rows: int) -> Iterator[pa.Table]:
    """Tables of exactly `rows` rows (the last one fewer), whatever the files' sizes: a mixture
    written as many small files still reaches `encode_batch` in full batches (fewer calls, each
    spread over every core). Files' columns in the first one's order, their types unified."""
    pending: list[pa.Table] = []
    held = 0
    for table in tables:
        pending.append(table.select(pending[0].column_names) if pending else table)
        held += len(table)
        while held >= rows:
            joined = pa.concat_tables(pending, promote_options="permissive")
            yield joined.slice(0, rows)
            rest = joined.slice(rows)
            pending, held = ([rest] if len(rest) else []), len(rest)
    if held:
        yield pa.concat_tables(pending, promote_options="permissive")


def _bounded(tables: Iterator[pa.Table], max_chars: int) -> Iterator[pa.Table]:
    """Tables cut so that each holds at most `max_chars` characters of text (or one document)."""
    for table in tables:
        cum = np.cumsum(pc.fill_null(pc.utf8_length(table.column("text")), 0).to_numpy(zero_copy_only=False))
        start = 0
        while start < len(table):
            before = int(cum[start - 1]) if start else 0
            end = max(start + 1, int(np.searchsorted(cum, before + max_chars, side="right")))
            yield table.slice(start, end - start)
            start = end


def _encoded_batches(storage: Storage, arm: Arm, columns: list[str], splits: dict[str, str], tokenizer: Tokenizer) -> Iterator[tuple]:
    """(table, is_val, copy, repeat, first, owner, encodings of the `first` rows) per batch of at most
    ENCODE_BATCH rows and ENCODE_CHARS characters, read and encoded one batch ahead in a thread:
    `encode_batch` releases the GIL and runs on every core (rayon) while the caller lays out and
    writes the previous batch. Batches are filled across files (`_coalesced`): one call per
    ENCODE_BATCH rows, as the bare `encode_batch` loop makes. (`encode_batch_fast`, byte offsets
    instead of char offsets, measured ~15% more CPU here with tokenizers 0.23.3: more allocation.)"""

    def encode(table: pa.Table):
        ids = table.column("doc_id").to_pylist()
        split = [splits.get(d) for d in ids]
        if None in split:
            raise ValueError(f"{storage.url(arm.corpus)}: doc {ids[split.index(None)]!r} has copies but no copy 0")
        is_val = np.fromiter((s == "val" for s in split), dtype=bool, count=len(split))
        copy = table.column("copy").to_numpy(zero_copy_only=False)
        repeat = np.where(is_val, 1, table.column("repeat").to_numpy(zero_copy_only=False)).astype(np.int64)
        repeat[is_val & (copy != 0)] = 0  # a validation document once, whatever its weight
        written = np.flatnonzero(repeat > 0).tolist()
        first = np.zeros(len(ids), dtype=bool)
        first[[i for j, i in enumerate(written) if j == 0 or ids[i] != ids[written[j - 1]]]] = True
        # a document's later rows (its copies) reuse the encoding of its first written row
        owner = np.maximum.accumulate(np.where(first, np.arange(len(ids)), -1))
        texts = table.column("text").filter(pa.array(first)).to_pylist()
        return table, is_val, copy, repeat, first, owner, tokenizer.encode_batch(texts, add_special_tokens=False)

    batches = _bounded(_coalesced(_arrow_batches(storage, arm, columns, ENCODE_BATCH), ENCODE_BATCH), ENCODE_CHARS)
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="encode") as pool:
        ahead = [pool.submit(encode, table) for table in itertools.islice(batches, 1)]
        while ahead:
            done = ahead.pop(0).result()
            ahead += [pool.submit(encode, table) for table in itertools.islice(batches, 1)]
            yield done


def tokenize_corpus(settings: Settings, storage: Storage, out: Storage, tokenizer: Tokenizer, arm: Arm, splits: dict[str, str], eot_token: str = EOT) -> dict:
    """Encode and write the corpus, streaming: a document is encoded once per batch whatever its
    copies, its ids laid out with numpy (end-of-text after each, a training document repeated
    per copy) and handed to the shard writers a batch at a time."""
    p = settings.params.tokenize
    vocab_size, eot = tokenizer.get_vocab_size(), tokenizer.token_to_id(eot_token)
    dtype = np.dtype(np.uint16 if vocab_size <= 2**16 else np.uint32)
    shard_folder = arm.shards
    writers = {s: ShardWriter(out, shard_folder, s, p.shard_tokens, dtype) for s in ("train", "val")}
    tokens: dict = {"train": {}, "val": {}}
    documents = {"train": 0, "val": 0}
    columns = ["doc_id", "source", "text", "uri", "line", "rights", "synthetic"]
    for table, is_val, copy, repeat, first, owner, encodings in _encoded_batches(storage, arm, columns, splits, tokenizer):
        # the encoded documents end to end, an end-of-text token after each
        lengths = np.fromiter((len(e) for e in encodings), dtype=np.int64, count=len(encodings)) + 1
        ends = np.cumsum(lengths)
        flat = np.full(int(ends[-1]) if len(ends) else 0, eot, dtype=dtype)
        body = np.ones(len(flat), dtype=bool)
        body[ends - 1] = False
        flat[body] = np.fromiter(itertools.chain.from_iterable(e.ids for e in encodings), dtype=dtype, count=int(lengths.sum() - len(lengths)))
        doc_start = ends - lengths
        encoded_index = np.cumsum(first) - 1  # row -> its encoding, for rows that own one
        for split, rows_mask in (("train", ~is_val), ("val", is_val)):
            rows = np.flatnonzero(rows_mask & (repeat > 0))
            if not len(rows):
                continue
            # one segment per written copy: row r repeated repeat[r] times, copies numbered on
            reps = repeat[rows]
            seg_row = np.repeat(rows, reps)
            seg_copy = copy[seg_row] + (np.arange(len(seg_row)) - np.repeat(np.cumsum(reps) - reps, reps))
            seg_doc = encoded_index[owner[seg_row]]
            seg_len = lengths[seg_doc]
            seg_end = np.cumsum(seg_len)
            gather = np.arange(int(seg_end[-1]), dtype=np.int64) + np.repeat(doc_start[seg_doc] - (seg_end - seg_len), seg_len)
            lineage = table.select(["doc_id", "source", "uri", "line", "rights", "synthetic"]).take(pa.array(seg_row))
            lineage = lineage.append_column("copy", pa.array(seg_copy, pa.int64())).cast(LINEAGE_SCHEMA)
            writers[split].add_batch(flat[gather], lineage, seg_len)
            sources = lineage.column("source").combine_chunks().dictionary_encode()
            per_source = np.bincount(sources.indices.to_numpy(zero_copy_only=False), weights=seg_len, minlength=len(sources.dictionary))
            for source, n in zip(sources.dictionary.to_pylist(), per_source.astype(np.int64).tolist()):
                tokens[split][source] = tokens[split].get(source, 0) + n
            documents[split] += int((copy[rows] == 0).sum())
    manifest = {
        "arm": arm.name,
        "tokenizer": "init_from" if arm.init_from else p.kind,
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
    out.write_json(arm.manifest, manifest)  # last: its presence means the shards are whole
    return manifest


def build_tokenized(settings: Settings, out: Storage, partition_keys: Optional[Sequence[str]] = None) -> dict:
    """Every arm of tokenize.arms, one tokenizer (trained on the default arm's training documents)
    and one split (the default arm's; other arms follow it for shared doc ids). Returns the default
    arm's manifest, with the other arms' under "arms"."""
    p, storage = settings.params.tokenize, settings.storage
    default = ARMS[DEFAULT]
    splits = decide_splits(storage, default, p.val_fraction)
    tokenizer = train_tokenizer(settings, storage, splits)
    out.write_text(TOKENIZER, tokenizer.to_str())
    manifest = tokenize_corpus(settings, storage, out, tokenizer, default, splits)
    others = {}
    for name in selected(settings):
        if name != DEFAULT:
            arm = ARMS[name]
            arm_splits = splits if arm.corpus == default.corpus else decide_splits(storage, arm, p.val_fraction, fixed=splits)
            arm_tokenizer, eot_token = tokenizer, EOT
            if arm.init_from:  # the finetuned arm: the base model's own tokenizer, kept beside its shards
                arm_tokenizer, eot_token = base_tokenizer(settings.params.train.init_from)
                out.write_text(arm.tokenizer, arm_tokenizer.to_str())
            others[name] = tokenize_corpus(settings, storage, out, arm_tokenizer, arm, arm_splits, eot_token)
    return {**manifest, "arms": others}


def outputs(settings: Settings, partition_keys=None) -> list[str]:
    arms = selected(settings)
    return [TOKENIZER, SHARDS, MANIFEST] + ([ABLATION] if len(arms) > 1 else [])


def load_tokenizer(storage: Storage, arm: str = DEFAULT) -> Tokenizer:
    return Tokenizer.from_str(storage.read_text(ARMS[arm].tokenizer))


def read_manifest(storage: Storage, arm: str = DEFAULT) -> dict:
    return storage.read_json(ARMS[arm].manifest)


def read_shard(storage: Storage, manifest: dict, name: str, arm: str = DEFAULT) -> np.ndarray:
    return np.frombuffer(storage.read_bytes(f"{ARMS[arm].shards}/{name}"), dtype=np.dtype(manifest["dtype"]))


def gate_tables(area: Storage, settings: Settings, partition_keys=None) -> dict[str, pd.DataFrame]:
    shard_rows, split_rows, source_rows, doc_frames = [], [], [], []
    for arm in selected(settings):
        manifest = read_manifest(area, arm)
        counted = {"train": {}, "val": {}}
        for shard in manifest["shards"]:
            data = area.read_bytes(f"{ARMS[arm].shards}/{shard['name']}")
            ids = np.frombuffer(data, dtype=np.dtype(manifest["dtype"]))
            docs = area.read_parquet(f"{ARMS[arm].shards}/{shard['docs']}").to_pandas()
            docs["arm"], docs["split"] = arm, shard["split"]
            doc_frames.append(docs[["arm", "split", "doc_id", "source", "rights", "synthetic"]])
            for source, n in docs.groupby("source")["tokens"].sum().items():
                counted[shard["split"]][source] = counted[shard["split"]].get(source, 0) + int(n)
            shard_rows.append(
                {
                    "arm": arm,
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
                "arm": arm,
                "train_tokens": sum(s["tokens"] for s in manifest["shards"] if s["split"] == "train"),
                "val_tokens": sum(s["tokens"] for s in manifest["shards"] if s["split"] == "val"),
                "manifest_train_tokens": manifest["tokens"]["train"],
                "manifest_val_tokens": manifest["tokens"]["val"],
            }
        )
        real = {s for f in doc_frames if len(f) for s in f.loc[(f["arm"] == arm) & ~f["synthetic"].astype(bool), "source"]}
        for source in sorted(real):
            source_rows.append(
                {
                    "arm": arm,
                    "source": source,
                    "train_tokens": counted["train"].get(source, 0),
                    "val_tokens": counted["val"].get(source, 0),
                    "manifest_train_tokens": manifest["tokens_per_source"]["train"].get(source, 0),
                    "manifest_val_tokens": manifest["tokens_per_source"]["val"].get(source, 0),
                }
            )
    documents = pd.concat(doc_frames, ignore_index=True) if doc_frames else pd.DataFrame(columns=["arm", "split", "doc_id", "source", "rights", "synthetic"])
    return {
        "tokenized_shards": pd.DataFrame(shard_rows),
        "tokenized_splits": pd.DataFrame(split_rows),
        "tokenized_sources": pd.DataFrame(source_rows),
        "tokenized_rights": documents.loc[documents["split"] == "train"].reset_index(drop=True),
    }

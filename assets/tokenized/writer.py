"""Fixed-size flat binary shards, written as they fill: memory is bounded by one shard (plus the
batch being added).

Each shard `<split>-NNNNN.bin` comes with `<split>-NNNNN.docs.parquet`, one row per document that
starts in it (doc_id, source, uri, line, rights, copy, token offset, tokens), for lineage.

Documents arrive in batches, columnar: one flat token array (end-of-text tokens included) and one
Arrow table of their lineage with each document's length. Nothing is done per document in Python:
shard cuts are array slices, a document's shard and offset come from a `searchsorted`, and a shard
is hashed and written from a zero-copy view of its array.
"""

from __future__ import annotations

import hashlib

import numpy as np
import pyarrow as pa

from assets.core.storage import Storage

DOCS_SCHEMA = pa.schema(
    [
        ("doc_id", pa.string()),
        ("source", pa.string()),
        ("uri", pa.string()),
        ("line", pa.int64()),
        ("rights", pa.string()),
        ("synthetic", pa.bool_()),
        ("copy", pa.int64()),
        ("offset", pa.int64()),  # where the document starts in this shard
        ("tokens", pa.int64()),  # its length including the end-of-text token (it may run on into the next shard)
    ]
)
LINEAGE = [f.name for f in DOCS_SCHEMA if f.name not in ("offset", "tokens")]


def docs_name(shard_name: str) -> str:
    return shard_name.removesuffix(".bin") + ".docs.parquet"


class ShardWriter:
    """Appends documents' token ids and cuts a shard every `shard_tokens` tokens."""

    def __init__(self, out: Storage, folder: str, split: str, shard_tokens: int, dtype: np.dtype):
        self.out, self.folder, self.split, self.shard_tokens = out, folder, split, shard_tokens
        self.dtype = np.dtype(dtype).newbyteorder("<")  # shards are little-endian whatever the host
        self.pending: list[np.ndarray] = []  # token arrays not yet in a shard
        self.pending_tokens = 0
        self.docs: list[pa.Table] = []  # their documents, with "start": the absolute token position
        self.position = 0  # absolute position of the first pending token
        self.written = 0  # absolute position after the last added token
        self.shards: list[dict] = []

    def add(self, ids: np.ndarray, doc: dict) -> None:
        """One document (ids include its end-of-text token)."""
        table = pa.Table.from_pylist([{k: doc.get(k) for k in LINEAGE}], schema=pa.schema([DOCS_SCHEMA.field(k) for k in LINEAGE]))
        self.add_batch(np.asarray(ids), table, np.array([len(ids)], dtype=np.int64))

    def add_batch(self, tokens: np.ndarray, docs: pa.Table, lengths: np.ndarray) -> None:
        """Documents laid end to end in `tokens`; `docs` (the LINEAGE columns) and `lengths`, one
        row per document, in order."""
        if len(docs) != len(lengths) or int(lengths.sum()) != len(tokens):
            raise ValueError(f"{self.split}: {len(docs)} documents, {len(lengths)} lengths, {int(lengths.sum())} != {len(tokens)} tokens")
        if not len(docs):
            return
        starts = self.written + np.concatenate(([0], np.cumsum(lengths[:-1], dtype=np.int64)))
        self.docs.append(docs.select(LINEAGE).append_column("start", pa.array(starts, pa.int64())).append_column("tokens", pa.array(lengths, pa.int64())))
        self.pending.append(tokens.astype(self.dtype, copy=False))
        self.pending_tokens += len(tokens)
        self.written += len(tokens)
        if self.pending_tokens >= self.shard_tokens:
            self._flush(full_only=True)

    def close(self) -> list[dict]:
        if self.pending_tokens:
            self._flush(full_only=False)
        return self.shards

    def _flush(self, full_only: bool) -> None:
        joined = np.concatenate(self.pending) if len(self.pending) > 1 else self.pending[0]
        docs = pa.concat_tables(self.docs).combine_chunks()
        starts = docs.column("start").to_numpy()
        cut = 0
        while len(joined) - cut >= self.shard_tokens or (not full_only and cut < len(joined)):
            count = min(self.shard_tokens, len(joined) - cut)
            first, last = np.searchsorted(starts, [self.position, self.position + count])
            shard_docs = docs.slice(first, last - first)
            offsets = pa.array(shard_docs.column("start").to_numpy() - self.position, pa.int64())
            self._write(joined[cut : cut + count], pa.table([*(shard_docs.column(k) for k in LINEAGE), offsets, shard_docs.column("tokens")], schema=DOCS_SCHEMA))
            cut += count
            self.position += count
        rest = joined[cut:]
        self.pending, self.pending_tokens = ([rest] if len(rest) else []), len(rest)
        first = int(np.searchsorted(starts, self.position))
        self.docs = [docs.slice(first)] if first < len(docs) else []

    def _write(self, chunk: np.ndarray, docs: pa.Table) -> None:
        name = f"{self.split}-{len(self.shards):05d}.bin"
        view = memoryview(np.ascontiguousarray(chunk, dtype=self.dtype).view(np.uint8))  # no copy
        with self.out.writer(f"{self.folder}/{name}") as handle:
            handle.write(view)
        self.out.write_parquet(f"{self.folder}/{docs_name(name)}", docs)
        self.shards.append({"name": name, "split": self.split, "tokens": int(len(chunk)), "sha256": hashlib.sha256(view).hexdigest(), "docs": docs_name(name)})

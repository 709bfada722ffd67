"""Fixed-size flat binary shards, written as they fill: memory is bounded by one shard.

Each shard `<split>-NNNNN.bin` comes with `<split>-NNNNN.docs.parquet`, one row per document that
starts in it (doc_id, source, uri, line, rights, copy, token offset, tokens), for lineage.
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


def docs_name(shard_name: str) -> str:
    return shard_name.removesuffix(".bin") + ".docs.parquet"


class ShardWriter:
    """Appends documents' token ids and cuts a shard every `shard_tokens` tokens."""

    def __init__(self, out: Storage, folder: str, split: str, shard_tokens: int, dtype: np.dtype):
        self.out, self.folder, self.split, self.shard_tokens, self.dtype = out, folder, split, shard_tokens, dtype
        self.buffer: list[np.ndarray] = []
        self.buffered = 0
        self.docs: list[dict] = []
        self.shards: list[dict] = []

    def add(self, ids: np.ndarray, doc: dict) -> None:
        self.docs.append({**doc, "offset": self.buffered, "tokens": len(ids)})
        self.buffer.append(ids)
        self.buffered += len(ids)
        while self.buffered >= self.shard_tokens:
            self._flush(self.shard_tokens)

    def close(self) -> list[dict]:
        if self.buffered:
            self._flush(self.buffered)
        return self.shards

    def _flush(self, count: int) -> None:
        joined = np.concatenate(self.buffer) if len(self.buffer) > 1 else self.buffer[0]
        chunk, rest = joined[:count], joined[count:]
        self.buffer, self.buffered = ([rest] if len(rest) else []), len(rest)
        name = f"{self.split}-{len(self.shards):05d}.bin"
        data = chunk.astype(self.dtype, copy=False).tobytes()
        self.out.write_bytes(f"{self.folder}/{name}", data)
        self.out.write_parquet(f"{self.folder}/{docs_name(name)}", pa.Table.from_pylist(self.docs, schema=DOCS_SCHEMA))
        self.docs = []
        self.shards.append({"name": name, "split": self.split, "tokens": int(count), "sha256": hashlib.sha256(data).hexdigest(), "docs": docs_name(name)})

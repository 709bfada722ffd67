"""Documents written as numbered Parquet parts of bounded size, so a large source never sits in
memory whole; each part records which files (the `uri` column) it holds, at which rows.

A part ends after `max_docs` documents or at the document that brings its text to `max_bytes`,
whichever comes first: boundaries depend on the documents alone, never on how they were fed in,
so reusing published rows gives the same parts as reading the files again.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from assets.core.storage import Storage

ROW_GROUP = 8192


class PartWriter:
    def __init__(self, out: Storage, folder: str, schema: pa.Schema, max_docs: int, max_bytes: int):
        self.out, self.folder, self.schema = out, folder, schema
        self.max_docs, self.max_bytes = max_docs, max_bytes
        self.buffer: list[pa.Table] = []
        self.lengths: list[np.ndarray] = []  # text bytes per buffered row
        self.rows = self.bytes = self.parts = 0
        self.spans: dict[str, list[list]] = {}  # origin -> [[part file, first row, rows], ...]
        self.written: list[list] = []  # [[part file, 0, rows], ...]

    def add(self, table: pa.Table) -> None:
        if table.num_rows == 0:
            return
        lengths = pc.binary_length(table.column("text").cast(pa.binary())).to_numpy(zero_copy_only=False)
        self.buffer.append(table)
        self.lengths.append(lengths)
        self.rows += table.num_rows
        self.bytes += int(lengths.sum())
        while self.rows >= self.max_docs or self.bytes >= self.max_bytes:
            cumulative = np.cumsum(np.concatenate(self.lengths))
            by_bytes = int(np.searchsorted(cumulative, self.max_bytes)) + 1
            self._write(min(self.max_docs, by_bytes, self.rows))

    def close(self) -> dict[str, list[list]]:
        if self.rows or not self.parts:  # an empty source still has one (empty) part
            self._write(self.rows)
        return self.spans

    def _write(self, count: int) -> None:
        table = pa.concat_tables(self.buffer).cast(self.schema) if self.buffer else self.schema.empty_table()
        lengths = np.concatenate(self.lengths) if self.lengths else np.zeros(0, dtype=np.int64)
        part, rest = table.slice(0, count), table.slice(count)
        name = f"part-{self.parts:05d}.parquet"
        with self.out.writer(f"{self.folder}/{name}") as handle:
            pq.write_table(part, handle, compression="zstd", row_group_size=ROW_GROUP)
        self._record(name, part.column("uri").to_pylist())
        self.written.append([name, 0, part.num_rows])
        self.parts += 1
        self.buffer = [rest.combine_chunks()] if rest.num_rows else []
        self.lengths = [lengths[count:]] if rest.num_rows else []
        self.rows, self.bytes = rest.num_rows, int(lengths[count:].sum())

    def _record(self, name: str, origins: list[str]) -> None:
        start = 0
        for row in range(1, len(origins) + 1):
            if row == len(origins) or origins[row] != origins[start]:
                spans = self.spans.setdefault(origins[start], [])
                if spans and spans[-1][0] == name and spans[-1][1] + spans[-1][2] == start:
                    spans[-1][2] += row - start
                else:
                    spans.append([name, start, row - start])
                start = row

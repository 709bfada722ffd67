"""Writing the cleaned stage's Parquet: batches spilled to local files as they come, then one
file sorted by doc_id (DuckDB, spilling its sort to disk past SORT_MEMORY), in fixed row groups so
the same rows give the same bytes."""

from __future__ import annotations

import os
import uuid
from typing import Sequence

import pyarrow as pa
import pyarrow.parquet as pq

from assets.core.storage import Storage
from assets.cleaned.schema import CORPUS_SCHEMA

ROW_GROUP = 10_000
SORT_MEMORY = "1GB"


def spill(folder: str, table: pa.Table, kind: str) -> str:
    """Writes `table` to a new local Parquet file in `folder`; returns its path."""
    path = os.path.join(folder, f"{kind}-{uuid.uuid4().hex}.parquet")
    pq.write_table(table, path)
    return path


def write_sorted(out: Storage, rel: str, files: list[str], dropped: Sequence[str], spill_folder: str) -> int:
    """The spilled rows minus `dropped`, sorted by doc_id, as one Parquet file (atomic)."""
    import duckdb

    con = duckdb.connect()
    con.execute(f"SET threads TO 2; SET memory_limit = '{SORT_MEMORY}'; SET temp_directory = '{spill_folder}/duckdb'")
    con.register("dropped", pa.table({"doc_id": pa.array(list(dropped), pa.string())}))
    rows = 0
    with out.writer(rel) as handle, pq.ParquetWriter(handle, CORPUS_SCHEMA, compression="zstd") as writer:
        if files:
            paths = ", ".join("'" + f.replace("'", "''") + "'" for f in files)  # our own temp files
            query = (f"SELECT {', '.join(CORPUS_SCHEMA.names)} FROM read_parquet([{paths}]) "
                     "WHERE doc_id NOT IN (SELECT doc_id FROM dropped) ORDER BY doc_id")
            reader = con.sql(query).to_arrow_reader(ROW_GROUP)
            buffered: list[pa.RecordBatch] = []
            for batch in reader:
                buffered.append(batch)
                table = pa.Table.from_batches(buffered, schema=CORPUS_SCHEMA)
                while len(table) >= ROW_GROUP:
                    writer.write_table(table.slice(0, ROW_GROUP), row_group_size=ROW_GROUP)
                    rows, table = rows + ROW_GROUP, table.slice(ROW_GROUP)
                buffered = table.to_batches()
            rest = pa.Table.from_batches(buffered, schema=CORPUS_SCHEMA)
            if len(rest):
                writer.write_table(rest, row_group_size=ROW_GROUP)
                rows += len(rest)
    con.close()
    return rows

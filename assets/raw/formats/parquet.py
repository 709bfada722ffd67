"""Parquet: one document per row, batch by batch; `line` is the 1-based row."""

from __future__ import annotations

from typing import Iterator

from assets.raw.items import Item, Quarantine, ReadOptions
from assets.raw.records import record_doc


def read_parquet(handle, uri: str, options: ReadOptions) -> Iterator[Item]:
    import pyarrow.parquet as pq

    field_name = options.text_field or "text"
    try:
        parquet = pq.ParquetFile(handle)
    except Exception as exc:  # noqa: BLE001 - pyarrow raises several types for a bad file
        yield Quarantine(uri, "unreadable_parquet", None, f"{type(exc).__name__}: {exc}")
        return
    if parquet.metadata.num_rows == 0:
        yield Quarantine(uri, "empty_file", None, "0 rows")
        return
    number = 0
    for batch in parquet.iter_batches(batch_size=4096):
        for record in batch.to_pylist():
            number += 1
            yield record_doc(record, uri, number, field_name)

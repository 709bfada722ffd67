"""JSON files holding a list of records: the file is the array, or `records_path` (dotted keys,
`data.items`) names the array inside an object. One document per record, `line` its 1-based
index in the array; `text_field` as for jsonl (a list of turns is joined, see records.py)."""

from __future__ import annotations

from typing import Iterator

from assets.raw.formats.json_stream import json_array_items
from assets.raw.items import Item, Quarantine, ReadOptions
from assets.raw.records import record_doc


def read_json(handle, uri: str, options: ReadOptions) -> Iterator[Item]:
    field_name = options.text_field or "text"
    path = tuple(options.records_path.split(".")) if options.records_path else ()
    seen = 0
    for index, record, error in json_array_items(handle, options.max_doc_bytes, path):
        seen += 1
        if error == "empty":
            yield Quarantine(uri, "empty_file", None, "0 bytes or only whitespace")
        elif error is not None:
            yield Quarantine(uri, "broken_json", index, error)
        elif not isinstance(record, dict):
            yield Quarantine(uri, "not_an_object", index, f"record {index} is a JSON {type(record).__name__}")
        else:
            yield record_doc(record, uri, index, field_name)
    if not seen:
        yield Quarantine(uri, "empty_file", None, "an empty array" + (f" at {options.records_path}" if path else ""))

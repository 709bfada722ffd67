"""JSON Lines: one document per object, `line` its 1-based line; a bad line is quarantined alone."""

from __future__ import annotations

import json
from typing import Iterator

from assets.raw.decoding import BINARY_ONLY, HEAD, bounded_lines, decode, what_is, why_not_text
from assets.raw.items import Item, Quarantine, ReadOptions
from assets.raw.records import record_doc


def _object(raw: bytes):
    """The line's JSON object when it is UTF-8 and parses as one, which `decode` would have
    passed too: strict JSON holds no NUL or control byte, so only a binary signature (a magic
    number at bytes 4-12) is left to rule out. None: take the slow path."""
    try:
        record = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        return None
    return record if isinstance(record, dict) and what_is(raw[:HEAD]) not in BINARY_ONLY else None


def read_jsonl(handle, uri: str, options: ReadOptions) -> Iterator[Item]:
    field_name = options.text_field or "text"
    saw_line = False
    for number, raw in bounded_lines(handle, options.max_doc_bytes):
        if raw is None:
            saw_line = True
            yield Quarantine(uri, "oversize", number, f"line over {options.max_doc_bytes} bytes")
            continue
        if not raw.strip():
            continue
        saw_line = True
        record = _object(raw)
        if record is None:  # not the common case: the slow path finds out why, with decode's fallbacks
            line = decode(raw)
            if line is None:
                yield Quarantine(uri, "binary_or_undecodable", number, why_not_text(raw))
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                yield Quarantine(uri, "broken_json", number, str(exc))
                continue
        if not isinstance(record, dict):
            yield Quarantine(uri, "not_an_object", number, f"a JSON {type(record).__name__}")
            continue
        yield record_doc(record, uri, number, field_name)
    if not saw_line:
        yield Quarantine(uri, "empty_file", None, "no lines")

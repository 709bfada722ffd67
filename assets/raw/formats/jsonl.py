"""JSON Lines: one document per object, `line` its 1-based line; a bad line is quarantined alone."""

from __future__ import annotations

import json
from typing import Iterator, Optional

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
        item = line_item(number, raw, uri, field_name, options.max_doc_bytes)
        if item is not None:
            saw_line = True
            yield item
    if not saw_line:
        yield Quarantine(uri, "empty_file", None, "no lines")


def line_item(number: int, raw: Optional[bytes], uri: str, field_name: str, limit: int) -> Optional[Item]:
    """What one line (None: over `limit` bytes) is: a document or a quarantine record; None for a blank line."""
    if raw is None:
        return Quarantine(uri, "oversize", number, f"line over {limit} bytes")
    if not raw.strip():
        return None
    record = _object(raw)
    if record is None:  # not the common case: the slow path finds out why, with decode's fallbacks
        line = decode(raw)
        if line is None:
            return Quarantine(uri, "binary_or_undecodable", number, why_not_text(raw))
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            return Quarantine(uri, "broken_json", number, str(exc))
    if not isinstance(record, dict):
        return Quarantine(uri, "not_an_object", number, f"a JSON {type(record).__name__}")
    if (b"\\ud" in raw or b"\\uD" in raw) and not _encodable(record):
        return Quarantine(uri, "broken_json", number, "a \\u escape of half a surrogate pair: no text (it cannot be written as UTF-8)")
    return record_doc(record, uri, number, field_name)


def _encodable(record: dict) -> bool:
    try:
        json.dumps(record, ensure_ascii=False).encode("utf-8")
        return True
    except UnicodeEncodeError:
        return False

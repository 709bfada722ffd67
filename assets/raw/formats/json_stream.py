"""The elements of a JSON array, parsed one by one from blocks so a large file is never held
whole: a top-level array, or the array at a dotted path of object keys (`data.items`). Values
beside the path are parsed and dropped on the way. Shared by the `json` and `labelstudio` readers.
"""

from __future__ import annotations

import codecs
import json
from typing import Iterator, Optional, Sequence

from assets.raw.decoding import BLOCK

WHITESPACE = " \t\r\n"


class _Stop(Exception):
    """The rest of the file cannot be parsed; the message says why."""


def json_array_items(handle, limit: int, path: Sequence[str] = ()) -> Iterator[tuple[int, object, Optional[str]]]:
    """(1-based index, element, None) per element, or (index, None, error) once when the rest
    cannot be parsed (the array's end is then lost); (1, None, "empty") for an empty file."""
    decoder, text_of = json.JSONDecoder(), codecs.getincrementaldecoder("utf-8-sig")()
    buffer, pos, index, eof = "", 0, 0, False

    def more() -> bool:
        nonlocal buffer, pos, eof
        if eof:
            return False
        block = handle.read(BLOCK)
        eof = not block
        buffer = buffer[pos:] + text_of.decode(block, final=eof)
        pos = 0
        return bool(block)

    def skip(chars: str) -> None:
        nonlocal pos
        while True:
            while pos < len(buffer) and buffer[pos] in chars:
                pos += 1
            if pos < len(buffer) or not more():
                return

    def value():
        nonlocal pos
        skip(WHITESPACE)  # raw_decode does not skip it
        while True:
            try:
                element, pos = decoder.raw_decode(buffer, pos)
                return element
            except json.JSONDecodeError as exc:
                if len(buffer) - pos > limit:
                    raise _Stop(f"element over {limit} bytes") from None
                if not more():
                    raise _Stop(str(exc)) from None

    def expect(char: str, error: str) -> None:
        nonlocal pos
        skip(WHITESPACE)
        if pos >= len(buffer) or buffer[pos] != char:
            raise _Stop(error)
        pos += 1

    try:
        skip(WHITESPACE)
        if pos >= len(buffer):
            yield 1, None, "empty"
            return
        for depth, key in enumerate(path):
            where = ".".join(path[:depth]) or "the top level"
            expect("{", f"not a JSON object at {where} (records_path {'.'.join(path)!r})")
            while True:
                skip(WHITESPACE + ",")
                if pos >= len(buffer) or buffer[pos] == "}":
                    raise _Stop(f"no key {key!r} at {where} (records_path {'.'.join(path)!r})")
                name = value()
                expect(":", f"a key without a value at {where}")
                if name == key:
                    break
                value()  # a sibling of the path: parsed and dropped
        if not path and buffer[pos] == "{":
            raise _Stop("a JSON object, not an array: records_path names the list of records inside it")
        expect("[", "not a JSON array" + (f" at {'.'.join(path)}" if path else ""))
        while True:
            skip(WHITESPACE + ",")
            if pos >= len(buffer):
                yield index + 1, None, "unterminated array"
                return
            if buffer[pos] == "]":
                return
            index += 1
            yield index, value(), None
    except _Stop as stop:
        yield max(index, 1), None, str(stop)
    except UnicodeDecodeError as exc:
        yield index + 1, None, f"undecodable bytes: {exc}"

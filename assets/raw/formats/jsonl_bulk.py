"""JSON Lines in bulk: blocks of lines parsed by pyarrow's JSON reader into columns
(`DocBatch`), with the same documents, quarantine records and line numbers as the line reader
(`jsonl.read_jsonl`), which stays the reference.

A line pyarrow cannot vouch for goes through the line reader's `line_item`, in its place: one
that is blank, over the limit or does not start with `{`; one with a binary signature where
`decoding.what_is` looks; one whose row holds a null (a JSON null and a missing key read alike),
a control character JSON escapes as `\\u00XX`, or a text field that is not a string. A group of
lines pyarrow refuses (a broken line, two objects on one line, a lone surrogate) is halved until
the refused lines sit in groups of at most MIN_LINES, which the line reader takes; a group whose
columns cannot be written back as the same JSON (a float or NaN column, a conversation as the text
field) is the line reader's whole. So every line still ends a document or a quarantine record
naming its line, and the raw stage writes the same bytes (tests/raw/test_jsonl_bulk.py).
"""

from __future__ import annotations

import io
from typing import Iterator

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.json as pj

from assets.raw.arrow_json import Unsupported, object_json
from assets.raw.decoding import FIRST_BYTES, LATER, bounded_lines
from assets.raw.formats.jsonl import line_item
from assets.raw.items import DocBatch, Item, Quarantine, ReadOptions

BLOCK_BYTES = 8 << 20  # lines parsed together: bounds memory, and pyarrow spreads a block over every core
PARSE = pj.ParseOptions(newlines_in_values=False, unexpected_field_behavior="infer")
OPEN = ord("{")
MIN_LINES = 64  # a refused group is halved down to this many lines
REFUSED = object()
MAGIC_WORDS = np.array([int.from_bytes(m, "little") for m in LATER], dtype=np.uint32)
assert b"{" not in FIRST_BYTES  # what_is reads a line that starts with "{" by bytes 4-12 alone


def read_jsonl_bulk(handle, uri: str, options: ReadOptions) -> Iterator[Item]:
    field_name, limit = options.text_field or "text", options.max_doc_bytes
    saw_line, before, buffer = False, 0, b""  # before: lines already read
    while True:
        try:
            block = handle.read(BLOCK_BYTES)
        except Exception:  # a broken stream: the lines completed before it are read, as the line reader does
            cut = buffer.rfind(b"\n") + 1
            for item in _block(buffer[:cut], before, uri, field_name, limit):
                yield item
            raise
        if not block:
            break
        buffer += block
        cut = buffer.rfind(b"\n") + 1
        if len(buffer) - cut > limit:  # a line over the limit is still open: the line reader skips it unheld
            for item in _block(buffer[:cut], before, uri, field_name, limit):
                saw_line = True
                yield item
            before += buffer.count(b"\n", 0, cut)
            for number, raw in bounded_lines(_Chained(buffer[cut:], handle), limit):
                item = line_item(before + number, raw, uri, field_name, limit)
                if item is not None:
                    saw_line = True
                    yield item
            buffer = b""
            break
        for item in _block(buffer[:cut], before, uri, field_name, limit):
            saw_line = True
            yield item
        before += buffer.count(b"\n", 0, cut)
        buffer = buffer[cut:]
    for item in _block(buffer, before, uri, field_name, limit):  # a last line without its newline
        saw_line = True
        yield item
    if not saw_line:
        yield Quarantine(uri, "empty_file", None, "no lines")


class _Chained(io.RawIOBase):
    """`head`, then the rest of `handle`."""

    def __init__(self, head: bytes, handle):
        self.head, self.handle = head, handle

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        if self.head:
            head, self.head = self.head, b""
            return head
        return self.handle.read(size)


def _block(data: bytes, before: int, uri: str, field_name: str, limit: int) -> Iterator[Item]:
    """The items of the lines in `data`, numbered from `before` + 1, in line order."""
    if not data:
        return
    array = np.frombuffer(data, dtype=np.uint8)
    ends = np.flatnonzero(array == 10)
    if data[-1:] != b"\n":
        ends = np.append(ends, len(data))
    starts = np.concatenate(([0], ends[:-1] + 1))
    lengths = ends - starts
    bulk = (lengths > 0) & (lengths <= limit) & (array[np.minimum(starts, len(data) - 1)] == OPEN)
    for offset in (4, 8):  # a signature at byte 4 or 8 makes a line "binary" to the line reader (decoding.what_is)
        at = starts[bulk & (lengths >= offset + 4)] + offset
        word = array[at].astype(np.uint32) | array[at + 1].astype(np.uint32) << 8 | array[at + 2].astype(np.uint32) << 16 | array[at + 3].astype(np.uint32) << 24
        bulk[np.searchsorted(starts, at[np.isin(word, MAGIC_WORDS)] - offset)] = False

    def lines_of(rows: np.ndarray) -> bytes:
        if rows[-1] - rows[0] + 1 == len(rows):  # consecutive lines: one slice
            return data[starts[rows[0]] : ends[rows[-1]]]
        return b"\n".join(data[starts[i] : ends[i]] for i in rows.tolist())

    segment = np.full(len(starts), -1)  # which parsed segment vouches for the line (-1: the line reader)
    position = np.zeros(len(starts), dtype=np.int64)
    segments = _segments(np.flatnonzero(bulk), lines_of, field_name)
    for k, (rows, columns) in enumerate(segments):
        if columns is not None:
            good = np.flatnonzero(columns[3])
            segment[rows[good]], position[rows[good]] = k, good
    second = {i: line_item(before + 1 + i, None if lengths[i] > limit else data[starts[i] : ends[i]], uri, field_name, limit)
              for i in np.flatnonzero(segment < 0).tolist()}
    shown = segment >= 0
    shown[[i for i, item in second.items() if item is not None]] = True
    shown = np.flatnonzero(shown)
    if not len(shown):  # blank lines only
        return
    runs = np.flatnonzero(np.diff(segment[shown]) != 0) + 1  # runs of lines one segment vouches for, blank lines left out
    for a, b in zip([0, *runs.tolist()], [*runs.tolist(), len(shown)]):
        k = int(segment[shown[a]])
        if k < 0:
            for i in shown[a:b].tolist():
                yield second[i]
        else:
            yield _batch(uri, shown[a:b] + before + 1, position[shown[a:b]], segments[k][1])


def _segments(rows: np.ndarray, lines_of, field_name: str) -> list[tuple]:
    """[(rows, columns or None)] covering `rows` in order: a group pyarrow refuses is halved until
    its broken lines stand alone in groups of at most MIN_LINES, which the line reader takes."""
    if not len(rows):
        return []
    columns = _columns(lines_of(rows), len(rows), field_name)
    if columns is not REFUSED or len(rows) <= MIN_LINES:
        return [(rows, None if columns is REFUSED else columns)]
    half = len(rows) // 2
    return _segments(rows[:half], lines_of, field_name) + _segments(rows[half:], lines_of, field_name)


def _columns(buffer: bytes, rows: int, field_name: str):
    """(text, client_id, meta, good: rows that need no second look) of `rows` JSON lines; REFUSED
    when pyarrow refuses them (a broken line, two objects on one); None when their columns cannot
    be turned back into the same JSON (a float column, a text field that is not a string)."""
    try:
        _valid_utf8(buffer)  # pyarrow's reader lets some invalid UTF-8 through; json.loads of the line would not
        table = pj.read_json(pa.BufferReader(buffer), parse_options=PARSE)  # zero-copy: a Python file object reads under the GIL
    except (pa.ArrowInvalid, UnicodeDecodeError):
        return REFUSED
    if table.num_rows != rows:
        return REFUSED
    if field_name not in table.column_names:
        return None
    names = table.column_names
    data = {name: table.column(name).combine_chunks() for name in names}
    text = data[field_name]
    if not pa.types.is_string(text.type):
        return None
    try:
        meta = object_json([n for n in names if n != field_name], [data[n] for n in names if n != field_name], rows)
    except Unsupported:
        return None
    client = data.get("client_id")
    if client is None:
        client = pa.nulls(rows, pa.string())
    elif pa.types.is_string(client.type):
        client = pc.if_else(pc.equal(client, ""), pa.scalar(None, pa.string()), client)
    elif pa.types.is_integer(client.type):
        client = pc.cast(client, pa.string())
    elif pa.types.is_boolean(client.type):
        client = pc.if_else(client, "True", "False")  # str() of the value, as records.client_of
    else:
        return None
    good = pc.and_(pc.is_valid(meta), pc.is_valid(text)).to_numpy(zero_copy_only=False)
    return text, client, meta, good


def _valid_utf8(buffer: bytes) -> None:
    """Raises ArrowInvalid unless `buffer` is UTF-8 as Python's codec has it (no surrogates, no overlong forms)."""
    offsets = pa.py_buffer(np.array([0, len(buffer)], dtype=np.int32).tobytes())
    pa.StringArray.from_buffers(1, offsets, pa.py_buffer(buffer)).validate(full=True)


def _batch(uri: str, lines: np.ndarray, rows: np.ndarray, columns: tuple) -> DocBatch:
    text, client, meta, _ = columns
    if len(rows) == len(text):  # the whole segment, in order
        pick = lambda a: a  # noqa: E731
    else:
        index = pa.array(rows)
        pick = lambda a: a.take(index)  # noqa: E731
    return DocBatch(uri=uri, line=int(lines[-1]), lines=pa.array(lines, pa.int64()), text=pick(text), client_id=pick(client), meta=pick(meta))

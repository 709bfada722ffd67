"""CSV with a header row: one document per row, `line` the 1-based data row. Quoted fields may
span lines and hold commas. The encoding is sniffed from the first block, without seeking back
(a decompressing stream cannot), and so is the delimiter: of `,` `;` tab and `|`, the one the
header row holds most (European spreadsheet exports use `;`)."""

from __future__ import annotations

import csv
import io
from typing import Iterator

from assets.raw.decoding import BLOCK, sniff_encoding, why_not_text
from assets.raw.items import Item, Quarantine, ReadOptions
from assets.raw.records import record_doc

DELIMITERS = ",;\t|"


class Rewound(io.RawIOBase):
    """`head`, already read, then the rest of `handle`."""

    def __init__(self, head: bytes, handle):
        self.head, self.handle = head, handle

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        if self.head:
            count = min(len(buffer), len(self.head))
            buffer[:count], self.head = self.head[:count], self.head[count:]
            return count
        data = self.handle.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


def delimiter(header: str) -> str:
    best = max(DELIMITERS, key=header.count)  # ties go to the comma, first in the list
    return best if header.count(best) else ","


def read_csv(handle, uri: str, options: ReadOptions) -> Iterator[Item]:
    field_name = options.text_field or "text"
    head = handle.read(BLOCK)
    encoding = sniff_encoding(head)
    if encoding is None:
        yield Quarantine(uri, "binary_or_undecodable", None, why_not_text(head))
        return
    csv.field_size_limit(max(csv.field_size_limit(), options.max_doc_bytes + 1))
    stream = io.TextIOWrapper(io.BufferedReader(Rewound(head, handle), BLOCK), encoding=encoding, newline="")
    rows = csv.DictReader(stream, delimiter=delimiter(head.split(b"\n", 1)[0].decode(encoding, "replace")))
    number = 0
    try:
        if not rows.fieldnames:
            yield Quarantine(uri, "empty_file", None, "no header row")
            return
        while True:
            number += 1
            try:
                record = next(rows)
            except StopIteration:
                break
            except csv.Error as exc:
                reason = "oversize" if "field larger" in str(exc) else "broken_csv"
                yield Quarantine(uri, reason, number, str(exc) or "the csv parser gave up on this row")
                continue
            if None in record:  # more cells than header names
                yield Quarantine(uri, "broken_csv", number, f"{len(record[None])} cells beyond the header")
                continue
            if record.get(field_name) is None:
                yield Quarantine(uri, "missing_text_field", number, f"no column {field_name!r} (columns: {', '.join(rows.fieldnames)})")
                continue
            yield record_doc(record, uri, number, field_name)
    except UnicodeDecodeError as exc:  # the sniffed encoding broke further down: the rest is lost
        yield Quarantine(uri, "binary_or_undecodable", number, f"{encoding}: {exc}")

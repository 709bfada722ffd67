"""The readers registry: every source format of sources.yaml maps to one reader here, each in its
own module under assets/raw/formats/. Adding a format is that module, one entry below and its
name in `assets.core.settings.FORMATS` (tests/raw/test_formats.py keeps the three in step).

A per-file reader has the signature `reader(handle, origin, options) -> Iterator[Item]`: `handle`
is a binary file object on the file's decompressed bytes (seekable only for the formats in
RANDOM_ACCESS), `origin` the file's path relative to its source's glob root. Readers stream and
never raise on bad content: they yield documents, quarantine records or skipped records.
Ingestion reads JSONL with its bulk reader (BULK_READERS), which yields the same items with good
runs of lines as one DocBatch; the per-line reader stays the reference it is tested against.
Clienteling events are read per source, not per file (a client's month can span files).
"""

from __future__ import annotations

from typing import Iterator

from assets.raw.compression import BrokenCompression, open_input
from assets.raw.formats.csv_rows import read_csv
from assets.raw.formats.docx import read_docx
from assets.raw.formats.events import read_events
from assets.raw.formats.json_records import read_json
from assets.raw.formats.jsonl import read_jsonl
from assets.raw.formats.jsonl_bulk import read_jsonl_bulk
from assets.raw.formats.labelstudio import read_labelstudio
from assets.raw.formats.parquet import read_parquet
from assets.raw.formats.pdf import read_pdf
from assets.raw.formats.text import read_text
from assets.raw.formats.warc import read_warc
from assets.raw.items import Item, Quarantine, ReadOptions

READERS = {
    "txt": read_text,
    "md": read_text,
    "html": read_text,
    "jsonl": read_jsonl,
    "json": read_json,
    "csv": read_csv,
    "parquet": read_parquet,
    "pdf": read_pdf,
    "docx": read_docx,
    "labelstudio": read_labelstudio,
    "warc": read_warc,
}
BULK_READERS = {"jsonl": read_jsonl_bulk}  # what ingestion reads with: the same items, good runs of lines as one DocBatch
SOURCE_READERS = {"events": read_events}  # reader(files: Iterable[(origin, handle)], options)
RANDOM_ACCESS = frozenset({"parquet", "pdf", "docx"})  # compressed ones are decompressed to a temporary file first
HTML_FORMATS = frozenset({"html", "warc"})  # their documents are HTML: the cleaned stage extracts the main text


def read_file(fmt: str, fs, path: str, origin: str, options: ReadOptions) -> Iterator[Item]:
    """The items of one file. A compressed stream that breaks ends the file with a quarantine
    record at the first line not read (what was read before it stays)."""
    last_line = 0
    try:
        with open_input(fs, path, seekable=fmt in RANDOM_ACCESS) as handle:
            for item in BULK_READERS.get(fmt, READERS[fmt])(handle, origin, options):
                last_line = max(last_line, getattr(item, "line", None) or 0)
                yield item
    except BrokenCompression as exc:
        yield Quarantine(origin, "broken_compression", last_line + 1 if last_line else None, exc.detail)

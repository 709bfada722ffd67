"""Readers: one function per file format, each yielding documents or quarantine records, never
raising on bad content. They stream: a line-based file is read in blocks and one line at a time,
a Parquet file batch by batch, a text file only up to the size limit.

Every reader has the signature `reader(handle, origin, options) -> Iterator[RawDoc | Quarantine]`
where `handle` is a binary, seekable file object and `origin` the file's path relative to its
source's glob root. Clienteling events are not read file by file (a client's month can span
files): see assets/raw/events.py.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
from dataclasses import dataclass, field
from typing import Iterator, Optional, Union

from charset_normalizer import from_bytes

BLOCK = 1 << 20


@dataclass
class RawDoc:
    text: str
    uri: str
    line: Optional[int] = None  # 1-based line (jsonl), row (csv, parquet) or task (labelstudio)
    client_id: Optional[str] = None
    meta: dict = field(default_factory=dict)


@dataclass
class Quarantine:
    uri: str
    reason: str
    line: Optional[int] = None
    detail: str = ""


@dataclass(frozen=True)
class ReadOptions:
    text_field: Optional[str]
    max_doc_bytes: int


Item = Union[RawDoc, Quarantine]


def decode(data: bytes) -> Optional[str]:
    """UTF-8 first; otherwise the encoding charset-normalizer detects; None for binary content."""
    if b"\x00" in data[:8192]:
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        match = from_bytes(data).best()
        if match is None:
            return None
        text = str(match)
        controls = sum(1 for c in text[:8192] if ord(c) < 32 and c not in "\t\n\r\f")
        return None if controls > len(text[:8192]) // 10 else text


def bounded_lines(handle, limit: int) -> Iterator[tuple[int, Optional[bytes]]]:
    """(1-based line number, bytes without the newline) per line; None for a line over `limit`
    bytes, which is skipped without ever being held whole."""
    number, buffer, skipping = 0, b"", False
    while True:
        block = handle.read(BLOCK)
        if not block:
            break
        buffer += block
        start = 0
        while (end := buffer.find(b"\n", start)) >= 0:
            number += 1
            yield number, None if skipping or end - start > limit else buffer[start:end]
            skipping, start = False, end + 1
        buffer = buffer[start:]
        if len(buffer) > limit:
            skipping, buffer = True, b""
    if buffer or skipping:
        yield number + 1, None if skipping or len(buffer) > limit else buffer


def _client(record: dict) -> Optional[str]:
    value = record.get("client_id")
    return None if value is None or value == "" else str(value)


def _record_doc(record: dict, uri: str, line: int, field_name: str) -> Item:
    text = record.get(field_name)
    if not isinstance(text, str):
        return Quarantine(uri, "missing_text_field", line, f"no string field {field_name!r}")
    meta = {k: v for k, v in record.items() if k != field_name}
    return RawDoc(text=text, uri=uri, line=line, client_id=_client(record), meta=meta)


def read_text(handle, uri: str, options: ReadOptions) -> Iterator[Item]:
    """txt, md and html: the whole file is one document (HTML stays HTML for the cleaned stage)."""
    data = handle.read(options.max_doc_bytes + 1)
    if len(data) > options.max_doc_bytes:
        yield Quarantine(uri, "oversize", None, f"over {options.max_doc_bytes} bytes")
        return
    if not data.strip():
        yield Quarantine(uri, "empty_file")
        return
    text = decode(data)
    if text is None:
        yield Quarantine(uri, "binary_or_undecodable")
        return
    yield RawDoc(text=text, uri=uri)


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
        line = decode(raw)
        if line is None:
            yield Quarantine(uri, "binary_or_undecodable", number)
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            yield Quarantine(uri, "broken_json", number, str(exc))
            continue
        if not isinstance(record, dict):
            yield Quarantine(uri, "not_an_object", number, f"a JSON {type(record).__name__}")
            continue
        yield _record_doc(record, uri, number, field_name)
    if not saw_line:
        yield Quarantine(uri, "empty_file")


def _sniff_encoding(handle) -> Optional[str]:
    """The encoding of a text file, from its first block (UTF-8 unless that fails to decode)."""
    head = handle.read(BLOCK)
    handle.seek(0)
    if b"\x00" in head[:8192]:
        return None
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
        return "utf-8-sig" if head.startswith(codecs.BOM_UTF8) else "utf-8"
    except UnicodeDecodeError:
        match = from_bytes(head).best()
        return match.encoding if match is not None else None


def read_csv(handle, uri: str, options: ReadOptions) -> Iterator[Item]:
    """One document per row; `line` is the 1-based data row. Quoted fields may span lines."""
    field_name = options.text_field or "text"
    encoding = _sniff_encoding(handle)
    if encoding is None:
        yield Quarantine(uri, "binary_or_undecodable")
        return
    csv.field_size_limit(max(csv.field_size_limit(), options.max_doc_bytes + 1))
    stream = io.TextIOWrapper(handle, encoding=encoding, newline="")
    rows = csv.DictReader(stream)
    number = 0
    try:
        if not rows.fieldnames:
            yield Quarantine(uri, "empty_file")
            return
        while True:
            number += 1
            try:
                record = next(rows)
            except StopIteration:
                break
            except csv.Error as exc:
                reason = "oversize" if "field larger" in str(exc) else "broken_csv"
                yield Quarantine(uri, reason, number, str(exc))
                continue
            if None in record:  # more cells than header names
                yield Quarantine(uri, "broken_csv", number, f"{len(record[None])} cells beyond the header")
                continue
            text = record.get(field_name)
            if text is None:
                yield Quarantine(uri, "missing_text_field", number, f"no column {field_name!r}")
                continue
            yield _record_doc(record, uri, number, field_name)
    except UnicodeDecodeError as exc:  # the sniffed encoding broke further down: the rest is lost
        yield Quarantine(uri, "binary_or_undecodable", number, f"{encoding}: {exc}")
    finally:
        stream.detach()


def read_parquet(handle, uri: str, options: ReadOptions) -> Iterator[Item]:
    """One document per row, batch by batch; `line` is the 1-based row."""
    import pyarrow.parquet as pq

    field_name = options.text_field or "text"
    try:
        parquet = pq.ParquetFile(handle)
    except Exception as exc:  # noqa: BLE001 - pyarrow raises several types for a bad file
        yield Quarantine(uri, "unreadable_parquet", None, f"{type(exc).__name__}: {exc}")
        return
    if parquet.metadata.num_rows == 0:
        yield Quarantine(uri, "empty_file")
        return
    number = 0
    for batch in parquet.iter_batches(batch_size=4096):
        for record in batch.to_pylist():
            number += 1
            yield _record_doc(record, uri, number, field_name)


def read_pdf(handle, uri: str, options: ReadOptions) -> Iterator[Item]:
    """The text layer, pages separated by a blank line; a scan without one is quarantined."""
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    try:
        reader = PdfReader(handle)
        pages = [page.extract_text() or "" for page in reader.pages]
    except (PyPdfError, ValueError, KeyError, TypeError, OSError) as exc:
        yield Quarantine(uri, "unreadable_pdf", None, f"{type(exc).__name__}: {exc}")
        return
    text = "\n\n".join(p.strip() for p in pages if p.strip())
    if not text:
        yield Quarantine(uri, "no_text_layer", None, f"{len(pages)} pages without text")
        return
    yield RawDoc(text=text, uri=uri, meta={"pages": len(pages)})


W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
DC_TITLE = "{http://purl.org/dc/elements/1.1/}title"
XML_PER_TEXT_BYTE = 50  # WordprocessingML markup is ~5-20 bytes per byte of text


def _paragraph_text(paragraph) -> str:
    parts = []
    for node in paragraph.iter(f"{W}t", f"{W}tab", f"{W}br", f"{W}cr"):
        parts.append(node.text or "" if node.tag == f"{W}t" else "\t" if node.tag == f"{W}tab" else "\n")
    return "".join(parts)


def read_docx(handle, uri: str, options: ReadOptions) -> Iterator[Item]:
    """Every paragraph (table cells included) in document order, one per line. The XML is read
    directly: python-docx's full package load costs ~40 ms a file, ten times this."""
    import zipfile

    from lxml import etree

    try:
        with zipfile.ZipFile(handle) as package:
            xml_bytes = package.getinfo("word/document.xml").file_size
            if xml_bytes > XML_PER_TEXT_BYTE * options.max_doc_bytes:  # never inflate a zip bomb
                yield Quarantine(uri, "oversize", None, f"word/document.xml inflates to {xml_bytes} bytes")
                return
            body = etree.fromstring(package.read("word/document.xml"))
            core = etree.fromstring(package.read("docProps/core.xml")) if "docProps/core.xml" in package.namelist() else None
    except (zipfile.BadZipFile, KeyError, etree.XMLSyntaxError, ValueError) as exc:
        yield Quarantine(uri, "unreadable_docx", None, f"{type(exc).__name__}: {exc}")
        return
    text = "\n".join(_paragraph_text(p) for p in body.iter(f"{W}p")).strip()
    if not text:
        yield Quarantine(uri, "empty_file", None, "no text in the document")
        return
    title = core.findtext(DC_TITLE) if core is not None else None
    yield RawDoc(text=text, uri=uri, meta={"title": title} if title else {})


def read_labelstudio(handle, uri: str, options: ReadOptions) -> Iterator[Item]:
    from assets.raw.labelstudio import read_tasks

    yield from read_tasks(handle, uri, options)


READERS = {
    "txt": read_text,
    "md": read_text,
    "html": read_text,
    "jsonl": read_jsonl,
    "csv": read_csv,
    "parquet": read_parquet,
    "pdf": read_pdf,
    "docx": read_docx,
    "labelstudio": read_labelstudio,
}

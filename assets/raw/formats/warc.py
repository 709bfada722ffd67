"""WARC web archives (`.warc`, `.warc.gz`), read with warcio: every successful HTML response (or
resource) record is one document, its HTML kept for the cleaned stage's extraction like
`format: html`, its target URI, date and record id in meta; `line` is the record's 1-based
position in the file. Requests, metadata, redirects, errors and non-HTML payloads (images,
scripts) are not documents: they are counted as skipped, by kind."""

from __future__ import annotations

from typing import Iterator

from assets.raw.decoding import decode, why_not_text
from assets.raw.items import Item, Quarantine, RawDoc, ReadOptions, Skipped

HTML_TYPES = ("text/html", "application/xhtml+xml")


def _charset(content_type: str):
    for part in content_type.split(";")[1:]:
        key, _, value = part.partition("=")
        if key.strip().lower() == "charset":
            return value.strip().strip("\"'")
    return None


def _html(data: bytes, content_type: str):
    charset = _charset(content_type)
    if charset:
        try:
            return data.decode(charset)
        except (LookupError, UnicodeDecodeError):
            pass  # a wrong declaration is common: detect instead
    return decode(data)


def read_warc(handle, uri: str, options: ReadOptions) -> Iterator[Item]:
    from warcio.archiveiterator import ArchiveIterator
    from warcio.exceptions import ArchiveLoadFailed

    number = 0
    try:
        for record in ArchiveIterator(handle, arc2warc=True):
            number += 1
            kind = record.rec_type
            if kind not in ("response", "resource"):
                yield Skipped(uri, f"warc {kind}", number)
                continue
            headers = record.http_headers if kind == "response" else record.rec_headers
            if headers is None:
                yield Skipped(uri, f"warc {kind} without HTTP headers", number)
                continue
            status = headers.get_statuscode() if kind == "response" else "200"
            content_type = headers.get_header("Content-Type") or ""
            mime = content_type.split(";")[0].strip().lower()
            if not str(status).startswith("2"):
                yield Skipped(uri, f"http {status} {kind}", number)
                continue
            if mime not in HTML_TYPES:
                yield Skipped(uri, f"{mime or 'untyped'} {kind}", number)
                continue
            target = record.rec_headers.get_header("WARC-Target-URI")
            data = record.content_stream().read(options.max_doc_bytes + 1)
            if len(data) > options.max_doc_bytes:
                yield Quarantine(uri, "oversize", number, f"{target}: over {options.max_doc_bytes} bytes")
                continue
            text = _html(data, content_type)
            if text is None or not text.strip():
                yield Quarantine(uri, "binary_or_undecodable" if text is None else "empty_text", number,
                                 f"{target}: {why_not_text(data) if text is None else 'an empty page'}")
                continue
            meta = {"url": target, "date": record.rec_headers.get_header("WARC-Date"),
                    "record_id": record.rec_headers.get_header("WARC-Record-ID"), "content_type": content_type}
            yield RawDoc(text=text, uri=uri, line=number, meta=meta)
    except ArchiveLoadFailed as exc:
        yield Quarantine(uri, "unreadable_warc", number + 1, f"record {number + 1}: {exc}")
        return
    if number == 0:
        yield Quarantine(uri, "empty_file", None, "no WARC records")

"""txt, md and html: the whole file is one document (HTML stays HTML for the cleaned stage)."""

from __future__ import annotations

from typing import Iterator

from assets.raw.decoding import decode, why_not_text
from assets.raw.items import Item, Quarantine, RawDoc, ReadOptions


def read_text(handle, uri: str, options: ReadOptions) -> Iterator[Item]:
    data = handle.read(options.max_doc_bytes + 1)  # never more: a compressed file may inflate without bound
    if len(data) > options.max_doc_bytes:
        yield Quarantine(uri, "oversize", None, f"over {options.max_doc_bytes} bytes")
        return
    handle.read(1)  # at the end: a compressed stream that broke raises here instead of passing for a short file
    if not data.strip():
        yield Quarantine(uri, "empty_file", None, "0 bytes" if not data else f"{len(data)} bytes of whitespace")
        return
    text = decode(data)
    if text is None:
        yield Quarantine(uri, "binary_or_undecodable", None, why_not_text(data))
        return
    yield RawDoc(text=text, uri=uri)

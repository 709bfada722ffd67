"""PDF: the text layer, pages separated by a blank line; a scan without one is quarantined."""

from __future__ import annotations

from typing import Iterator

from assets.raw.items import Item, Quarantine, RawDoc, ReadOptions


def read_pdf(handle, uri: str, options: ReadOptions) -> Iterator[Item]:
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

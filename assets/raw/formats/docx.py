"""Word documents: every paragraph (table cells included) in document order, one per line. The
XML is read directly: python-docx's full package load costs ~40 ms a file, ten times this."""

from __future__ import annotations

from typing import Iterator

from assets.raw.items import Item, Quarantine, RawDoc, ReadOptions

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
DC_TITLE = "{http://purl.org/dc/elements/1.1/}title"
XML_PER_TEXT_BYTE = 50  # WordprocessingML markup is ~5-20 bytes per byte of text


def _paragraph_text(paragraph) -> str:
    parts = []
    for node in paragraph.iter(f"{W}t", f"{W}tab", f"{W}br", f"{W}cr"):
        parts.append(node.text or "" if node.tag == f"{W}t" else "\t" if node.tag == f"{W}tab" else "\n")
    return "".join(parts)


def read_docx(handle, uri: str, options: ReadOptions) -> Iterator[Item]:
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

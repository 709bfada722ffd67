"""Bytes to text: UTF-8 first, otherwise the encoding charset-normalizer detects; binary content
is told apart and named (`no text: PNG image`) so its quarantine record says what was seen.
Also the bounded line splitter every line-based reader uses."""

from __future__ import annotations

import codecs
from typing import Iterator, Optional

from charset_normalizer import from_bytes

BLOCK = 1 << 20
HEAD = 8192

# (offset, magic bytes, what). A dozen signatures are all a text corpus meets; no libmagic needed.
SIGNATURES = (
    (0, b"\x89PNG\r\n\x1a\n", "PNG image"),
    (0, b"\xff\xd8\xff", "JPEG image"),
    (0, b"GIF8", "GIF image"),
    (0, b"II*\x00", "TIFF image"),
    (0, b"MM\x00*", "TIFF image"),
    (8, b"WEBP", "WebP image"),
    (4, b"ftyp", "MP4/QuickTime video"),
    (0, b"ID3", "MP3 audio"),
    (0, b"OggS", "Ogg media"),
    (0, b"%PDF", "PDF document"),
    (0, b"PK\x03\x04", "ZIP archive (or docx/xlsx)"),
    (0, b"\x1f\x8b", "gzip stream"),
    (0, b"BZh", "bzip2 stream"),
    (0, b"\xfd7zXZ\x00", "xz stream"),
    (0, b"\x28\xb5\x2f\xfd", "zstd stream"),
    (0, b"7z\xbc\xaf\x27\x1c", "7-Zip archive"),
    (0, b"Rar!", "RAR archive"),
    (0, b"PAR1", "Parquet file"),
    (0, b"SQLite format 3\x00", "SQLite database"),
    (0, b"\x7fELF", "ELF executable"),
    (0, b"MZ", "Windows executable"),
    (0, b"\xd0\xcf\x11\xe0", "OLE2 document (doc/xls)"),
)
BINARY_ONLY = {what for _, _, what in SIGNATURES} - {"MP3 audio", "Windows executable", "TIFF image"}  # text can start with these short magics


FIRST_BYTES = frozenset(magic[:1] for offset, magic, _ in SIGNATURES if offset == 0)
LATER = frozenset(magic for offset, magic, _ in SIGNATURES if offset)  # 4-byte magics at offset 4 or 8


def what_is(data: bytes) -> Optional[str]:
    """The kind of binary content `data` starts with, or None when no signature matches."""
    if data[:1] not in FIRST_BYTES and data[4:8] not in LATER and data[8:12] not in LATER:
        return None  # the common case, a JSON line or a text, in a few operations
    for offset, magic, what in SIGNATURES:
        if data[offset:offset + len(magic)] == magic:
            return what
    return None


CONTROL_BYTES = bytes(b for b in range(32) if chr(b) not in "\t\n\r\f")


def _mostly_controls(head: bytes) -> bool:
    return len(head) - len(head.translate(None, CONTROL_BYTES)) > len(head) // 10


def _controls(text: str) -> int:
    return sum(1 for c in text[:HEAD] if ord(c) < 32 and c not in "\t\n\r\f")


def decode(data: bytes) -> Optional[str]:
    """UTF-8 first; otherwise the encoding charset-normalizer detects; None for binary content."""
    head = data[:HEAD]
    if b"\x00" in head or what_is(head) in BINARY_ONLY or _mostly_controls(head):
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        match = from_bytes(data).best()
        if match is None:
            return None
        text = str(match)
        return None if _controls(text) > len(text[:HEAD]) // 10 else text



def why_not_text(data: bytes) -> str:
    """The quarantine detail for bytes `decode` refused."""
    what = what_is(data[:HEAD])
    if what:
        return f"no text: {what}"
    nul = data.find(b"\x00", 0, HEAD)
    if nul >= 0:
        return f"no text: a NUL byte at byte {nul:,} (binary content)"
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        return f"no text: not UTF-8 (byte {exc.start:,}: {data[exc.start:exc.start + 1]!r}) and no other encoding fits"
    return "no text: mostly control characters"


def sniff_encoding(head: bytes) -> Optional[str]:
    """The encoding of a text stream from its first block (UTF-8 unless that fails to decode)."""
    if b"\x00" in head[:HEAD] or what_is(head[:HEAD]) in BINARY_ONLY or _mostly_controls(head[:HEAD]):
        return None
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
        return "utf-8-sig" if head.startswith(codecs.BOM_UTF8) else "utf-8"
    except UnicodeDecodeError:
        match = from_bytes(head).best()
        return match.encoding if match is not None else None


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

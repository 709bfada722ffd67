"""Compressed inputs (`.gz`, `.bz2`, `.xz`, `.zst`), decompressed while they are read, local and
on object stores alike: the codec is inferred from the file name as fsspec's
`compression="infer"` does. A stream that breaks (truncated, corrupt, not the codec it claims)
raises `BrokenCompression` with what was seen and where, in compressed bytes, so the reader's
caller can quarantine the rest of the file with a detail a user can act on.

zstd frames are decoded here rather than through fsspec's zstandard wrapper: its stream reader
ends a truncated frame silently, which would lose the tail of a file without a word.
"""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
import shutil
import tempfile
from contextlib import contextmanager
from typing import Optional

from fsspec.utils import infer_compression

from assets.raw.decoding import BLOCK, what_is

CODECS = {"gzip": lambda raw: gzip.GzipFile(fileobj=raw, mode="rb"), "bz2": lambda raw: bz2.BZ2File(raw, mode="rb"),
          "xz": lambda raw: lzma.LZMAFile(raw, mode="rb"), "lzma": lambda raw: lzma.LZMAFile(raw, mode="rb"),
          "zstd": lambda raw: ZstdFrames(raw)}
SPOOL_IN_MEMORY = 16 * BLOCK  # random-access formats: a decompressed copy up to this size stays in memory


class BrokenCompression(Exception):
    def __init__(self, detail: str):
        super().__init__(detail)
        self.detail = detail


def codec_of(path: str) -> Optional[str]:
    """The compression a file name declares, among those read here (None: read as is)."""
    codec = infer_compression(path)
    return codec if codec in CODECS else None


class ZstdFrames(io.RawIOBase):
    """Every zstd frame of `raw` in turn; a frame cut short raises EOFError like the other codecs."""

    def __init__(self, raw):
        import zstandard

        self.raw, self.context, self.frame = raw, zstandard.ZstdDecompressor(), None
        self.pending, self.offset, self.leftover, self.done = b"", 0, b"", False

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        while self.offset >= len(self.pending) and not self.done:
            data, self.leftover = self.leftover or self.raw.read(1 << 16), b""
            if not data:
                if self.frame is not None and not self.frame.eof:
                    raise EOFError("zstd frame cut short")
                self.done = True
                break
            if self.frame is None or self.frame.eof:
                self.frame = self.context.decompressobj()
            self.pending, self.offset = self.frame.decompress(data), 0
            if self.frame.eof:
                self.leftover = self.frame.unused_data
        count = min(len(buffer), len(self.pending) - self.offset)
        buffer[:count] = memoryview(self.pending)[self.offset:self.offset + count]
        self.offset += count
        return count


class Decompressed(io.RawIOBase):
    """The decompressed bytes of `raw`; the codec's errors become BrokenCompression. A read that
    meets the error returns what it decompressed before it, and the next read raises: the lines
    before a truncation are kept."""

    def __init__(self, raw, codec: str):
        self.raw, self.codec, self.produced, self.error = raw, codec, 0, None
        self.head = raw.read(16)
        raw.seek(0)
        self.stream = CODECS[codec](raw)
        self.chunk = getattr(self.stream, "read1", self.stream.read)  # one codec step at a time

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        if self.error is not None:
            raise self.error
        chunks, got = [], 0
        while size < 0 or got < size:
            try:
                data = self.chunk(BLOCK if size < 0 else min(size - got, BLOCK))
            except Exception as exc:  # noqa: BLE001 - each codec raises its own types (EOFError, OSError, LZMAError, ZstdError)
                self.error = BrokenCompression(self.describe(exc))
                if not chunks:
                    raise self.error from exc
                break
            if not data:
                break
            chunks.append(data)
            got += len(data)
            self.produced += len(data)
        return b"".join(chunks)

    def readinto(self, buffer) -> int:
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def describe(self, exc: Exception) -> str:
        name, at = self.codec, self.raw.tell()
        # a cut inside the next gzip member's 10-byte header reads as "Not a gzipped file": at the
        # end of the input that is a truncation too
        cut_in_header = type(exc).__name__ == "BadGzipFile" and self.produced > 0 and not self.raw.read(1)
        if isinstance(exc, EOFError) or cut_in_header:
            return f"{name} stream truncated at byte {at:,} ({self.produced:,} bytes decompressed)"
        if self.produced == 0:
            seen = what_is(self.head)
            return f"not a {name} stream: " + (f"the bytes are a {seen}" if seen else f"it starts with {self.head[:8]!r}")
        return f"{name} stream corrupt near byte {at:,} ({self.produced:,} bytes decompressed): {exc}"


@contextmanager
def open_input(fs, path: str, seekable: bool = False):
    """A binary handle on the file's (decompressed) bytes. `seekable`: a compressed file is first
    decompressed into a spooled temporary file, for readers that need random access."""
    with fs.open(path, "rb") as raw:
        codec = codec_of(path)
        if codec is None:
            yield raw
            return
        stream = Decompressed(raw, codec)
        if not seekable:
            yield stream
            return
        with tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY, prefix="atelier-decompressed-") as copy:
            shutil.copyfileobj(stream, copy, BLOCK)
            copy.seek(0)
            yield copy

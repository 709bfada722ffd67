"""Compressed inputs: every codec is decompressed while read with line numbers intact, and a
broken stream is quarantined with a detail saying what was seen and where."""

from __future__ import annotations

import bz2
import gzip
import json
import lzma
import re

import fsspec
import pytest
import zstandard

from assets.raw.items import DocBatch, Quarantine, RawDoc, ReadOptions
from assets.raw.readers import read_file

CODECS = {"gz": gzip.compress, "bz2": bz2.compress, "xz": lzma.compress, "zst": lambda d: zstandard.ZstdCompressor().compress(d)}
OPTIONS = ReadOptions(text_field="body", max_doc_bytes=100_000)


def jsonl(n: int) -> bytes:
    lines = [json.dumps({"body": f"Fitting note {i}: the hem was taken up by two centimetres."}) for i in range(1, n + 1)]
    lines[6] = '{"body": "broken'  # line 7
    lines.insert(3, "")  # a blank line 4 shifts what follows
    return ("\n".join(lines) + "\n").encode()


def read(tmp_path, name: str, data: bytes, fmt: str = "jsonl", options=OPTIONS):
    path = tmp_path / name
    path.write_bytes(data)
    items = read_file(fmt, fsspec.filesystem("file"), str(path), name, options)  # JSONL good runs come in bulk: one by one here
    return [doc for item in items for doc in (item.docs() if isinstance(item, DocBatch) else [item])]


@pytest.mark.parametrize("ext", sorted(CODECS))
def test_every_codec_is_read_with_its_line_numbers(tmp_path, ext):
    data = jsonl(3000)
    items = read(tmp_path, f"notes.jsonl.{ext}", CODECS[ext](data))
    plain = read(tmp_path, "notes.jsonl", data)
    assert [(type(i).__name__, i.line, getattr(i, "text", None)) for i in items] == \
           [(type(i).__name__, i.line, getattr(i, "text", None)) for i in plain]
    docs = [i for i in items if isinstance(i, RawDoc)]
    assert len(docs) == 2999 and all(type(d.line) is int for d in docs)
    assert docs[3].line == 5 and docs[3].text.startswith("Fitting note 4:")
    assert [(q.line, q.reason) for q in items if isinstance(q, Quarantine)] == [(8, "broken_json")]


def test_multi_frame_zstd_and_multi_member_gzip_are_read_whole(tmp_path):
    first, second = b'{"body": "one"}\n', b'{"body": "two"}\n'
    z = zstandard.ZstdCompressor()
    for name, data in [("a.jsonl.zst", z.compress(first) + z.compress(second)), ("a.jsonl.gz", gzip.compress(first) + gzip.compress(second))]:
        assert [(d.line, d.text) for d in read(tmp_path, name, data)] == [(1, "one"), (2, "two")]


@pytest.mark.parametrize("ext,name", [("gz", "gzip"), ("bz2", "bz2"), ("xz", "xz"), ("zst", "zstd")])
def test_a_truncated_stream_keeps_what_was_read_and_quarantines_the_rest(tmp_path, ext, name):
    compressed = CODECS[ext](jsonl(30_000))  # ~2 MB: bz2 decodes 900 KB blocks whole
    cut = compressed[: len(compressed) * 4 // 5]
    items = read(tmp_path, f"cut.jsonl.{ext}", cut)
    docs = [i for i in items if isinstance(i, RawDoc)]
    last = items[-1]
    assert isinstance(last, Quarantine) and last.reason == "broken_compression"
    assert last.detail.startswith(f"{name} stream truncated at byte {len(cut):,} (")
    assert 0 < len(docs) < 29_999 and last.line == docs[-1].line + 1


def test_a_png_named_txt_gz_and_a_gzipped_png_say_what_they_are(tmp_path):
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4
    [renamed] = read(tmp_path, "scan.txt.gz", png, "txt")
    assert (renamed.reason, renamed.detail) == ("broken_compression", "not a gzip stream: the bytes are a PNG image")
    [inside] = read(tmp_path, "scan2.txt.gz", gzip.compress(png), "txt")
    assert (inside.reason, inside.detail) == ("binary_or_undecodable", "no text: PNG image")
    [csv_png] = read(tmp_path, "table.csv.xz", lzma.compress(png), "csv")
    assert csv_png.detail == "no text: PNG image"


def test_random_access_formats_are_decompressed_first(tmp_path):
    import io

    import pyarrow as pa
    import pyarrow.parquet as pq

    sink = io.BytesIO()
    pq.write_table(pa.table({"body": ["a", "b"]}), sink)
    items = read(tmp_path, "rows.parquet.gz", gzip.compress(sink.getvalue()), "parquet")
    assert [(d.line, d.text) for d in items] == [(1, "a"), (2, "b")]
    [broken] = read(tmp_path, "rows2.parquet.gz", gzip.compress(sink.getvalue())[:-20], "parquet")
    assert broken.reason == "broken_compression" and broken.detail.startswith("gzip stream truncated")


def test_a_compressed_file_never_inflates_past_the_size_limit(tmp_path):
    import tracemalloc

    bomb = gzip.compress(b"a" * 50_000_000)  # 50 MB of one letter: ~50 KB compressed
    tracemalloc.start()
    [item] = read(tmp_path, "bomb.txt.gz", bomb, "txt", ReadOptions(None, 1_000_000))
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert item.reason == "oversize" and peak < 10_000_000


def test_a_truncated_warc_keeps_its_whole_records(tmp_path):
    from tests.raw.test_readers import _warc

    pages = [(f"https://maison.example/{i}", "200 OK", "text/html", f"<html><p>page {i} {'x' * 2000}</p></html>".encode()) for i in range(40)]
    data = _warc(pages)  # gzip members per record, as crawlers write them
    # cut inside a member, never on a boundary (record ids are random, so member sizes vary from run to
    # run): halfway between two gzip headers, past two thirds of the file
    starts = [m.start() for m in re.finditer(b"\x1f\x8b\x08", data)]
    later = [i for i, start in enumerate(starts) if start >= len(data) * 2 // 3][0]
    items = read(tmp_path, "crawl.warc.gz", data[: (starts[later] + starts[later + 1]) // 2], "warc")
    docs = [i for i in items if isinstance(i, RawDoc)]
    assert 0 < len(docs) < 40 and items[-1].reason == "broken_compression"
    assert items[-1].detail.startswith("gzip stream truncated at byte") and items[-1].line == items[-2].line + 1  # the first record not read


def test_compressed_event_logs_are_read_and_a_broken_one_keeps_its_lines(tmp_path):
    from assets.raw.compression import open_input
    from assets.raw.formats.events import read_events

    events = [json.dumps({"event_id": f"E{i}", "client_id": "C1", "ts": f"2025-03-{1 + i % 28:02d}T10:00:00Z", "type": "visit",
                          "note": "x" * 200}) for i in range(2000)]
    data = ("\n".join(events) + "\n").encode()
    (tmp_path / "a.jsonl.zst").write_bytes(zstandard.ZstdCompressor().compress(data))
    whole = gzip.compress(data)
    (tmp_path / "b.jsonl.gz").write_bytes(whole[: len(whole) // 2])
    fs = fsspec.filesystem("file")
    contexts = [(name, open_input(fs, str(tmp_path / name))) for name in ("a.jsonl.zst", "b.jsonl.gz")]

    def opened():
        for name, context in contexts:
            with context as handle:
                yield name, handle

    items = list(read_events(opened(), ReadOptions(None, 100_000)))
    [broken] = [i for i in items if isinstance(i, Quarantine)]
    assert broken.uri == "b.jsonl.gz" and broken.reason == "broken_compression" and 1 < broken.line < 2000
    [doc] = [i for i in items if isinstance(i, RawDoc)]
    assert doc.meta["events"] == 2000 + broken.line - 1 and doc.meta["files"] == ["a.jsonl.zst", "b.jsonl.gz"]


def test_a_cut_inside_a_gzip_member_header_is_a_truncation(tmp_path):
    """Multi-member gzip (a WARC's records) cut one byte into the next member's header."""
    first, second = gzip.compress(b"line one\n" * 50, mtime=0), gzip.compress(b"line two\n" * 50, mtime=0)
    items = read(tmp_path, "notes.txt.gz", first + second[:1], "txt")
    assert items[-1].reason == "broken_compression" and items[-1].detail.startswith("gzip stream truncated at byte"), items[-1]

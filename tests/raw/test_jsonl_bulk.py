"""The bulk JSONL reader against the line reader it stands in for: the same documents (text,
line, client, meta JSON), quarantine records and order, on every kind of line that can trip a
bulk parser; and the same bytes out of the raw stage."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
from pathlib import Path

import pytest

from assets.core.settings import load_settings
from assets.raw import ingest, readers
from assets.raw.formats import jsonl_bulk
from assets.raw.formats.jsonl import read_jsonl
from assets.raw.formats.jsonl_bulk import read_jsonl_bulk
from assets.raw.items import DocBatch, Quarantine, RawDoc, ReadOptions
from tests.conftest import PROJECT

TRICKY = [
    b'{"text": "plain", "n": 1, "tags": ["a", "b"], "who": {"z": 1, "a": [true, false]}, "client_id": "C1"}',
    b"",
    b"   \t",
    b'{"text": "crlf line", "n": 2, "tags": [], "who": {"z": 2, "a": []}, "client_id": ""}\r',
    b'{"text": "escapes \\" \\\\ \\n \\t \\u00e9 \\ud83d\\ude00 \\/", "n": 3, "tags": ["q\\"uote"], "who": {"z": 3, "a": [true]}, "client_id": 7}',
    b'{"text": "missing keys"}',
    b'{"text": "a null", "n": null, "tags": ["a"], "who": {"z": 1, "a": []}, "client_id": "C2"}',
    b'{"text": "nested null", "n": 5, "tags": ["a", null], "who": {"a": []}, "client_id": "C3"}',
    b'{"text": "control \\u0001 char", "n": 6, "tags": ["\\u001f"], "who": {"z": 1, "a": []}, "client_id": "C4"}',
    b'{"text": "broken',
    b'["an", "array"]',
    b'{"text": "two"} {"text": "objects"}',
    b'{"ab": "WEBP", "text": "a WebP signature at byte 8"}',
    b'\xef\xbb\xbf{"text": "a byte-order mark"}',
    b'{"text": ["Client: hello", ["Agent", "welcome"]], "n": 7}',
    b'{"text": 12, "n": 8}',
    b'{"text": "dup", "text": "keys"}',
    b'{"text": "NaN number", "n": NaN}',
    b'{"text": "lone \\ud800 surrogate"}',
    b'{"text": "caf\xe9 in latin-1"}',
    b'{"text": "an encoded \xed\xa0\x80 surrogate, an overlong \xc0\x80"}',
    b'{"text": "' + b"x" * 300 + b'"}',
    b'{"text": "", "n": 9, "tags": [], "who": {"z": 1, "a": []}, "client_id": "C5"}',
    b'{"text": "   ", "n": 10, "tags": [], "who": {"z": 1, "a": []}, "client_id": true}',
    b'{"text": "\\u3000", "n": 11, "tags": [], "who": {"z": 1, "a": []}, "client_id": "C6"}',
    b'{"text": "last, no newline", "n": 12, "tags": ["z"], "who": {"z": 9, "a": [false]}, "client_id": "C7"}',
]


def expanded(items) -> list[tuple]:
    out = []
    for item in items:
        if isinstance(item, DocBatch):
            for line, text, client, meta in zip(item.lines.to_pylist(), item.text.to_pylist(), item.client_id.to_pylist(), item.meta.to_pylist()):
                out.append(("doc", line, text, client, meta))
        elif isinstance(item, RawDoc):
            out.append(("doc", item.line, item.text, item.client_id, ingest.META_JSON.encode(item.meta)))
        else:
            out.append(("quarantine", item.line, item.reason, item.detail))
    return out


def both(data: bytes, limit: int = 200, field: str = "text"):
    options = ReadOptions(field, limit)
    return expanded(read_jsonl(io.BytesIO(data), "f.jsonl", options)), expanded(read_jsonl_bulk(io.BytesIO(data), "f.jsonl", options))


def test_every_tricky_line_reads_as_the_line_reader_reads_it():
    lines, bulk = both(b"\n".join(TRICKY))
    assert bulk == lines
    assert sum(1 for x in lines if x[0] == "doc") >= 10 and {x[2] for x in lines if x[0] == "quarantine"} >= {"broken_json", "not_an_object", "oversize", "missing_text_field", "binary_or_undecodable"}
    assert any(x[0] == "quarantine" and "surrogate" in x[3] for x in lines)  # written as UTF-8 it would fail the whole source


def test_good_lines_are_read_in_bulk_and_floats_fall_back(monkeypatch):
    good = b"".join(json.dumps({"text": f"doc {i}", "n": i, "tags": ["x"] * (i % 3)}).encode() + b"\n" for i in range(300))
    items = list(read_jsonl_bulk(io.BytesIO(good), "f.jsonl", ReadOptions("text", 200)))
    assert len(items) == 1 and isinstance(items[0], DocBatch) and items[0].lines.to_pylist() == list(range(1, 301))
    floats = good + b'{"text": "a float", "n": 1.5}\n'
    lines, bulk = both(floats)
    assert bulk == lines and not any(isinstance(i, DocBatch) for i in read_jsonl_bulk(io.BytesIO(floats), "f.jsonl", ReadOptions("text", 200)))


@pytest.mark.parametrize("block", [7, 64, 1000])
def test_block_and_bisection_boundaries_change_nothing(monkeypatch, block):
    """Blocks cut anywhere, bad lines among good ones halved down to small groups, a line over
    the limit left open across blocks."""
    monkeypatch.setattr(jsonl_bulk, "BLOCK_BYTES", block)
    monkeypatch.setattr(jsonl_bulk, "MIN_LINES", 4)
    body = [json.dumps({"text": f"doc {i}", "n": i}).encode() for i in range(200)]
    body[37], body[120], body[121] = b'{"text": "broken', b"", b"not json"
    body[150] = b'{"text": "' + b"y" * 500 + b'"}'  # over the limit
    data = b"\n".join(body + TRICKY)
    lines, bulk = both(data)
    assert bulk == lines
    assert both(b"") == ([("quarantine", None, "empty_file", "no lines")],) * 2
    assert both(b"\n  \n") == ([("quarantine", None, "empty_file", "no lines")],) * 2


def test_a_broken_gzip_stream_keeps_the_same_lines():
    from assets.raw.compression import BrokenCompression, Decompressed

    body = b"".join(json.dumps({"text": f"review {i}", "rating": i % 5}).encode() + b"\n" for i in range(3000))
    whole = gzip.compress(body)
    cut = whole[: len(whole) * 3 // 5]
    results = []
    for reader in (read_jsonl, read_jsonl_bulk):
        got = []
        with pytest.raises(BrokenCompression):
            for item in reader(Decompressed(io.BytesIO(cut), "gzip"), "f.jsonl.gz", ReadOptions("text", 10_000)):
                got.append(item)
        results.append(expanded(got))
    assert results[0] == results[1] and len(results[0]) > 100


def _outputs(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(root.rglob("*")) if p.is_file()}


def test_the_raw_stage_writes_the_same_bytes_read_in_bulk_or_by_line(tmp_path, monkeypatch):
    """More than one part's batch of documents (2,048 rows at a time), bad lines among them,
    blank texts quarantined by the sink, gzip and plain."""
    landing = tmp_path / "landing"
    (landing / "notes").mkdir(parents=True)
    rows = [json.dumps({"body": f"note {i} " * (i % 7 + 1), "client_id": f"C{i % 50}", "tags": ["n"] * (i % 2), "seq": i}).encode() for i in range(4500)]
    rows[10], rows[2049], rows[3000] = b'{"body": "broken', json.dumps({"body": "  "}).encode(), b""
    (landing / "notes" / "a.jsonl").write_bytes(b"\n".join(rows) + b"\n")
    (landing / "notes" / "b.jsonl.gz").write_bytes(gzip.compress(b"\n".join(TRICKY).replace(b'"text"', b'"body"'), mtime=0))
    sources = {"sources": [{"name": "notes", "uri": "notes/*", "format": "jsonl", "text_field": "body", "rights": "train", "pii": "client"}]}
    (landing / "sources.yaml").write_text(json.dumps(sources))
    written = {}
    for name, bulk in (("bulk", readers.BULK_READERS), ("line", {})):
        monkeypatch.setattr(readers, "BULK_READERS", bulk)
        settings = load_settings(PROJECT / "params.yaml", landing / "sources.yaml", str(tmp_path / name))
        summary = ingest.build_raw(settings, settings.storage)
        written[name] = (_outputs(tmp_path / name), summary)
    assert written["bulk"] == written["line"]
    assert written["bulk"][1]["notes"]["reasons"]["empty_text"] >= 2 and written["bulk"][1]["notes"]["documents"] > 4400

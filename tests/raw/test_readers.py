"""Each reader on small generated files: good input becomes documents, bad input quarantine
records naming the file, the line and the reason."""

from __future__ import annotations

import csv
import io
import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from assets.raw.formats.events import read_events
from assets.raw.items import Quarantine, RawDoc, ReadOptions, Skipped
from assets.raw.readers import READERS

OPTIONS = ReadOptions(text_field=None, max_doc_bytes=10_000)


def read(fmt: str, data: bytes, text_field=None, limit=10_000):
    return list(READERS[fmt](io.BytesIO(data), f"f.{fmt}", ReadOptions(text_field, limit)))


def reasons(items):
    return [(q.line, q.reason) for q in items if isinstance(q, Quarantine)]


def test_text_latin1_is_decoded_binary_empty_and_oversize_are_quarantined():
    latin = ("Les artisans de la maison travaillent le cuir à la main depuis des générations. Chaque pièce "
             "est façonnée avec précision, cousue au point sellier, puis contrôlée une dernière fois avant "
             "d'être présentée en boutique. Où qu'elle soit portée, elle garde la mémoire de l'atelier.\n")
    [doc] = read("txt", latin.encode("latin-1"))
    assert isinstance(doc, RawDoc) and doc.text == latin
    assert reasons(read("txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" * 20)) == [(None, "binary_or_undecodable")]
    assert reasons(read("txt", b"  \n\n")) == [(None, "empty_file")]
    assert reasons(read("txt", b"a" * 101, limit=100)) == [(None, "oversize")]
    [html] = read("html", b"<html><body><p>Kept as HTML</p></body></html>")
    assert html.text.startswith("<html>")


def test_jsonl_bad_rows_are_quarantined_alone_with_their_line():
    lines = [
        json.dumps({"body": "first", "client_id": 7, "lang": "en"}),
        '{"body": "broken',
        json.dumps({"title": "no body"}),
        "",
        json.dumps(["not", "an", "object"]),
        json.dumps({"body": "x" * 500}),
        json.dumps({"body": "last"}),
    ]
    items = read("jsonl", "\n".join(lines).encode(), text_field="body", limit=200)
    docs = [i for i in items if isinstance(i, RawDoc)]
    assert [(d.text, d.line) for d in docs] == [("first", 1), ("last", 7)]
    assert docs[0].client_id == "7" and docs[0].meta == {"client_id": 7, "lang": "en"}
    assert reasons(items) == [(2, "broken_json"), (3, "missing_text_field"), (5, "not_an_object"), (6, "oversize")]
    assert reasons(read("jsonl", b"")) == [(None, "empty_file")]


def test_csv_multiline_field_arrives_whole_and_rows_are_counted():
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["review_id", "text", "client_id"])
    writer.writerow(["1", "line one\nline two, with a comma\n\"quoted\"", "C1"])
    writer.writerow(["2", "", ""])
    writer.writerow(["3", "café crème", ""])
    items = read("csv", buffer.getvalue().encode("cp1252"))
    docs = [i for i in items if isinstance(i, RawDoc)]
    assert docs[0].text == "line one\nline two, with a comma\n\"quoted\"" and docs[0].line == 1
    assert docs[0].client_id == "C1" and docs[0].meta == {"review_id": "1", "client_id": "C1"}
    assert docs[2].text == "café crème" and docs[2].line == 3 and docs[2].client_id is None
    assert reasons(read("csv", b"id,title\n1,x\n", text_field="text")) == [(1, "missing_text_field")]
    assert reasons(read("csv", b"id,text\n1,a,extra\n2,b\n")) == [(1, "broken_csv")]
    export = 'Référence;Désignation;text\nA1;Sac, cuir;Un sac en cuir\nA2;Malle;"Une malle; cousue main"\nA3;x;y;z\n'
    semicolons = read("csv", export.encode("cp1252"))
    assert [(d.line, d.text, d.meta) for d in semicolons if isinstance(d, RawDoc)] == [
        (1, "Un sac en cuir", {"Référence": "A1", "Désignation": "Sac, cuir"}),
        (2, "Une malle; cousue main", {"Référence": "A2", "Désignation": "Malle"})]
    assert reasons(semicolons) == [(3, "broken_csv")]
    assert [d.meta for d in read("csv", b"id\ttext\n7\ta tab, separated\n")] == [{"id": "7"}]


def test_parquet_rows_stream_and_rows_without_text_are_quarantined():
    sink = io.BytesIO()
    pq.write_table(pa.table({"body": ["a", None, "c"], "n": [1, 2, 3]}), sink)
    items = read("parquet", sink.getvalue(), text_field="body")
    assert [(d.text, d.line, d.meta) for d in items if isinstance(d, RawDoc)] == [("a", 1, {"n": 1}), ("c", 3, {"n": 3})]
    assert reasons(items) == [(2, "missing_text_field")]
    assert reasons(read("parquet", b"PAR1 not really")) == [(None, "unreadable_parquet")]


def test_pdf_text_layer_and_docx_paragraphs():
    from docx import Document
    from reportlab.pdfgen import canvas

    sink = io.BytesIO()
    page = canvas.Canvas(sink)
    page.drawString(72, 720, "Press kit: the Boreale collection")
    page.showPage()
    page.drawString(72, 720, "Second page of the kit")
    page.save()
    [pdf] = read("pdf", sink.getvalue())
    assert "Boreale collection" in pdf.text and "Second page" in pdf.text and pdf.meta == {"pages": 2}
    assert reasons(read("pdf", b"%PDF-1.4 garbage")) == [(None, "unreadable_pdf")]

    document = Document()
    document.add_paragraph("Interview with the designer")
    document.add_paragraph("Where did it begin?")
    document.add_table(rows=1, cols=2).rows[0].cells[1].text = "Lyon silk"
    document.core_properties.title = "Interview"
    sink = io.BytesIO()
    document.save(sink)
    [doc] = read("docx", sink.getvalue())
    assert doc.text == "Interview with the designer\nWhere did it begin?\n\nLyon silk" and doc.meta == {"title": "Interview"}
    assert reasons(read("docx", b"not a zip")) == [(None, "unreadable_docx")]
    assert reasons(read("docx", sink.getvalue(), limit=10)) == [(None, "oversize")]


def _task(i, text, label=None, spans=()):
    result = [{"type": "labels", "value": {"start": s, "end": e, "text": text[s:e], "labels": ["MATERIAL"]}} for s, e in spans]
    if label:
        result.insert(0, {"type": "choices", "from_name": "quality", "value": {"choices": [label]}})
    return {"id": i, "data": {"text": text, "doc_ref": f"catalog:{i}"}, "annotations": [{"result": result}]}


def test_labelstudio_tasks_carry_label_and_spans():
    tasks = [_task(1, "Silk twill from Como.", "high", [(0, 10)]), _task(2, "buy now!!!", "low"), _task(3, "no label")]
    items = read("labelstudio", json.dumps(tasks, indent=1).encode())
    docs = [i for i in items if isinstance(i, RawDoc)]
    assert [(d.line, d.meta["label"]) for d in docs] == [(1, "high"), (2, "low")]
    assert docs[0].meta["spans"] == [{"start": 0, "end": 10, "text": "Silk twill", "labels": ["MATERIAL"]}]
    assert docs[0].meta["doc_ref"] == "catalog:1" and docs[0].meta["task_id"] == 1
    assert reasons(items) == [(3, "missing_label")]
    truncated = json.dumps(tasks[:2])[:-30]
    assert reasons(read("labelstudio", truncated.encode())) == [(2, "broken_json")]
    assert reasons(read("labelstudio", b'{"id": 1}')) == [(1, "broken_json")]


def test_labelstudio_streams_an_array_larger_than_one_block():
    tasks = [_task(i, f"text {i} " + "w" * 300, "high") for i in range(1, 5001)]  # ~1.7 MB > one block
    items = read("labelstudio", json.dumps(tasks).encode(), limit=100_000)
    assert len(items) == 5000 and all(isinstance(i, RawDoc) for i in items) and items[-1].line == 5000


def _event(client, ts, kind="visit", note=None, **more):
    return json.dumps({"event_id": f"E{ts}", "client_id": client, "ts": ts, "type": kind, "boutique": "paris",
                       "advisor": "Claire", "sku": None, "note": note, "client_name": "Ada L", **more})


def test_events_render_one_document_per_client_and_month_across_files():
    first = "\n".join([_event("C2", "2025-03-09T10:00:00Z"), _event("C1", "2025-03-20T09:00:00Z", note="likes silk"),
                       '{"client_id": "C1"', _event("C1", "2025-04-01T00:30:00+02:00")])  # March 31st in UTC
    second = "\n".join([_event("C1", "2025-03-02T08:00:00Z", "purchase"), _event("C1", "yesterday"),
                        json.dumps({"client_id": "C3", "ts": "2025-03-01T00:00:00Z"})])
    items = list(read_events([("a.jsonl", io.BytesIO(first.encode())), ("b.jsonl", io.BytesIO(second.encode()))], OPTIONS))
    assert reasons(items) == [(3, "broken_json"), (2, "bad_timestamp"), (3, "missing_field")]
    docs = [i for i in items if isinstance(i, RawDoc)]
    assert [(d.client_id, d.meta["period"], d.meta["events"]) for d in docs] == [("C1", "2025-03", 3), ("C2", "2025-03", 1)]
    lines = docs[0].text.splitlines()
    assert lines[0] == "Client C1 (Ada L), interactions in 2025-03"
    assert lines[1].startswith("2025-03-02 08:00 UTC · purchase · boutique paris · advisor Claire")
    assert lines[2].startswith("2025-03-20 09:00 UTC · visit") and lines[3] == "  note: likes silk"
    assert lines[4].startswith("2025-03-31 22:30 UTC")
    assert docs[0].meta["files"] == ["a.jsonl", "b.jsonl"] and docs[0].meta["client_name"] == "Ada L"


@pytest.mark.parametrize("fmt", sorted(READERS))
def test_every_reader_quarantines_garbage_instead_of_raising(fmt):
    items = read(fmt, bytes(range(256)) * 8)
    assert items and all(isinstance(i, Quarantine) for i in items)


def test_a_huge_line_is_skipped_without_being_held():
    import tracemalloc

    data = json.dumps({"text": "x" * 12_000_000}).encode() + b'\n{"text": "after"}\n'
    tracemalloc.start()
    items = read("jsonl", data, limit=100_000)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert reasons(items) == [(1, "oversize")] and items[1].text == "after"
    assert peak < 5_000_000  # a few blocks, not the 12 MB line


def test_json_array_top_level_and_at_a_records_path_with_conversation_turns():
    records = [{"id": 1, "turns": [["agent", "Hello"], ["customer", "My order is late"]]},
               {"id": 2, "turns": [{"speaker": "agent", "text": "Sorry"}, "a plain line"]},
               {"id": 3, "turns": [["agent"]]}, ["not", "a record"], {"id": 5, "turns": "plain text"}]
    items = read("json", json.dumps(records).encode(), text_field="turns")
    docs = [i for i in items if isinstance(i, RawDoc)]
    assert [(d.line, d.text) for d in docs] == [(1, "agent: Hello\ncustomer: My order is late"),
                                                (2, "agent: Sorry\na plain line"), (5, "plain text")]
    assert docs[0].meta == {"id": 1}
    assert reasons(items) == [(3, "missing_text_field"), (4, "not_an_object")]
    assert "turn 1 is not" in items[2].detail

    wrapped = {"meta": {"exported": "2025-01-01", "nested": [1, {"a": "]"}]}, "data": {"count": 2, "items": records[:2]}}
    nested = ReadOptions("turns", 10_000, records_path="data.items")
    docs = list(READERS["json"](io.BytesIO(json.dumps(wrapped, indent=2).encode()), "f.json", nested))
    assert [d.line for d in docs] == [1, 2] and all(isinstance(d, RawDoc) for d in docs)
    [missing] = READERS["json"](io.BytesIO(json.dumps({"data": {}}).encode()), "f.json", nested)
    assert missing.reason == "broken_json" and "no key 'items' at data" in missing.detail
    [unwrapped] = read("json", json.dumps(wrapped).encode())
    assert unwrapped.reason == "broken_json" and "records_path names the list" in unwrapped.detail
    assert reasons(read("json", b"  \n")) == [(None, "empty_file")]
    assert reasons(read("json", b"[]")) == [(None, "empty_file")]


def _warc(records) -> bytes:
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    sink = io.BytesIO()
    writer = WARCWriter(sink, gzip=True)
    writer.write_record(writer.create_warcinfo_record("crawl.warc.gz", {"software": "test"}))
    for url, status, content_type, body in records:
        headers = StatusAndHeaders(status, [("Content-Type", content_type)], protocol="HTTP/1.1")
        writer.write_record(writer.create_warc_record(url, "response", payload=io.BytesIO(body), http_headers=headers))
        writer.write_record(writer.create_warc_record(url, "request", payload=io.BytesIO(b"GET / HTTP/1.1\r\n\r\n")))
    return sink.getvalue()


def test_warc_html_responses_become_documents_with_their_target_uri():
    data = _warc([("https://maison.example/a", "200 OK", "text/html; charset=utf-8", "<html><body><p>Atelier à Paris</p></body></html>".encode()),
                  ("https://maison.example/logo.png", "200 OK", "image/png", b"\x89PNG\r\n\x1a\n"),
                  ("https://maison.example/gone", "404 Not Found", "text/html", b"<html>missing</html>"),
                  ("https://maison.example/b", "200 OK", "text/html; charset=iso-8859-1", "<html><p>Café</p></html>".encode("latin-1"))])
    items = read("warc", data)
    docs = [i for i in items if isinstance(i, RawDoc)]
    assert [(d.line, d.meta["url"]) for d in docs] == [(2, "https://maison.example/a"), (8, "https://maison.example/b")]
    assert "Atelier à Paris" in docs[0].text and "Café" in docs[1].text and docs[0].meta["date"]
    assert sorted(i.what for i in items if isinstance(i, Skipped)) == ["http 404 response", "image/png response"] + ["warc request"] * 4 + ["warc warcinfo"]
    assert reasons(read("warc", b"")) == [(None, "empty_file")]
    [bad] = read("warc", b"<html>not a warc</html>")
    assert bad.reason == "unreadable_warc" and bad.detail.startswith("record 1:")


def test_binary_content_is_named_in_the_quarantine_detail():
    from assets.raw.decoding import SIGNATURES, what_is

    for offset, magic, what in SIGNATURES:  # the fast path of what_is misses none
        assert what_is(b"\x00" * offset + magic + b"\x01" * 16) == what
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" * 20
    assert [q.detail for q in read("txt", png)] == ["no text: PNG image"]
    assert [q.detail for q in read("csv", png)] == ["no text: PNG image"]
    [doc, pdf] = read("jsonl", b'{"text": "ok"}\n%PDF-1.7 \x00\x01\n')
    assert (pdf.line, pdf.reason, pdf.detail) == (2, "binary_or_undecodable", "no text: PDF document")
    [odd] = read("txt", bytes(range(1, 32)) * 300)
    assert odd.reason == "binary_or_undecodable" and odd.detail.startswith("no text:")

"""The raw stage end to end on a small landing folder: accounting, stable ids, byte-identical
reruns, reuse of unchanged files, bounded parts, the gate, configuration errors, and S3."""

from __future__ import annotations

import csv
import io
import gzip
import json
import shutil
from pathlib import Path

import pytest
import yaml
import zstandard

from assets.core.settings import ConfigError, Source, load_settings
from assets.core.storage import Storage
from assets.raw import ingest
from assets.raw.manifest import changed_files, manifest_path
from assets.raw.readers import BULK_READERS, READERS
from tests.conftest import write_params

SOURCES = [
    {"name": "notes", "uri": "landing/notes/*.txt", "format": "txt", "rights": "train", "pii": "possible", "kind": "note"},
    {"name": "crm", "uri": "landing/crm/*.jsonl", "format": "jsonl", "text_field": "body", "rights": "eval_only", "pii": "client"},
    {"name": "reviews", "uri": "landing/reviews/*.csv", "format": "csv", "rights": "train", "pii": "none", "language": "en"},
    {"name": "events", "uri": "landing/events/*.jsonl", "format": "events", "rights": "train", "pii": "client"},
    {"name": "experts", "uri": "landing/experts/*.json", "format": "labelstudio", "rights": "train", "pii": "none", "kind": "annotation"},
    {"name": "archive", "uri": "landing/archive/*.jsonl.*", "format": "jsonl", "rights": "train", "pii": "none"},
]
FRENCH = ("Les artisans de la maison travaillent le cuir à la main depuis des générations. Chaque pièce est "
          "façonnée avec précision, cousue au point sellier, puis contrôlée une dernière fois.\n")


def make_house(root: Path) -> Path:
    def folder(name: str) -> Path:
        path = root / "landing" / name
        path.mkdir(parents=True)
        return path

    notes = folder("notes")
    for i in range(6):
        (notes / f"note-{i}.txt").write_text(f"Workshop note {i}: the stitching of the tote was checked.\n")
    (notes / "latin1.txt").write_bytes(FRENCH.encode("latin-1"))
    (notes / "scan.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00" * 50)
    crm = folder("crm")
    for part in range(2):
        rows = [json.dumps({"body": f"Call {part}-{i} with the client about a fitting.", "client_id": f"C{i % 3}"}) for i in range(10)]
        rows.insert(4, '{"body": "broken')
        (crm / f"crm-{part}.jsonl").write_text("\n".join(rows) + "\n")
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["id", "text"])
    for i in range(8):
        writer.writerow([i, f"Review {i}.\nSecond line of review {i}."])
    (folder("reviews") / "reviews.csv").write_text(buffer.getvalue())
    events = folder("events")
    for part in range(2):
        rows = [json.dumps({"event_id": f"E{part}{i}", "client_id": f"C{i % 2}", "ts": f"2025-0{1 + i % 3}-1{part}T10:00:00Z",
                            "type": "visit", "boutique": "paris", "note": f"note {i}"}) for i in range(6)]
        (events / f"events-{part}.jsonl").write_text("\n".join(rows) + "\n")
    tasks = [{"id": i, "data": {"text": f"Expert text {i}."}, "annotations": [{"result": [
        {"type": "choices", "from_name": "quality", "value": {"choices": ["high" if i % 2 else "low"]}},
        {"type": "labels", "value": {"start": 0, "end": 6, "text": "Expert", "labels": ["ROLE"]}}]}]} for i in range(1, 7)]
    (folder("experts") / "export.json").write_text(json.dumps(tasks))
    archive = folder("archive")
    lines = "".join(json.dumps({"text": f"Archived letter {i} from the workshop."}) + "\n" for i in range(5)).encode()
    (archive / "letters.jsonl.gz").write_bytes(gzip.compress(lines, mtime=0))
    (archive / "letters.jsonl.zst").write_bytes(zstandard.ZstdCompressor().compress(lines))
    (root / "sources.yaml").write_text(yaml.safe_dump({"sources": SOURCES, "consent": {"opted_out": ["C9"]}}, sort_keys=False))
    return root


def settings_for(house: Path, storage, tmp_path: Path, **ingest_params):
    params = write_params(tmp_path / f"params-{len(list(tmp_path.glob('params-*')))}.yaml", {"ingest": ingest_params})
    return load_settings(params, house / "sources.yaml", str(storage))


def artifact_bytes(root: Path) -> dict[str, bytes]:
    """Documents and quarantine files (the manifest's stamps are machine-local)."""
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file() and "/manifest/" not in str(p) and "_staging" not in str(p)}


@pytest.fixture
def house(tmp_path) -> Path:
    return make_house(tmp_path / "house")


def test_every_input_is_kept_or_quarantined_with_its_contract(house, tmp_path):
    settings = settings_for(house, tmp_path / "data", tmp_path)
    summary = ingest.build_raw(settings, settings.storage)
    assert {n: (s["documents"], s["quarantined"]) for n, s in summary.items()} == {
        "notes": (7, 1), "crm": (20, 2), "reviews": (8, 0), "events": (6, 0), "experts": (6, 0), "archive": (10, 0)}
    assert summary["crm"]["reasons"] == {"broken_json": 2}
    docs = settings.storage.read_parquet("raw/documents").to_pandas()
    crm = docs[docs.source == "crm"]
    assert set(crm.rights) == {"eval_only"} and set(crm.pii) == {"client"} and set(crm.client_id) == {"C0", "C1", "C2"}
    assert sorted(crm[crm.uri == "crm-0.jsonl"].line) == [1, 2, 3, 4, 6, 7, 8, 9, 10, 11]
    assert FRENCH in set(docs.text) and set(docs[docs.source == "notes"].kind) == {"note"}
    assert "Review 3.\nSecond line of review 3." in set(docs.text)
    archive = docs[docs.source == "archive"].sort_values(["uri", "line"])
    assert list(zip(archive.uri, archive.line))[4:6] == [("letters.jsonl.gz", 5), ("letters.jsonl.zst", 1)]
    events = docs[docs.source == "events"]
    assert sorted(zip(events.client_id, events.meta.map(lambda m: json.loads(m)["period"]))) == [
        ("C0", "2025-01"), ("C0", "2025-02"), ("C0", "2025-03"), ("C1", "2025-01"), ("C1", "2025-02"), ("C1", "2025-03")]
    quarantine = ingest.read_quarantine(settings.storage, "notes")
    assert quarantine == [{"source": "notes", "uri": "scan.txt", "line": None, "reason": "binary_or_undecodable", "detail": "no text: PNG image"}]
    experts = [json.loads(m) for m in docs[docs.source == "experts"].meta]
    assert sorted(m["label"] for m in experts) == ["high"] * 3 + ["low"] * 3 and experts[0]["spans"][0]["labels"] == ["ROLE"]


def test_same_inputs_give_identical_bytes_wherever_the_landing_folder_is(house, tmp_path):
    elsewhere = tmp_path / "moved" / "house"
    shutil.copytree(house, elsewhere)
    first = settings_for(house, tmp_path / "a", tmp_path)
    second = settings_for(elsewhere, tmp_path / "b", tmp_path)
    ingest.build_raw(first, first.storage)
    ingest.build_raw(second, second.storage)
    a, b = artifact_bytes(tmp_path / "a"), artifact_bytes(tmp_path / "b")
    assert a == b and any(k.endswith(".parquet") for k in a)


def _ingest_and_publish(settings, run: str) -> dict:
    area = settings.storage.staging("raw", run)
    summary = ingest.build_raw(settings, area)
    settings.storage.publish(area, ingest.outputs(settings))
    return summary


def test_unchanged_files_are_reused_and_give_the_same_bytes_as_reading_them(house, tmp_path, monkeypatch):
    settings = settings_for(house, tmp_path / "data", tmp_path, part_max_docs=4, part_max_bytes=120)
    first = _ingest_and_publish(settings, "run1")
    assert {n: s["files_reused"] for n, s in first.items()} == dict.fromkeys(first, 0)
    assert len(settings.storage.parquet_files("raw/documents/source=crm")) == 7  # 41-byte texts: 3 reach 120 bytes
    assert len(settings.storage.parquet_files("raw/documents/source=experts")) == 2  # 14-byte texts: 4 docs a part
    assert all(changed_files(settings, s["name"]) == [] for s in SOURCES)

    (house / "landing" / "crm" / "crm-1.jsonl").write_text(json.dumps({"body": "A new call.", "client_id": "C7"}) + "\n")
    (house / "landing" / "notes" / "note-9.txt").write_text("A new note.\n")
    (house / "landing" / "notes" / "note-0.txt").unlink()
    (house / "landing" / "events" / "events-1.jsonl").touch()  # new stamp, same content: hashed, not re-read
    assert changed_files(settings, "crm") == ["crm-1.jsonl"]
    assert changed_files(settings, "notes") == ["note-0.txt", "note-9.txt"]
    assert changed_files(settings, "events") == []

    reads = []
    for registry in (READERS, BULK_READERS):  # ingestion reads JSONL with the bulk reader
        for fmt, reader in list(registry.items()):
            monkeypatch.setitem(registry, fmt, lambda h, origin, o, _r=reader: reads.append(origin) or _r(h, origin, o))
    second = _ingest_and_publish(settings, "run2")
    assert sorted(reads) == ["crm-1.jsonl", "note-9.txt"]
    assert second["crm"]["files_reused"] == 1 and second["crm"]["documents"] == 11 and second["crm"]["quarantined"] == 1
    assert second["events"]["files_reused"] == 2 and second["notes"]["documents"] == 7

    fresh = settings_for(house, tmp_path / "fresh", tmp_path, part_max_docs=4, part_max_bytes=120)
    ingest.build_raw(fresh, fresh.storage)
    assert artifact_bytes(tmp_path / "data") == artifact_bytes(tmp_path / "fresh")
    manifest = settings.storage.read_json(manifest_path("crm"))
    assert manifest["files"]["crm-0.jsonl"]["documents"] == 10 and manifest["files"]["crm-0.jsonl"]["spans"][0][0] == "part-00000.parquet"


def test_changing_a_source_setting_rereads_everything(house, tmp_path):
    settings = settings_for(house, tmp_path / "data", tmp_path)
    _ingest_and_publish(settings, "run1")
    stricter = settings_for(house, tmp_path / "data", tmp_path, max_doc_bytes=40)
    assert changed_files(stricter, "notes") == sorted(p.name for p in (house / "landing" / "notes").iterdir())
    summary = _ingest_and_publish(stricter, "run2")
    assert summary["notes"]["files_reused"] == 0 and summary["notes"]["reasons"] == {"oversize": 8}


def test_gate_fails_a_source_over_the_quarantine_threshold_and_names_its_worst_files(house, tmp_path):
    from orchestration.gx import validate

    settings = settings_for(house, tmp_path / "data", tmp_path)
    ingest.build_raw(settings, settings.storage)
    tables = ingest.gate_tables(settings.storage, settings, None)
    sources = tables["raw_sources"].set_index("source")
    assert sources.loc["crm", "quarantined_fraction"] == pytest.approx(2 / 22)
    assert sources.loc["crm", "worst_files"].startswith("crm-0.jsonl (1 quarantined, 9% of the file)")
    assert validate("raw_documents", tables["raw_documents"]).success
    assert not validate("raw_sources", tables["raw_sources"], {"max_quarantine_fraction": 0.05}).success
    assert validate("raw_sources", tables["raw_sources"], {"max_quarantine_fraction": 0.2}).success
    bad = tables["raw_documents"].copy()
    bad.loc[0, "rights"] = "maybe"
    assert not validate("raw_documents", bad).success


def test_configuration_errors_name_the_source(house, tmp_path):
    settings = settings_for(house, tmp_path / "data", tmp_path)
    missing = Source(name="press", uri=str(house / "nowhere" / "*.html"), format="html", rights="train", pii="none")
    with pytest.raises(ConfigError, match="source 'press': no files match"):
        ingest.ingest_source(settings, missing, settings.storage)
    unknown = Source.model_construct(name="press", uri=str(house / "landing/notes/*.txt"), format="xml", rights="train", pii="none")
    with pytest.raises(ConfigError, match="source 'press': format 'xml'"):
        ingest.ingest_source(settings, unknown, settings.storage)
    misplaced = Source(name="press", uri=str(house / "landing/notes/*.txt"), format="txt", records_path="data.items", rights="train", pii="none")
    with pytest.raises(ConfigError, match="source 'press': records_path applies to format json, not 'txt'"):
        ingest.ingest_source(settings, misplaced, settings.storage)
    with pytest.raises(ConfigError, match="no source named 'nope'"):
        ingest.build_raw(settings, settings.storage, ["nope"])


@pytest.fixture
def s3_endpoint(monkeypatch):
    import socket

    from moto.server import ThreadedMotoServer

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    for key, value in {"AWS_ENDPOINT_URL": endpoint, "AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test",
                       "AWS_DEFAULT_REGION": "us-east-1"}.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("AWS_ENDPOINT_URL_S3", raising=False)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    yield endpoint
    server.stop()


def test_s3_glob_goes_through_the_same_code_path(house, tmp_path, s3_endpoint):
    import boto3

    boto3.client("s3", endpoint_url=s3_endpoint).create_bucket(Bucket="landing")
    bucket = Storage("s3://landing")
    for path in sorted((house / "landing").rglob("*")):
        if path.is_file():
            bucket.write_bytes(str(path.relative_to(house)), path.read_bytes())
    remote = [{**s, "uri": f"s3://landing/{s['uri']}"} for s in SOURCES]
    (tmp_path / "s3.yaml").write_text(yaml.safe_dump({"sources": remote}))
    settings = load_settings(write_params(tmp_path / "p.yaml"), tmp_path / "s3.yaml", str(tmp_path / "s3data"))
    local = settings_for(house, tmp_path / "localdata", tmp_path)
    ingest.build_raw(settings, settings.storage)
    ingest.build_raw(local, local.storage)
    assert artifact_bytes(tmp_path / "s3data") == artifact_bytes(tmp_path / "localdata")
    assert changed_files(settings, "crm") == []
    bucket.write_bytes("landing/crm/crm-2.jsonl", b'{"body": "late call"}\n')
    assert changed_files(settings, "crm") == ["crm-2.jsonl"]

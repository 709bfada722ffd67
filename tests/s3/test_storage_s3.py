"""The Storage API on a real S3 endpoint (moto's server): same behaviour as on a local folder."""

from __future__ import annotations

import os
import time

import boto3
import pyarrow as pa
import pytest

from assets.core.storage import Storage, StorageError
from tests.s3.conftest import free_port


def keys(bucket: str) -> list[str]:
    client = boto3.client("s3", endpoint_url=os.environ["AWS_ENDPOINT_URL"])
    return sorted(o["Key"] for o in client.list_objects_v2(Bucket=bucket).get("Contents", []))


def open_uploads(bucket: str) -> list:
    client = boto3.client("s3", endpoint_url=os.environ["AWS_ENDPOINT_URL"])
    return client.list_multipart_uploads(Bucket=bucket).get("Uploads", [])


def test_round_trip_and_layout(bucket):
    store = Storage(f"s3://{bucket}/prefix")
    store.write_json("cleaned/ledger.json", {"in": 3, "kept": 2})
    store.write_text("reports/note.txt", "héllo")
    table = pa.table({"doc_id": ["a", "b"], "n": [1, 2]})
    store.write_parquet("raw/documents/source=x/part-0.parquet", table)
    store.write_parquet("raw/documents/source=y/part-0.parquet", pa.table({"doc_id": ["c"], "n": [3]}))

    assert keys(bucket) == [
        "prefix/cleaned/ledger.json",
        "prefix/raw/documents/source=x/part-0.parquet",
        "prefix/raw/documents/source=y/part-0.parquet",
        "prefix/reports/note.txt",
    ]
    assert store.read_json("cleaned/ledger.json") == {"in": 3, "kept": 2}
    assert store.read_text("reports/note.txt") == "héllo"
    assert store.exists("raw/documents") and not store.exists("raw/quarantine")
    assert store.glob("raw/documents/**/*.parquet") == [
        "raw/documents/source=x/part-0.parquet",
        "raw/documents/source=y/part-0.parquet",
    ]
    assert store.read_parquet("raw/documents").column("doc_id").to_pylist() == ["a", "b", "c"]
    assert store.child("raw").read_parquet("documents/source=y/part-0.parquet").num_rows == 1
    assert store.url("raw/documents") == f"s3://{bucket}/prefix/raw/documents"


def test_duckdb_reads_s3_through_s3fs(bucket):
    store = Storage(f"s3://{bucket}/p")
    store.write_parquet("t/a.parquet", pa.table({"x": [1, 2, 3]}))
    store.write_parquet("t/b.parquet", pa.table({"x": [10]}))
    con = store.duckdb()
    total = con.execute(f"SELECT sum(x) FROM read_parquet('{store.url('t')}/*.parquet')").fetchone()[0]
    assert total == 16


def test_failed_write_leaves_no_object(bucket):
    store = Storage(f"s3://{bucket}/p")
    store.write_text("a.txt", "old")
    with pytest.raises(ZeroDivisionError):
        with store.writer("a.txt") as handle:
            handle.write(b"half of a new")
            1 / 0
    with pytest.raises(ZeroDivisionError):
        with store.writer("b.txt") as handle:
            handle.write(b"x")
            1 / 0
    assert keys(bucket) == ["p/a.txt"]
    assert store.read_text("a.txt") == "old"


def test_failed_multipart_write_is_aborted(bucket):
    """Past s3fs's block size the writer has already uploaded parts: they must be aborted."""
    store = Storage(f"s3://{bucket}/p")
    with pytest.raises(RuntimeError, match="stage crashed"):
        with store.writer("big.bin") as handle:
            handle.write(b"\0" * (12 * 2**20))  # > 2 parts of 5 MiB
            raise RuntimeError("stage crashed")
    assert keys(bucket) == []
    assert open_uploads(bucket) == []


def test_publish_replaces_a_unit_manifest_last(bucket):
    root = Storage(f"s3://{bucket}/data")
    root.write_text("tokenized/shards/train-00000.bin", "old")
    root.write_text("tokenized/shards/train-00001.bin", "stale")
    root.write_json("tokenized/manifest.json", {"v": 1})

    area = root.staging("tokenized", "run-1")
    area.write_text("tokenized/shards/train-00000.bin", "new")
    area.write_json("tokenized/manifest.json", {"v": 2})
    area.write_json("cleaned/ledger.json", {"kept": 1})
    root.publish(area, ["tokenized", "cleaned/ledger.json"])

    assert keys(bucket) == [
        "data/cleaned/ledger.json",
        "data/tokenized/manifest.json",
        "data/tokenized/shards/train-00000.bin",
    ]
    assert root.read_text("tokenized/shards/train-00000.bin") == "new"
    assert root.read_json("tokenized/manifest.json") == {"v": 2}
    with pytest.raises(StorageError, match="staged artifact is missing"):
        root.publish(root.staging("tokenized", "run-2"), ["tokenized"])


def test_local_area_publishes_to_s3(bucket, tmp_path):
    area = Storage(str(tmp_path / "staged"))
    area.write_json("reports/metrics.json", {"bpb": 1.5})
    Storage(f"s3://{bucket}/d").publish(area, ["reports"])
    assert keys(bucket) == ["d/reports/metrics.json"]


def test_missing_bucket_names_bucket_and_operation(s3_server):
    store = Storage("s3://no-such-bucket-atelier/data")
    with pytest.raises(StorageError, match=r"^write s3://no-such-bucket-atelier/data/x\.json: bucket 'no-such-bucket-atelier' does not exist"):
        store.write_json("x.json", {})
    with pytest.raises(StorageError, match=r"^read .*bucket 'no-such-bucket-atelier' does not exist"):
        store.read_bytes("x.json")
    with pytest.raises(StorageError, match=r"^list .*bucket 'no-such-bucket-atelier' does not exist"):
        store.read_parquet("raw/documents")


def test_unreachable_endpoint_fails_fast(s3_server, monkeypatch):
    dead = f"http://127.0.0.1:{free_port()}"
    monkeypatch.setenv("AWS_ENDPOINT_URL", dead)
    store = Storage("s3://some-bucket/data")
    started = time.monotonic()
    with pytest.raises(StorageError) as caught:
        store.write_json("cleaned/ledger.json", {"kept": 1})
    assert time.monotonic() - started < 20
    message = str(caught.value)
    assert message.startswith("write s3://some-bucket/data/cleaned/ledger.json:")
    assert "bucket 'some-bucket'" in message and dead in message
    with pytest.raises(StorageError, match=r"^check s3://some-bucket/data/raw: .*bucket 'some-bucket'"):
        store.exists("raw")


def test_denied_credentials(bucket):
    import moto.settings

    store = Storage(f"s3://{bucket}/data")
    saved = moto.settings.INITIAL_NO_AUTH_ACTION_COUNT
    moto.settings.INITIAL_NO_AUTH_ACTION_COUNT = 0  # moto now checks keys: ours are unknown to it
    try:
        with pytest.raises(StorageError, match=rf"^write s3://{bucket}/data/a\.json: access denied \[bucket '{bucket}'"):
            store.write_json("a.json", {})
        with pytest.raises(StorageError, match=rf"^list s3://{bucket}/data/raw.*access denied"):
            store.glob("raw/**")
    finally:
        moto.settings.INITIAL_NO_AUTH_ACTION_COUNT = saved
    assert keys(bucket) == []


def test_credentials_never_shown(bucket, monkeypatch):
    store = Storage(f"s3://{bucket}/data")
    secret, key_id = os.environ["AWS_SECRET_ACCESS_KEY"], os.environ["AWS_ACCESS_KEY_ID"]
    try:
        store.read_bytes("missing.json")
    except StorageError as exc:
        shown = " ".join([repr(store), store.url("x"), str(store.staging("raw", "r")), str(exc)])
    for value in (secret, key_id):
        assert value not in shown
    with pytest.raises(StorageError, match="credentials in the URL are refused") as caught:
        Storage(f"s3://AKIDEXAMPLE:{secret}@{bucket}/data")
    assert secret not in str(caught.value) and "AKIDEXAMPLE" not in str(caught.value)


# -- runs that survive a kill, on S3 -------------------------------------------------------------
class Killed(BaseException):
    """Stands in for SIGKILL inside one process: nothing after the fault point runs."""


def test_publish_killed_midway_on_s3_is_rolled_forward(bucket, monkeypatch):
    from assets.core import fault, staging

    root = Storage(f"s3://{bucket}/data")
    root.write_text("tokenized/shards/train-00000.bin", "old")
    root.write_text("tokenized/shards/train-00001.bin", "stale")
    root.write_json("tokenized/manifest.json", {"v": 1})
    area = staging.open_area(root, "tokenized", "run-1", None, lambda r: r["run_id"] == "run-1", print)
    area.write_text("tokenized/shards/train-00000.bin", "new")
    area.write_json("tokenized/manifest.json", {"v": 2})
    # killed after the first new shard landed: the old manifest still describes the old shards
    monkeypatch.setenv("ATELIER_FAULT", "commit:data/tokenized/shards/train-00000.bin")
    monkeypatch.setattr(fault.os, "kill", lambda pid, sig: (_ for _ in ()).throw(Killed()))
    fault._seen.clear()
    with pytest.raises(Killed):
        root.publish(area, ["tokenized/shards", "tokenized/manifest.json"])
    monkeypatch.delenv("ATELIER_FAULT")
    assert root.read_json("tokenized/manifest.json") == {"v": 1}
    staging.open_area(root, "reports", "run-2", None, lambda r: r["run_id"] == "run-2", print)
    assert root.read_json("tokenized/manifest.json") == {"v": 2}
    assert [k for k in keys(bucket) if "/tokenized/" in k] == ["data/tokenized/manifest.json", "data/tokenized/shards/train-00000.bin"]
    assert not [k for k in keys(bucket) if "run-1" in k], "the killed run's staging and lease are reclaimed"
    assert open_uploads(bucket) == []


def test_leases_and_reclaim_on_s3(bucket):
    from assets.core import lock, staging

    root = Storage(f"s3://{bucket}/data")
    live = {"run-a"}
    is_live = lambda record: record["run_id"] in live  # noqa: E731
    staging.open_area(root, "checkpoints", "run-a", ["curated"], is_live, print).write_text("checkpoints/curated/x", "a")
    with pytest.raises(lock.LeaseHeld, match="run-a"):
        staging.open_area(root, "checkpoints", "run-b", ["raw", "curated"], lambda r: r["run_id"] in live | {"run-b"}, print)
    assert not [k for k in keys(bucket) if "run-b" in k], "the refused run wrote nothing"
    live.clear()  # run-a was killed
    root.write_text("_resume/checkpoints/curated/trainer.pt", "state")
    staging.open_area(root, "checkpoints", "run-c", ["curated"], lambda r: r["run_id"] == "run-c", print)
    assert [k for k in keys(bucket) if "run-a" in k] == [], "the dead run's staging folder and ticket are gone"
    assert "data/_resume/checkpoints/curated/trainer.pt" in keys(bucket), "resumable state stays until published"


def test_resumable_state_on_s3(bucket):
    from assets.core import resume

    root = Storage(f"s3://{bucket}/data")
    area = root.staging("checkpoints", "run-1")
    home = resume.place(area, "checkpoints/curated", {"train": {"lr": 0.003}})
    assert home.url() == f"s3://{bucket}/data/_resume"
    home.write_text("checkpoints/curated/trainer.pt", "state at 20")
    home.write_text("checkpoints/curated/model.safetensors", "weights")
    resume.deliver(home, area, "checkpoints/curated")
    assert sorted(area.glob("checkpoints/curated/*")) == ["checkpoints/curated/model.safetensors", "checkpoints/curated/trainer.pt"]
    root.publish(area, ["checkpoints/curated"])
    assert [k for k in keys(bucket)] == ["data/checkpoints/curated/model.safetensors", "data/checkpoints/curated/trainer.pt"]

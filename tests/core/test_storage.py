import pytest
import pyarrow as pa

from assets.core.storage import Storage, StorageError


def test_writer_is_atomic_on_error(tmp_path):
    storage = Storage(str(tmp_path))
    with pytest.raises(RuntimeError):
        with storage.writer("a/file.bin") as handle:
            handle.write(b"half")
            raise RuntimeError("crash mid-write")
    assert not storage.exists("a/file.bin")
    assert storage.glob("a/*") == []  # no temporary left behind either


def test_parquet_round_trip_and_glob(tmp_path):
    storage = Storage(str(tmp_path))
    table = pa.table({"x": [1, 2, 3]})
    storage.write_parquet("t/part-00000.parquet", table)
    storage.write_parquet("t/part-00001.parquet", table)
    assert storage.glob("t/*.parquet") == ["t/part-00000.parquet", "t/part-00001.parquet"]
    assert storage.read_parquet("t").num_rows == 6


def test_publish_replaces_units_whole(tmp_path):
    storage = Storage(str(tmp_path))
    storage.write_text("stage/old_only.txt", "old")
    storage.write_text("stage/both.txt", "old")
    area = storage.staging("stage", "run1")
    area.write_text("stage/both.txt", "new")
    storage.publish(area, ["stage"])
    assert storage.read_text("stage/both.txt") == "new"
    assert not storage.exists("stage/old_only.txt")
    assert not area.exists("")


def test_publish_refuses_a_missing_staged_unit(tmp_path):
    storage = Storage(str(tmp_path))
    area = storage.staging("stage", "run1")
    with pytest.raises(StorageError, match="staged artifact is missing"):
        storage.publish(area, ["stage"])


def test_read_missing_names_the_path(tmp_path):
    with pytest.raises(StorageError, match="nothing.json"):
        Storage(str(tmp_path)).read_json("nothing.json")

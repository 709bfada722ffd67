"""Staging folders from open to close, and what a killed run leaves: its folder reclaimed, its
half-done publish rolled forward, its resumable state kept."""

from __future__ import annotations

import os

import pytest

from assets.core import fault, lock, staging
from assets.core.storage import STAGING, Storage


class Killed(BaseException):
    """Stands in for SIGKILL inside one process: nothing after the point runs."""


DEAD = {"run_id": "dead-run", "host": "this-host", "pid": 1, "pid_started": "0"}


def liveness(*live_runs: str):
    return lambda record: record.get("run_id") in live_runs


def seed_published(storage: Storage) -> None:
    storage.write_text("cleaned/corpus/part-0.txt", "old corpus")
    storage.write_text("cleaned/ledger.json", "old ledger")


def stage_new(storage: Storage, run: str, is_live) -> Storage:
    area = staging.open_area(storage, "cleaned", run, None, is_live, print)
    area.write_text("cleaned/corpus/part-0.txt", "new corpus")
    area.write_text("cleaned/corpus/part-1.txt", "new corpus, more")
    area.write_text("cleaned/ledger.json", "new ledger")
    return area


def snapshot(storage: Storage, under: str = "cleaned") -> dict:
    return {p: storage.read_text(p) for p in storage.glob(f"{under}/**") if not storage.fs.isdir(storage.path(p))}


def test_a_run_leaves_nothing_behind(tmp_path):
    storage = Storage(str(tmp_path))
    area = stage_new(storage, "run-1", liveness("run-1"))
    assert storage.exists(f"{STAGING}/run-1/_owner.json") and staging.staged_partition_keys(area) is None
    assert staging.holds(storage, "cleaned", None, "run-1")
    storage.publish(area, ["cleaned/corpus", "cleaned/ledger.json"])
    staging.close_area(storage, "cleaned", "run-1", None)
    assert storage.glob(f"{STAGING}/*") == [] and storage.glob("_locks/**/*.json") == []
    assert storage.read_text("cleaned/ledger.json") == "new ledger"


def test_dead_runs_folders_are_reclaimed_live_ones_kept(tmp_path):
    storage = Storage(str(tmp_path))
    for run in ("dead-run", "live-run"):
        storage.write_json(f"{STAGING}/{run}/_owner.json", {**DEAD, "run_id": run})
        storage.write_text(f"{STAGING}/{run}/checkpoints/checkpoints/curated/model.safetensors", "half")
        storage.write_json(f"_locks/checkpoints/curated/{run}.json", {**DEAD, "run_id": run})
    storage.write_text(f"{STAGING}/legacy-run/raw/x.parquet", "no owner file")  # written before owners existed
    storage.write_text("_resume/checkpoints/curated/trainer.pt", "resumable")
    staging.open_area(storage, "tokenized", "new-run", None, liveness("new-run", "live-run"), print)
    assert sorted(p.rsplit("/", 1)[-1] for p in storage.glob(f"{STAGING}/*")) == ["live-run", "new-run"]
    assert storage.glob("_locks/checkpoints/curated/*.json") == ["_locks/checkpoints/curated/live-run.json"]
    assert storage.exists("_resume/checkpoints/curated/trainer.pt"), "resumable state is not staging"


def test_refused_run_writes_nothing(tmp_path):
    storage = Storage(str(tmp_path))
    stage_new(storage, "run-1", liveness("run-1", "run-2"))
    before = sorted(storage.glob("**"))
    with pytest.raises(lock.LeaseHeld, match="run-1"):
        staging.open_area(storage, "cleaned", "run-2", None, liveness("run-1", "run-2"), print)
    assert sorted(storage.glob("**")) == before


@pytest.mark.parametrize("units_done", [0, 1, 2])
def test_publish_killed_midway_is_rolled_forward(tmp_path, monkeypatch, units_done):
    storage = Storage(str(tmp_path))
    seed_published(storage)
    area = stage_new(storage, "run-1", liveness("run-1"))
    # 0: killed right after the intent landed, 1 and 2: after that many units were moved in
    monkeypatch.setenv("ATELIER_FAULT", f"publish#{units_done}" if units_done else "commit:_publish.json")
    monkeypatch.setattr(fault.os, "kill", lambda pid, sig: (_ for _ in ()).throw(Killed()))
    fault._seen.clear()
    with pytest.raises(Killed):
        storage.publish(area, ["cleaned/corpus", "cleaned/ledger.json"])
    seen = snapshot(storage)
    assert seen["cleaned/ledger.json"] == ("new ledger" if units_done == 2 else "old ledger")
    old_corpus, new_corpus = {"cleaned/corpus/part-0.txt"}, {"cleaned/corpus/part-0.txt", "cleaned/corpus/part-1.txt"}
    assert {p for p in seen if "corpus" in p} == (new_corpus if units_done else old_corpus), "each unit old or new whole"
    monkeypatch.delenv("ATELIER_FAULT")
    # the run is dead; the next run of any stage finishes its publish before it writes anything
    staging.open_area(storage, "tokenized", "run-2", None, liveness("run-2"), print)
    assert snapshot(storage) == {"cleaned/corpus/part-0.txt": "new corpus", "cleaned/corpus/part-1.txt": "new corpus, more", "cleaned/ledger.json": "new ledger"}
    assert [p.rsplit("/", 1)[-1] for p in storage.glob(f"{STAGING}/*")] == ["run-2"]
    assert storage.glob("_locks/cleaned/**/*.json") == []


def test_kill_between_the_two_renames_of_a_local_swap(tmp_path):
    """The one moment a local unit is missing: old moved to the area's trash, new not yet in."""
    storage = Storage(str(tmp_path))
    seed_published(storage)
    area = stage_new(storage, "run-1", liveness("run-1"))
    real = os.replace

    def replace(src, dst):
        if "_trash" in dst:
            real(src, dst)
            raise Killed()
        real(src, dst)

    area.write_json("_publish.json", {"units": ["cleaned/corpus", "cleaned/ledger.json"]})
    os.replace = replace
    try:
        with pytest.raises(Killed):
            storage._move_in(area, ["cleaned/corpus", "cleaned/ledger.json"])
    finally:
        os.replace = real
    assert not storage.exists("cleaned/corpus")
    assert storage.finish_publish(area) == ["cleaned/corpus", "cleaned/ledger.json"]
    assert snapshot(storage)["cleaned/corpus/part-1.txt"] == "new corpus, more"
    assert not area.exists("")


def test_a_published_unit_supersedes_its_resumable_state(tmp_path):
    storage = Storage(str(tmp_path))
    storage.write_text("_resume/checkpoints/curated/trainer.pt", "state")
    storage.write_text("_resume/checkpoints/raw/trainer.pt", "state")
    area = storage.staging("checkpoints", "run-1")
    area.write_text("checkpoints/curated/model.safetensors", "weights")
    storage.publish(area, ["checkpoints/curated"])
    assert not storage.exists("_resume/checkpoints/curated") and storage.exists("_resume/checkpoints/raw/trainer.pt")


def test_fault_spec_is_checked(monkeypatch):
    monkeypatch.setenv("ATELIER_FAULT", "somewhere:x")
    with pytest.raises(ValueError, match="start, commit, publish"):
        fault.point("start", "raw")
    monkeypatch.setenv("ATELIER_FAULT", "start:raw#2=sleep0")
    fault._seen.clear()
    fault.point("start", "raw")  # first match: not yet
    fault.point("start", "cleaned")  # no match
    monkeypatch.setattr(fault.time, "sleep", lambda s: (_ for _ in ()).throw(Killed()))
    with pytest.raises(Killed):
        fault.point("start", "raw")

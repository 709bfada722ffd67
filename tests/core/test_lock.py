"""Leases in storage: one live run per stage partition, a dead holder taken over, and the
liveness Dagster gives (a SIGKILLed run stays STARTED in its records: the process decides)."""

from __future__ import annotations

import os
import subprocess
import sys
import threading

import dagster as dg
import pytest

from assets.core import lock
from assets.core.dagster_stage import run_liveness
from assets.core.storage import Storage
from tests.conftest import PROJECT


def alive(record: dict) -> bool:
    return lock.process_alive(record) is not False


def test_second_run_is_refused_naming_the_holder(tmp_path):
    storage = Storage(str(tmp_path))
    taken, dead = lock.acquire(storage, "checkpoints", ["curated"], lock.owner("run-a"), alive)
    assert taken == ["curated"] and dead == []
    with pytest.raises(lock.LeaseHeld, match=r"checkpoints partition 'curated' is being written by run run-a .*pid \d+"):
        lock.acquire(storage, "checkpoints", ["raw", "curated"], lock.owner("run-b"), alive, attempts=1)
    assert storage.glob("_locks/checkpoints/*/*.json") == ["_locks/checkpoints/curated/run-a.json"], "the refused run left no ticket"
    lock.acquire(storage, "checkpoints", ["raw"], lock.owner("run-b"), alive)  # another partition is free
    lock.release(storage, "checkpoints", ["curated"], "run-a")
    taken, _ = lock.acquire(storage, "checkpoints", ["curated"], lock.owner("run-c"), alive)
    assert taken == ["curated"]


def test_reacquiring_a_held_key_keeps_it(tmp_path):
    storage = Storage(str(tmp_path))
    lock.acquire(storage, "cleaned", [lock.ALL], lock.owner("run-a"), alive)
    taken, _ = lock.acquire(storage, "cleaned", [lock.ALL], lock.owner("run-a"), alive)
    assert taken == [] and storage.exists("_locks/cleaned/__all__/run-a.json")


def test_simultaneous_launches_never_both_hold(tmp_path):
    storage = Storage(str(tmp_path))
    barrier, won, refused = threading.Barrier(4), [], []

    def launch(name: str) -> None:
        barrier.wait()
        try:
            lock.acquire(storage, "tokenized", [lock.ALL], lock.owner(name), alive)
            won.append(name)
        except lock.LeaseHeld as exc:
            refused.append(str(exc))

    threads = [threading.Thread(target=launch, args=(f"run-{i}",)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(won) <= 1 and len(won) + len(refused) == 4
    assert [p.rsplit("/", 1)[-1] for p in storage.glob("_locks/tokenized/__all__/*.json")] == [f"{w}.json" for w in won]


def test_ticket_of_a_killed_process_is_dead(tmp_path):
    """A process that takes a lease and is SIGKILLed: its ticket stays, and reads as dead."""
    storage = Storage(str(tmp_path))
    code = (
        "import os, signal\n"
        "from assets.core import lock\nfrom assets.core.storage import Storage\n"
        f"lock.acquire(Storage({str(tmp_path)!r}), 'raw', ['press'], lock.owner('killed-run'), lambda r: True)\n"
        "os.kill(os.getpid(), signal.SIGKILL)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], cwd=PROJECT, env={**os.environ, "PYTHONPATH": str(PROJECT)})
    assert proc.returncode == -9
    (ticket,) = lock.tickets(storage, "raw", "press")
    assert ticket.run_id == "killed-run" and lock.process_alive(ticket.record) is False
    assert lock.process_alive(lock.owner("me")) is True
    assert lock.process_alive({**lock.owner("elsewhere"), "host": "another-host"}) is None
    taken, dead = lock.acquire(storage, "raw", ["press"], lock.owner("next-run"), alive)
    assert taken == ["press"] and [t.run_id for t in dead] == ["killed-run"]


def test_odd_partition_keys_get_folder_names():
    assert lock.lease_keys(["raw", "curated+graph"]) == ["curated+graph", "raw"]
    assert lock.lease_keys(None) == [lock.ALL]
    (name,) = lock.lease_keys(["a source/with spaces"])
    assert name.startswith("sha256-") and "/" not in name


def test_dagster_liveness_marks_a_killed_run_failed():
    instance = dg.DagsterInstance.ephemeral()
    started = instance.add_run(dg.DagsterRun(job_name="__ASSET_JOB", run_id="started-run", status=dg.DagsterRunStatus.STARTED))
    done = instance.add_run(dg.DagsterRun(job_name="__ASSET_JOB", run_id="done-run", status=dg.DagsterRunStatus.SUCCESS))
    warnings = []
    log = type("Log", (), {"warning": lambda self, m: warnings.append(m)})()
    is_live = run_liveness(instance, "me", log)
    assert is_live(lock.owner(started.run_id)), "a started run whose process runs is live"
    assert not is_live(lock.owner(done.run_id)), "a finished run is not, whatever its process"
    assert not is_live(lock.owner("never-heard-of")), "an unknown run of this very process is over"
    assert is_live({**lock.owner("other-instance"), "host": "node-7"}), "an unknown run elsewhere: no guessing"
    gone = {**lock.owner("started-run"), "pid_started": "0"}  # same pid, another process
    assert not run_liveness(instance, "me", log)(gone)
    assert instance.get_run_by_id("started-run").status == dg.DagsterRunStatus.FAILURE
    assert "is gone" in warnings[0]
    elsewhere = instance.add_run(dg.DagsterRun(job_name="__ASSET_JOB", run_id="remote-run", status=dg.DagsterRunStatus.STARTED))
    assert run_liveness(instance, "me", log)({**lock.owner(elsewhere.run_id), "host": "node-7"}), "on another host Dagster's word is final"

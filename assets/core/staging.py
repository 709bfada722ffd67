"""A run's staging folder, from taking it to giving it back; and what dead runs left behind.

A step opens its area with `open_area`: it takes the lease on the stage's partitions (refusing,
with the holder named, when a live run has them), recovers what a dead holder left unfinished,
reclaims the staging folders of every run that is no longer running, and only then writes. After
its gate, `close_area` gives the lease back and removes the run's folder once nothing is left in
it, so a successful run leaves no `_staging/<run id>/` behind.

Left behind by a kill: a staging folder (removed), a publish cut in half (rolled forward: its gate
had passed, see Storage.finish_publish), tickets (dropped). Resumable state under `_resume/` is not
staging: it stays until its unit is published or a run of other params replaces it.

`is_live(record)` decides whether a run still runs (assets/core/dagster_stage.py asks Dagster);
this module needs no Dagster.
"""

from __future__ import annotations

from typing import Callable, Optional, Sequence

from assets.core import fault, lock
from assets.core.storage import PUBLISHING, STAGING, Storage

RUN_FILE = "_run.json"  # in an area: the partitions the run covers (the gate reads it)
OWNER = "_owner.json"  # in a run's folder: which process runs it
Log = Callable[[str], None]


def open_area(storage: Storage, stage: str, run_id: str, keys: Optional[Sequence[str]], is_live: Callable[[dict], bool], log: Log) -> Storage:
    me = lock.owner(run_id)
    leased = lock.lease_keys(keys)
    taken, dead = lock.acquire(storage, stage, leased, me, is_live)
    try:
        for run in sorted({t.run_id for t in dead}):
            recover(storage, stage, run, me, is_live, log)
        for ticket in dead:
            lock.drop(storage, ticket.rel)
    except BaseException:
        lock.release(storage, stage, taken, run_id)
        raise
    reclaim(storage, run_id, me, is_live, log)
    storage.write_json(f"{STAGING}/{run_id}/{OWNER}", me)
    area = storage.staging(stage, run_id)
    area.remove("")  # a retried step starts from a clean area
    area = storage.staging(stage, run_id)
    area.write_json(RUN_FILE, {"partition_keys": list(keys) if keys is not None else None})
    fault.point("start", stage)
    return area


def staged_partition_keys(area: Storage) -> Optional[list[str]]:
    return area.read_json(RUN_FILE)["partition_keys"] if area.exists(RUN_FILE) else None


def holds(storage: Storage, stage: str, keys: Optional[Sequence[str]], run_id: str) -> bool:
    """Whether this run still holds its lease (it is not publishing over a run that took over)."""
    return all(storage.exists(f"{lock.LOCKS}/{stage}/{key}/{run_id}.json") for key in lock.lease_keys(keys))


def close_area(storage: Storage, stage: str, run_id: str, keys: Optional[Sequence[str]]) -> None:
    """After the gate: give the lease back; remove the run's folder if no other area is left."""
    lock.release(storage, stage, lock.lease_keys(keys), run_id)
    folder = f"{STAGING}/{run_id}"
    if all(rel.endswith(f"/{OWNER}") for rel in storage.glob(f"{folder}/*")):
        storage.remove(folder)


def recover(storage: Storage, stage: str, run: str, me: dict, is_live: Callable[[dict], bool], log: Log) -> None:
    """Dead run `run`'s area of `stage`: finish its publish (holding the partitions that publish
    covers, raising LeaseHeld if a live run has one) or, if it was not publishing, remove it."""
    area = storage.staging(stage, run)
    if not area.exists(""):
        return
    if not area.exists(PUBLISHING):
        area.remove("")
        return
    taken, _ = lock.acquire(storage, stage, lock.lease_keys(staged_partition_keys(area)), me, is_live)
    try:
        units = storage.finish_publish(area)
        log(f"finished publishing {', '.join(units or [])}: run {run} passed its {stage} gate and was killed while publishing")
    finally:
        lock.release(storage, stage, taken, me["run_id"])


def reclaim(storage: Storage, run_id: str, me: dict, is_live: Callable[[dict], bool], log: Log) -> list[str]:
    """Remove the staging folders (and drop the tickets) of every run but this one that no longer
    runs; returns the folders removed. A folder whose publish cannot be finished now (a live run
    holds a partition of it) is left for a later run."""
    removed = []
    for folder in storage.glob(f"{STAGING}/*"):
        run = folder.rsplit("/", 1)[-1]
        if run == run_id or not storage.fs.isdir(storage.path(folder)):
            continue
        record = storage.read_json(f"{folder}/{OWNER}") if storage.exists(f"{folder}/{OWNER}") else {"run_id": run}
        if is_live(record):
            continue
        try:
            for area in storage.glob(f"{folder}/*"):
                if not area.endswith(f"/{OWNER}"):
                    recover(storage, area.rsplit("/", 1)[-1], run, me, is_live, log)
        except lock.LeaseHeld as exc:
            log(f"left {storage.url(folder)} for later: {exc}")
            continue
        storage.remove(folder)
        removed.append(folder)
        log(f"reclaimed {storage.url(folder)}: run {run} is no longer running")
    for ticket in storage.glob(f"{lock.LOCKS}/*/*/*.json"):  # tickets of dead runs that left no folder
        stage, run = ticket.split("/")[-3], ticket.rsplit("/", 1)[-1][: -len(".json")]
        if run != run_id and not storage.exists(f"{STAGING}/{run}/{stage}/{PUBLISHING}"):
            try:
                record = storage.read_json(ticket)
            except Exception:  # noqa: BLE001 - released while we listed
                continue
            if not is_live(record):
                lock.drop(storage, ticket)
    return removed

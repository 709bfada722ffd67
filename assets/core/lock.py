"""Leases: one run at a time writes a stage's partition, whichever door launched it.

Dagster's run queue limits only the runs it queues; `dagster asset materialize` (the CLI, `dvc
repro`) does not go through it. So the staging helper also takes a lease in storage, which every
door and every machine sharing the root sees: one ticket per partition key,
`_locks/<stage>/<key>/<run id>.json`, naming the run, the host, the process and its start time.

A run holds a key when its ticket is the only live one there: write the ticket, list the folder,
and if another live ticket is there, delete ours and back off. Two runs that write at the same
instant both see each other and both back off, then retry after a random pause: at most one ever
holds. Plain object writes and listings suffice (S3 listings are strongly consistent), so the same
code serves a folder and a bucket.

Whether a ticket is live is the caller's question (`is_live`: Dagster's run status, and on this
host whether the process still exists, see `process_alive`). Dead tickets are handed back to the
caller, who recovers what their run left unfinished before dropping them.
"""

from __future__ import annotations

import hashlib
import os
import random
import re
import socket
import time
from dataclasses import dataclass
from typing import Callable, Optional, Sequence

from assets.core.storage import Storage, StorageError

LOCKS = "_locks"
ALL = "__all__"  # the key of an unpartitioned stage
_SAFE = re.compile(r"^[A-Za-z0-9._+=-]+$")


class LeaseHeld(RuntimeError):
    """Another live run holds a partition this run wants; the message names it."""


@dataclass(frozen=True)
class Ticket:
    rel: str  # path under the storage root
    key: str
    record: dict

    @property
    def run_id(self) -> str:
        return self.record.get("run_id", "")


def owner(run_id: str) -> dict:
    """Who this process is, as a ticket records it."""
    return {
        "run_id": run_id,
        "host": socket.gethostname(),
        "pid": os.getpid(),
        "pid_started": process_start(os.getpid()),
        "since": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }


def process_start(pid: int) -> Optional[str]:
    """The process's start time in clock ticks since boot (Linux), so a reused pid is not mistaken
    for the process that wrote a ticket; None where /proc is missing or the process is gone."""
    try:
        with open(f"/proc/{pid}/stat") as handle:
            stat = handle.read()
    except OSError:
        return None
    return stat.rsplit(")", 1)[1].split()[19]  # field 22, counted after the command name


def process_alive(record: dict) -> Optional[bool]:
    """Whether the process that wrote `record` still runs: None when it ran on another host."""
    if record.get("host") != socket.gethostname() or not record.get("pid"):
        return None
    pid = int(record["pid"])
    if record.get("pid_started") and os.path.isdir("/proc"):
        return process_start(pid) == record["pid_started"]
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def key_name(key: str) -> str:
    """A partition key as a folder name: itself when plain, else a digest of it."""
    return key if _SAFE.match(key) and key != ALL else "sha256-" + hashlib.sha256(key.encode()).hexdigest()[:16]


def lease_keys(partition_keys: Optional[Sequence[str]]) -> list[str]:
    return sorted({key_name(k) for k in partition_keys}) if partition_keys else [ALL]


def tickets(storage: Storage, stage: str, key: str) -> list[Ticket]:
    found = []
    for rel in storage.glob(f"{LOCKS}/{stage}/{key}/*.json"):
        try:
            found.append(Ticket(rel, key, storage.read_json(rel)))
        except StorageError:  # released while we listed
            continue
    return found


def acquire(storage: Storage, stage: str, keys: Sequence[str], me: dict, is_live: Callable[[dict], bool],
            attempts: int = 3) -> tuple[list[str], list[Ticket]]:
    """Hold `stage`'s `keys` for run `me["run_id"]`. Returns the keys newly taken (a key this run
    already held stays held) and the dead tickets found there. Raises LeaseHeld naming the live run."""
    mine = {key: f"{LOCKS}/{stage}/{key}/{me['run_id']}.json" for key in keys}
    held = [key for key, rel in mine.items() if storage.exists(rel)]
    for attempt in range(attempts):
        taken = [key for key in keys if key not in held]
        for key in taken:
            storage.write_json(mine[key], me)
        others = [t for key in keys for t in tickets(storage, stage, key) if t.rel != mine[key]]
        live = [t for t in others if is_live(t.record)]
        if not live:
            return taken, others
        for key in taken:
            storage.remove(mine[key])
        if attempt < attempts - 1:
            time.sleep(random.uniform(0.2, 1.0))  # two runs that met back off at different paces
    holder = live[0].record
    raise LeaseHeld(
        f"{stage} partition {live[0].key!r} is being written by run {holder.get('run_id')} "
        f"(since {holder.get('since')}, pid {holder.get('pid')} on {holder.get('host')}); "
        f"this run wrote nothing and stops: launch it again once that run has finished (if it is known "
        f"to be dead and Dagster cannot tell, delete {storage.url(live[0].rel)})"
    )


def release(storage: Storage, stage: str, keys: Sequence[str], run_id: str) -> None:
    for key in keys:
        storage.remove(f"{LOCKS}/{stage}/{key}/{run_id}.json")
    _tidy(storage, stage, keys)


def drop(storage: Storage, rel: str) -> None:
    """Remove a dead run's ticket (its path under the root)."""
    storage.remove(rel)
    _, stage, key, _ = rel.split("/")
    _tidy(storage, stage, [key])


def _tidy(storage: Storage, stage: str, keys: Sequence[str]) -> None:
    if storage.is_local:  # leave no empty folders behind (S3 has none)
        for rel in [f"{LOCKS}/{stage}/{key}" for key in keys] + [f"{LOCKS}/{stage}", LOCKS]:
            try:
                os.rmdir(storage.path(rel))
            except OSError:  # not empty, or already gone
                pass

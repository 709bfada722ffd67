"""Progress of a long step (curation batches, training iterations), for the person at a terminal.

A step reports what it has done; it never draws. `python -m orchestration.stage` sets
`ATELIER_PROGRESS` to a file, the step appends its counts there (a JSON line at most twice a
second, and at the end) and the runner draws the bar. Without the variable (the Dagster UI,
schedules, sensors, tests) `progress` costs a counter and writes nothing.

    bar = progress(total=p.max_iters, desc="train curated", start=start)
    for it in range(start, p.max_iters):
        ...
        bar.update()
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

ENV = "ATELIER_PROGRESS"
EVERY_S = 0.5


class Progress:
    def __init__(self, total: int, desc: str, start: int = 0, path: str | None = None):
        self.total, self.desc, self.n = int(total), desc, int(start)
        self.path = path
        self._last = 0.0
        self._write()

    def update(self, n: int = 1) -> None:
        self.n += n
        if self.n >= self.total or time.monotonic() - self._last >= EVERY_S:
            self._write()

    def _write(self) -> None:
        if not self.path:
            return
        self._last = time.monotonic()
        line = json.dumps({"desc": self.desc, "n": self.n, "total": self.total, "pid": os.getpid()})
        with open(self.path, "a") as f:  # one short append per line: readers never see half a line
            f.write(line + "\n")


def progress(total: int, desc: str, start: int = 0, enabled: bool = True) -> Progress:
    """`enabled=False` for the processes that should stay quiet (DDP ranks other than 0)."""
    return Progress(total, desc, start, os.environ.get(ENV) if enabled else None)


class Reader:
    """The runner's side: the latest (n, total) per step description, read as the file grows."""

    def __init__(self, path: Path):
        self.path, self.offset = Path(path), 0

    def poll(self) -> dict[str, tuple[int, int]]:
        if not self.path.exists():
            return {}
        with open(self.path) as f:
            f.seek(self.offset)
            chunk = f.read()
        complete = chunk[: chunk.rfind("\n") + 1]
        self.offset += len(complete.encode())
        latest: dict[str, tuple[int, int]] = {}
        for line in complete.splitlines():
            record = json.loads(line)
            latest[record["desc"]] = (record["n"], record["total"])
        return latest

"""Resumable state: what a long stage keeps between runs, so a run launched after a killed one
continues where that one stopped instead of starting over.

Each run stages into its own `_staging/<run id>/<stage>/`, which no later run looks at. State
meant to survive lives instead under `<root>/_resume/<unit>/`, keyed by the unit it will become
once published (`checkpoints/curated/`, one folder per recipe): whichever door launches the next
run of that unit (UI, CLI, schedule, `dvc repro`) finds it there. Only the run holding the unit's
lease writes it (assets/core/lock.py), so two runs never share it.

The state carries its identity (`_identity.json`: the params, data digests and process count it
was made with). A run of another identity wipes it and starts fresh, saying which values
differ. When the run ends, `deliver` copies the state into the run's staging area for the gate;
the state stays until its unit is published (Storage.publish supersedes it), so a run killed
between training and publishing resumes at its last iteration, not at zero.

Outside a staging area (a plain output root, as in the stage functions' tests) the state is the
output itself: resume in place, as a single-process script would.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sys
from typing import Callable, Optional

from assets.core.storage import RESUME, TEMPORARY, Storage

IDENTITY = "_identity.json"


def digest(obj) -> str:
    """sha256 of a JSON value, independent of key order."""
    return hashlib.sha256(json.dumps(obj, sort_keys=True, default=str).encode()).hexdigest()


def place(out: Storage, unit: str, identity: dict, log: Optional[Callable[[dict], None]] = None, prepare: bool = True) -> Storage:
    """The storage under which `unit`'s resumable state lives (the state itself at `unit/`).

    For a staging area of `<root>` that is `<root>/_resume`, made ready for `identity`: state of
    another identity is removed, with the reason logged. `prepare=False` only reads (the ranks of
    a data-parallel run other than rank 0, which wait for rank 0 to prepare it)."""
    staged = out.staging_of()
    if staged is None:
        return out
    home = staged[0].child(RESUME)
    identity = json.loads(json.dumps(identity, sort_keys=True, default=str))  # as it reads back
    if not prepare:
        return home
    held = home.read_json(f"{unit}/{IDENTITY}") if home.exists(f"{unit}/{IDENTITY}") else None
    if held == identity:
        for rel in home.glob(f"{unit}/**"):
            if TEMPORARY in rel.rsplit("/", 1)[-1]:  # a write that a kill interrupted
                home.remove(rel)
        _say(log, {"resume": unit, "state": home.url(unit), "verdict": "same params and data: continuing from the last complete checkpoint"})
        return home
    if held is not None:
        _say(log, {"resume": unit, "state": home.url(unit), "verdict": "starting fresh: the saved state was made with other " + differences(held, identity)})
    elif home.exists(unit):
        _say(log, {"resume": unit, "state": home.url(unit), "verdict": "starting fresh: the saved state has no identity"})
    else:
        _say(log, {"resume": unit, "state": home.url(unit), "verdict": "starting fresh: no saved state"})
    home.remove(unit)
    home.write_json(f"{unit}/{IDENTITY}", identity)
    return home


def deliver(home: Storage, out: Storage, unit: str) -> None:
    """Copy the finished state of `unit` into `out` (the staging area the gate reads)."""
    if home.url() == out.url():
        return
    for rel in home.glob(f"{unit}/**"):
        name = rel.rsplit("/", 1)[-1]
        if name == IDENTITY or TEMPORARY in name or home.fs.isdir(home.path(rel)):
            continue
        with home.open(rel) as src, out.writer(rel) as dst:
            shutil.copyfileobj(src, dst, 1 << 20)


def differences(old: dict, new: dict, limit: int = 6) -> str:
    """'train.learning_rate (0.003 -> 0.0001), data (…)': the values that differ."""
    flat_old, flat_new = _flatten(old), _flatten(new)
    changed = [k for k in sorted(set(flat_old) | set(flat_new)) if flat_old.get(k) != flat_new.get(k)]
    shown = [f"{k} ({flat_old.get(k)!r} -> {flat_new.get(k)!r})" for k in changed[:limit]]
    return ", ".join(shown) + (f" and {len(changed) - limit} more" if len(changed) > limit else "")


def _flatten(obj, prefix: str = "") -> dict:
    if isinstance(obj, dict):
        out: dict = {}
        for key, value in obj.items():
            out.update(_flatten(value, f"{prefix}{key}."))
        return out
    return {prefix.rstrip("."): obj}


def _say(log, record: dict) -> None:
    if log:
        log(record)
    else:
        print(json.dumps(record, sort_keys=True), file=sys.stderr, flush=True)

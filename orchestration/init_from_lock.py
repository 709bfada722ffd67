"""`python -m orchestration.init_from_lock`: write data/init_from.lock.json, what DVC knows of the base model.

`train.init_from` is a path in params.yaml: DVC sees the path, not the folder behind it, so a base
model replaced at the same path would leave the finetuned arm's shards and checkpoints standing.
This always-run stage writes the sha256 of every file in that folder (weights, configuration,
tokenizer); the tokenized and checkpoints stages depend on it, so `dvc repro` re-runs them exactly
when the base changed. With no `train.init_from` the lock says so and never changes.
"""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

from assets.core.settings import ConfigError, load_settings
from orchestration.lockfile import write_lock

LOCK = Path("data/init_from.lock.json")


def fingerprint(folder: str | Path) -> dict[str, str]:
    """{path inside the folder: sha256 of its bytes} for every file under it, in sorted order."""
    root = Path(folder)
    digests = {}
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        with open(path, "rb") as f:
            digests[path.relative_to(root).as_posix()] = hashlib.file_digest(f, "sha256").hexdigest()  # streamed: weights can be GBs
    return digests


def lock_of(init_from: str | None) -> dict:
    return {"init_from": init_from, "files": fingerprint(init_from) if init_from else {}}


def main() -> int:
    try:
        settings = load_settings()  # refuses an init_from folder that lacks a model or tokenizer, naming what
        lock = lock_of(settings.params.train.init_from)
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    write_lock(LOCK, lock)
    print(f"{LOCK}: {lock['init_from'] or 'no train.init_from'} ({len(lock['files'])} files)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

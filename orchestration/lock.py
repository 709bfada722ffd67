"""`python -m orchestration.lock`: write data/sources.lock.json, what DVC knows of the inputs.

DVC cannot see `ATELIER_SOURCES` or files behind a source's glob (local or s3://). This always-run
stage writes the content fingerprint of the sources file and of every source's files; the raw
stage depends on it, so `dvc repro` re-ingests exactly when an input changed and skips otherwise.
"""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

from assets.core.settings import ConfigError, load_settings
from assets.raw.fingerprint import source_fingerprint
from orchestration.lockfile import write_lock

LOCK = Path("data/sources.lock.json")


def main() -> int:
    try:
        settings = load_settings()
        lock = {
            "sources_file": hashlib.sha256(Path(settings.sources_path).read_bytes()).hexdigest()[:16],
            "sources": {s.name: source_fingerprint(s, content=True) for s in settings.sources},
        }
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    write_lock(LOCK, lock)
    print(f"{LOCK}: {len(lock['sources'])} sources")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The lock files that always-run DVC stages write (data/*.lock.json): what DVC cannot see itself."""

from __future__ import annotations

import json
from pathlib import Path


def write_lock(path: Path, lock: dict) -> None:
    """Write `lock` as canonical JSON, atomically, and only when it changed: an unchanged file keeps
    its mtime, so an always-run DVC stage leaves what depends on it standing."""
    text = json.dumps(lock, indent=2, sort_keys=True) + "\n"
    if not path.exists() or path.read_text() != text:
        path.parent.mkdir(parents=True, exist_ok=True)
        temp = path.with_suffix(".tmp")
        temp.write_text(text)
        temp.replace(path)

"""The raw manifest of a source, `raw/manifest/source=<name>.json`: for every file (by origin)
its size, stamp (mtime or ETag), sha256, and where its documents sit in the published parts.

It lets an ingest reuse the published documents of unchanged files instead of re-reading them,
and lets the sensor ask `changed_files` cheaply: size and stamp first, the content hash only for
files whose size or stamp moved. The stamps are machine-local bookkeeping; the documents and the
quarantine are what is byte-identical across machines.
"""

from __future__ import annotations

from typing import Optional

from assets.core.settings import Settings, Source
from assets.core.storage import Storage
from assets.raw.files import SourceFile, list_files, sha256

VERSION = 2  # 2: compressed inputs decompressed, skipped records counted


def manifest_path(source: str) -> str:
    return f"raw/manifest/source={source}.json"


def source_config(source: Source, settings: Settings) -> dict:
    """What, besides a file's bytes, decides its documents: a change re-reads every file."""
    fields = ("format", "text_field", "records_path", "rights", "pii", "kind", "language")
    return {"version": VERSION, **{k: getattr(source, k) for k in fields}, "max_doc_bytes": settings.params.ingest.max_doc_bytes}


def load_manifest(storage: Storage, source: Source, settings: Settings) -> dict:
    """The published manifest's files, or {} when there is none or the source's config changed."""
    rel = manifest_path(source.name)
    if not storage.exists(rel):
        return {}
    manifest = storage.read_json(rel)
    return manifest["files"] if manifest.get("config") == source_config(source, settings) else {}


def known_hash(entry: Optional[dict], file: SourceFile, fs) -> tuple[bool, Optional[str]]:
    """(unchanged, sha256 if it had to be computed)."""
    if entry is None:
        return False, None
    if entry["size"] == file.size and entry["stamp"] == file.stamp:
        return True, None
    digest = sha256(fs, file.path)
    return digest == entry["sha256"], digest


def changed_files(settings: Settings, source_name: str) -> list[str]:
    """Origins of files that are new, changed or gone since the published manifest (all of them
    when there is none or the source's configuration changed). Empty: nothing to ingest."""
    source = settings.source(source_name)
    previous = load_manifest(settings.storage, source, settings)
    fs, files = list_files(source)
    changed = [f.origin for f in files if not known_hash(previous.get(f.origin), f, fs)[0]]
    gone = sorted(set(previous) - {f.origin for f in files})
    return sorted(changed + gone)

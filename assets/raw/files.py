"""A source's files: local and `s3://` globs through one fsspec code path, with what the manifest
needs to notice a change cheaply (size and modification time or ETag) and surely (sha256)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import fsspec

from assets.core.settings import ConfigError, Source

CHUNK = 1 << 20


@dataclass(frozen=True)
class SourceFile:
    path: str  # as the filesystem expects it (no protocol)
    origin: str  # relative to the glob root: the same on every machine and bucket
    size: int
    stamp: str  # ETag on object stores, modification time on disk


def glob_root(uri: str) -> str:
    """The part of a glob before its first wildcard: ids are relative to it, so they do not
    depend on where the landing folder sits on a machine."""
    cut = min((uri.find(c) for c in "*?[" if c in uri), default=len(uri))
    return uri[: uri.rfind("/", 0, cut) + 1]


def filesystem(uri: str):
    if uri.startswith(("s3://", "s3a://")):
        from assets.core.storage import s3_options

        return fsspec.core.url_to_fs(uri, **s3_options())[0]
    return fsspec.core.url_to_fs(uri)[0]


def list_files(source: Source):
    """(filesystem, files sorted by origin). A glob matching nothing is a configuration error."""
    fs = filesystem(source.uri)
    if hasattr(fs, "invalidate_cache"):
        fs.invalidate_cache()  # a cached S3 listing would hide new files
    try:
        found = fs.glob(source.uri, detail=True)
    except (OSError, ValueError) as exc:
        raise ConfigError(f"source {source.name!r}: cannot list uri {source.uri!r}: {exc}") from exc
    root = glob_root(source.uri).split("://", 1)[-1]
    files = []
    for path, info in found.items():
        if info.get("type", "file") != "file":
            continue
        stamp = info.get("ETag") or info.get("mtime") or info.get("LastModified") or ""
        origin = path[len(root):] if path.startswith(root) else path
        files.append(SourceFile(path, origin, int(info.get("size") or 0), str(stamp).strip('"')))
    if not files:
        raise ConfigError(f"source {source.name!r}: no files match uri {source.uri!r}")
    return fs, sorted(files, key=lambda f: f.origin)


def sha256(fs, path: str) -> str:
    digest = hashlib.sha256()
    with fs.open(path, "rb") as handle:
        for block in iter(lambda: handle.read(CHUNK), b""):
            digest.update(block)
    return digest.hexdigest()

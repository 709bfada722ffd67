"""Fingerprints of a source's files, so a change of input is noticed without ingesting anything.

`quick` (names, sizes, modification times or ETags) is what the sensor polls; `content`
(sha256 of every file, ETags on S3) is what DVC tracks: it survives a fresh clone or a
`dvc pull`, where modification times change but contents do not.
"""

from __future__ import annotations

import hashlib

import fsspec

from assets.core.settings import Source


def _files(source: Source):
    fs, _ = fsspec.core.url_to_fs(source.uri)
    return fs, sorted(fs.glob(source.uri))


def _relative(source: Source, path: str) -> str:
    from assets.raw.ingest import _glob_root

    root = _glob_root(source.uri).split("://", 1)[-1]
    return path[len(root):] if path.startswith(root) else path


def source_fingerprint(source: Source, content: bool = False) -> str:
    fs, paths = _files(source)
    digest = hashlib.sha256()
    for path in paths:
        info = fs.info(path)
        if content:
            stamp = info.get("ETag") or _sha256(fs, path)
        else:
            stamp = info.get("ETag") or info.get("mtime") or info.get("LastModified") or info.get("created")
        digest.update(f"{_relative(source, path)}\x00{info.get('size')}\x00{stamp}\n".encode())
    return digest.hexdigest()[:16]


def _sha256(fs, path: str) -> str:
    digest = hashlib.sha256()
    with fs.open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()

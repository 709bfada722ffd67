"""Fingerprints of a source's files, so a change of input is noticed without ingesting anything.

`quick` (names, sizes, modification times or ETags) is what the sensor polls; `content`
(sha256 of every file, ETags on S3) is what DVC tracks and the source registry records: it
survives a fresh clone or a `dvc pull`, where modification times change but contents do not.
Files are listed by `files.list_files`, as ingestion lists them (same S3 options, same origins,
and a uri matching nothing is an error naming the source).
"""

from __future__ import annotations

import hashlib

from assets.core.settings import Source
from assets.raw.files import SourceFile, list_files, sha256


def files_fingerprint(source: Source, fs, files: list[SourceFile], content: bool = False) -> str:
    on_object_store = source.uri.startswith(("s3://", "s3a://"))  # there the stamp is the ETag
    digest = hashlib.sha256()
    for f in files:
        stamp = sha256(fs, f.path) if content and not on_object_store else f.stamp
        digest.update(f"{f.origin}\x00{f.size}\x00{stamp}\n".encode())
    return digest.hexdigest()[:16]


def source_fingerprint(source: Source, content: bool = False) -> str:
    fs, files = list_files(source)
    return files_fingerprint(source, fs, files, content)

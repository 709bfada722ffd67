"""The storage root: a local folder (default `data`) or `s3://bucket/prefix`, one fsspec code path.

Every path a stage uses is relative to a root, so the same stage code runs against a folder on a
laptop and a bucket in production. Writes are atomic: a file is written to a temporary name and
renamed (locally) or copied (on S3) into place, so a reader never sees half an artifact.

Write, audit, publish: a stage writes into `staging(stage, run_id)`, its gate validates that
area, and only then does `publish` move the artifact over the published one. Publishing first
writes its intent into the area (`_publish.json`: the units, the gate having passed), so a run
killed halfway through is rolled forward by `finish_publish` at the next run's start: each
published unit ends the old version or the new one whole. State a stage keeps between runs (a
training run's checkpoints) lives under `_resume/<unit>/` and is superseded when `unit` is published.

On S3, credentials and the endpoint come from the usual AWS settings (environment, profiles,
instance roles; AWS_ENDPOINT_URL for a non-AWS endpoint). They never appear in a root, a URL, a
repr or an error message. Retries and timeouts are bounded so that a dead endpoint fails a stage
in seconds, not minutes: ATELIER_S3_RETRIES (default 3), ATELIER_S3_CONNECT_TIMEOUT (s, default 5),
ATELIER_S3_READ_TIMEOUT (s, default 60).
"""

from __future__ import annotations

import io
import json
import os
import posixpath
import shutil
import uuid
from contextlib import contextmanager
from typing import Any, Iterator, Optional
from urllib.parse import urlsplit

import fsspec
import pyarrow as pa
import pyarrow.parquet as pq
from fsspec.spec import AbstractBufferedFile

from assets.core import fault

STAGING = "_staging"
RESUME = "_resume"
PUBLISHING = "_publish.json"  # in a staging area: the units being published
TRASH = "_trash"  # in a staging area: the versions a local publish replaced, removed with the area
TEMPORARY = ".tmp-"  # the mark of a write in progress (or killed in progress)


class StorageError(RuntimeError):
    """An operation on the storage root failed; the message names the operation and the place."""


def s3_options() -> dict:
    """s3fs options: endpoint from AWS_ENDPOINT_URL, bounded botocore retries and timeouts.

    The endpoint is passed explicitly (rather than left to botocore) so that fsspec's instance
    cache keys on it: two roots on two endpoints in one process never share a client.
    """
    options: dict = {
        "config_kwargs": {
            "connect_timeout": float(os.environ.get("ATELIER_S3_CONNECT_TIMEOUT", "5")),
            "read_timeout": float(os.environ.get("ATELIER_S3_READ_TIMEOUT", "60")),
            "retries": {"max_attempts": _retries(), "mode": "standard"},
        },
    }
    endpoint = os.environ.get("AWS_ENDPOINT_URL_S3") or os.environ.get("AWS_ENDPOINT_URL")
    if endpoint:
        options["endpoint_url"] = endpoint
    return options


def _retries() -> int:
    return max(1, int(os.environ.get("ATELIER_S3_RETRIES", "3")))


def _filesystem(root: str):
    parts = urlsplit(root)
    if parts.scheme and (parts.username or parts.password):
        raise StorageError(
            f"storage root {parts.scheme}://{parts.hostname}{parts.path}: credentials in the URL are refused; "
            "use the AWS settings (environment, profile or role) instead"
        )
    if parts.scheme in ("s3", "s3a"):
        fs, base = fsspec.core.url_to_fs(root, **s3_options())
        fs.retries = _retries()  # s3fs's own retry loop on top of botocore's (a class attribute)
        return fs, base
    return fsspec.core.url_to_fs(root)


class Storage:
    def __init__(self, root: str):
        self.root = root.rstrip("/") or "/"
        self.fs, self.base = _filesystem(self.root)
        protocols = self.fs.protocol if isinstance(self.fs.protocol, tuple) else (self.fs.protocol,)
        self.is_local = "file" in protocols or "local" in protocols
        if self.is_local:
            os.makedirs(self.base, exist_ok=True)

    def __repr__(self) -> str:
        return f"Storage({self.root!r})"

    # -- paths -----------------------------------------------------------------------------
    def path(self, rel: str = "") -> str:
        """The filesystem path of `rel` (no protocol), as self.fs expects it."""
        return posixpath.join(self.base, rel) if rel else self.base

    def url(self, rel: str = "") -> str:
        """A full address: a local path or s3://bucket/key (for DuckDB, logs and metadata)."""
        return posixpath.join(self.root, rel) if rel else self.root

    @property
    def bucket(self) -> str | None:
        return None if self.is_local else self.base.split("/", 1)[0]

    def child(self, rel: str) -> "Storage":
        return Storage(self.url(rel))

    def staging(self, stage: str, run_id: str) -> "Storage":
        return self.child(f"{STAGING}/{run_id}/{stage}")

    def staging_of(self) -> Optional[tuple["Storage", str, str]]:
        """(root, run id, stage) when this storage is `root.staging(stage, run_id)`, else None
        (a worker process only has the area's URL)."""
        head, sep, tail = self.root.rpartition(f"/{STAGING}/")
        parts = tail.split("/")
        if not sep or len(parts) != 2 or not all(parts):
            return None
        return Storage(head or "/"), parts[0], parts[1]

    # -- reading ---------------------------------------------------------------------------
    def exists(self, rel: str) -> bool:
        return self._call("check", rel, self.fs.exists, self.path(rel))

    def glob(self, pattern: str) -> list[str]:
        """Relative paths under this root that match `pattern`, sorted."""
        if not self.is_local:  # a listing cached by s3fs would hide what another process wrote
            self.fs.invalidate_cache()
        found = self._call("list", pattern, self.fs.glob, self.path(pattern))
        prefix = self.base.rstrip("/") + "/"
        return sorted(p[len(prefix):] if p.startswith(prefix) else p for p in found)

    def open(self, rel: str, mode: str = "rb"):
        return self._call("read", rel, self.fs.open, self.path(rel), mode)

    def read_bytes(self, rel: str) -> bytes:
        return self._call("read", rel, self.fs.cat_file, self.path(rel))

    def read_text(self, rel: str) -> str:
        return self.read_bytes(rel).decode("utf-8")

    def read_json(self, rel: str) -> Any:
        return json.loads(self.read_bytes(rel))

    def read_parquet(self, rel: str, columns: list[str] | None = None) -> pa.Table:
        """One Parquet file, or every `*.parquet` under a folder in name order."""
        files = [rel] if rel.endswith(".parquet") else self.glob(f"{rel}/**/*.parquet")
        if not files:
            raise StorageError(f"read {self.url(rel)}: no Parquet files there")
        tables = []
        for name in files:
            with self.open(name) as handle:
                tables.append(self._call("read", name, pq.read_table, handle, columns=columns))
        return pa.concat_tables(tables, promote_options="default") if len(tables) > 1 else tables[0]

    def parquet_files(self, rel: str) -> list[str]:
        return self.glob(f"{rel}/**/*.parquet")

    # -- writing (atomic) ------------------------------------------------------------------
    @contextmanager
    def writer(self, rel: str, mode: str = "wb") -> Iterator[io.IOBase]:
        """Yield a handle on a temporary name; the file appears at `rel` only if the block succeeds.

        The handle is closed by hand, not by `with`: fsspec's `__exit__` would upload what was
        buffered even when the block raised. On failure the upload is discarded (an S3 multipart
        upload aborted) and the temporary object removed.
        """
        final = self.path(rel)
        temp = f"{final}{TEMPORARY}{uuid.uuid4().hex[:12]}"
        if self.is_local:
            os.makedirs(posixpath.dirname(final), exist_ok=True)
        handle = self._call("write", rel, self.fs.open, temp, mode)
        try:
            yield handle
            self._call("write", rel, handle.close)
            self._commit(temp, final, rel)
        except BaseException:
            self._abandon(handle, temp)
            raise
        fault.point("commit", self.url(rel))

    def _abandon(self, handle, temp: str) -> None:
        try:
            if isinstance(handle, AbstractBufferedFile):  # S3: abort, never upload the buffer
                handle.discard()
                handle.closed = True
            else:
                handle.close()
        except Exception:  # noqa: BLE001 - the original error matters more
            pass
        try:
            if self.fs.exists(temp):
                self.fs.rm(temp)
        except Exception:  # noqa: BLE001 - the original error matters more
            pass

    def _commit(self, temp: str, final: str, rel: str) -> None:
        if self.is_local:
            os.replace(temp, final)
        else:  # object stores: temporary key, copy into place, delete the temporary key
            self._call("copy", rel, self.fs.copy, temp, final)
            self._call("delete", rel, self.fs.rm, temp)

    def write_bytes(self, rel: str, data: bytes) -> None:
        with self.writer(rel) as handle:
            handle.write(data)

    def write_text(self, rel: str, text: str) -> None:
        self.write_bytes(rel, text.encode("utf-8"))

    def write_json(self, rel: str, obj: Any) -> None:
        self.write_text(rel, json.dumps(obj, indent=2, sort_keys=True, ensure_ascii=False) + "\n")

    def write_parquet(self, rel: str, table: pa.Table) -> None:
        with self.writer(rel) as handle:
            pq.write_table(table, handle, compression="zstd")

    def remove(self, rel: str) -> None:
        if self.exists(rel):
            self._call("delete", rel, self.fs.rm, self.path(rel), recursive=True)

    # -- publish ---------------------------------------------------------------------------
    def publish(self, area: "Storage", units: list[str]) -> None:
        """Replace each unit (a file or folder, relative) of this root by the one in `area`.

        Locally each unit is swapped in with renames; on S3 objects are copied, the ones the new
        version no longer has are deleted, and the unit's own `manifest.json` (if any) goes last.
        The intent is written first, so `finish_publish` can complete what a kill interrupted.
        """
        for unit in units:
            if not area.exists(unit):
                raise StorageError(f"publish {area.url(unit)}: the staged artifact is missing")
        area.write_json(PUBLISHING, {"units": list(units)})
        self._move_in(area, units)

    def finish_publish(self, area: "Storage") -> Optional[list[str]]:
        """Complete a publish a killed run began (its gate had passed): the units still staged are
        moved in, the others already were. Returns the units, or None if `area` was not publishing."""
        if not area.exists(PUBLISHING):
            return None
        units = area.read_json(PUBLISHING)["units"]
        self._move_in(area, units)
        return units

    def _move_in(self, area: "Storage", units: list[str]) -> None:
        for unit in units:
            if area.exists(unit):  # locally a unit already swapped in is no longer staged
                if self.is_local and area.is_local:
                    self._swap_local(area.path(unit), self.path(unit), area.path(f"{TRASH}/{unit}"))
                else:
                    self._copy_remote(area, unit)
            if self.exists(f"{RESUME}/{unit}"):  # the published unit supersedes its resumable state
                self.remove(f"{RESUME}/{unit}")
                self._prune(posixpath.dirname(f"{RESUME}/{unit}"))
            fault.point("publish", unit)
        area.remove("")

    def _prune(self, rel: str) -> None:
        """Remove `rel` and its parents while they are empty folders (local only: S3 has none)."""
        while self.is_local and rel:
            try:
                os.rmdir(self.path(rel))
            except OSError:  # not empty, or not there
                return
            rel = posixpath.dirname(rel)

    def _swap_local(self, staged: str, final: str, trash: str) -> None:
        os.makedirs(os.path.dirname(final), exist_ok=True)
        if os.path.lexists(final):
            if os.path.lexists(trash):
                shutil.rmtree(trash) if os.path.isdir(trash) else os.remove(trash)
            os.makedirs(os.path.dirname(trash), exist_ok=True)
            os.replace(final, trash)  # a kill here leaves `final` missing: finish_publish renames `staged` in
        os.replace(staged, final)

    def _copy_remote(self, area: "Storage", unit: str) -> None:
        if not area._call("check", unit, area.fs.isdir, area.path(unit)):
            with area.open(unit) as src, self.writer(unit) as dst:
                shutil.copyfileobj(src, dst)
            return
        staged = [p for p in area.glob(f"{unit}/**") if not area.fs.isdir(area.path(p))]
        staged.sort(key=lambda p: p.endswith("manifest.json"))  # manifest last
        for rel in staged:
            with area.open(rel) as src, self.writer(rel) as dst:
                shutil.copyfileobj(src, dst)
        keep = set(staged)
        for rel in self.glob(f"{unit}/**"):
            if rel not in keep and not self.fs.isdir(self.path(rel)):
                self._call("delete", rel, self.fs.rm, self.path(rel))

    # -- DuckDB ----------------------------------------------------------------------------
    def duckdb(self):
        """A DuckDB connection that reads this root's files (S3 through s3fs, no httpfs download)."""
        import duckdb

        con = duckdb.connect()
        con.execute("SET threads TO 2")
        if not self.is_local:
            con.register_filesystem(self.fs)
        return con

    # -- errors ----------------------------------------------------------------------------
    def _call(self, operation: str, rel: str, fn, *args, **kwargs):
        """Run one filesystem call; turn its failure into a StorageError naming what and where.

        Only the operation, the URL, the bucket and the endpoint are named: never credentials.
        """
        try:
            return fn(*args, **kwargs)
        except StorageError:
            raise
        except FileNotFoundError as exc:
            raise StorageError(f"{operation} {self.url(rel)}: {self._not_found(exc)}") from exc
        except PermissionError as exc:
            raise StorageError(f"{operation} {self.url(rel)}: access denied{self._where()} ({exc})") from exc
        except (OSError, *_botocore_errors()) as exc:
            raise StorageError(f"{operation} {self.url(rel)}: {type(exc).__name__}: {exc}{self._where()}") from exc

    def _not_found(self, exc: FileNotFoundError) -> str:
        if not self.is_local and "bucket does not exist" in str(exc).lower():
            return f"bucket {self.bucket!r} does not exist{self._where()}"
        return "not found"

    def _where(self) -> str:
        if self.is_local:
            return ""
        endpoint = getattr(self.fs, "endpoint_url", None) or os.environ.get("AWS_ENDPOINT_URL") or "AWS default"
        return f" [bucket {self.bucket!r}, endpoint {endpoint}, after up to {_retries()} attempts]"


def _botocore_errors() -> tuple[type[BaseException], ...]:
    try:
        from botocore.exceptions import BotoCoreError
    except ImportError:  # local-only installs
        return ()
    return (BotoCoreError,)

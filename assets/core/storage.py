"""The storage root: a local folder (default `data`) or `s3://bucket/prefix`, one fsspec code path.

Every path a stage uses is relative to a root, so the same stage code runs against a folder on a
laptop and a bucket in production. Writes are atomic: a file is written to a temporary name and
renamed (locally) or copied (on S3) into place, so a reader never sees half an artifact.

Write, audit, publish: a stage writes into `staging(stage, run_id)`, its gate validates that
area, and only then does `publish` move the artifact over the published one.
"""

from __future__ import annotations

import io
import json
import os
import posixpath
import shutil
import uuid
from contextlib import contextmanager
from typing import Any, Iterator

import fsspec
import pyarrow as pa
import pyarrow.parquet as pq

STAGING = "_staging"


class StorageError(RuntimeError):
    """An operation on the storage root failed; the message names the operation and the place."""


class Storage:
    def __init__(self, root: str):
        self.root = root.rstrip("/") or "/"
        self.fs, self.base = fsspec.core.url_to_fs(self.root)
        self.is_local = self.fs.protocol in ("file", ("file", "local")) or "file" in self.fs.protocol
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

    def child(self, rel: str) -> "Storage":
        return Storage(self.url(rel))

    def staging(self, stage: str, run_id: str) -> "Storage":
        return self.child(f"{STAGING}/{run_id}/{stage}")

    # -- reading ---------------------------------------------------------------------------
    def exists(self, rel: str) -> bool:
        return self._call("check", rel, self.fs.exists, self.path(rel))

    def glob(self, pattern: str) -> list[str]:
        """Relative paths under this root that match `pattern`, sorted."""
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
                tables.append(pq.read_table(handle, columns=columns))
        return pa.concat_tables(tables, promote_options="default") if len(tables) > 1 else tables[0]

    def parquet_files(self, rel: str) -> list[str]:
        return self.glob(f"{rel}/**/*.parquet")

    # -- writing (atomic) ------------------------------------------------------------------
    @contextmanager
    def writer(self, rel: str, mode: str = "wb") -> Iterator[io.IOBase]:
        """Yield a handle on a temporary name; the file appears at `rel` only if the block succeeds."""
        final = self.path(rel)
        temp = f"{final}.tmp-{uuid.uuid4().hex[:12]}"
        parent = posixpath.dirname(final)
        if self.is_local:
            os.makedirs(parent, exist_ok=True)
        try:
            with self._call("write", rel, self.fs.open, temp, mode) as handle:
                yield handle
            self._commit(temp, final, rel)
        except BaseException:
            try:
                if self.fs.exists(temp):
                    self.fs.rm(temp)
            except Exception:  # noqa: BLE001 - the original error matters more
                pass
            raise

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
        """
        for unit in units:
            if not area.exists(unit):
                raise StorageError(f"publish {area.url(unit)}: the staged artifact is missing")
            if self.is_local and area.is_local:
                self._swap_local(area.path(unit), self.path(unit))
            else:
                self._copy_remote(area, unit)
        area.remove("")

    def _swap_local(self, staged: str, final: str) -> None:
        os.makedirs(os.path.dirname(final), exist_ok=True)
        trash = f"{final}.old-{uuid.uuid4().hex[:12]}"
        if os.path.lexists(final):
            os.replace(final, trash)
        os.replace(staged, final)
        if os.path.isdir(trash):
            shutil.rmtree(trash)
        elif os.path.lexists(trash):
            os.remove(trash)

    def _copy_remote(self, area: "Storage", unit: str) -> None:
        if not area.fs.isdir(area.path(unit)):
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
        try:
            return fn(*args, **kwargs)
        except FileNotFoundError as exc:
            if operation in ("read", "copy"):
                raise StorageError(f"{operation} {self.url(rel)}: not found") from exc
            raise
        except PermissionError as exc:
            raise StorageError(f"{operation} {self.url(rel)}: access denied ({exc})") from exc
        except OSError as exc:
            raise StorageError(f"{operation} {self.url(rel)}: {exc}") from exc

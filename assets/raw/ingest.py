"""Raw stage: every source in sources.yaml into `raw/documents/source=<name>/part-NNNNN.parquet`,
unreadable inputs into `raw/quarantine/source=<name>/quarantine.jsonl`, and what was read into
`raw/manifest/source=<name>.json`. Dagster-free.

Files whose size and stamp (or, failing those, sha256) match the published manifest are not read
again: their documents and quarantine records are copied from the published artifact, which gives
the same bytes as reading them would.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from typing import Optional, Sequence

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from assets.core.settings import ConfigError, Settings, Source
from assets.core.storage import Storage
from assets.raw.compression import open_input
from assets.raw.files import list_files, sha256
from assets.raw.manifest import known_hash, load_manifest, manifest_path, source_config
from assets.raw.parts import PartWriter
from assets.raw.items import DocBatch, Quarantine, RawDoc, ReadOptions, Skipped
from assets.raw.readers import READERS, SOURCE_READERS, read_file

SCHEMA = pa.schema(
    [
        ("doc_id", pa.string()),
        ("source", pa.string()),
        ("kind", pa.string()),
        ("text", pa.string()),
        ("uri", pa.string()),  # the file, relative to the source's glob root
        ("line", pa.int64()),  # 1-based line (jsonl), row (csv, parquet), record (json, warc), task (labelstudio); null for whole files
        ("rights", pa.string()),
        ("pii", pa.string()),
        ("client_id", pa.string()),
        ("language", pa.string()),
        ("meta", pa.string()),  # JSON object
    ]
)
BATCH = 2048  # rows handed to the part writer at a time: Parquet pages break where these chunks do, so the same always
META_JSON = json.JSONEncoder(sort_keys=True, ensure_ascii=False, default=str)  # one encoder for every row: json.dumps builds one a call
QUARANTINE_JSON = json.JSONEncoder(sort_keys=True, ensure_ascii=False)


def documents_dir(source: str) -> str:
    return f"raw/documents/source={source}"


def quarantine_dir(source: str) -> str:
    return f"raw/quarantine/source={source}"


def quarantine_file(source: str) -> str:
    return f"{quarantine_dir(source)}/quarantine.jsonl"


def doc_id(source: str, origin: str, line: Optional[int], text: str) -> str:
    key = f"{source}\x00{origin}\x00{line or 0}\x00{text}".encode("utf-8")
    return hashlib.sha256(key).hexdigest()[:32]


def doc_ids(source: str, origin: str, lines: pa.Array, texts: pa.Array) -> pa.Array:
    """`doc_id` of each row (lines all >= 1): the keys built as one Arrow column, each hashed
    from a view of it, the digests turned to hex together."""
    keys = pc.binary_join_element_wise(f"{source}\x00{origin}\x00", pc.cast(lines, pa.string()), "\x00", texts, "")
    offsets = np.frombuffer(keys.buffers()[1], dtype=np.int32, count=len(keys) + 1, offset=keys.offset * 4).tolist()
    data, sha256 = memoryview(keys.buffers()[2]), hashlib.sha256
    digests = np.frombuffer(b"".join([sha256(data[a:b]).digest() for a, b in zip(offsets, offsets[1:])]), dtype=np.uint8)
    hex_ids = HEX[digests.reshape(len(keys), 32)[:, :16]].tobytes()  # the first 16 bytes: 32 hex digits
    return pa.StringArray.from_buffers(len(keys), pa.py_buffer(np.arange(0, 32 * len(keys) + 1, 32, dtype=np.int32).tobytes()), pa.py_buffer(hex_ids))


HEX = np.array([f"{b:02x}".encode() for b in range(256)], dtype="S2")


def _blank(texts: pa.Array) -> np.ndarray:
    """str.isspace() or empty, per row; only a text that does not start with a printable ASCII
    character needs Python to tell."""
    count = len(texts)
    offsets = np.frombuffer(texts.buffers()[1], dtype=np.int32, count=count + 1, offset=texts.offset * 4)
    data = np.frombuffer(texts.buffers()[2], dtype=np.uint8) if texts.buffers()[2] is not None and offsets[-1] > offsets[0] else np.zeros(1, dtype=np.uint8)
    first = np.where(offsets[1:] > offsets[:-1], data[np.minimum(offsets[:-1], len(data) - 1)], 0)
    blank = np.zeros(count, dtype=bool)
    for i in np.flatnonzero((first <= 0x20) | (first >= 0x7F)).tolist():
        text = texts[i].as_py()
        blank[i] = not text or text.isspace()
    return blank


class _Sink:
    """Turns reader items into document rows (batched into parts) and quarantine lines."""

    def __init__(self, source: Source, max_doc_bytes: int, parts: PartWriter, quarantine, published: "_PublishedParts"):
        self.source, self.max_doc_bytes, self.parts, self.quarantine = source, max_doc_bytes, parts, quarantine
        self.published, self.pending = published, None
        self.batch: list[tuple] = []  # rows in SCHEMA's order, turned into columns at flush: from_pylist of dicts is slower
        self.columns: list[pa.Table] = []  # rows that came as columns (DocBatch), before those of self.batch
        self.held = 0  # rows in both
        self.documents = self.quarantined = 0
        self.reasons: Counter = Counter()
        self.skipped: Counter = Counter()

    def take(self, item) -> None:
        if isinstance(item, DocBatch):
            self.take_batch(item)
            return
        if isinstance(item, Skipped):  # not a document (a WARC request, an image): counted, not kept
            self.skipped[item.what] += 1
            return
        if isinstance(item, RawDoc):
            if not item.text or item.text.isspace():  # what strip() would leave empty, without copying the text
                item = Quarantine(item.uri, "empty_text", item.line, "the text field is blank")
            elif len(item.text) * 4 > self.max_doc_bytes and len(item.text.encode("utf-8")) > self.max_doc_bytes:  # <= 4 bytes a character
                item = Quarantine(item.uri, "oversize", item.line, f"over {self.max_doc_bytes} bytes")
        if isinstance(item, Quarantine):
            record = {"source": self.source.name, "uri": item.uri, "line": item.line, "reason": item.reason, "detail": item.detail}
            self.write_quarantine(QUARANTINE_JSON.encode(record) + "\n", item.reason)
            return
        self.documents += 1
        self.flush_reused()  # keep file order
        self.batch.append(self.row(item))
        self.held += 1
        if self.held >= BATCH:
            self.flush_new()

    def take_batch(self, batch: DocBatch) -> None:
        """A run of documents as columns: the same checks, records and rows as `take` of each."""
        text, lines = batch.text, batch.lines
        oversize = (pc.binary_length(text).to_numpy(zero_copy_only=False) > self.max_doc_bytes) if len(text) else np.zeros(0, dtype=bool)
        blank = _blank(text)
        if blank.any() or oversize.any():
            for i in np.flatnonzero(blank | oversize).tolist():
                line = lines[i].as_py()
                self.take(Quarantine(batch.uri, "empty_text", line, "the text field is blank") if blank[i] else Quarantine(batch.uri, "oversize", line, f"over {self.max_doc_bytes} bytes"))
            keep = pa.array(~(blank | oversize))
            batch = DocBatch(batch.uri, batch.line, lines.filter(keep), text.filter(keep), batch.client_id.filter(keep), batch.meta.filter(keep))
        count = len(batch.text)
        if not count:
            return
        self.documents += count
        self.flush_reused()  # keep file order
        s = self.source

        def same(value) -> pa.Array:
            return pa.repeat(pa.scalar(value, pa.string()), count)

        columns = [doc_ids(s.name, batch.uri, batch.lines, batch.text), same(s.name), same(s.kind or s.name), batch.text, same(batch.uri),
                   batch.lines, same(s.rights), same(s.pii), batch.client_id, same(s.language), batch.meta]
        self.columns += [self._rows_table()] if self.batch else []
        self.batch = []
        self.columns.append(pa.Table.from_arrays(columns, schema=SCHEMA))
        self.held += count
        while self.held >= BATCH:  # BATCH rows at a time, as if they had come one by one
            joined = pa.concat_tables(self.columns).combine_chunks()
            self.parts.add(joined.slice(0, BATCH))
            rest = joined.slice(BATCH)
            self.columns, self.held = ([rest] if len(rest) else []), len(rest)

    def row(self, doc: RawDoc) -> tuple:
        """The document's values in SCHEMA's column order."""
        s = self.source
        return (doc_id(s.name, doc.uri, doc.line, doc.text), s.name, s.kind or s.name, doc.text, doc.uri, doc.line,
                s.rights, s.pii, doc.client_id, s.language, META_JSON.encode(doc.meta))

    def write_quarantine(self, line: str, reason: str) -> None:
        self.quarantine.write(line.encode("utf-8"))
        self.quarantined += 1
        self.reasons[reason] += 1

    def reuse(self, part: str, start: int, count: int) -> None:
        """Rows of a published part; consecutive ranges of one part are copied as one slice."""
        self.flush_new()  # keep file order
        self.documents += count
        if count == 0:
            return
        if self.pending and self.pending[0] == part and self.pending[1] + self.pending[2] == start:
            self.pending[2] += count
            return
        self.flush_reused()
        self.pending = [part, start, count]

    def flush(self) -> None:
        self.flush_new()
        self.flush_reused()

    def flush_new(self) -> None:
        if self.held:
            tables = self.columns + ([self._rows_table()] if self.batch else [])
            self.parts.add(pa.concat_tables(tables).combine_chunks() if len(tables) > 1 else tables[0])
            self.batch, self.columns, self.held = [], [], 0

    def _rows_table(self) -> pa.Table:
        return pa.Table.from_arrays([pa.array(c, f.type) for c, f in zip(zip(*self.batch), SCHEMA)], schema=SCHEMA)

    def flush_reused(self) -> None:
        if self.pending:
            self.parts.add(self.published.rows(*self.pending))
            self.pending = None


class _PublishedParts:
    """Rows of the published parts, one part file held at a time (files come in part order)."""

    def __init__(self, storage: Storage, source: str):
        self.storage, self.folder, self.name, self.table = storage, documents_dir(source), None, None

    def rows(self, part: str, start: int, count: int) -> pa.Table:
        if part != self.name:
            self.table = None  # let the previous part go before the next is read
            with self.storage.open(f"{self.folder}/{part}") as handle:
                self.table, self.name = pq.read_table(handle).cast(SCHEMA), part
        return self.table.slice(start, count)


def _published_quarantine(storage: Storage, source: str) -> dict[str, list[str]]:
    by_uri: dict[str, list[str]] = {}
    if storage.exists(quarantine_file(source)):
        with storage.open(quarantine_file(source)) as handle:
            for raw in handle:
                by_uri.setdefault(json.loads(raw)["uri"], []).append(raw.decode("utf-8"))
    return by_uri


def ingest_source(settings: Settings, source: Source, out: Storage, published: Optional[Storage] = None) -> dict:
    """Read one source into `out`; reuse what `published` (default: the storage root) already
    holds for unchanged files. Returns counts for the run's metadata."""
    if source.format not in READERS and source.format not in SOURCE_READERS:
        raise ConfigError(f"source {source.name!r}: format {source.format!r} has no reader")
    if source.records_path and source.format != "json":
        raise ConfigError(f"source {source.name!r}: records_path applies to format json, not {source.format!r}")
    params = settings.params.ingest
    options = ReadOptions(source.text_field, params.max_doc_bytes, source.records_path)
    fs, files = list_files(source)
    published = published or settings.storage
    in_place = published.url(documents_dir(source.name)) == out.url(documents_dir(source.name))
    previous = {} if in_place else load_manifest(published, source, settings)
    if in_place:  # writing over the published parts: nothing to reuse, and no stale part may stay
        out.remove(documents_dir(source.name))
    old_quarantine = _published_quarantine(published, source.name) if previous else {}
    parts = PartWriter(out, documents_dir(source.name), SCHEMA, params.part_max_docs, params.part_max_bytes)
    entries, reused = {}, 0
    with out.writer(quarantine_file(source.name)) as quarantine:
        sink = _Sink(source, params.max_doc_bytes, parts, quarantine, _PublishedParts(published, source.name))
        checks = {f.origin: known_hash(previous.get(f.origin), f, fs) for f in files}
        if source.format in SOURCE_READERS:
            reused = _whole_source(source, fs, files, checks, previous, old_quarantine, sink, options, entries)
        else:
            for f in files:
                same, digest = checks[f.origin]
                before_docs, before_q, before_skipped = sink.documents, sink.quarantined, sink.skipped.copy()
                if same:
                    entry = previous[f.origin]
                    for part, start, count in entry["spans"]:
                        sink.reuse(part, start, count)
                    for line in old_quarantine.get(f.origin, []):
                        sink.write_quarantine(line, json.loads(line)["reason"])
                    sink.skipped.update(entry["skipped"])
                    digest, reused = entry["sha256"], reused + 1
                else:
                    digest = digest or sha256(fs, f.path)
                    for item in read_file(source.format, fs, f.path, f.origin, options):
                        sink.take(item)
                entries[f.origin] = {"size": f.size, "stamp": f.stamp, "sha256": digest,
                                     "documents": sink.documents - before_docs, "quarantined": sink.quarantined - before_q,
                                     "skipped": dict(sorted((sink.skipped - before_skipped).items()))}
        sink.flush()
        spans = parts.close()
    for origin, entry in entries.items():
        entry["spans"] = spans.get(origin, [])
    if source.format in SOURCE_READERS:  # parts mix files: the first file's entry lists them all
        for origin, entry in entries.items():
            entry["spans"] = parts.written if origin == files[0].origin else []
    manifest = {"source": source.name, "config": source_config(source, settings), "files": entries}
    out.write_text(manifest_path(source.name), json.dumps(manifest, sort_keys=True, ensure_ascii=False) + "\n")  # compact: C encoder
    return {"documents": sink.documents, "quarantined": sink.quarantined, "reasons": dict(sorted(sink.reasons.items())),
            "skipped": dict(sorted(sink.skipped.items())), "files": len(files), "files_reused": reused}


def _whole_source(source, fs, files, checks, previous, old_quarantine, sink, options, entries) -> int:
    """Documents of a source read as a whole span files (events: a client's month), so they are
    reused all or nothing."""
    unchanged = bool(previous) and set(previous) == set(checks) and all(same for same, _ in checks.values())
    if unchanged:
        for part, start, count in (span for entry in previous.values() for span in entry["spans"]):
            sink.reuse(part, start, count)
        for lines in old_quarantine.values():
            for line in lines:
                sink.write_quarantine(line, json.loads(line)["reason"])
    else:
        opened = ((f.origin, open_input(fs, f.path)) for f in files)
        for item in SOURCE_READERS[source.format](_entered(opened), options):
            sink.take(item)
    for f in files:
        same, digest = checks[f.origin]
        digest = previous[f.origin]["sha256"] if same else digest or sha256(fs, f.path)
        entries[f.origin] = {"size": f.size, "stamp": f.stamp, "sha256": digest}
    return len(files) if unchanged else 0


def _entered(opened):
    for origin, context in opened:
        with context as handle:
            yield origin, handle


def build_raw(settings: Settings, out: Storage, partition_keys: Optional[Sequence[str]] = None) -> dict:
    names = list(partition_keys) if partition_keys else [s.name for s in settings.sources]
    return {name: ingest_source(settings, settings.source(name), out) for name in names}


def outputs(settings: Settings, partition_keys: Optional[Sequence[str]] = None) -> list[str]:
    names = list(partition_keys) if partition_keys else [s.name for s in settings.sources]
    return [unit for name in names for unit in (documents_dir(name), quarantine_dir(name), manifest_path(name))]


def read_quarantine(storage: Storage, source: str) -> list[dict]:
    text = storage.read_text(quarantine_file(source))
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def _document_rows(area: Storage, source: str) -> pd.DataFrame:
    """The gate's view of one source, part by part (the text itself is not kept)."""
    frames = []
    for rel in area.parquet_files(documents_dir(source)):
        with area.open(rel) as handle:
            table = pq.read_table(handle, columns=["doc_id", "source", "uri", "rights", "pii", "text"])
        table = table.append_column("text_bytes", pc.binary_length(table.column("text").cast(pa.binary()))).drop_columns(["text"])
        frames.append(table.to_pandas())
    return pd.concat(frames, ignore_index=True)


def gate_tables(area: Storage, settings: Settings, partition_keys=None) -> dict[str, pd.DataFrame]:
    """raw_documents: one row per document; raw_sources: one row per source with its quarantined
    fraction (the suite compares it with ingest.max_quarantine_fraction) and its worst files."""
    names = list(partition_keys) if partition_keys else [s.name for s in settings.sources]
    documents = pd.concat([_document_rows(area, n) for n in names], ignore_index=True)
    summary = []
    for name in names:
        quarantined = Counter(r["uri"] for r in read_quarantine(area, name))
        docs = documents.loc[documents["source"] == name, "uri"].value_counts()
        n_docs, n_quarantined = int(docs.sum()), sum(quarantined.values())
        total = n_docs + n_quarantined
        share = {uri: count / (count + int(docs.get(uri, 0))) for uri, count in quarantined.items()}
        worst = sorted(quarantined, key=lambda u: (-quarantined[u], -share[u], u))[:3]
        summary.append(
            {
                "source": name,
                "documents": n_docs,
                "quarantined": n_quarantined,
                "quarantined_fraction": (n_quarantined / total) if total else 1.0,
                "worst_files": ", ".join(f"{u} ({quarantined[u]} quarantined, {share[u]:.0%} of the file)" for u in worst),
            }
        )
    return {"raw_documents": documents.drop(columns=["uri"]), "raw_sources": pd.DataFrame(summary)}

"""What a reader yields: a document, a quarantine record (an input that could not be read, and
why), or a skipped record (part of a container that is not a document: a WARC request, an image).
Shared by every reader, the ingest and the events renderer; a bulk reader may yield a run of
documents as one `DocBatch`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional, Union


@dataclass
class RawDoc:
    text: str
    uri: str
    line: Optional[int] = None  # 1-based line (jsonl), row (csv, parquet), record (json, warc) or task (labelstudio)
    client_id: Optional[str] = None
    meta: dict = field(default_factory=dict)


@dataclass
class Quarantine:
    uri: str
    reason: str
    line: Optional[int] = None
    detail: str = ""

    def __post_init__(self):
        if not self.detail:  # a reason alone does not tell a user what to fix
            raise ValueError(f"quarantine of {self.uri}: {self.reason} needs a detail saying what was seen")


@dataclass
class Skipped:
    uri: str
    what: str  # e.g. "warc request", "image/png response"
    line: Optional[int] = None


@dataclass
class DocBatch:
    """Documents of consecutive lines read in bulk (`formats/jsonl_bulk.py`), as Arrow columns:
    what a run of RawDocs would be, `meta` already its canonical JSON text."""

    uri: str
    line: int  # the last line, as a RawDoc's `line` (what read_file's broken-stream record follows)
    lines: "pa.Array"  # int64, 1-based
    text: "pa.Array"  # string
    client_id: "pa.Array"  # string, null for none
    meta: "pa.Array"  # string: JSON objects, keys sorted

    def docs(self) -> list[RawDoc]:
        """The same documents one by one (for a reader's tests and callers that want items)."""
        import json

        columns = (self.lines.to_pylist(), self.text.to_pylist(), self.client_id.to_pylist(), self.meta.to_pylist())
        return [RawDoc(text=t, uri=self.uri, line=n, client_id=c, meta=json.loads(m)) for n, t, c, m in zip(*columns)]


@dataclass(frozen=True)
class ReadOptions:
    text_field: Optional[str]
    max_doc_bytes: int
    records_path: Optional[str] = None  # json: dotted path to the list of records inside an object


Item = Union[RawDoc, Quarantine, Skipped, DocBatch]

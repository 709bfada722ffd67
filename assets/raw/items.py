"""What a reader yields: a document, a quarantine record (an input that could not be read, and
why), or a skipped record (part of a container that is not a document: a WARC request, an image).
Shared by every reader, the ingest and the events renderer."""

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


@dataclass(frozen=True)
class ReadOptions:
    text_field: Optional[str]
    max_doc_bytes: int
    records_path: Optional[str] = None  # json: dotted path to the list of records inside an object


Item = Union[RawDoc, Quarantine, Skipped]

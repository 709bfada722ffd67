"""The graph's inputs: the rows of every source that declares an `entities` mapping.

Contract with the raw stage: a tabular row (csv, jsonl, json, parquet) is one document whose
`meta` holds its columns, except the text field, which is the document's `text`. The mapping
(assets/core/mapping.py) says which column is which; nothing here knows a catalog schema.

A mapping that names a column the table lacks is a configuration error and fails at once. A row
that breaks the mapping (no id or name, an empty link, a malformed list, a type the mapping does
not allow) is quarantined with its file, line and field; the graph is built from the good rows.
Only documents with training rights feed the graph, since everything generated from it is
trained on.
"""

from __future__ import annotations

import json
import math
import unicodedata
from dataclasses import dataclass, field
from typing import Optional

import pandas as pd
import pyarrow as pa

from assets.core.mapping import EntityMapping, TypeFromColumn
from assets.core.settings import Settings, Source
from assets.core.storage import Storage
from assets.cleaned.graph.linking import words
from assets.cleaned.graph.paths import GRAPH_QUARANTINE
from assets.raw.ingest import documents_dir

TABULAR = ("csv", "jsonl", "json", "parquet")
RAW_COLUMNS = ["doc_id", "source", "kind", "text", "uri", "line", "rights", "pii", "language", "meta"]
QUARANTINE_SCHEMA = pa.schema(
    [
        ("source", pa.string()),
        ("uri", pa.string()),
        ("line", pa.int64()),
        ("doc_id", pa.string()),
        ("field", pa.string()),  # the column the mapping read
        ("reason", pa.string()),
        ("detail", pa.string()),
    ]
)


class GraphMappingError(ValueError):
    """A source's `entities` mapping does not fit its table; the message names the source, the
    mapping key and the columns that exist."""


class RowError(Exception):
    """Why one row cannot enter the graph: the column and a reason."""

    def __init__(self, field: str, reason: str, detail: str):
        super().__init__(detail)
        self.field, self.reason, self.detail = field, reason, detail


@dataclass
class Row:
    """One mapped row: a node, and the values of its link columns."""

    source: str
    uri: str
    line: Optional[int]
    doc_id: str
    id: str
    type: str
    name: str
    aliases: list[str]
    links: list[tuple[str, str, str, list[str]]]  # (column, relation, target type, values)
    attributes: dict = field(default_factory=dict)
    asked: bool = True
    id_column: str = "id"

    @property
    def origin(self) -> dict:
        return {"source": self.source, "uri": self.uri, "line": self.line, "doc_id": self.doc_id}

    def where(self) -> str:
        return f"{self.source} {self.uri}:{self.line if self.line is not None else '-'}"


def load_raw(settings: Settings) -> pd.DataFrame:
    """Every raw document with training rights, except those of clients who opted out, sorted by doc_id."""
    storage = settings.storage
    frames = [storage.read_parquet(documents_dir(s.name), columns=RAW_COLUMNS + ["client_id"]).to_pandas() for s in settings.sources]
    raw = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=RAW_COLUMNS + ["client_id"])
    opted_out = set(settings.sources_file.consent.opted_out)
    raw = raw.loc[(raw["rights"] == "train") & ~raw["client_id"].isin(opted_out)]
    return raw.sort_values("doc_id", kind="stable").reset_index(drop=True)


def normalized(name: str) -> str:
    """The form names are deduplicated by: Unicode-compatible, case-folded words."""
    return " ".join(words(unicodedata.normalize("NFKC", name)))


def _line(value) -> Optional[int]:
    return None if value is None or (isinstance(value, float) and math.isnan(value)) else int(value)


def _scalar(value, column: str) -> Optional[str]:
    """A cell as one string; None when empty."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # a numeric id read as 338.0 is still 338
    if isinstance(value, (dict, list)):
        raise RowError(column, "malformed_value", f"column {column!r} holds a JSON {type(value).__name__}, not one value")
    text = str(value).strip()
    return text or None


def _values(value, column: str, separator: Optional[str]) -> list[str]:
    """A cell as a list of values: a JSON list (jsonl, parquet, or a CSV cell written as one),
    or a string split by the separator. An empty item is a malformed list."""
    if isinstance(value, str) and value.strip().startswith("["):
        try:
            value = json.loads(value)
        except json.JSONDecodeError as exc:
            raise RowError(column, "malformed_list", f"column {column!r}: {value[:60]!r} is not a JSON list ({exc.msg})") from None
    if isinstance(value, (list, tuple)):
        items = []
        for item in value:
            if isinstance(item, (dict, list)) or _scalar(item, column) is None:
                raise RowError(column, "malformed_list", f"column {column!r}: an empty or nested item in {json.dumps(value, default=str)[:80]}")
            items.append(_scalar(item, column))
        return items
    text = _scalar(value, column)
    if text is None:
        return []
    if separator is None:
        return [text]
    items = [item.strip() for item in text.split(separator)]
    if not all(items):
        raise RowError(column, "malformed_list", f"column {column!r}: {text[:80]!r} has an empty item between {separator!r} separators")
    return items


def check_columns(source: Source, docs: pd.DataFrame, metas: list[dict]) -> None:
    """Fail at once if the mapping names a column no row of the table has."""
    mapping: EntityMapping = source.entities  # type: ignore[assignment]
    if source.format not in TABULAR:
        raise GraphMappingError(f"source {source.name!r}: `entities` maps table rows, but format {source.format!r} is not tabular ({', '.join(TABULAR)})")
    if not len(docs):
        return
    present = set().union(*map(set, metas)) | {source.text_field or "text"}
    for key, column in mapping.columns().items():
        if column not in present:
            raise GraphMappingError(f"source {source.name!r}: entities.{key} names column {column!r}, which the table lacks; its columns: {', '.join(sorted(present))}")


def parse_row(source: Source, doc, meta: dict) -> Row:
    """One document of a mapped source as a Row; RowError names the column that breaks the mapping."""
    mapping: EntityMapping = source.entities  # type: ignore[assignment]
    text_field = source.text_field or "text"
    cell = lambda column: doc.text if column == text_field else meta.get(column)  # noqa: E731
    node_id = _scalar(cell(mapping.id), mapping.id)
    if node_id is None:
        raise RowError(mapping.id, "missing_id", f"column {mapping.id!r} (entities.id) is empty")
    name = _scalar(cell(mapping.name), mapping.name)
    if name is None:
        raise RowError(mapping.name, "missing_name", f"column {mapping.name!r} (entities.name) is empty")
    if isinstance(mapping.type, TypeFromColumn):
        column = mapping.type.column
        kind = _scalar(cell(column), column)
        if kind is None:
            raise RowError(column, "missing_type", f"column {column!r} (entities.type.column) is empty")
        if kind.casefold() not in mapping.type.values:
            raise RowError(column, "unknown_type", f"column {column!r} holds type {kind!r}; the mapping allows {', '.join(mapping.type.values)}")
        kind = kind.casefold()
    else:
        kind = mapping.type
    aliases = _values(cell(mapping.aliases), mapping.aliases, mapping.separator) if mapping.aliases else []
    links = []
    for column, relation in mapping.relations().items():
        link = mapping.links[column]
        values = _values(cell(column), column, mapping.separator)
        if not values and link.required:
            raise RowError(column, "empty_link", f"column {column!r} (a {link.type} link) is empty; declare `required: false` if it may be")
        links.append((column, relation, link.type, values))
    used = set(mapping.columns().values())
    attributes = {k: v for k, v in meta.items() if k not in used}
    return Row(source.name, doc.uri, _line(doc.line), doc.doc_id, node_id, kind, name, aliases, links, attributes, mapping.questions, mapping.id)


def mapped_rows(raw: pd.DataFrame, sources: list[Source]) -> tuple[list[Row], list[dict]]:
    """(rows, quarantine records) of every mapped source, rows in source order, then file and line."""
    rows, rejected = [], []
    for source in sources:
        if source.entities is None:
            continue
        docs = raw.loc[raw["source"] == source.name]
        docs = docs.assign(_line=docs["line"].fillna(-1)).sort_values(["uri", "_line", "doc_id"], kind="stable")
        metas = []
        for doc in docs.itertuples(index=False):
            try:
                meta = json.loads(doc.meta or "{}")
            except json.JSONDecodeError:
                meta = None
            metas.append(meta if isinstance(meta, dict) else {})
        check_columns(source, docs, metas)
        for doc, meta in zip(docs.itertuples(index=False), metas):
            try:
                rows.append(parse_row(source, doc, meta))
            except RowError as exc:
                rejected.append(rejection(source.name, doc.uri, _line(doc.line), doc.doc_id, exc))
    return rows, rejected


def rejection(source: str, uri: str, line: Optional[int], doc_id: str, exc: RowError) -> dict:
    return {"source": source, "uri": uri, "line": line, "doc_id": doc_id, "field": exc.field, "reason": exc.reason, "detail": exc.detail}


def quarantine_table(rejected: list[dict]) -> pa.Table:
    ordered = sorted(rejected, key=lambda r: (r["source"], r["uri"], r["line"] if r["line"] is not None else -1, r["field"], r["doc_id"]))
    return pa.Table.from_pylist(ordered, schema=QUARANTINE_SCHEMA)


def read_row_quarantine(storage: Storage) -> pd.DataFrame:
    """The rows the published graph quarantined (empty when there is no such file yet)."""
    if not storage.exists(GRAPH_QUARANTINE):
        return QUARANTINE_SCHEMA.empty_table().to_pandas()
    return storage.read_parquet(GRAPH_QUARANTINE).to_pandas()

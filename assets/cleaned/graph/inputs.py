"""The graph's inputs: catalog products and reference entities from the raw documents.

Contract with the raw stage: documents of kind "catalog" are products, meta {sku, name, aliases,
materials[ids], techniques[ids], collection, workshop, artisan, designer, price_eur}; documents of
kind "reference" are entities, meta {id, type, name, aliases, + relation fields}. Only documents
with training rights feed the graph, since everything generated from it is trained on.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import pandas as pd

from assets.core.settings import Settings
from assets.raw.ingest import documents_dir

ENTITY_TYPES = ("material", "technique", "collection", "workshop", "artisan", "designer", "boutique")
RAW_COLUMNS = ["doc_id", "source", "kind", "text", "uri", "line", "rights", "pii", "language", "meta"]


class GraphInputError(ValueError):
    """A catalog or reference document is malformed; the message names the file, line and field."""


@dataclass
class Record:
    """One product or entity as the raw documents declare it."""

    id: str
    type: str
    name: str
    aliases: list[str]
    doc_id: str
    meta: dict = field(default_factory=dict)


def load_raw(settings: Settings) -> pd.DataFrame:
    """Every raw document with training rights, except those of clients who opted out, sorted by doc_id."""
    storage = settings.storage
    frames = [storage.read_parquet(documents_dir(s.name), columns=RAW_COLUMNS + ["client_id"]).to_pandas() for s in settings.sources]
    raw = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=RAW_COLUMNS + ["client_id"])
    opted_out = set(settings.sources_file.consent.opted_out)
    raw = raw.loc[(raw["rights"] == "train") & ~raw["client_id"].isin(opted_out)]
    return raw.sort_values("doc_id", kind="stable").reset_index(drop=True)


def _where(row) -> str:
    return f"{row['uri']}:{row['line'] if pd.notna(row['line']) else '-'} (doc {row['doc_id']})"


def _meta(row) -> dict:
    try:
        meta = json.loads(row["meta"] or "{}")
    except json.JSONDecodeError as exc:
        raise GraphInputError(f"{_where(row)}: field 'meta' is not valid JSON: {exc}") from None
    if not isinstance(meta, dict):
        raise GraphInputError(f"{_where(row)}: field 'meta' must be a JSON object")
    return meta


def _text(row, meta: dict, key: str, required: bool = True) -> str | None:
    value = meta.get(key)
    if value is None or value == "":
        if required:
            raise GraphInputError(f"{_where(row)}: meta field {key!r} is missing")
        return None
    if not isinstance(value, (str, int)):
        raise GraphInputError(f"{_where(row)}: meta field {key!r} must be a string, got {type(value).__name__}")
    return str(value)


def _list(row, meta: dict, key: str) -> list[str]:
    value = meta.get(key)
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, (str, int)) for v in value):
        raise GraphInputError(f"{_where(row)}: meta field {key!r} must be a list of strings")
    return [str(v) for v in value]


def products(raw: pd.DataFrame) -> list[Record]:
    out = []
    for _, row in raw.loc[raw["kind"] == "catalog"].iterrows():
        meta = _meta(row)
        out.append(Record(_text(row, meta, "sku"), "product", _text(row, meta, "name"), _list(row, meta, "aliases"), row["doc_id"], meta))
        for key in ("materials", "techniques"):
            _list(row, meta, key)  # validated here so a bad row fails with its place
        for key in ("collection", "workshop", "artisan", "designer"):
            _text(row, meta, key, required=False)
    return out


def entities(raw: pd.DataFrame) -> list[Record]:
    out = []
    for _, row in raw.loc[raw["kind"] == "reference"].iterrows():
        meta = _meta(row)
        kind = _text(row, meta, "type")
        if kind not in ENTITY_TYPES:
            raise GraphInputError(f"{_where(row)}: meta field 'type' is {kind!r}, expected one of {', '.join(ENTITY_TYPES)}")
        out.append(Record(_text(row, meta, "id"), kind, _text(row, meta, "name"), _list(row, meta, "aliases"), row["doc_id"], meta))
    return out

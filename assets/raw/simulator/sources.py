"""The sources.yaml the simulator writes: one entry per landing folder (schema: assets/core/settings.py)."""

from __future__ import annotations

import os
from pathlib import Path

import yaml

# How the catalog and the reference tables become the knowledge graph: declared like any house
# declares its own (assets/core/mapping.py); the relation names are the ones the verbalization
# and the questions have hand-written phrasings for.
CATALOG_ENTITIES = {
    "id": "sku", "name": "name", "type": "product", "aliases": "aliases",
    "links": {
        "materials": {"type": "material", "relation": "made_of"},
        "techniques": {"type": "technique", "relation": "uses_technique"},
        "collection": {"type": "collection", "relation": "part_of"},
        "workshop": {"type": "workshop", "relation": "crafted_in"},
        "artisan": {"type": "artisan", "relation": "crafted_by"},
        "designer": {"type": "designer", "relation": "designed_by"},
    },
}
# One table for every entity type, so the type is a column and each link applies to some types only.
REFERENCE_ENTITIES = {
    "id": "id", "name": "name", "aliases": "aliases",
    "type": {"column": "type", "values": ["material", "technique", "collection", "designer", "workshop", "artisan", "boutique"]},
    "links": {
        "designer_id": {"type": "designer", "relation": "designed_by", "required": False},
        "workshop_id": {"type": "workshop", "relation": "works_in", "required": False},
        "technique_ids": {"type": "technique", "relation": "practices", "required": False},
        "city": {"type": "city", "relation": "located_in", "required": False},
    },
    "questions": False,  # questions and dialogues are about the products
}

SOURCES = [
    {"name": "catalog", "uri": "landing/catalog/*.jsonl", "format": "jsonl", "text_field": "description",
     "rights": "train", "pii": "none", "kind": "catalog", "language": "en", "entities": CATALOG_ENTITIES},
    {"name": "reference", "uri": "landing/reference/*.jsonl", "format": "jsonl", "text_field": "description",
     "rights": "train", "pii": "none", "kind": "reference", "language": "en", "entities": REFERENCE_ENTITIES},
    {"name": "lookbook", "uri": "landing/lookbook/*.md", "format": "md", "rights": "train", "pii": "none",
     "kind": "lookbook", "language": "en"},
    {"name": "press", "uri": "landing/press/*.html", "format": "html", "rights": "train", "pii": "none", "kind": "press"},
    {"name": "interviews", "uri": "landing/interviews/*.docx", "format": "docx", "rights": "train", "pii": "none",
     "kind": "interview", "language": "en"},
    {"name": "presskits", "uri": "landing/presskits/*.pdf", "format": "pdf", "rights": "train", "pii": "none",
     "kind": "press", "language": "en"},
    {"name": "transcripts", "uri": "landing/transcripts/*.jsonl", "format": "jsonl", "text_field": "transcript",
     "rights": "train", "pii": "client", "kind": "transcript"},
    {"name": "events", "uri": "landing/events/*.jsonl", "format": "events", "rights": "train", "pii": "client",
     "kind": "events"},
    {"name": "reviews", "uri": "landing/reviews/*.csv", "format": "csv", "text_field": "text", "rights": "train",
     "pii": "possible", "kind": "review", "language": "en"},
    {"name": "annotations", "uri": "landing/annotations/*.json", "format": "labelstudio", "rights": "train",
     "pii": "none", "kind": "annotation", "language": "en"},
    {"name": "agency", "uri": "landing/agency/*.jsonl", "format": "jsonl", "text_field": "body", "rights": "none",
     "pii": "none", "kind": "press", "language": "en"},
    {"name": "archive", "uri": "landing/archive/*.txt", "format": "txt", "rights": "eval_only", "pii": "none",
     "kind": "essay", "language": "en"},
    {"name": "notes", "uri": "landing/notes/*.txt", "format": "txt", "rights": "train", "pii": "possible",
     "kind": "notes", "confidential": True},  # artisans' workshop notes: the house's know-how
]


def sources_document(opted_out: list[str]) -> dict:
    return {"sources": SOURCES, "consent": {"opted_out": opted_out}, "ground_truth": "ground_truth"}


def write_sources(path: Path, opted_out: list[str]) -> None:
    path.write_text(yaml.safe_dump(sources_document(opted_out), sort_keys=False, allow_unicode=True),
                    encoding="utf-8", newline="\n")


def write_rerooted_sources(out: str | os.PathLike, path: str | os.PathLike) -> None:
    """Copy out/sources.yaml to `path` with its relative paths re-rooted to path's folder
    (how the repo's default sources.yaml points into `sample/`)."""
    out, path = Path(out), Path(path)
    document = yaml.safe_load((out / "sources.yaml").read_text(encoding="utf-8"))
    prefix = Path(os.path.relpath(out.resolve(), path.resolve().parent)).as_posix() + "/"
    for source in document["sources"]:
        source["uri"] = prefix + source["uri"]
    document["ground_truth"] = prefix + document["ground_truth"]
    path.write_text(yaml.safe_dump(document, sort_keys=False, allow_unicode=True), encoding="utf-8", newline="\n")

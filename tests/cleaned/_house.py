"""A tiny raw archive written straight as raw/documents Parquet (no ingest needed): the cleaned
stage's tests control every document."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pyarrow as pa
import yaml

from assets.core.settings import load_settings
from assets.core.storage import Storage
from assets.raw.ingest import SCHEMA, documents_dir, doc_id, quarantine_dir

PROJECT = Path(__file__).resolve().parents[2]

WORDS = ("the atelier cuts a jacket of wool and silk with care so that the line of the shoulder "
         "falls softly over the arm while the lining keeps its shape through the seasons of wear").split()


def prose(seed: int, sentences: int = 8) -> str:
    rng = random.Random(seed)
    out = []
    for _ in range(sentences):
        words = [rng.choice(WORDS) for _ in range(rng.randint(9, 16))]
        out.append(" ".join(words).capitalize() + ".")
    return " ".join(out[: sentences // 2]) + "\n\n" + " ".join(out[sentences // 2 :])


def make_settings(tmp_path: Path, sources: list[dict], clean: dict | None = None, quarantine: dict | None = None):
    base = yaml.safe_load((PROJECT / "params.yaml").read_text())
    base["clean"]["filter_kinds"] = [s["name"] for s in sources]  # kind = source name here: every filter applies
    for name in ("gopher_repetition", "gopher_quality", "c4", "fineweb"):  # with the published thresholds
        base["clean"][name].pop("per_kind", None)
    base["clean"].update(clean or {})
    (tmp_path / "params.yaml").write_text(yaml.safe_dump(base))
    spec = [{k: v for k, v in s.items() if k != "docs"} for s in sources]
    (tmp_path / "sources.yaml").write_text(yaml.safe_dump({"sources": spec}))
    settings = load_settings(tmp_path / "params.yaml", tmp_path / "sources.yaml", str(tmp_path / "data"))
    storage = settings.storage
    for source in sources:
        rows = [
            {"doc_id": doc_id(source["name"], f"f{i}", i + 1, text), "source": source["name"], "kind": source["name"], "text": text,
             "uri": f"f{i}", "line": i + 1, "rights": source["rights"], "pii": source["pii"], "client_id": None,
             "language": source.get("language"), "meta": "{}"}
            for i, text in enumerate(source["docs"])
        ]
        storage.write_parquet(f"{documents_dir(source['name'])}/part-00000.parquet", pa.Table.from_pylist(rows, schema=SCHEMA))
        records = (quarantine or {}).get(source["name"], [])
        storage.write_text(f"{quarantine_dir(source['name'])}/quarantine.jsonl", "".join(json.dumps(r) + "\n" for r in records))
    return settings


def source(name: str, docs: list[str], rights: str = "train", fmt: str = "jsonl", language: str | None = "en", kind: str | None = None) -> dict:
    return {"name": name, "uri": f"landing/{name}/*", "format": fmt, "rights": rights, "pii": "none", "language": language,
            "text_field": "text" if fmt == "jsonl" else None, "docs": docs, **({"kind": kind} if kind else {})}


def out_storage(tmp_path: Path) -> Storage:
    return Storage(str(tmp_path / "out"))

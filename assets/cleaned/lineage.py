"""Lineage: from any corpus document or token shard back to the raw file and line.

    python -m assets.cleaned.lineage doc <doc_id>     source, uri, line, raw doc_id, steps
    python -m assets.cleaned.lineage shard <name>     the documents in a shard and their origins

Where it looks (under the storage root, ATELIER_STORAGE or --storage):
raw/documents/ (origin), cleaned/corpus/ and cleaned/evalsets/documents/ (what the cleaned stage
kept, with pii_redacted / quality_score when those steps ran), cleaned/mixture/ (copies in the
training mixture), and per shard `tokenized/shards/<name>.docs.parquet` (written by the
tokenized stage: doc_id, source, uri, line, rights, copy, offset, tokens); a manifest shard
entry with a "documents" list is read when no .docs.parquet exists. Doc ids are kept from raw to
shard, so the raw doc_id is the corpus doc_id.
"""

from __future__ import annotations

import argparse
import json
import os
import sys

import pandas as pd

from assets.cleaned.paths import CORPUS, EVAL_DOCUMENTS, MIXTURE
from assets.core.storage import Storage, StorageError

SHARDS = "tokenized/shards"
MANIFEST = "tokenized/manifest.json"


class LineageError(LookupError):
    pass


def _find(storage: Storage, folder: str, doc_id: str) -> pd.DataFrame | None:
    if not storage.parquet_files(folder):
        return None
    con = storage.duckdb()
    files = [storage.url(f) for f in storage.parquet_files(folder)]
    rows = con.execute("SELECT * FROM read_parquet(?, union_by_name=true) WHERE doc_id = ?", [files, doc_id]).df()
    return rows if len(rows) else None


def _shard_docs(storage: Storage, name: str) -> pd.DataFrame:
    stem = name.removesuffix(".bin")
    listing = f"{SHARDS}/{stem}.docs.parquet"
    if storage.exists(listing):
        return storage.read_parquet(listing).to_pandas()
    if storage.exists(MANIFEST):
        for shard in storage.read_json(MANIFEST).get("shards", []):
            if shard.get("name", "").removesuffix(".bin") == stem and "documents" in shard:
                docs = shard["documents"]
                return pd.DataFrame([d if isinstance(d, dict) else {"doc_id": d} for d in docs])
    raise LineageError(f"shard {name!r}: no {storage.url(listing)} and no document list for it in {storage.url(MANIFEST)}")


def _shards_holding(storage: Storage, doc_id: str) -> list[str]:
    files = storage.glob(f"{SHARDS}/*.docs.parquet")
    if not files:
        return []
    con = storage.duckdb()
    found = con.execute(
        "SELECT DISTINCT filename FROM read_parquet(?, filename=true) WHERE doc_id = ? ORDER BY filename",
        [[storage.url(f) for f in files], doc_id],
    ).fetchall()
    return [os.path.basename(f).removesuffix(".docs.parquet") + ".bin" for (f,) in found]


def doc_lineage(storage: Storage, doc_id: str) -> dict:
    raw = _find(storage, "raw/documents", doc_id)
    corpus = _find(storage, CORPUS, doc_id)
    evaluation = _find(storage, EVAL_DOCUMENTS, doc_id)
    mixture = _find(storage, MIXTURE, doc_id)
    shards = _shards_holding(storage, doc_id)
    origin = raw if raw is not None else corpus if corpus is not None else mixture
    if origin is None:
        raise LineageError(f"document {doc_id!r}: not in raw/documents, {CORPUS} or {MIXTURE} under {storage.url()}")
    first = origin.iloc[0]
    steps = []
    if raw is not None:
        steps.append(f"raw: ingested from {first['uri']}" + (f" line {int(first['line'])}" if pd.notna(first.get("line")) else ""))
    else:
        steps.append("generated after ingest (no raw document)")
    if corpus is not None:
        kept = corpus.iloc[0]
        steps.append("cleaned: kept in corpus")
        if "pii_redacted" in kept and pd.notna(kept["pii_redacted"]):
            steps.append(f"privacy: {int(kept['pii_redacted'])} PII span(s) redacted")
        if "quality_score" in kept and pd.notna(kept["quality_score"]):
            steps.append(f"expert quality score {float(kept['quality_score']):.3f}")
    elif evaluation is not None:
        steps.append("cleaned: held out as an evaluation document")
    elif not storage.parquet_files(CORPUS):
        steps.append("cleaned: not materialized yet")
    elif raw is not None:
        steps.append("cleaned: removed (cleaned/ledger.json counts it under its reason)")
    if mixture is not None:
        copies = int(mixture["copies"].sum()) if "copies" in mixture else len(mixture)
        steps.append(f"mixture: {copies} cop{'y' if copies == 1 else 'ies'}")
    steps += [f"tokenized: in shard {s}" for s in shards]
    return {
        "doc_id": doc_id,
        "raw_doc_id": doc_id if raw is not None else None,
        "source": first["source"],
        "uri": first.get("uri"),
        "line": None if pd.isna(first.get("line")) else int(first["line"]),
        "origins": _origins(first.get("meta")) if raw is not None else {},
        "steps": steps,
    }


def _origins(meta) -> dict:
    """Finer origins the readers keep in meta: an events document's files and event ids, a
    Label Studio task id."""
    try:
        meta = json.loads(meta) if isinstance(meta, str) else {}
    except json.JSONDecodeError:
        return {}
    return {k: meta[k] for k in ("files", "event_ids", "task_id") if k in meta}


def shard_lineage(storage: Storage, name: str) -> pd.DataFrame:
    docs = _shard_docs(storage, name)
    if "uri" not in docs or "line" not in docs:  # a bare id list: the origin comes from raw
        raw = storage.read_parquet("raw/documents", columns=["doc_id", "source", "uri", "line"]).to_pandas()
        docs = docs[["doc_id"]].merge(raw, on="doc_id", how="left")
    return docs


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m assets.cleaned.lineage", description=__doc__.split("\n\n")[0])
    parser.add_argument("--storage", default=os.environ.get("ATELIER_STORAGE", "data"), help="storage root (default $ATELIER_STORAGE or data)")
    parser.add_argument("--json", action="store_true", help="print JSON")
    sub = parser.add_subparsers(dest="what", required=True)
    sub.add_parser("doc", help="where a document comes from").add_argument("doc_id")
    sub.add_parser("shard", help="the documents in a token shard").add_argument("name")
    args = parser.parse_args(argv)
    storage = Storage(args.storage)
    try:
        if args.what == "doc":
            found = doc_lineage(storage, args.doc_id)
            if args.json:
                print(json.dumps(found, indent=2, ensure_ascii=False))
            else:
                for key in ("doc_id", "source", "uri", "line", "raw_doc_id"):
                    print(f"{key}: {found[key]}")
                for key, value in found["origins"].items():
                    print(f"{key}: {value}")
                print("steps:")
                for step in found["steps"]:
                    print(f"  - {step}")
        else:
            docs = shard_lineage(storage, args.name)
            if args.json:
                print(docs.to_json(orient="records", force_ascii=False))
            else:
                print(docs.to_string(index=False))
    except (LineageError, StorageError) as exc:
        print(f"lineage: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

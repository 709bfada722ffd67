"""Synthetic training documents: the graph verbalized, simulated dialogues and product Q&A.

All are built from the graph minus the held-out facts, marked synthetic, and carry the ids of
the edges they state (`provenance`). Written with the corpus schema so the mixture can pool them.
"""

from __future__ import annotations

import hashlib
from typing import Optional, Sequence

import pandas as pd
import pyarrow as pa

from assets.core.settings import Settings
from assets.core.storage import Storage
from assets.cleaned.schema import CORPUS_SCHEMA
from assets.cleaned.graph.dialogues import dialogues, product_qa
from assets.cleaned.graph.evalsets import heldout_edge_ids
from assets.cleaned.graph.graph import read_graph
from assets.cleaned.graph.paths import SYNTHETIC
from assets.core.markdown import markdown_table
from assets.cleaned.graph.verbalize import fact_table, verbalized_documents

SOURCE = "synthetic"
SYNTHETIC_SCHEMA = CORPUS_SCHEMA.append(pa.field("synthetic", pa.bool_())).append(pa.field("provenance", pa.list_(pa.string())))


def synthetic_uri(kind: str, key: str) -> str:
    """A generated document's uri: its kind (verbalized, dialogue, qa) is read back by synthetic_kind."""
    return f"synthetic://{kind}/{key}"


def synthetic_kind(uri: Optional[str]) -> str:
    """The kind a generated document's uri names, else "" (a house document)."""
    return uri.split("/")[2] if uri and uri.startswith("synthetic://") else ""


def _rows(kind: str, docs: list[dict]) -> list[dict]:
    return [
        {
            "doc_id": hashlib.sha256(f"{SOURCE}\x00{kind}\x00{d['key']}\x00{d['text']}".encode("utf-8")).hexdigest()[:32],
            "source": SOURCE, "kind": kind, "text": d["text"], "lang": "en", "rights": "train", "pii": "none",
            "client_id": None, "uri": synthetic_uri(kind, d['key']), "line": None, "synthetic": True,
            "provenance": d["provenance"],
        }
        for d in docs
    ]


def generate(nodes: pd.DataFrame, edges: pd.DataFrame, heldout: set[str], settings: Settings) -> pd.DataFrame:
    p, seed = settings.params.graph, settings.params.seed
    facts = fact_table(nodes, edges)
    facts = facts.loc[~facts["edge_id"].isin(heldout)]
    rows = (_rows("verbalized", verbalized_documents(facts, p.phrasings, seed))
            + _rows("dialogue", dialogues(facts, p.dialogues_per_product, seed))
            + _rows("qa", product_qa(facts, seed)))
    return pd.DataFrame(rows, columns=SYNTHETIC_SCHEMA.names).sort_values("doc_id").reset_index(drop=True)


def build_synthetic(settings: Settings, out: Storage, partition_keys: Optional[Sequence[str]] = None) -> dict:
    """Reads the published graph and evalsets; writes cleaned/synthetic/part-00000.parquet."""
    nodes, edges = read_graph(settings.storage)
    docs = generate(nodes, edges, heldout_edge_ids(settings.storage), settings)
    out.write_parquet(f"{SYNTHETIC}/part-00000.parquet", pa.Table.from_pandas(docs, schema=SYNTHETIC_SCHEMA, preserve_index=False))
    by_kind = docs.groupby("kind").agg(documents=("doc_id", "size"), bytes=("text", lambda t: int(t.str.encode("utf-8").str.len().sum())))
    return {
        "documents": len(docs),
        "by_kind_md": markdown_table([{"kind": k, "documents": int(r.documents), "bytes": int(r.bytes)} for k, r in by_kind.iterrows()]),
    }


def outputs(settings: Settings, partition_keys=None) -> list[str]:
    return [SYNTHETIC]


def gate_tables(area: Storage, settings: Settings, partition_keys=None) -> dict[str, pd.DataFrame]:
    docs = area.read_parquet(SYNTHETIC, columns=["doc_id", "kind", "synthetic", "provenance", "text"]).to_pandas()
    heldout = heldout_edge_ids(settings.storage)
    table = docs[["doc_id", "kind", "synthetic"]].copy()
    table["provenance_count"] = docs["provenance"].map(len)
    table["states_heldout_fact"] = docs["provenance"].map(lambda ids: bool(heldout.intersection(ids)))
    table["text_chars"] = docs["text"].str.len()
    return {"cleaned_synthetic": table}


def gate_parameters(settings: Settings) -> dict[str, float]:
    """At least one document when the graph has a fact left to state (none for a house whose
    sources map no catalog)."""
    _, edges = read_graph(settings.storage)
    return {"min_documents": int(bool(set(edges["edge_id"]) - heldout_edge_ids(settings.storage)))}

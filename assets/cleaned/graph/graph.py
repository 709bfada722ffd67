"""The house's knowledge graph: nodes and typed edges with provenance, under cleaned/graph/.

Structure comes from the catalog (products) and the reference documents (entities and their
relations); entity linking over the training texts adds, to each edge, the documents that mention
both of its ends. Every edge carries the ids of the documents that support it.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter, defaultdict
from typing import Optional, Sequence

import pandas as pd
import pyarrow as pa

from assets.core.settings import Settings
from assets.core.storage import Storage
from assets.cleaned.graph import export
from assets.cleaned.graph.inputs import Record, entities, load_raw, products
from assets.cleaned.graph.linking import Gazetteer, supporting_docs
from assets.cleaned.graph.paths import EDGES, GRAPH, GRAPH_PLOT, GRAPH_STATS, GRAPHML, NODES, TURTLE
from assets.cleaned.graph.report import bar_charts, markdown_table

# (meta field, edge type, target node type)
PRODUCT_RELATIONS = [
    ("materials", "made_of", "material"),
    ("techniques", "uses_technique", "technique"),
    ("collection", "part_of", "collection"),
    ("workshop", "crafted_in", "workshop"),
    ("artisan", "crafted_by", "artisan"),
    ("designer", "designed_by", "designer"),
]
ENTITY_RELATIONS = {
    "collection": [("designer_id", "designed_by", "designer")],
    "artisan": [("workshop_id", "works_in", "workshop"), ("technique_ids", "practices", "technique")],
    "workshop": [("city", "located_in", "city")],
    "boutique": [("city", "located_in", "city")],
}
KNOWN_KEYS = {"id", "sku", "type", "name", "aliases"} | {f for f, _, _ in PRODUCT_RELATIONS} | {
    f for relations in ENTITY_RELATIONS.values() for f, _, _ in relations
}

NODE_SCHEMA = pa.schema(
    [
        ("id", pa.string()),
        ("type", pa.string()),
        ("name", pa.string()),
        ("aliases", pa.list_(pa.string())),
        ("attributes", pa.string()),  # JSON of the declaring document's other fields (price_eur …)
        ("provenance", pa.list_(pa.string())),  # the documents that declare the node
        ("mentions", pa.int64()),  # training documents that name it
    ]
)
EDGE_SCHEMA = pa.schema(
    [
        ("edge_id", pa.string()),
        ("src", pa.string()),
        ("dst", pa.string()),
        ("type", pa.string()),
        ("provenance", pa.list_(pa.string())),  # declaring documents + documents that mention both ends
        ("provenance_count", pa.int64()),
        ("text_support", pa.int64()),  # of those, documents found by entity linking
    ]
)


def edge_id(src: str, kind: str, dst: str) -> str:
    return "e" + hashlib.sha256(f"{src}\x00{kind}\x00{dst}".encode("utf-8")).hexdigest()[:16]


def city_id(name: str) -> str:
    return "city:" + re.sub(r"[^\w]+", "-", name.casefold()).strip("-")


class _Builder:
    def __init__(self) -> None:
        self.nodes: dict[tuple[str, str, str], dict] = {}  # (id, type, name) -> node; conflicts stay apart
        self.edges: dict[tuple[str, str, str], set[str]] = defaultdict(set)
        self.unresolved: list[dict] = []

    def add_node(self, node_id: str, kind: str, name: str, aliases: list[str], doc_id: str, attributes: dict) -> None:
        node = self.nodes.setdefault((node_id, kind, name), {"aliases": set(), "provenance": set(), "attributes": {}})
        node["aliases"].update(a for a in aliases if a and a != name)
        node["provenance"].add(doc_id)
        node["attributes"].update(attributes)

    def index(self) -> tuple[dict, dict]:
        by_id = {node_id: kind for node_id, kind, _ in self.nodes}
        by_name: dict[tuple[str, str], set[str]] = defaultdict(set)
        for (node_id, kind, name), node in self.nodes.items():
            for form in [name, *node["aliases"]]:
                by_name[(kind, form.casefold())].add(node_id)
        return by_id, by_name

    def link(self, record: Record, field: str, kind: str, target: str, value: str, by_id: dict, by_name: dict) -> None:
        """An edge from `record` to the node `value` names: an id of the right type, or else a
        name or alias of exactly one node of that type. Cities are nodes made by naming them.
        A value that names no node still makes its edge, to `value` itself: a dangling edge,
        which the gate refuses, so a broken reference stops the graph instead of vanishing."""
        if target == "city":
            dst = city_id(value)
            self.add_node(dst, "city", value, [], record.doc_id, {})
        elif by_id.get(value) == target:
            dst = value
        elif len(by_name.get((target, value.casefold()), ())) == 1:
            dst = next(iter(by_name[(target, value.casefold())]))
        else:
            self.unresolved.append({"doc_id": record.doc_id, "node": record.id, "field": field, "value": value, "expected_type": target})
            dst = value
        self.edges[(record.id, kind, dst)].add(record.doc_id)


def _values(meta: dict, field: str) -> list[str]:
    value = meta.get(field)
    if value is None or value == "":
        return []
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


def build_tables(raw: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    """(nodes, edges, stats) from the raw documents with training rights."""
    builder = _Builder()
    declared = products(raw) + entities(raw)
    for record in declared:
        attributes = {k: v for k, v in record.meta.items() if k not in KNOWN_KEYS}
        builder.add_node(record.id, record.type, record.name, record.aliases, record.doc_id, attributes)
    by_id, by_name = builder.index()
    for record in declared:
        relations = PRODUCT_RELATIONS if record.type == "product" else ENTITY_RELATIONS.get(record.type, [])
        for field, kind, target in relations:
            for value in _values(record.meta, field):
                builder.link(record, field, kind, target, value, by_id, by_name)

    gazetteer = Gazetteer((node_id, [name, *node["aliases"]]) for (node_id, _, name), node in sorted(builder.nodes.items()))
    keyed = {edge_id(*key): key for key in builder.edges}
    texts = raw[["doc_id", "text"]].itertuples(index=False)
    edge_docs, node_docs = supporting_docs(texts, gazetteer, ((eid, s, d) for eid, (s, _, d) in sorted(keyed.items())))

    nodes = pd.DataFrame(
        [
            {
                "id": node_id,
                "type": kind,
                "name": name,
                "aliases": sorted(node["aliases"]),
                "attributes": json.dumps(node["attributes"], sort_keys=True, ensure_ascii=False),
                "provenance": sorted(node["provenance"]),
                "mentions": len(node_docs.get(node_id, ())),
            }
            for (node_id, kind, name), node in sorted(builder.nodes.items())
        ],
        columns=NODE_SCHEMA.names,
    )
    rows = []
    for eid, (src, kind, dst) in sorted(keyed.items(), key=lambda item: (item[1], item[0])):
        linked = edge_docs.get(eid, set())
        provenance = sorted(builder.edges[(src, kind, dst)] | linked)
        rows.append({"edge_id": eid, "src": src, "dst": dst, "type": kind, "provenance": provenance,
                     "provenance_count": len(provenance), "text_support": len(linked)})
    edges = pd.DataFrame(rows, columns=EDGE_SCHEMA.names)
    return nodes, edges, _stats(nodes, edges, builder.unresolved, gazetteer, raw)


def _stats(nodes: pd.DataFrame, edges: pd.DataFrame, unresolved: list[dict], gazetteer: Gazetteer, raw: pd.DataFrame) -> dict:
    degree = Counter(edges["src"].tolist() + edges["dst"].tolist())
    histogram = Counter(degree.get(node_id, 0) for node_id in nodes["id"])
    return {
        "nodes": len(nodes),
        "edges": len(edges),
        "nodes_by_type": {k: int(v) for k, v in sorted(nodes["type"].value_counts().items())},
        "edges_by_type": {k: int(v) for k, v in sorted(edges["type"].value_counts().items())},
        "degree_histogram": {str(k): histogram[k] for k in sorted(histogram)},
        "edges_with_text_support": int((edges["text_support"] > 0).sum()) if len(edges) else 0,
        "documents_scanned": len(raw),
        "gazetteer_forms": len(gazetteer.surface),
        "ambiguous_forms": gazetteer.ambiguous,
        "unresolved_references": unresolved,
    }


def read_graph(storage: Storage) -> tuple[pd.DataFrame, pd.DataFrame]:
    return storage.read_parquet(NODES).to_pandas(), storage.read_parquet(EDGES).to_pandas()


def connect(storage: Storage):
    """A DuckDB connection with views `nodes` and `edges` over the graph's Parquet tables."""
    con = storage.duckdb()
    for view, rel in (("nodes", NODES), ("edges", EDGES)):
        con.execute(f"CREATE VIEW {view} AS SELECT * FROM read_parquet('{storage.url(rel)}')")
    return con


def build_graph(settings: Settings, out: Storage, partition_keys: Optional[Sequence[str]] = None) -> dict:
    """Reads every source's published raw documents (the graph spans sources, so partition keys
    are ignored); writes nodes, edges, GraphML, Turtle and stats under cleaned/graph/."""
    nodes, edges, stats = build_tables(load_raw(settings))
    out.write_parquet(NODES, pa.Table.from_pandas(nodes, schema=NODE_SCHEMA, preserve_index=False))
    out.write_parquet(EDGES, pa.Table.from_pandas(edges, schema=EDGE_SCHEMA, preserve_index=False))
    out.write_bytes(GRAPHML, export.graphml(nodes, edges))
    out.write_bytes(TURTLE, export.turtle(nodes, edges))
    out.write_json(GRAPH_STATS, stats)
    degree: dict[str, int] = {}
    for k, v in stats["degree_histogram"].items():  # powers-of-two bins keep a big graph's chart readable
        low = 0 if int(k) == 0 else 2 ** (int(k).bit_length() - 1)
        label = f"degree {low}" if low < 2 else f"degree {low}-{2 * low - 1}"
        degree[label] = degree.get(label, 0) + v
    out.write_bytes(GRAPH_PLOT, bar_charts([("nodes by type", stats["nodes_by_type"]), ("edges by type", stats["edges_by_type"]), ("nodes by degree", degree)]))
    return {
        "nodes": stats["nodes"],
        "edges": stats["edges"],
        "edges_with_text_support": stats["edges_with_text_support"],
        "unresolved_references": len(stats["unresolved_references"]),
        "ambiguous_forms": len(stats["ambiguous_forms"]),
        "nodes_by_type_md": markdown_table([{"type": k, "nodes": v} for k, v in stats["nodes_by_type"].items()]),
        "edges_by_type_md": markdown_table([{"type": k, "edges": v} for k, v in stats["edges_by_type"].items()]),
        "degree_md": markdown_table([{"degree": k, "nodes": v} for k, v in stats["degree_histogram"].items()]),
        "plot": GRAPH_PLOT,
    }


def outputs(settings: Settings, partition_keys=None) -> list[str]:
    return [GRAPH]


def gate_tables(area: Storage, settings: Settings, partition_keys=None) -> dict[str, pd.DataFrame]:
    nodes, edges = read_graph(area)
    known = set(nodes["id"])
    edge_table = edges[["edge_id", "src", "dst", "type", "provenance_count"]].copy()
    edge_table["dangling"] = ~(edges["src"].isin(known) & edges["dst"].isin(known))
    parsed = export.parse_counts(area.read_bytes(GRAPHML), area.read_bytes(TURTLE))
    exports = pd.DataFrame(
        [{"format": fmt, "nodes": n, "edges": e, "matches": n == len(nodes) and e == len(edges)} for fmt, (n, e) in parsed.items()]
    )
    return {
        "cleaned_graph_nodes": nodes[["id", "type", "name"]],
        "cleaned_graph_edges": edge_table,
        "cleaned_graph_exports": exports,
    }

"""The house's knowledge graph: nodes and typed edges with provenance, under cleaned/graph/.

Structure comes from the sources that declare an `entities` mapping (assets/core/mapping.py):
each good row is a node, each value of a link column an edge to the node it names. Entity
linking over the training texts adds, to each edge, the documents that mention both of its ends.
Every node and edge carries the documents that support it and the rows that declare it
(source, file, line, doc id). Rows that break their mapping are quarantined, not fatal.

A link value names a node of its type by id, else by name or alias (deduplicated by normalized
name). A type that some mapping declares rows of is closed: a value naming none of its nodes
quarantines the row (an unknown reference must not become a made-up entity). Any other type is
open: its values become nodes of their own, one per normalized name, other spellings kept as
aliases.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter, defaultdict
from typing import Optional, Sequence

import pandas as pd
import pyarrow as pa

from assets.core.settings import Settings, Source
from assets.core.storage import Storage
from assets.cleaned.graph import export
from assets.cleaned.graph.inputs import Row, RowError, load_raw, mapped_rows, normalized, quarantine_table, rejection
from assets.cleaned.graph.linking import Gazetteer, supporting_docs
from assets.cleaned.graph.paths import EDGES, GRAPH, GRAPH_PLOT, GRAPH_QUARANTINE, GRAPH_STATS, GRAPHML, NODES, TURTLE
from assets.cleaned.graph.report import bar_charts
from assets.core.markdown import markdown_table

ORIGIN = pa.struct([("source", pa.string()), ("uri", pa.string()), ("line", pa.int64()), ("doc_id", pa.string())])
NODE_SCHEMA = pa.schema(
    [
        ("id", pa.string()),
        ("type", pa.string()),
        ("name", pa.string()),
        ("aliases", pa.list_(pa.string())),
        ("attributes", pa.string()),  # JSON of the declaring row's unmapped columns (price_eur …)
        ("provenance", pa.list_(pa.string())),  # the documents that declare the node
        ("mentions", pa.int64()),  # training documents that name it
        ("declared_by", pa.list_(ORIGIN)),  # the rows that declare or name it: source, file, line, doc id
        ("asked", pa.bool_()),  # a row of a mapping with `questions: true`: its facts are asked
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
        ("declared_by", pa.list_(ORIGIN)),  # the rows that state the edge: source, file, line, doc id
    ]
)


def edge_id(src: str, kind: str, dst: str) -> str:
    return "e" + hashlib.sha256(f"{src}\x00{kind}\x00{dst}".encode("utf-8")).hexdigest()[:16]


def linked_id(kind: str, name: str) -> str:
    """The id of a node made by naming it (a city, a collection of a PIM export): `city:le-mans`."""
    return f"{kind}:" + normalized(name).replace(" ", "-")


def _origin_key(origin: dict) -> tuple:
    return (origin["source"], origin["uri"], origin["line"] if origin["line"] is not None else -1, origin["doc_id"])


class _Node:
    def __init__(self, kind: str, name: str, asked: bool) -> None:
        self.type, self.name, self.asked = kind, name, asked
        self.aliases: set[str] = set()
        self.docs: set[str] = set()
        self.origins: dict[tuple, dict] = {}
        self.attributes: dict = {}

    def declare(self, origin: dict, aliases=(), attributes=None) -> None:
        self.aliases.update(a for a in aliases if a and a != self.name)
        self.docs.add(origin["doc_id"])
        self.origins[_origin_key(origin)] = origin
        self.attributes.update(attributes or {})


def _declare_rows(rows: list[Row]) -> tuple[dict[str, _Node], list[Row], list[dict]]:
    """One node per row id; a row repeating an id with another type or name is quarantined."""
    nodes: dict[str, _Node] = {}
    first: dict[str, Row] = {}
    kept, rejected = [], []
    for row in rows:
        node = nodes.get(row.id)
        if node is not None and (node.type != row.type or normalized(node.name) != normalized(row.name)):
            detail = f"id {row.id!r} already names the {node.type} {node.name!r} ({first[row.id].where()})"
            rejected.append(rejection(row.source, row.uri, row.line, row.doc_id, RowError(row.id_column, "duplicate_id", detail)))
            continue
        if node is None:
            nodes[row.id], first[row.id] = _Node(row.type, row.name, row.asked), row
        nodes[row.id].declare(row.origin, row.aliases, row.attributes)
        kept.append(row)
    return nodes, kept, rejected


def _resolver(nodes: dict[str, _Node], closed: set[str]):
    by_name: dict[tuple[str, str], set[str]] = defaultdict(set)
    for node_id, node in nodes.items():
        for form in [node.name, *node.aliases]:
            by_name[(node.type, normalized(form))].add(node_id)

    def resolve(column: str, kind: str, value: str) -> Optional[str]:
        """The id `value` names among the rows' nodes; None for a new node of an open type."""
        if value in nodes and nodes[value].type == kind:
            return value
        ids = by_name.get((kind, normalized(value)), set())
        if len(ids) == 1:
            return next(iter(ids))
        if ids:
            raise RowError(column, "ambiguous_reference", f"column {column!r}: {value!r} names {len(ids)} {kind} nodes ({', '.join(sorted(ids))})")
        if kind in closed:
            raise RowError(column, "unknown_reference", f"column {column!r}: {value!r} names no {kind} of the mapped tables")
        if not normalized(value):
            raise RowError(column, "empty_link", f"column {column!r}: {value!r} holds no word to name a {kind}")
        return None

    return resolve


def _link(rows: list[Row], closed: set[str]) -> tuple[dict[str, _Node], dict[tuple, dict], list[dict]]:
    """Nodes and edges of the good rows. A row whose link cannot resolve is quarantined and
    taken out, and the rest resolved again (another row's value may have named it)."""
    nodes, rows, rejected = _declare_rows(rows)
    while True:
        resolve = _resolver(nodes, closed)
        resolved, failed = [], set()
        for index, row in enumerate(rows):
            try:
                resolved.append((row, [(relation, kind, value, resolve(column, kind, value))
                                       for column, relation, kind, values in row.links for value in values]))
            except RowError as exc:
                rejected.append(rejection(row.source, row.uri, row.line, row.doc_id, exc))
                failed.add(index)
        if not failed:
            break
        rows = [row for index, row in enumerate(rows) if index not in failed]
        nodes, rows, _ = _declare_rows(rows)  # no new duplicates can appear among fewer rows
    edges: dict[tuple, dict] = {}
    for row, links in resolved:
        for relation, kind, value, dst in links:
            if dst is None:
                dst = linked_id(kind, value)
                nodes.setdefault(dst, _Node(kind, value, False)).declare(row.origin, [value])
            edge = edges.setdefault((row.id, relation, dst), {"docs": set(), "origins": {}})
            edge["docs"].add(row.doc_id)
            edge["origins"][_origin_key(row.origin)] = row.origin
    return nodes, edges, rejected


def _origins(origins: dict[tuple, dict]) -> list[dict]:
    return [origins[key] for key in sorted(origins)]


def build_tables(raw: pd.DataFrame, sources: list[Source]) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    """(nodes, edges, stats) from the raw documents with training rights; stats["quarantine"]
    lists the rows that could not enter the graph (build_graph writes them apart)."""
    rows, rejected = mapped_rows(raw, sources)
    closed = {kind for source in sources if source.entities is not None for kind in source.entities.row_types()}
    nodes, edges, unlinked = _link(rows, closed)
    rejected += unlinked

    gazetteer = Gazetteer((node_id, [node.name, *sorted(node.aliases)]) for node_id, node in sorted(nodes.items()))
    keyed = {edge_id(*key): key for key in edges}
    texts = raw[["doc_id", "text"]].itertuples(index=False)
    edge_docs, node_docs = supporting_docs(texts, gazetteer, ((eid, s, d) for eid, (s, _, d) in sorted(keyed.items())))

    node_table = pd.DataFrame(
        [
            {
                "id": node_id,
                "type": node.type,
                "name": node.name,
                "aliases": sorted(node.aliases),
                "attributes": json.dumps(node.attributes, sort_keys=True, ensure_ascii=False, default=str),
                "provenance": sorted(node.docs),
                "mentions": len(node_docs.get(node_id, ())),
                "declared_by": _origins(node.origins),
                "asked": node.asked,
            }
            for node_id, node in sorted(nodes.items())
        ],
        columns=NODE_SCHEMA.names,
    )
    table = []
    for eid, (src, kind, dst) in sorted(keyed.items(), key=lambda item: (item[1], item[0])):
        linked = edge_docs.get(eid, set())
        provenance = sorted(edges[(src, kind, dst)]["docs"] | linked)
        table.append({"edge_id": eid, "src": src, "dst": dst, "type": kind, "provenance": provenance,
                      "provenance_count": len(provenance), "text_support": len(linked),
                      "declared_by": _origins(edges[(src, kind, dst)]["origins"])})
    edge_table = pd.DataFrame(table, columns=EDGE_SCHEMA.names)
    quarantine = quarantine_table(rejected)
    return node_table, edge_table, {**_stats(node_table, edge_table, quarantine, gazetteer, raw), "quarantine": quarantine.to_pylist()}


def _stats(nodes: pd.DataFrame, edges: pd.DataFrame, quarantine: pa.Table, gazetteer: Gazetteer, raw: pd.DataFrame) -> dict:
    degree = Counter(edges["src"].tolist() + edges["dst"].tolist())
    histogram = Counter(degree.get(node_id, 0) for node_id in nodes["id"])
    rejected = quarantine.to_pandas()
    return {
        "nodes": len(nodes),
        "edges": len(edges),
        "nodes_by_type": {k: int(v) for k, v in sorted(nodes["type"].value_counts().items())},
        "edges_by_type": {k: int(v) for k, v in sorted(edges["type"].value_counts().items())},
        "degree_histogram": {str(k): histogram[k] for k in sorted(histogram)},
        "edges_with_text_support": int((edges["text_support"] > 0).sum()) if len(edges) else 0,
        "asked_nodes": int(nodes["asked"].sum()) if len(nodes) else 0,
        "documents_scanned": len(raw),
        "gazetteer_forms": len(gazetteer.surface),
        "ambiguous_forms": gazetteer.ambiguous,
        "quarantined_rows": len(rejected),
        "quarantined_by_source_reason": {f"{s}/{r}": int(n) for (s, r), n in sorted(rejected.groupby(["source", "reason"]).size().items())},
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
    are ignored); writes nodes, edges, the quarantined rows, GraphML, Turtle and stats under
    cleaned/graph/. With no `entities` mapping anywhere the graph is empty, which is valid."""
    nodes, edges, stats = build_tables(load_raw(settings), settings.sources)
    out.write_parquet(GRAPH_QUARANTINE, quarantine_table(stats.pop("quarantine")))
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
        "quarantined_rows": stats["quarantined_rows"],
        "quarantined_md": markdown_table([{"source/reason": k, "rows": v} for k, v in stats["quarantined_by_source_reason"].items()]),
        "ambiguous_forms": len(stats["ambiguous_forms"]),
        "nodes_by_type_md": markdown_table([{"type": k, "nodes": v} for k, v in stats["nodes_by_type"].items()]),
        "edges_by_type_md": markdown_table([{"type": k, "edges": v} for k, v in stats["edges_by_type"].items()]),
        "degree_md": markdown_table([{"degree": k, "nodes": v} for k, v in stats["degree_histogram"].items()]),
        "plot": GRAPH_PLOT,
    }


def outputs(settings: Settings, partition_keys=None) -> list[str]:
    return [GRAPH]


def asked_nodes(storage: Storage) -> int:
    """Nodes of the published graph whose facts are asked: what evaluation set sizes scale with."""
    return int(storage.read_parquet(NODES, columns=["asked"]).column("asked").to_pandas().sum())


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

"""The graph for ontology tools: GraphML (networkx) and RDF Turtle (rdflib).

In RDF each edge is a plain triple (src, rel:<type>, dst) for querying, plus a reified
rdf:Statement named by its edge id that carries the provenance (prov:wasDerivedFrom doc:<id>).
"""

from __future__ import annotations

import io
from urllib.parse import quote

import networkx as nx
import pandas as pd
from rdflib import RDF, RDFS, SKOS, Graph, Literal, Namespace
from rdflib.namespace import PROV

KG = Namespace("https://atelier.example/kg/")
REL = Namespace("https://atelier.example/kg/rel/")
TYPE = Namespace("https://atelier.example/kg/type/")


def _node(node_id: str):
    return KG["node/" + quote(node_id, safe="")]


def _doc(doc_id: str):
    return KG["doc/" + quote(doc_id, safe="")]


def _declared(origins) -> str:
    return ";".join(f"{o['source']}:{o['uri']}:{o['line'] if o['line'] is not None else '-'}" for o in origins)


def to_networkx(nodes: pd.DataFrame, edges: pd.DataFrame) -> nx.MultiDiGraph:
    graph = nx.MultiDiGraph()
    for row in nodes.itertuples(index=False):
        graph.add_node(row.id, type=row.type, name=row.name, aliases="|".join(row.aliases),
                       provenance=";".join(row.provenance), mentions=int(row.mentions),
                       declared_by=_declared(row.declared_by), asked=bool(row.asked))
    for row in edges.itertuples(index=False):
        graph.add_edge(row.src, row.dst, key=row.edge_id, type=row.type, provenance=";".join(row.provenance),
                       provenance_count=int(row.provenance_count), text_support=int(row.text_support),
                       declared_by=_declared(row.declared_by))
    return graph


def graphml(nodes: pd.DataFrame, edges: pd.DataFrame) -> bytes:
    return "\n".join(nx.generate_graphml(to_networkx(nodes, edges))).encode("utf-8") + b"\n"


def to_rdf(nodes: pd.DataFrame, edges: pd.DataFrame) -> Graph:
    graph = Graph()
    for prefix, namespace in (("kg", KG), ("rel", REL), ("type", TYPE), ("skos", SKOS), ("prov", PROV)):
        graph.bind(prefix, namespace)
    for row in nodes.itertuples(index=False):
        node = _node(row.id)
        graph.add((node, RDF.type, TYPE[row.type]))
        graph.add((node, RDFS.label, Literal(row.name)))
        for alias in row.aliases:
            graph.add((node, SKOS.altLabel, Literal(alias)))
        for doc in row.provenance:
            graph.add((node, PROV.wasDerivedFrom, _doc(doc)))
    for row in edges.itertuples(index=False):
        src, rel, dst = _node(row.src), REL[row.type], _node(row.dst)
        graph.add((src, rel, dst))
        statement = KG["edge/" + row.edge_id]
        graph.add((statement, RDF.type, RDF.Statement))
        graph.add((statement, RDF.subject, src))
        graph.add((statement, RDF.predicate, rel))
        graph.add((statement, RDF.object, dst))
        for doc in row.provenance:
            graph.add((statement, PROV.wasDerivedFrom, _doc(doc)))
    return graph


def turtle(nodes: pd.DataFrame, edges: pd.DataFrame) -> bytes:
    return to_rdf(nodes, edges).serialize(format="turtle").encode("utf-8")


def parse_counts(graphml_bytes: bytes, turtle_bytes: bytes) -> dict[str, tuple[int, int]]:
    """{format: (nodes, edges)} as networkx and rdflib read the exports back."""
    read = nx.read_graphml(io.BytesIO(graphml_bytes), force_multigraph=True)
    rdf = Graph().parse(data=turtle_bytes.decode("utf-8"), format="turtle")
    rdf_nodes = {s for s, o in rdf.subject_objects(RDF.type) if str(o).startswith(str(TYPE))}
    rdf_edges = set(rdf.subjects(RDF.type, RDF.Statement))
    return {"graphml": (read.number_of_nodes(), read.number_of_edges()), "turtle": (len(rdf_nodes), len(rdf_edges))}

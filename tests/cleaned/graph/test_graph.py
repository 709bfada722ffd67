import json

import networkx as nx
import pytest
from rdflib import Graph

from assets.cleaned.graph import graph
from assets.cleaned.graph.inputs import GraphMappingError, read_row_quarantine
from assets.cleaned.graph.linking import Gazetteer
from assets.cleaned.graph.paths import GRAPH, GRAPHML, NODES, TURTLE
from assets.core.mapping import EntityMapping
from tests.cleaned.graph.house import house_raw, raw_frame, sources_for

SOURCES = sources_for(list(house_raw()))


def test_nodes_and_typed_edges_come_from_catalog_and_reference():
    nodes, edges, stats = graph.build_tables(raw_frame(house_raw()), SOURCES)
    assert nodes["id"].is_unique
    assert stats["nodes_by_type"]["product"] == 60 and stats["nodes_by_type"]["material"] == 8
    assert set(edges["type"]) == {"made_of", "uses_technique", "part_of", "crafted_in", "crafted_by", "designed_by", "works_in", "practices", "located_in"}
    assert set(edges["src"]) | set(edges["dst"]) <= set(nodes["id"])
    assert (edges["provenance"].map(len) >= 1).all()
    assert stats["quarantine"] == [] and sum(stats["degree_histogram"].values()) == len(nodes)
    assert set(nodes.loc[nodes["asked"], "type"]) == {"product"}, "the reference mapping says questions: false"


def test_provenance_holds_the_catalog_doc_and_the_texts_naming_both_ends():
    raw = raw_frame(house_raw())
    nodes, edges, _ = graph.build_tables(raw, SOURCES)
    catalog = raw.loc[raw["kind"] == "catalog"].iloc[0]
    meta = json.loads(catalog["meta"])
    made_of = edges.loc[(edges["src"] == meta["sku"]) & (edges["type"] == "made_of") & (edges["dst"] == meta["materials"][0])].iloc[0]
    assert catalog["doc_id"] in made_of["provenance"]  # declared by the catalog, and its text names both
    origin = {"source": "catalog", "uri": "catalog.jsonl", "line": int(catalog["line"]), "doc_id": catalog["doc_id"]}
    assert list(made_of["declared_by"]) == [origin]
    assert origin in list(nodes.set_index("id").at[meta["sku"], "declared_by"])
    assert made_of["text_support"] >= 1
    lookbook = raw.loc[(raw["kind"] == "lookbook") & raw["text"].str.contains(meta["name"] + " in", regex=False)]
    assert set(lookbook["doc_id"]) <= set(made_of["provenance"])
    agency_ids = set(raw.loc[raw["source"] == "agency", "doc_id"])  # no training rights: never support
    assert not agency_ids & {d for p in edges["provenance"] for d in p}


def test_gazetteer_prefers_the_longest_name_and_skips_ambiguous_forms():
    gazetteer = Gazetteer([("p1", ["Aube clutch"]), ("c1", ["Aube"]), ("w1", ["Lyon"]), ("city:lyon", ["Lyon"])])
    assert gazetteer.mentions("The AUBE  clutch, made in Lyon.") == {"p1"}
    assert gazetteer.mentions("From the Aube line.") == {"c1"}
    assert gazetteer.ambiguous == ["lyon"]


def _broken(raw, kind, change):
    row = raw.index[raw["kind"] == kind][0]
    meta = json.loads(raw.at[row, "meta"])
    raw.at[row, "meta"] = json.dumps(change(meta))
    return raw.loc[row], meta


@pytest.mark.parametrize("kind, change, field, reason", [
    ("catalog", lambda m: {**m, "sku": " "}, "sku", "missing_id"),
    ("catalog", lambda m: {k: v for k, v in m.items() if k != "name"}, "name", "missing_name"),
    ("catalog", lambda m: {**m, "materials": []}, "materials", "empty_link"),
    ("catalog", lambda m: {**m, "techniques": [m["techniques"][0], ""]}, "techniques", "malformed_list"),
    ("catalog", lambda m: {**m, "collection": {"id": m["collection"]}}, "collection", "malformed_value"),
    ("catalog", lambda m: {**m, "materials": ["mat-999"]}, "materials", "unknown_reference"),
    ("reference", lambda m: {**m, "type": "planet"}, "type", "unknown_type"),
])
def test_a_row_that_breaks_its_mapping_is_quarantined_with_file_line_and_field(kind, change, field, reason):
    raw = raw_frame(house_raw())
    bad, meta = _broken(raw, kind, change)
    nodes, edges, stats = graph.build_tables(raw, SOURCES)
    [record] = stats["quarantine"]
    assert (record["source"], record["uri"], record["line"], record["field"], record["reason"]) == (kind, f"{kind}.jsonl", bad["line"], field, reason)
    assert record["doc_id"] == bad["doc_id"] and record["detail"]
    if kind == "catalog":
        assert meta["sku"] not in set(nodes["id"]) and meta["sku"] not in set(edges["src"])
    assert set(edges["src"]) | set(edges["dst"]) <= set(nodes["id"]), "the good rows still make a consistent graph"
    assert stats["nodes_by_type"]["product"] == 60 - (kind == "catalog")


def test_a_repeated_id_naming_something_else_is_quarantined():
    raw = raw_frame(house_raw())
    rows = raw.index[raw["kind"] == "catalog"]
    first = json.loads(raw.at[rows[0], "meta"])
    raw.at[rows[1], "meta"] = json.dumps({**json.loads(raw.at[rows[1], "meta"]), "sku": first["sku"]})
    nodes, _, stats = graph.build_tables(raw, SOURCES)
    assert [(r["reason"], r["field"]) for r in stats["quarantine"]] == [("duplicate_id", "sku")]
    assert nodes.set_index("id").at[first["sku"], "name"] in {first["name"], json.loads(raw.at[rows[1], "meta"])["name"]}
    assert nodes["id"].is_unique


def test_a_mapping_naming_a_missing_column_fails_at_once_naming_source_key_and_columns():
    raw = raw_frame(house_raw())
    catalog = EntityMapping(id="sku", name="title", type="product")
    with pytest.raises(GraphMappingError, match=r"source 'catalog': entities.name names column 'title', which the table lacks; its columns: .*aliases.*sku"):
        graph.build_tables(raw, sources_for(list(house_raw()), {"catalog": catalog}))
    lookbook = EntityMapping(id="id", name="name", type="look")
    with pytest.raises(GraphMappingError, match="not tabular"):
        graph.build_tables(raw, [s.model_copy(update={"format": "md", "entities": lookbook}) if s.name == "lookbook" else s for s in SOURCES])


def test_no_mapping_means_an_empty_graph(house):
    nodes, edges, stats = graph.build_tables(raw_frame(house_raw()), sources_for(list(house_raw()), {}))
    assert len(nodes) == len(edges) == stats["nodes"] == stats["edges"] == 0 and stats["quarantine"] == []
    house.sources_file.sources = sources_for(list(house_raw()), {})
    area = house.storage.child("empty")
    meta = graph.build_graph(house, area)
    assert meta["nodes"] == meta["edges"] == 0
    tables = graph.gate_tables(area, house)
    assert tables["cleaned_graph_exports"]["matches"].all() and len(read_row_quarantine(area)) == 0


def test_artifacts_parse_query_and_repeat_byte_for_byte(house, tmp_path):
    first, second = house.storage.child("a"), house.storage.child("b")
    meta = graph.build_graph(house, first)
    graph.build_graph(house, second)
    for rel in first.glob(f"{GRAPH}/*"):
        assert first.read_bytes(rel) == second.read_bytes(rel), rel
    nodes, edges = graph.read_graph(first)
    parsed = nx.read_graphml(first.path(GRAPHML), force_multigraph=True)
    assert (parsed.number_of_nodes(), parsed.number_of_edges()) == (len(nodes), len(edges)) == (meta["nodes"], meta["edges"])
    assert len(Graph().parse(first.path(TURTLE), format="turtle")) > len(edges)
    made_of = graph.connect(first).execute(
        "select n.name, count(*) from edges e join nodes n on e.dst = n.id where e.type = 'made_of' group by n.name order by 2 desc, 1"
    ).fetchall()
    assert sum(c for _, c in made_of) == int((edges["type"] == "made_of").sum())


def test_gate_tables_flag_dangling_edges(house):
    area = house.storage.child("area")
    graph.build_graph(house, area)
    tables = graph.gate_tables(area, house)
    assert not tables["cleaned_graph_edges"]["dangling"].any()
    assert tables["cleaned_graph_exports"]["matches"].all()
    nodes, edges = graph.read_graph(area)
    area.write_parquet(NODES, graph.pa.Table.from_pandas(nodes.iloc[1:], schema=graph.NODE_SCHEMA, preserve_index=False))
    tables = graph.gate_tables(area, house)
    assert tables["cleaned_graph_edges"]["dangling"].sum() == ((edges["src"] == nodes["id"].iloc[0]) | (edges["dst"] == nodes["id"].iloc[0])).sum() > 0
    assert not tables["cleaned_graph_exports"]["matches"].any()


def test_opted_out_clients_never_support_an_edge(house):
    from assets.cleaned.graph.inputs import load_raw

    raw = load_raw(house)
    transcripts = raw.loc[raw["source"] == "transcripts"]
    _, edges, _ = graph.build_tables(raw, house.sources)
    supported = {d for p in edges["provenance"] for d in p}
    assert set(transcripts["doc_id"]) & supported  # transcripts do name products and support edges
    house.sources_file.consent.opted_out = sorted(transcripts["client_id"])
    raw = load_raw(house)
    assert not (raw["source"] == "transcripts").any()
    _, edges, _ = graph.build_tables(raw, house.sources)
    assert not set(transcripts["doc_id"]) & {d for p in edges["provenance"] for d in p}

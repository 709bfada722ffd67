import json

import networkx as nx
import pytest
from rdflib import Graph

from assets.cleaned.graph import graph
from assets.cleaned.graph.inputs import GraphInputError
from assets.cleaned.graph.linking import Gazetteer
from assets.cleaned.graph.paths import GRAPH, GRAPHML, NODES, TURTLE
from tests.cleaned.graph.house import house_raw, raw_frame


def test_nodes_and_typed_edges_come_from_catalog_and_reference():
    nodes, edges, stats = graph.build_tables(raw_frame(house_raw()))
    assert nodes["id"].is_unique
    assert stats["nodes_by_type"]["product"] == 60 and stats["nodes_by_type"]["material"] == 8
    assert set(edges["type"]) == {"made_of", "uses_technique", "part_of", "crafted_in", "crafted_by", "designed_by", "works_in", "practices", "located_in"}
    assert set(edges["src"]) | set(edges["dst"]) <= set(nodes["id"])
    assert (edges["provenance"].map(len) >= 1).all()
    assert stats["unresolved_references"] == [] and sum(stats["degree_histogram"].values()) == len(nodes)


def test_provenance_holds_the_catalog_doc_and_the_texts_naming_both_ends():
    raw = raw_frame(house_raw())
    nodes, edges, _ = graph.build_tables(raw)
    catalog = raw.loc[raw["kind"] == "catalog"].iloc[0]
    meta = json.loads(catalog["meta"])
    made_of = edges.loc[(edges["src"] == meta["sku"]) & (edges["type"] == "made_of") & (edges["dst"] == meta["materials"][0])].iloc[0]
    assert catalog["doc_id"] in made_of["provenance"]  # declared by the catalog, and its text names both
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


def test_unknown_reference_is_reported_and_left_dangling_for_the_gate():
    raw = raw_frame(house_raw())
    row = raw.index[raw["kind"] == "catalog"][0]
    meta = json.loads(raw.at[row, "meta"])
    raw.at[row, "meta"] = json.dumps({**meta, "materials": ["mat-999"]})
    nodes, edges, stats = graph.build_tables(raw)
    assert stats["unresolved_references"] == [{"doc_id": raw.at[row, "doc_id"], "node": meta["sku"], "field": "materials", "value": "mat-999", "expected_type": "material"}]
    made_of = edges.loc[(edges["src"] == meta["sku"]) & (edges["type"] == "made_of")]
    assert made_of["dst"].tolist() == ["mat-999"] and list(made_of["provenance"].iloc[0]) == [raw.at[row, "doc_id"]]
    assert "mat-999" not in set(nodes["id"])


@pytest.mark.parametrize("meta, message", [("{not json", "field 'meta' is not valid JSON"), ('{"sku": "X"}', "meta field 'name' is missing"),
                                           ('{"sku": "X", "name": "Y", "materials": "silk"}', "meta field 'materials' must be a list")])
def test_bad_catalog_meta_names_file_line_and_field(meta, message):
    raw = raw_frame(house_raw())
    row = raw.index[raw["kind"] == "catalog"][0]
    raw.at[row, "meta"] = meta
    with pytest.raises(GraphInputError, match=rf"catalog\.jsonl:{raw.at[row, 'line']} .*{message}"):
        graph.build_tables(raw)


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
    _, edges, _ = graph.build_tables(raw)
    supported = {d for p in edges["provenance"] for d in p}
    assert set(transcripts["doc_id"]) & supported  # transcripts do name products and support edges
    house.sources_file.consent.opted_out = sorted(transcripts["client_id"])
    raw = load_raw(house)
    assert not (raw["source"] == "transcripts").any()
    _, edges, _ = graph.build_tables(raw)
    assert not set(transcripts["doc_id"]) & {d for p in edges["provenance"] for d in p}

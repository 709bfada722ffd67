"""A house's own tables mapped onto the graph: a PIM export with its own column names, read by the
raw stage as any CSV is, and a perfume house whose types and relations the code has never seen."""

import csv
import json

import pytest
from pydantic import ValidationError

from assets.cleaned.graph import graph
from assets.cleaned.graph.dialogues import dialogues, product_qa
from assets.cleaned.graph.evalsets import questions
from assets.cleaned.graph.inputs import load_raw
from assets.cleaned.graph.verbalize import cloze_frame, fact_table, render, verbalized_documents
from assets.core.mapping import EntityMapping
from assets.core.params import GraphParams
from assets.core.settings import Params, Settings, Source, SourcesFile
from assets.raw.ingest import ingest_source

PIM = EntityMapping(id="Product Code", name="Product Name", type="product", aliases="Other Names", separator=";",
                    links={"Main Material": "material", "Collection": "collection", "Made In": {"type": "city", "relation": "made_in"}})
HEADER = ["Product Code", "Product Name", "Other Names", "Main Material", "Collection", "Made In", "Long Description"]
ROWS = [
    ["P-1", "Soft Tee", "Tee Shirt; Soft T", "Cotton; Linen", "Tops", "Porto", "A soft tee."],
    ["P-2", "Easy Dress", "", " cotton ", "Dresses", "Porto", "An easy dress."],
    ["P-3", "Wool Coat", "", "COTTON;Wool", "Jackets", "Le Mans", "A warm coat."],
    ["", "No Code", "", "Cotton", "Tops", "Porto", "Lost its code."],
    ["P-5", "Bare Skirt", "", "", "Bottoms", "Porto", "No material given."],
    ["P-6", "Torn Shirt", "", "Cotton;;Silk", "Tops", "Porto", "A list with a hole."],
    [338, "Numbered Scarf", "", "Silk", "Accessories", "Lyon", "A numeric product code."],
]


def house(tmp_path, mapping=PIM) -> Settings:
    folder = tmp_path / "exports"
    folder.mkdir(exist_ok=True)
    with open(folder / "pim_export.csv", "w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows([HEADER, *ROWS])
    source = Source(name="catalog", uri=str(folder / "pim_*.csv"), format="csv", text_field="Long Description",
                    rights="train", pii="none", kind="catalog", entities=mapping)
    settings = Settings(params=Params(graph=GraphParams()), sources_file=SourcesFile(sources=[source]),
                        storage_root=str(tmp_path / "data"), params_path="params.yaml", sources_path="sources.yaml")
    ingest_source(settings, source, settings.storage)
    return settings


def test_a_pim_export_with_its_own_columns_becomes_nodes_edges_and_quarantine(tmp_path):
    settings = house(tmp_path)
    nodes, edges, stats = graph.build_tables(load_raw(settings), settings.sources)
    by_id = nodes.set_index("id")
    assert sorted(by_id.index[by_id["type"] == "product"]) == ["338", "P-1", "P-2", "P-3"], "the numeric code stays 338, not 338.0"
    assert sorted(by_id.at["P-1", "aliases"]) == ["Soft T", "Tee Shirt"]
    cotton = by_id.loc["material:cotton"]
    assert cotton["name"] == "Cotton" and set(cotton["aliases"]) == {"cotton", "COTTON"}, "one node per normalized name"
    assert set(edges["type"]) == {"has_material", "has_collection", "made_in"}
    assert set(edges.loc[edges["src"] == "P-3", "dst"]) == {"material:cotton", "material:wool", "collection:jackets", "city:le-mans"}
    made_in = edges.loc[(edges["src"] == "P-1") & (edges["type"] == "made_in")].iloc[0]
    [origin] = made_in["declared_by"]
    assert (origin["source"], origin["uri"], origin["line"]) == ("catalog", "pim_export.csv", 1)
    quarantined = {(r["line"], r["field"], r["reason"]) for r in stats["quarantine"]}
    assert quarantined == {(4, "Product Code", "missing_id"), (5, "Main Material", "empty_link"), (6, "Main Material", "malformed_list")}
    assert all(r["uri"] == "pim_export.csv" and "Main Material" in r["detail"] or r["reason"] == "missing_id" for r in stats["quarantine"])


def test_the_pim_graph_is_verbalized_and_asked_with_derived_phrasings(tmp_path):
    settings = house(tmp_path)
    nodes, edges, _ = graph.build_tables(load_raw(settings), settings.sources)
    facts = fact_table(nodes, edges)
    text = " ".join(d["text"] for d in verbalized_documents(facts, 3, seed=1))
    assert "The Soft Tee has material Cotton." in text or "The material of the Soft Tee is Cotton." in text or "Cotton is the material of the Soft Tee." in text
    assert cloze_frame("made_in") == "{s} is made in"
    faq = " ".join(d["text"] for d in product_qa(facts, seed=1))
    assert "Q: What is the collection of the Soft Tee?" in faq or "Q: Could you tell me the collection of the Soft Tee?" in faq


def test_a_mapping_that_misnames_a_column_stops_at_once(tmp_path):
    bad = EntityMapping(**{**PIM.model_dump(), "links": {"Main Material": "material", "Made in": "city"}})
    settings = house(tmp_path, bad)
    with pytest.raises(ValueError, match=r"source 'catalog': entities.links.Made in names column 'Made in', which the table lacks; its columns: .*Made In"):
        graph.build_tables(load_raw(settings), settings.sources)


def test_mapping_validation_names_the_key():
    with pytest.raises(ValidationError, match="relation 'has_material'"):
        EntityMapping(id="a", name="b", type="product", links={"x": "material", "y": {"type": "material", "relation": "has_material"}})
    with pytest.raises(ValidationError, match="lowercase"):
        EntityMapping(id="a", name="b", type="Product")
    two = EntityMapping(id="a", name="b", type="product", links={"Main Material": "material", "Lining Material": "material"})
    assert two.relations() == {"Main Material": "has_main_material", "Lining Material": "has_lining_material"}


def test_a_perfume_house_gets_sentences_dialogues_and_questions_about_its_own_types(tmp_path):
    import pandas as pd

    notes = ["bergamot", "iris", "vetiver", "amber", "rose", "oud", "neroli", "musk"]
    perfumers = ["Jeanne Arles", "Paul Vidal", "Ines Moreau", "Leo Fabre", "Nora Blum"]
    rows = [{"sku": f"F{i}", "name": f"Nuit {i}", "top": f"{notes[i % 8]};{notes[(i + 3) % 8]}", "nose": perfumers[i % 5]} for i in range(40)]
    mapping = EntityMapping(id="sku", name="name", type="fragrance", separator=";",
                            links={"top": {"type": "note", "relation": "top_note"}, "nose": "perfumer"})
    raw = pd.DataFrame([{"doc_id": f"d{i:03d}", "source": "fragrances", "kind": "catalog", "text": f"{r['name']}.", "uri": "f.jsonl",
                         "line": i + 1, "rights": "train", "pii": "none", "language": "en", "client_id": None,
                         "meta": json.dumps(r)} for i, r in enumerate(rows)])
    source = Source(name="fragrances", uri="f.jsonl", format="jsonl", rights="train", pii="none", entities=mapping)
    nodes, edges, _ = graph.build_tables(raw, [source])
    assert set(edges["type"]) == {"top_note", "has_perfumer"}
    assert render("top_note", "Nuit 1", "iris", 0) == "Nuit 1 has top note iris."
    facts = fact_table(nodes, edges)
    talk = " ".join(d["text"] for d in dialogues(facts, 2, seed=3))
    assert "top note of Nuit" in talk or "perfumer of Nuit" in talk
    table, counts = questions(nodes, edges, 0.25, 3, seed=1337)
    assert len(table) > 10 and set(table["relation"]) == {"top_note", "has_perfumer"}
    assert set(table["node_type"]) == {"note", "perfumer"}
    assert any(p.endswith("has top note") for p in table["prompt"]) and any(p.endswith("has perfumer") for p in table["prompt"])

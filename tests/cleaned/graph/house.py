"""A small generated house as raw documents, following the raw stage's contract for catalog and
reference documents, so the graph package is tested without the simulator."""

from __future__ import annotations

import json
import random

import pandas as pd
import pyarrow as pa

from assets.core.mapping import EntityMapping
from assets.core.params import GraphParams
from assets.core.settings import Params, Settings, Source, SourcesFile
from assets.core.storage import Storage
from assets.raw.ingest import SCHEMA, doc_id, documents_dir

MATERIALS = ["calfskin", "silk twill", "cashmere", "vicuna wool", "lambskin", "linen", "alpaca", "crocodile leather"]
TECHNIQUES = ["saddle stitching", "hand embroidery", "plissé", "edge painting", "jacquard weaving", "hand rolling"]
COLLECTIONS = ["Riviera", "Aube", "Nocturne", "Atlas", "Solstice"]
WORKSHOPS = [("Pantin", "Paris"), ("Croix-Rousse", "Lyon"), ("Oltrarno", "Florence")]
ARTISANS = ["Camille Moreau", "Giulia Bianchi", "Sophie Laurent", "Marco Rossi", "Claire Dubois", "Hugo Ricci"]
DESIGNERS = ["Elena Fontaine", "Oliver Clarke", "Amélie Marino"]
BOUTIQUES = [("Faubourg", "Paris"), ("Via Montenapoleone", "Milan"), ("Bond Street", "London")]
WORDS = ["Vellora", "Lune", "Orsay", "Mistral", "Calanque", "Serac", "Brume", "Opaline", "Corail", "Sillage", "Azur", "Ondine"]
ITEMS = ["tote", "carré", "blazer", "scarf", "loafer", "clutch", "cardigan", "trench coat"]


def _doc(source: str, kind: str, text: str, line: int, meta: dict, rights="train", pii="none", client_id=None) -> dict:
    uri = f"{source}.jsonl"
    return {"doc_id": doc_id(source, uri, line, text), "source": source, "kind": kind, "text": text, "uri": uri, "line": line,
            "rights": rights, "pii": pii, "client_id": client_id, "language": "en", "meta": json.dumps(meta, sort_keys=True)}


def reference_docs(rng: random.Random) -> tuple[list[dict], dict]:
    rows, ids = [], {}

    def add(kind: str, name: str, **relations) -> str:
        entity_id = f"{kind[:3]}-{len([k for k in ids if k[0] == kind]):03d}"
        ids[(kind, name)] = entity_id
        meta = {"id": entity_id, "type": kind, "name": name, "aliases": [name.title()] if name.islower() else [], **relations}
        rows.append(_doc("reference", "reference", f"{name} ({kind}).", len(rows) + 1, meta))
        return entity_id

    for m in MATERIALS:
        add("material", m)
    for t in TECHNIQUES:
        add("technique", t)
    for w, city in WORKSHOPS:
        add("workshop", w, city=city)
    for d in DESIGNERS:
        add("designer", d)
    for c in COLLECTIONS:
        add("collection", c, designer_id=ids[("designer", rng.choice(DESIGNERS))])
    for a in ARTISANS:
        add("artisan", a, workshop_id=ids[("workshop", rng.choice(WORKSHOPS)[0])], technique_ids=[ids[("technique", t)] for t in rng.sample(TECHNIQUES, 2)])
    for b, city in BOUTIQUES:
        add("boutique", b, city=city)
    return rows, ids


def catalog_docs(rng: random.Random, ids: dict, n_products: int) -> list[dict]:
    names = [f"{w} {i}" for w in WORDS for i in ITEMS]
    rng.shuffle(names)
    rows = []
    for index, name in enumerate(names[:n_products]):
        materials = rng.sample(MATERIALS, rng.randint(1, 2))
        techniques = rng.sample(TECHNIQUES, rng.randint(1, 2))
        meta = {"sku": f"AT-{index:05d}", "name": name, "aliases": [f"{name} bag"] if "tote" in name else [],
                "materials": [ids[("material", m)] for m in materials], "techniques": [ids[("technique", t)] for t in techniques],
                "collection": ids[("collection", rng.choice(COLLECTIONS))], "workshop": ids[("workshop", rng.choice(WORKSHOPS)[0])],
                "artisan": ids[("artisan", rng.choice(ARTISANS))], "designer": ids[("designer", rng.choice(DESIGNERS))],
                "price_eur": rng.randrange(400, 9000, 50)}
        text = f"The {name} is cut from {' and '.join(materials)} and finished by {techniques[0]}."
        rows.append(_doc("catalog", "catalog", text, index + 1, meta))
    return rows


def house_raw(n_products: int = 60, seed: int = 7) -> dict[str, list[dict]]:
    rng = random.Random(seed)
    reference, ids = reference_docs(rng)
    catalog = catalog_docs(rng, ids, n_products)
    products = [json.loads(r["meta"]) for r in catalog]
    lookbook = []
    for i in range(40):
        p = rng.choice(products)
        material = next(m for m in MATERIALS if ids[("material", m)] == p["materials"][0])
        lookbook.append(_doc("lookbook", "lookbook", f"Look {i}: the {p['name']} in {material}, light on the water.", i + 1, {}))
    transcripts = []
    for i in range(10):
        p = rng.choice(products)
        material = next(m for m in MATERIALS if ids[("material", m)] == p["materials"][0])
        text = f"Client: I am interested in the {p['name']}. Is it really {material}?"
        transcripts.append(_doc("transcripts", "transcript", text, i + 1, {}, pii="client", client_id=f"C{i:05d}"))
    agency = [_doc("agency", "press", f"Wire {i}: the {rng.choice(products)['name']} is made of {rng.choice(MATERIALS)}.", i + 1, {}, rights="none") for i in range(5)]
    return {"catalog": catalog, "reference": reference, "lookbook": lookbook, "transcripts": transcripts, "agency": agency}


def write_raw(storage: Storage, raw: dict[str, list[dict]]) -> None:
    for source, rows in raw.items():
        storage.write_parquet(f"{documents_dir(source)}/part-00000.parquet", pa.Table.from_pylist(rows, schema=SCHEMA))


CATALOG = EntityMapping(id="sku", name="name", type="product", aliases="aliases", links={
    "materials": {"type": "material", "relation": "made_of"}, "techniques": {"type": "technique", "relation": "uses_technique"},
    "collection": {"type": "collection", "relation": "part_of"}, "workshop": {"type": "workshop", "relation": "crafted_in"},
    "artisan": {"type": "artisan", "relation": "crafted_by"}, "designer": {"type": "designer", "relation": "designed_by"}})
REFERENCE = EntityMapping(id="id", name="name", aliases="aliases", questions=False,
                          type={"column": "type", "values": ["material", "technique", "workshop", "designer", "collection", "artisan", "boutique"]},
                          links={"designer_id": {"type": "designer", "relation": "designed_by", "required": False},
                                 "workshop_id": {"type": "workshop", "relation": "works_in", "required": False},
                                 "technique_ids": {"type": "technique", "relation": "practices", "required": False},
                                 "city": {"type": "city", "relation": "located_in", "required": False}})
MAPPINGS = {"catalog": CATALOG, "reference": REFERENCE}


def sources_for(names: list[str], mappings: dict | None = None) -> list[Source]:
    """The sources of the generated house; the catalog and reference tables map onto the graph."""
    rights = {"agency": "none"}
    pii = {"transcripts": "client"}
    mappings = MAPPINGS if mappings is None else mappings
    return [Source(name=s, uri=f"{s}/*.jsonl", format="jsonl", rights=rights.get(s, "train"), pii=pii.get(s, "none"),
                   entities=mappings.get(s)) for s in names]


def settings_for(root, sources: list[str], mappings: dict | None = None, **graph) -> Settings:
    return Settings(
        params=Params(graph=GraphParams(**graph)),
        sources_file=SourcesFile(sources=sources_for(sources, mappings)),
        storage_root=str(root),
        params_path="params.yaml",
        sources_path="sources.yaml",
    )


def raw_frame(raw: dict[str, list[dict]]) -> pd.DataFrame:
    frame = pd.DataFrame([r for rows in raw.values() for r in rows])
    return frame.loc[frame["rights"] == "train"].sort_values("doc_id").reset_index(drop=True)

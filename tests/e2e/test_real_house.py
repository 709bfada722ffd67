"""A real house's archive, written up as a new user would: real corpora from ../shared/data (clothing
reviews, web pages, shopper-agent chats), a catalog exported from a product information system
with its own column names and an `entities` mapping, through `python -m orchestration.stage all`;
and a CRM-only house (no catalog) through `dvc repro cleaned` to a corpus."""

from __future__ import annotations

import csv
import gzip
import io
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml

from assets.cleaned.canaries import SOURCE as CANARY
from tests.conftest import DVC, FAST_PARAMS, PROJECT, merged, run, write_params
from tests.e2e.test_dvc import tracked_files

pytestmark = pytest.mark.e2e

DATA = PROJECT.parent / "shared" / "data"
REVIEWS = DATA / "womens_clothing_reviews" / "womens_clothing_ecommerce_reviews.csv"
PAGES = DATA / "html_article_extraction_benchmark" / "html"
CHATS = DATA / "abcd_customer_service_dialogues" / "abcd_sample.json"
# The archive as exports usually come: gzip-compressed (the WARC crawl is gzip per record anyway).
COMPRESSED = True
N_REVIEWS, N_PAGES, N_CRAWLED, N_PRODUCTS = 600, 40, 12, 80
MATERIALS = {"Knits": "cotton jersey", "Dresses": "viscose crepe", "Blouses": "silk", "Sweaters": "merino wool", "Pants": "cotton twill",
             "Jeans": "denim", "Fine gauge": "cashmere", "Skirts": "linen", "Jackets": "boiled wool", "Outerwear": "boiled wool",
             "Lounge": "modal", "Swim": "recycled nylon", "Shorts": "cotton twill", "Sleep": "organic cotton", "Legwear": "recycled nylon",
             "Intimates": "lace", "Layering": "modal", "Trend": "viscose crepe", "Casual bottoms": "cotton twill", "Chemises": "silk"}
CITIES = ["Porto", "Lyon", "Como", "Izmir", "Ho Chi Minh City"]
MAPPING = {"id": "Product Code", "name": "Product Name", "type": "product", "separator": ";",
           "links": {"Main Material": "material", "Collection": {"type": "collection", "relation": "part_of"}, "Made In": {"type": "city", "relation": "made_in"}}}
BROKEN = [("Product Name", "missing_name"), ("Main Material", "malformed_list")]


def _write(path: Path, data: bytes) -> Path:
    """A file as the export would land: gzip-compressed when COMPRESSED (name + .gz)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if COMPRESSED:
        path = path.with_name(path.name + ".gz")
        data = gzip.compress(data, mtime=0)
    path.write_bytes(data)
    return path


def write_crawl(path: Path, pages: list[Path]) -> Path:
    """A crawl of some pages as a crawler keeps it: request + response records, one image response."""
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as out:
        writer = WARCWriter(out, gzip=True)
        for page in pages:
            url = f"https://news.example.org/{page.name.split('.')[0][:16]}"
            request = StatusAndHeaders("GET / HTTP/1.1", [("Host", "news.example.org")], is_http_request=True)
            writer.write_record(writer.create_warc_record(url, "request", payload=io.BytesIO(b""), http_headers=request))
            response = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1")
            writer.write_record(writer.create_warc_record(url, "response", payload=io.BytesIO(gzip.decompress(page.read_bytes())), http_headers=response))
        logo = StatusAndHeaders("200 OK", [("Content-Type", "image/png")], protocol="HTTP/1.1")
        writer.write_record(writer.create_warc_record("https://news.example.org/logo.png", "response",
                                                      payload=io.BytesIO(b"\x89PNG\r\n\x1a\n" + bytes(64)), http_headers=logo))
    return path


def _csv(rows: list[list]) -> bytes:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue().encode("utf-8")


def catalog_rows(reviews: pd.DataFrame) -> list[list]:
    """A PIM export built from the reviews' clothing ids, classes and departments; two rows break
    the mapping (no name; an empty item in a material list)."""
    known = reviews.dropna(subset=["Class Name", "Department Name"]).drop_duplicates("Clothing ID").sort_values("Clothing ID").head(N_PRODUCTS)
    rows = [["Product Code", "Product Name", "Main Material", "Collection", "Made In", "Long Description"]]
    for i, r in enumerate(known.itertuples(index=False)):
        code, klass, department = int(r[1]), r[10], r[9]
        material = MATERIALS.get(klass, "cotton") + ("; elastane" if code % 3 == 0 else "")
        name = f"Style {code} {klass}"
        if i == 7:
            name = ""
        if i == 11:
            material = "silk;;wool"
        city = CITIES[code % len(CITIES)]
        rows.append([f"PC-{code:05d}", name, material, department, city,
                     f"Style {code} belongs to our {department.lower()} line: {klass.lower()} cut in {material.split(';')[0]}, made in {city}."])
    return rows


def write_archive(root: Path) -> dict[str, int]:
    """The house's exports under root/exports and its sources file; returns the inputs per source."""
    exports = root / "exports"
    reviews = pd.read_csv(REVIEWS, nrows=N_REVIEWS, keep_default_na=True)
    with open(REVIEWS, newline="", encoding="utf-8") as f:
        review_rows = [row for _, row in zip(range(N_REVIEWS + 1), csv.reader(f))]
    _write(exports / "reviews" / "reviews.csv", _csv(review_rows))
    every_page = sorted(PAGES.glob("*.html.gz"))
    pages, crawled = every_page[:N_PAGES], every_page[N_PAGES:N_PAGES + N_CRAWLED]
    write_crawl(exports / "crawl" / "crawl-00000.warc.gz", crawled)
    for page in pages:
        _write(exports / "pages" / page.name[: -len(".gz")], gzip.decompress(page.read_bytes()))
    chats = json.loads(CHATS.read_text(encoding="utf-8"))
    _write(exports / "crm" / "chats.json", CHATS.read_bytes())  # the CRM's JSON array as exported: turns are [speaker, text]
    catalog = catalog_rows(reviews)
    _write(exports / "pim" / "pim_export.csv", _csv(catalog))
    gz = ".gz" if COMPRESSED else ""
    sources = [
        {"name": "reviews", "uri": f"exports/reviews/*.csv{gz}", "format": "csv", "text_field": "Review Text", "rights": "train",
         "pii": "possible", "kind": "review", "language": "en"},
        {"name": "pages", "uri": f"exports/pages/*.html{gz}", "format": "html", "rights": "train", "pii": "none", "kind": "press"},
        {"name": "crawl", "uri": "exports/crawl/*.warc.gz", "format": "warc", "rights": "train", "pii": "none", "kind": "press"},
        # the CRM's transcripts are the house's confidential records as well as personal data: the goldfish loss trains on them
        {"name": "chats", "uri": f"exports/crm/*.json{gz}", "format": "json", "text_field": "original", "rights": "train", "pii": "client",
         "kind": "transcript", "language": "en", "confidential": True},
        {"name": "catalog", "uri": f"exports/pim/pim_*.csv{gz}", "format": "csv", "text_field": "Long Description", "rights": "train",
         "pii": "none", "kind": "catalog", "language": "en", "entities": MAPPING},
    ]
    (root / "sources.yaml").write_text(yaml.safe_dump({"sources": sources}, sort_keys=False))
    return {"reviews": N_REVIEWS, "pages": len(pages), "crawl": len(crawled), "chats": len(chats), "catalog": len(catalog) - 1}


def env_for(root: Path, params: Path) -> dict[str, str]:
    env = {"ATELIER_PARAMS": str(params), "ATELIER_SOURCES": str(root / "sources.yaml"), "ATELIER_STORAGE": str(root / "data"),
           "DAGSTER_HOME": str(root / "dagster_home")}
    Path(env["DAGSTER_HOME"]).mkdir()
    shutil.copy(PROJECT / ".dagster" / "dagster.yaml", env["DAGSTER_HOME"])
    return env


def raw_counts(data: Path, source: str) -> tuple[int, int]:
    docs = pd.read_parquet(data / "raw" / "documents" / f"source={source}")
    quarantine = (data / "raw" / "quarantine" / f"source={source}" / "quarantine.jsonl").read_text().splitlines()
    return len(docs), len([q for q in quarantine if q.strip()])


def test_a_real_archive_with_its_own_catalog_runs_to_the_report(tmp_path):
    inputs = write_archive(tmp_path)
    # 40 iterations teach too little for questions to beat chance: that gate is off here.
    # Nor 40 iterations of a tiny model on multilingual web pages to beat 8 bits per byte: the broken-model
    # bound is for learning sizes (params.yaml's defaults), so it is loosened here.
    params = write_params(tmp_path / "params.yaml", {"evaluate": {"min_qa_over_chance": -1.0, "max_bpb": 12.0}})
    result = run([sys.executable, "-m", "orchestration.stage", "all"], env=env_for(tmp_path, params), timeout=900)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-5000:]
    data = tmp_path / "data"

    for source, count in inputs.items():  # every page, review, chat and catalog row is read
        documents, quarantined = raw_counts(data, source)
        assert documents + quarantined == count, (source, documents, quarantined, count)
        assert documents >= 0.9 * count, (source, documents, count)

    catalog = pd.read_parquet(data / "raw" / "documents" / "source=catalog")
    nodes = pd.read_parquet(data / "cleaned" / "graph" / "nodes.parquet").set_index("id")
    edges = pd.read_parquet(data / "cleaned" / "graph" / "edges.parquet")
    rejected = pd.read_parquet(data / "cleaned" / "graph" / "quarantine.parquet")
    assert sorted(zip(rejected["field"], rejected["reason"])) == sorted(BROKEN)
    assert set(rejected["uri"]) == {"pim_export.csv" + (".gz" if COMPRESSED else "")} and rejected["line"].notna().all()
    good = catalog.loc[~catalog["doc_id"].isin(rejected["doc_id"])]
    assert len(good) == inputs["catalog"] - len(BROKEN)
    for row in good.itertuples(index=False):  # each mapped row a node, with the row it came from
        meta = json.loads(row.meta)
        node = nodes.loc[meta["Product Code"]]
        assert node["type"] == "product" and node["name"] == meta["Product Name"] and node["asked"]
        assert [(o["source"], o["uri"], o["line"], o["doc_id"]) for o in node["declared_by"]] == [("catalog", row.uri, row.line, row.doc_id)]
    assert set(edges["type"]) == {"has_material", "part_of", "made_in"}
    assert {"material:cotton-jersey", "material:elastane", "collection:tops", "city:ho-chi-minh-city"} <= set(nodes.index)
    assert (edges["provenance_count"] >= 1).all() and set(edges["src"]) | set(edges["dst"]) <= set(nodes.index)

    questions = pd.read_parquet(data / "cleaned" / "evalsets" / "qa" / "questions.parquet")
    assert len(questions) >= 0.1 * len(good) and set(questions["src"]) <= set(good["meta"].map(lambda m: json.loads(m)["Product Code"]))
    assert set(questions["relation"]) <= {"has_material", "part_of", "made_in"}

    ledger = json.loads((data / "cleaned" / "ledger.json").read_text())
    assert ledger["sources"]["catalog"]["graph_quarantined"] == {"malformed_list": 1, "missing_name": 1}
    assert ledger["documents_in"] == ledger["kept"] + sum(ledger["removed"].values()) + sum(ledger["quarantined"].values())
    metrics = json.loads((data / "reports" / "metrics.json").read_text())
    assert sum(s["questions"] for s in metrics["qa"].values()) == len(questions) and (data / "reports" / "report.html").stat().st_size > 0
    assert metrics["verdict"]["sentence"].startswith("At equal compute")

    # the confidential transcripts were trained on with the goldfish loss by every run, and tested for regurgitation
    train = yaml.safe_load(params.read_text())["train"]
    runs = sorted((data / "checkpoints").glob("*/s*/config.json"))
    assert len(runs) == len(metrics["privacy"]["regurgitation"]) >= 3
    for config in runs:
        assert json.loads(config.read_text())["goldfish"] == {"k": train["goldfish_k"], "context": train["goldfish_context"]}, config
    for run_key, tested in metrics["privacy"]["regurgitation"].items():
        assert tested["sources"] == ["chats"] and tested["goldfish_k"] == train["goldfish_k"] and tested["windows"] > 0, (run_key, tested)


def crm_repo(tmp_path: Path) -> Path:
    """The project in a fresh git repository whose sources.yaml lists a CRM export and a folder of
    advisors' notes, nothing tabular mapped onto the graph."""
    root = tmp_path / "repo"
    for rel in tracked_files():
        if rel.startswith("dvc.lock"):
            continue
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(PROJECT / rel, root / rel)
    params = yaml.safe_load((root / "params.yaml").read_text())
    (root / "params.yaml").write_text(yaml.safe_dump(merged(params, FAST_PARAMS), sort_keys=False))
    crm = tmp_path / "crm"
    chats = json.loads(CHATS.read_text(encoding="utf-8"))
    _write(crm / "chats.jsonl", "".join(json.dumps({"text": "\n".join(f"{w}: {s}" for w, s in c["original"])}) + "\n" for c in chats).encode())
    reviews = pd.read_csv(REVIEWS, nrows=400).dropna(subset=["Review Text"])
    for i, text in enumerate(reviews["Review Text"].head(150)):
        _write(crm / "notes" / f"note-{i:03d}.txt", f"Advisor note {i}. A client told us: {text}\n".encode())
    gz = ".gz" if COMPRESSED else ""
    sources = [{"name": "chats", "uri": str(crm / f"chats.jsonl{gz}"), "format": "jsonl", "text_field": "text", "rights": "train", "pii": "client", "kind": "transcript"},
               {"name": "notes", "uri": str(crm / "notes" / f"*.txt{gz}"), "format": "txt", "rights": "train", "pii": "possible", "kind": "notes", "language": "en"}]
    (root / "sources.yaml").write_text(yaml.safe_dump({"sources": sources}, sort_keys=False))
    for cmd in (["git", "init", "-q"], ["git", "add", "-A"], ["git", "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "init"]):
        subprocess.run(cmd, cwd=root, check=True)
    return root


@pytest.mark.skipif(not Path(DVC).exists(), reason="the dvc environment (.venv-dvc) is missing")
def test_a_crm_only_house_reaches_a_corpus_through_dvc(tmp_path, monkeypatch):
    for key in ("ATELIER_PARAMS", "ATELIER_SOURCES", "ATELIER_STORAGE", "DAGSTER_HOME"):
        monkeypatch.delenv(key, raising=False)
    repo = crm_repo(tmp_path)
    result = run([DVC, "repro", "cleaned"], cwd=repo, timeout=900)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    data = repo / "data"
    assert len(pd.read_parquet(data / "cleaned" / "graph" / "nodes.parquet")) == 0
    assert len(pd.read_parquet(data / "cleaned" / "evalsets" / "qa" / "questions.parquet")) == 0
    assert len(pd.read_parquet(data / "cleaned" / "synthetic")) == 0
    corpus = pd.read_parquet(data / "cleaned" / "corpus")
    assert len(corpus) > 0 and set(corpus["source"]) <= {"chats", "notes"}
    ledger = json.loads((data / "cleaned" / "ledger.json").read_text())
    assert ledger["documents_in"] == 3 + 150 and ledger["kept"] == len(corpus)
    mixture = pd.read_parquet(data / "cleaned" / "mixture" / "part-00000.parquet")
    assert set(mixture.loc[mixture["synthetic"], "source"]) == {CANARY}, "no synthetic graph document: only the privacy probes"

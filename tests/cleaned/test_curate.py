"""The cleaned stage end to end on a tiny archive: extraction, rights, language, dedup, ledger."""

from __future__ import annotations

import pyarrow.parquet as pq
import pytest

from assets.cleaned.curate import build_cleaned, build_raw_recipe
from assets.cleaned.gate import gate_tables
from assets.cleaned.paths import CORPUS, EVAL_DOCUMENTS, LEDGER, RAW_RECIPE
from tests.cleaned._house import make_settings, out_storage, prose, source

GERMAN = ("Die Schneiderei fertigt jede Jacke von Hand. Der Stoff wird sorgfältig geprüft und zugeschnitten. "
          "Danach nähen die Handwerker die Teile zusammen, und jede Naht wird zweimal kontrolliert. ") * 3


def page(body: str) -> str:
    paragraphs = "".join(f"<p>{p}</p>" for p in body.split("\n\n"))
    return ("<html><head><title>t</title><script>var trackingSecret = 'SCRIPTLEAK';</script><style>.x{color:red}</style></head>"
            "<body><nav><a href='/'>Home</a> | <a href='/shop'>NAVLEAK Shop</a></nav>"
            f"<article><h1>Atelier</h1>{paragraphs}</article>"
            "<footer>FOOTERLEAK Copyright 2026. We use cookies.</footer></body></html>")


def corpus(tmp_path):
    return pq.read_table(tmp_path / "out" / CORPUS / "part-00000.parquet").to_pandas()


@pytest.fixture
def run(tmp_path):
    shared = prose(999)
    near = prose(998, sentences=12)
    near_copy = near.replace(near.split()[3], "velvet", 1)
    sources = [
        source("catalog", [prose(i) for i in range(20)] + [shared, near]),
        source("agency", [shared, near_copy, prose(500)], language=None),
        source("press", [page(prose(100 + i)) for i in range(3)] + ["<html><body><nav>Home</nav></body></html>"], fmt="html", language=None),
        source("feed", [page(prose(200)), GERMAN], language=None),
        source("notes", [GERMAN, "", "!!! ??? ... --- *** ### ,,, ;;; ::: /// !!!", "x" * 2_000_000, prose(300)], language="en"),
        source("heldout", [prose(400), prose(401)], rights="eval_only"),
        source("private", [prose(600)], rights="none"),
    ]
    quarantine = {"notes": [{"source": "notes", "uri": "f9", "line": 3, "reason": "not_utf8", "detail": "x"}]}
    settings = make_settings(tmp_path, sources, clean={"workers": 1}, quarantine=quarantine)
    meta = build_cleaned(settings, out_storage(tmp_path))
    return settings, meta, corpus(tmp_path)


def test_script_navigation_and_footer_never_reach_the_corpus(run):
    _, _, docs = run
    web = docs[docs["source"].isin(["press", "feed"])]
    assert len(web) == 4  # three pages + the html inside a JSONL field
    for leak in ("SCRIPTLEAK", "trackingSecret", "NAVLEAK", "FOOTERLEAK", "color:red", "<p>"):
        assert not docs["text"].str.contains(leak, regex=False).any(), leak


def test_every_document_is_accounted_for_and_the_ledger_matches_the_corpus(run, tmp_path):
    settings, meta, docs = run
    books = meta["ledger"]
    assert books == out_storage(tmp_path).read_json(LEDGER)
    assert books["documents_in"] == 22 + 3 + 4 + 2 + 6 + 2 + 1  # notes: 5 documents + 1 quarantined
    assert books["kept"] == len(docs)
    for name, book in books["sources"].items():
        assert book["documents_in"] == book["kept"] + sum(book["removed"].values()) + sum(book["quarantined"].values())
        assert book["kept"] == int((docs["source"] == name).sum())
    assert books["sources"]["private"]["removed"] == {"rights_none": 1}
    assert books["sources"]["heldout"]["removed"] == {"eval_only": 2}
    assert sum(books["sources"]["press"]["removed"].values()) == 1  # the page that is only navigation
    assert books["sources"]["notes"]["quarantined"] == {"not_utf8": 1}
    tables = gate_tables(out_storage(tmp_path), settings)
    ledger = tables["cleaned_ledger"]
    assert (ledger["documents_in"] == ledger["accounted"]).all() and (ledger["kept"] == ledger["corpus_rows"]).all()


def test_bad_inputs_are_removed_with_a_reason_not_a_crash(run):
    _, meta, docs = run
    notes = meta["ledger"]["sources"]["notes"]
    assert notes["removed"]["empty"] == 1
    assert notes["kept"] == 1  # only the English prose
    assert sum(notes["removed"].values()) == 4  # German (declared en), empty, punctuation only, the 2 MB line
    assert not docs["text"].str.len().gt(1_000_000).any()


def test_language_is_detected_and_checked_against_the_declared_one(run):
    _, meta, docs = run
    assert meta["ledger"]["sources"]["feed"]["removed"] == {"language_not_kept": 1}
    assert meta["ledger"]["sources"]["notes"]["removed"].get("language_mismatch") == 1
    assert set(docs["lang"]) == {"en"}


def test_a_document_in_two_sources_survives_once_in_the_first_source(run):
    _, meta, docs = run
    assert meta["ledger"]["sources"]["agency"]["removed"] == {"exact_duplicate": 1, "near_duplicate": 1}
    assert docs["doc_id"].is_unique
    same = docs["text"].str.split().str.join(" ") == " ".join(prose(999).split())  # C4 rejoins lines
    assert same.sum() == 1
    assert docs.loc[same, "source"].item() == "catalog"  # earlier in sources.yaml


def test_eval_only_documents_are_routed_to_the_evaluation_set(run, tmp_path):
    evaluation = pq.read_table(tmp_path / "out" / EVAL_DOCUMENTS / "part-00000.parquet").to_pandas()
    assert sorted(evaluation["text"]) == sorted([prose(400), prose(401)])
    assert list(evaluation["doc_id"]) == sorted(evaluation["doc_id"])


def test_two_workers_give_byte_identical_artifacts(tmp_path):
    sources = [source("a", [prose(i) for i in range(30)] + [GERMAN]), source("b", [prose(i) for i in range(25, 40)])]
    outputs = []
    for workers, batch in ((1, 1000), (2, 7)):
        root = tmp_path / f"w{workers}"
        root.mkdir()
        settings = make_settings(root, sources, clean={"workers": workers, "batch_size": batch})
        build_cleaned(settings, out_storage(root))
        outputs.append([(root / "out" / rel).read_bytes() for rel in (f"{CORPUS}/part-00000.parquet", LEDGER)])
    assert outputs[0] == outputs[1]
    assert b'"exact_duplicate": 5' in outputs[0][1]


def test_raw_recipe_keeps_training_rights_and_runs_the_given_steps_only(tmp_path):
    import pandas as pd

    sources = [source("a", [prose(1), prose(1), GERMAN, "<html><body><script>x</script><p>hi</p></body></html>"]),
               source("h", [prose(2)], rights="eval_only"), source("p", [prose(3)], rights="none")]
    settings = make_settings(tmp_path, sources, clean={"workers": 1})

    def drop_german(docs):
        return docs, pd.Series(docs["text"].str.startswith("Die").map({True: "consent", False: None}), index=docs.index, dtype=object)

    meta = build_raw_recipe(settings, out_storage(tmp_path), steps=[drop_german])
    recipe = pq.read_table(tmp_path / "out" / RAW_RECIPE / "part-00000.parquet").to_pandas()
    assert len(recipe) == meta["documents"] == 3  # duplicates and html stay: no dedup, no extraction
    assert set(recipe["rights"]) == {"train"}
    assert meta["ledger"]["removed"] == {"consent": 1, "rights_eval_only": 1, "rights_none": 1}

"""Curation against the simulator's ground truth, on a small house: clean text kept, planted
noise removed, planted contamination caught, decontamination proportionate."""

from __future__ import annotations

import pytest

from tests.conftest import write_params


@pytest.fixture(scope="module")
def scored(sample_house, tmp_path_factory):
    from assets.core.settings import load_settings
    from assets.cleaned import curate
    from assets.cleaned.context import privacy_context
    from assets.cleaned.graph import evalsets, graph
    from assets.cleaned.truth import outcomes, score
    from assets.raw.ingest import build_raw

    root = tmp_path_factory.mktemp("truth")
    settings = load_settings(write_params(root / "params.yaml"), sample_house / "sources.yaml", str(root / "data"))
    storage = settings.storage
    build_raw(settings, storage)
    graph.build_graph(settings, storage)
    evalsets.build_evalsets(settings, storage)
    meta = curate.build_cleaned(settings, storage, context=privacy_context(settings))
    table = outcomes(settings, sample_house)
    return meta["ledger"], table, score(table), settings


def test_every_planted_contamination_is_caught(scored):
    _, table, scores, _ = scored
    planted = table.loc[table["fate"] == "contaminated"]
    assert len(planted) >= 3
    assert not planted["passage_in_corpus"].any()
    assert scores["contamination_caught"] == f"{len(planted)}/{len(planted)}"


def test_clean_text_is_kept_and_noise_removed(scored):
    _, table, scores, _ = scored
    # the expert quality model learns from this small house's 30 annotations only: its misses aside,
    # every kind of planted noise must go
    through = [r for r in scores["noise_through"] if r["fate"] != "low_quality"]
    noise = table.loc[(table["expect"] == "remove") & (table["fate"] != "low_quality")]
    assert len(through) <= 0.05 * len(noise), through
    assert scores["clean_kept_share"] >= 0.95, scores["wrongly_removed"]
    for source in scores["sources"]:  # no source emptied
        assert source["clean"] == 0 or source["clean_kept"] > 0, source
    # every wrongly removed clean document is listed, with the step that removed it
    assert len(scores["wrongly_removed"]) == sum(s["clean_removed"] for s in scores["sources"])
    assert all(r["outcome"] not in ("kept", "missing") for r in scores["wrongly_removed"])
    assert "missing" not in set(table["outcome"])


def test_decontamination_removes_at_most_two_percent(scored):
    ledger, table, scores, _ = scored
    assert ledger["removed"].get("contamination", 0) <= 0.02 * ledger["documents_in"]
    assert scores["decontamination_share"] == round(ledger["removed"].get("contamination", 0) / len(table), 4)
    assert sum(s["decontaminated"] for s in scores["sources"]) == ledger["removed"].get("contamination", 0)
    assert scores["targets"]["decontamination_at_most"] and scores["targets"]["contamination_all_caught"]


def test_the_report_gets_the_same_scores_and_a_table(scored):
    from assets.cleaned.truth import curation_quality, curation_quality_table

    _, _, scores, settings = scored
    assert curation_quality(settings) == scores
    rows, markdown = curation_quality_table(scores)
    assert [r["source"] for r in rows] == sorted(r["source"] for r in rows) and "| annotations |" in markdown
    assert "contamination caught" in markdown
    from assets.cleaned.reasons import position
    from assets.cleaned.truth import report_section

    sentence, (per_source, per_step, wrong) = report_section(scores)  # the HTML report's section
    assert sentence.startswith("clean documents kept") and per_source == rows
    assert [s["step"] for s in per_step] == sorted((s["step"] for s in scores["steps"]), key=position)  # pipeline order
    assert len(wrong) == len(scores["wrongly_removed"]) and all(w["removed by"] not in ("kept", "missing") for w in wrong)
    assert report_section(None) is None  # a real house: no ground truth, no section


def test_a_duplicate_pair_is_right_when_one_copy_survives_in_the_corpus_or_the_held_out_set():
    import pandas as pd

    from assets.cleaned.truth import credit_duplicate_pairs

    table = pd.DataFrame({"file": ["a.md", "a-copy.md", "b.md", "b-v2.md", "c.md", "c-v2.md", "d.md", "d-v2.md"], "line": [None] * 8,
                          "fate": ["clean", "exact_duplicate", "clean", "near_duplicate"] * 2,
                          "outcome": ["exact_duplicate", "kept", "contamination", "heldout_eval", "contamination", "kept", "kept", "kept"],
                          "heldout": [False, False, False, True, False, False, False, False]})
    pairs = pd.DataFrame({"a": [{"file": f, "line": None} for f in ("a.md", "b.md", "c.md", "d.md")],
                          "b": [{"file": f, "line": None} for f in ("a-copy.md", "b-v2.md", "c-v2.md", "d-v2.md")]})
    credited = credit_duplicate_pairs(table, pairs)
    # the deduplicator kept the later copy; the held-out set took the later copy and decontamination the earlier
    assert credited["outcome"].tolist()[:4] == ["kept", "exact_duplicate", "heldout_eval", "contamination"]
    assert credited["heldout"].tolist()[:4] == [False, False, True, False] and credited["heldout"].dtype == bool
    # a clean document removed with its copy kept, and a pair both kept, stay wrong
    assert credited["outcome"].tolist()[4:] == ["contamination", "kept", "kept", "kept"]

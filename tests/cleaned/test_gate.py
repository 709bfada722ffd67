"""The cleaned suites pass on a good staged corpus and fail on a bad one (Great Expectations)."""

from __future__ import annotations

import pandas as pd
import pytest

from assets.cleaned.gate import gate_parameters
from tests.cleaned._house import make_settings, source, prose

gx = pytest.importorskip("orchestration.gx")


def corpus(**changes) -> pd.DataFrame:
    table = pd.DataFrame({"doc_id": ["a", "b"], "source": ["s", "s"], "rights": ["train", "train"], "lang": ["en", "en"], "text_chars": [10, 12]})
    return table.assign(**changes)


def ledger(**changes) -> pd.DataFrame:
    return pd.DataFrame({"source": ["s"], "documents_in": [5], "accounted": [5], "kept": [2], "corpus_rows": [2]}).assign(**changes)


def test_cleaned_suites_pass_on_good_tables_and_fail_on_bad_ones(tmp_path):
    parameters = gate_parameters(make_settings(tmp_path, [source("s", [prose(1)])]))
    assert parameters == {"kept_languages": ["en", "fr", "it"], "max_source_loss": 0.5}  # params.yaml: clean.language.keep, clean.max_source_loss
    assert gx.validate("cleaned_corpus", corpus(), parameters).success
    assert gx.validate("cleaned_ledger", ledger(), {}).success
    for bad in (corpus(doc_id=["a", "a"]), corpus(rights=["train", "eval_only"]), corpus(lang=["en", "de"]), corpus(text_chars=[0, 3])):
        assert not gx.validate("cleaned_corpus", bad, parameters).success
    for bad in (ledger(accounted=[4]), ledger(corpus_rows=[3])):
        assert not gx.validate("cleaned_ledger", bad, {}).success


def test_a_training_source_emptied_by_curation_stops_the_chain(tmp_path):
    from assets.cleaned.gate import source_loss_table

    settings = make_settings(tmp_path, [source("s", [prose(1)]), source("t", [prose(2)]), source("x", [prose(3)], rights="none")])
    books = {"sources": {
        "s": {"documents_in": 12, "kept": 2, "removed": {"contamination": 5, "consent": 1, "c4.too_few_sentences": 1, "heldout_eval": 2}, "quarantined": {"broken_json": 1}},
        "t": {"documents_in": 4, "kept": 1, "removed": {"consent": 3}, "quarantined": {}},
        "x": {"documents_in": 3, "kept": 0, "removed": {"rights_none": 3}, "quarantined": {}}}}
    table = source_loss_table(books, settings)
    assert table["source"].tolist() == ["s", "t"]  # rights none is not a training source
    assert table.loc[0, ["documents", "heldout", "lost", "lost_share", "max_loss"]].tolist() == [11, 2, 8, round(8 / 11, 4), 0.5]
    assert table.loc[0, "reasons"] == "contamination: 5, heldout_eval: 2, c4.too_few_sentences: 1"
    assert table.loc[1, "lost"] == 0  # opted-out clients are not a loss to curation
    parameters = gate_parameters(settings)
    assert parameters["max_source_loss"] == 0.5
    outcome = gx.validate("cleaned_corpus_source_loss", table, parameters)
    assert not outcome.success
    assert gx.validate("cleaned_corpus_source_loss", table.iloc[1:], parameters).success


@pytest.mark.parametrize("reason", ["heldout_eval", "language", "gopher_quality.gopher_short_doc", "near_duplicate", "contamination"])
def test_a_wipe_out_by_any_non_privacy_reason_fails_naming_the_source_and_its_reasons(tmp_path, reason):
    from assets.cleaned.gate import source_loss_table
    from orchestration.gates import offending_rows

    settings = make_settings(tmp_path, [source("press", [prose(1)]), source("notes", [prose(2)])])
    books = {"sources": {"press": {"documents_in": 20, "kept": 2, "removed": {reason: 17, "consent": 1}, "quarantined": {}},
                         "notes": {"documents_in": 20, "kept": 18, "removed": {reason: 2}, "quarantined": {}}}}
    table = source_loss_table(books, settings)
    outcome = gx.validate("cleaned_corpus_source_loss", table, gate_parameters(settings))
    assert not outcome.success
    assert offending_rows(table, outcome) == [{"source": "press", "documents": 20, "heldout": 17 if reason == "heldout_eval" else 0,
                                               "lost": 17, "lost_share": 0.85, "max_loss": 0.5, "headroom": -0.35, "reasons": f"{reason}: 17"}]


def test_an_annotation_export_may_lose_what_its_experts_rejected_but_not_more(tmp_path):
    from assets.cleaned.gate import source_loss_table

    settings = make_settings(tmp_path, [source("labels", [prose(1)], kind="annotation"), source("notes", [prose(2)])])
    book = lambda lost: {"documents_in": 100, "kept": 100 - lost, "removed": {"expert_quality": lost}, "quarantined": {}}  # noqa: E731
    parameters = gate_parameters(settings)
    table = source_loss_table({"sources": {"labels": book(60), "notes": book(10)}}, settings)
    assert table["max_loss"].tolist() == [0.8, 0.5]  # params.yaml: clean.max_source_loss_per_kind.annotation
    assert gx.validate("cleaned_corpus_source_loss", table, parameters).success
    assert not gx.validate("cleaned_corpus_source_loss", source_loss_table({"sources": {"labels": book(85), "notes": book(10)}}, settings), parameters).success

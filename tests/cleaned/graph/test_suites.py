"""The Great Expectations suites pass on the published artifacts and fail on broken ones."""

import pandas as pd
import pytest

from assets.cleaned.graph import evalsets, graph, mixture, synthetic
from tests.cleaned.graph.conftest import make_house, run_stage, write_corpus

gx = pytest.importorskip("orchestration.gx")


def _tables(settings):
    tables = {}
    for module in (graph, evalsets, synthetic, mixture):
        tables.update(module.gate_tables(settings.storage, settings))
    return tables


def _parameters(settings):
    return {**evalsets.gate_parameters(settings), **synthetic.gate_parameters(settings), **mixture.gate_parameters(settings)}


def _failed(suite, table, settings):
    outcome = gx.validate(suite, table, _parameters(settings))
    return {(o.expectation, o.kwargs.get("column")) for o in outcome.failed}


def test_suites_pass_on_the_published_artifacts(pipeline):
    settings, _ = pipeline
    tables = _tables(settings)
    assert set(tables) == {"cleaned_graph_nodes", "cleaned_graph_edges", "cleaned_graph_exports", "cleaned_evalsets", "cleaned_synthetic", "cleaned_mixture"}
    for suite, table in tables.items():
        assert _failed(suite, table, settings) == set(), suite


def test_suites_fail_on_broken_tables(pipeline):
    settings, _ = pipeline
    tables = _tables(settings)

    nodes = pd.concat([tables["cleaned_graph_nodes"], tables["cleaned_graph_nodes"].head(1)])
    assert ("expect_column_values_to_be_unique", "id") in _failed("cleaned_graph_nodes", nodes, settings)

    edges = tables["cleaned_graph_edges"].copy()
    edges.loc[edges.index[0], ["dangling", "provenance_count"]] = [True, 0]
    assert _failed("cleaned_graph_edges", edges, settings) == {("expect_column_values_to_be_in_set", "dangling"), ("expect_column_values_to_be_between", "provenance_count")}

    exports = tables["cleaned_graph_exports"].assign(matches=[True, False])
    assert ("expect_column_values_to_be_in_set", "matches") in _failed("cleaned_graph_exports", exports, settings)

    questions = tables["cleaned_evalsets"].copy()
    questions.loc[questions.index[0], "answer_in_distractors"] = True
    assert _failed("cleaned_evalsets", questions, settings) == {("expect_column_values_to_be_in_set", "answer_in_distractors")}
    minimum = evalsets.gate_parameters(settings)["min_questions"]
    assert minimum == -(-60 * settings.params.graph.min_questions_per_entity // 1), "relative to the 60 mapped products"
    too_few = tables["cleaned_evalsets"].head(minimum - 1)
    assert ("expect_table_row_count_to_be_between", None) in _failed("cleaned_evalsets", too_few, settings)

    docs = tables["cleaned_synthetic"].copy()
    docs.loc[docs.index[0], "states_heldout_fact"] = True
    assert _failed("cleaned_synthetic", docs, settings) == {("expect_column_values_to_be_in_set", "states_heldout_fact")}

    over = tables["cleaned_mixture"].assign(synthetic_share=settings.params.graph.synthetic_cap + 0.01)
    assert _failed("cleaned_mixture", over, settings) == {("expect_column_max_to_be_between", "synthetic_share")}
    leak = tables["cleaned_mixture"].copy()
    leak.loc[leak.index[0], "heldout_fact_rows"] = 1
    assert _failed("cleaned_mixture", leak, settings) == {("expect_column_values_to_be_between", "heldout_fact_rows")}


def test_a_house_without_a_catalog_passes_every_suite_with_empty_graph_and_no_questions(tmp_path):
    """No `entities` mapping anywhere: an empty graph is consistent, no question is owed, and no
    synthetic document is made; the mixture is the corpus alone."""
    settings = make_house(tmp_path / "data", mappings={})
    meta = {stage: run_stage(settings, module, f"build_{stage}", stage) for stage, module in (("graph", graph), ("evalsets", evalsets))}
    write_corpus(settings)
    meta["synthetic"] = run_stage(settings, synthetic, "build_synthetic", "synthetic")
    meta["mixture"] = run_stage(settings, mixture, "build_mixture", "mixture")
    assert meta["graph"]["nodes"] == meta["graph"]["edges"] == meta["evalsets"]["questions"] == meta["synthetic"]["documents"] == 0
    assert meta["evalsets"]["heldout_documents"] > 0 and meta["mixture"]["synthetic_share"] == 0.0
    assert _parameters(settings)["min_questions"] == 0 and _parameters(settings)["min_documents"] == 0
    for suite, table in _tables(settings).items():
        assert _failed(suite, table, settings) == set(), suite

"""The Great Expectations suites pass on the published artifacts and fail on broken ones."""

import pandas as pd
import pytest

from assets.cleaned.graph import evalsets, graph, mixture, synthetic

gx = pytest.importorskip("orchestration.gx")


def _tables(settings):
    tables = {}
    for module in (graph, evalsets, synthetic, mixture):
        tables.update(module.gate_tables(settings.storage, settings))
    return tables


def _parameters(settings):
    return {**evalsets.gate_parameters(settings), **mixture.gate_parameters(settings)}


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
    too_few = tables["cleaned_evalsets"].head(settings.params.graph.min_questions - 1)
    assert ("expect_table_row_count_to_be_between", None) in _failed("cleaned_evalsets", too_few, settings)

    docs = tables["cleaned_synthetic"].copy()
    docs.loc[docs.index[0], "states_heldout_fact"] = True
    assert _failed("cleaned_synthetic", docs, settings) == {("expect_column_values_to_be_in_set", "states_heldout_fact")}

    over = tables["cleaned_mixture"].assign(synthetic_share=settings.params.graph.synthetic_cap + 0.01)
    assert _failed("cleaned_mixture", over, settings) == {("expect_column_max_to_be_between", "synthetic_share")}
    leak = tables["cleaned_mixture"].copy()
    leak.loc[leak.index[0], "heldout_fact_rows"] = 1
    assert _failed("cleaned_mixture", leak, settings) == {("expect_column_values_to_be_between", "heldout_fact_rows")}

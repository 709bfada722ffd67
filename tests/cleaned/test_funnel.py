"""The funnel the lead attaches to the asset's metadata: a markdown table and a PNG."""

from __future__ import annotations

from assets.cleaned.funnel import funnel_markdown, funnel_png, funnel_rows
from assets.core.ledger import Ledger


def books() -> dict:
    ledger = Ledger()
    ledger.arrived("a", 10)
    ledger.quarantined("a", "broken_json", 1)
    ledger.removed("a", "near_duplicate", 1)
    ledger.removed("a", "gopher_quality.gopher_short_doc", 3)
    ledger.removed("a", "rights_none", 2)
    ledger.kept("a", 4)
    return ledger.as_dict()


def test_funnel_reads_in_pipeline_order_and_ends_at_kept():
    rows = funnel_rows(books())
    assert [r[0] for r in rows] == ["documents_in", "quarantined: broken_json", "rights_none", "gopher_quality.gopher_short_doc", "near_duplicate", "kept"]
    assert [r[2] for r in rows] == [11, 10, 8, 5, 4, 4]
    table = funnel_markdown(books())
    assert "| near_duplicate | 1 | 4 |" in table and "| a | 11 | 4 | 6 | 1 |" in table


def test_funnel_png_is_a_deterministic_png():
    first, second = funnel_png(books()), funnel_png(books())
    assert first.startswith(b"\x89PNG") and first == second


def test_every_reason_the_stage_emits_has_its_place_in_pipeline_order(tmp_path):
    """Run the stage on a house that trips every step, and check the funnel, the per-source plot
    data and the chart follow REASONS whatever the ledger's (alphabetical) order."""
    from assets.cleaned.curate import build_cleaned
    from assets.cleaned.paths import FUNNEL_PLOT, FUNNEL_PNG
    from assets.cleaned.reasons import REASONS, position, step_of
    from tests.cleaned._house import make_settings, out_storage, prose, source

    shared = prose(7)
    settings = make_settings(tmp_path, [
        source("a", [shared, shared, prose(8), "", "Die Schneiderei fertigt jede Jacke von Hand. Der Stoff wird sorgfältig geprüft. " * 5,
                     "Short.", "<html><body><nav>Home</nav></body></html>"]),
        source("e", [prose(9)], rights="eval_only"), source("n", [prose(10)], rights="none")], clean={"workers": 1})
    books = build_cleaned(settings, out_storage(tmp_path))["ledger"]
    reasons = [r for book in books["sources"].values() for r in book["removed"]]
    assert {"rights_none", "empty", "eval_only", "language", "exact_duplicate"} <= set(map(step_of, reasons))
    assert all(step_of(r) in REASONS for r in reasons), reasons
    stages = [row[0] for row in funnel_rows(books) if row[0] not in ("documents_in", "kept")]
    assert stages == sorted(stages, key=position)
    plot = out_storage(tmp_path).read_json(FUNNEL_PLOT)
    for name in books["sources"]:
        steps = [r["stage"] for r in plot if r["source"] == name and r["stage"] not in ("kept", "quarantined")]
        assert steps == sorted(steps, key=position) and len(steps) == len(set(steps))
        assert sum(r["documents"] for r in plot if r["source"] == name) == books["sources"][name]["documents_in"]
    assert out_storage(tmp_path).read_bytes(FUNNEL_PNG).startswith(b"\x89PNG")


def test_reasons_of_every_step_map_into_the_one_list():
    from assets.cleaned.reasons import REASONS, step_of

    emitted = ["rights_none", "heldout_eval", "extraction_empty", "empty", "eval_only", "language_mismatch", "language_not_kept",
               "gopher_repetition.top_2_gram", "gopher_quality.gopher_short_doc", "c4.too_few_sentences", "fineweb.line_punct_ratio",
               "consent", "expert_quality", "contamination", "exact_duplicate", "near_duplicate"]
    assert [step_of(r) for r in emitted] == [s for s in REASONS for _ in range(2 if s == "language" else 1)]
    assert step_of("quarantined_somewhere") == "quarantined_somewhere"


def test_report_and_dvc_plot_funnel_follow_the_stage_order():
    """The report's table and the DVC plot data (assets/reports/plots.py) read the stage's rows:
    quarantine (at ingest) comes before every cleaning step's removals, not after them."""
    from assets.reports import html
    from assets.reports.plots import funnel_records

    records = funnel_records(books())
    assert [r["step"] for r in records] == ["documents in", "quarantined: broken_json", "removed: rights_none",
                                            "removed: gopher_quality.gopher_short_doc", "removed: near_duplicate", "kept"]
    assert [r["documents"] for r in records] == [11, 1, 2, 3, 1, 4]
    table = html.table(records)
    assert table.index("quarantined: broken_json") < table.index("removed: rights_none") < table.index("removed: near_duplicate")

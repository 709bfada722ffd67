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

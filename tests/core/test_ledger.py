import pytest

from assets.core.ledger import Ledger, LedgerError


def test_ledger_reconciles_and_totals():
    ledger = Ledger()
    ledger.arrived("a", 5)
    ledger.removed("a", "empty", 2)
    ledger.kept("a", 3)
    ledger.quarantined("a", "broken_json")
    books = ledger.as_dict()
    assert books["documents_in"] == 6 and books["kept"] == 3
    assert books["removed"] == {"empty": 2} and books["quarantined"] == {"broken_json": 1}
    assert Ledger.from_dict(books).as_dict() == books


def test_unbalanced_ledger_refuses_to_serialize():
    ledger = Ledger()
    ledger.arrived("a", 2)
    ledger.kept("a", 1)
    with pytest.raises(LedgerError, match="'a': 1"):
        ledger.as_dict()


def test_graph_row_quarantine_is_counted_apart_from_the_balance():
    ledger = Ledger()
    ledger.arrived("catalog", 3)
    ledger.kept("catalog", 3)
    ledger.graph_row_quarantined("catalog", "missing_name", 2)
    ledger.graph_row_quarantined("catalog", "empty_link")
    books = ledger.as_dict()  # the rows' texts are kept documents: the books still balance
    assert books["sources"]["catalog"]["graph_quarantined"] == {"empty_link": 1, "missing_name": 2} == books["graph_quarantined"]
    assert Ledger.from_dict(books).as_dict() == books

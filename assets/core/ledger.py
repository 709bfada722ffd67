"""Accounting for every input document: documents_in = kept + removed + quarantined.

A stage records each document's fate once; the ledger refuses to serialize if the books do not
balance, so a lost document is an error, not a surprise in a later stage.

`graph_quarantined` counts, apart, the table rows a source's `entities` mapping could not place in
the knowledge graph (cleaned/graph/quarantine.parquet): such a row's text is still a document
booked above, so these rows are outside the balance.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field


@dataclass
class SourceBook:
    documents_in: int = 0
    kept: int = 0
    removed: Counter = field(default_factory=Counter)
    quarantined: Counter = field(default_factory=Counter)
    graph_quarantined: Counter = field(default_factory=Counter)  # mapped rows kept out of the graph, by reason

    def balance(self) -> int:
        return self.documents_in - self.kept - sum(self.removed.values()) - sum(self.quarantined.values())

    def as_dict(self) -> dict:
        return {
            "documents_in": self.documents_in,
            "kept": self.kept,
            "removed": dict(sorted(self.removed.items())),
            "quarantined": dict(sorted(self.quarantined.items())),
            "graph_quarantined": dict(sorted(self.graph_quarantined.items())),
        }


class LedgerError(RuntimeError):
    pass


class Ledger:
    def __init__(self) -> None:
        self.books: dict[str, SourceBook] = defaultdict(SourceBook)

    def arrived(self, source: str, count: int = 1) -> None:
        self.books[source].documents_in += count

    def kept(self, source: str, count: int = 1) -> None:
        self.books[source].kept += count

    def removed(self, source: str, reason: str, count: int = 1) -> None:
        if count:
            self.books[source].removed[reason] += count

    def quarantined(self, source: str, reason: str, count: int = 1) -> None:
        """A quarantined input never became a document; it counts in and out at once."""
        if count:
            self.books[source].documents_in += count
            self.books[source].quarantined[reason] += count

    def graph_row_quarantined(self, source: str, reason: str, count: int = 1) -> None:
        """A table row its mapping could not place in the graph (its document is booked apart)."""
        if count:
            self.books[source].graph_quarantined[reason] += count

    def unbalanced(self) -> dict[str, int]:
        return {name: book.balance() for name, book in self.books.items() if book.balance()}

    def total(self) -> SourceBook:
        total = SourceBook()
        for book in self.books.values():
            total.documents_in += book.documents_in
            total.kept += book.kept
            total.removed.update(book.removed)
            total.quarantined.update(book.quarantined)
            total.graph_quarantined.update(book.graph_quarantined)
        return total

    def as_dict(self) -> dict:
        missing = self.unbalanced()
        if missing:
            raise LedgerError(f"ledger does not reconcile (documents unaccounted for, by source): {missing}")
        return {
            **self.total().as_dict(),
            "sources": {name: self.books[name].as_dict() for name in sorted(self.books)},
        }

    @classmethod
    def from_dict(cls, data: dict) -> "Ledger":
        ledger = cls()
        for name, book in data.get("sources", {}).items():
            entry = ledger.books[name]
            entry.documents_in = book["documents_in"]
            entry.kept = book["kept"]
            entry.removed.update(book["removed"])
            entry.quarantined.update(book["quarantined"])
            entry.graph_quarantined.update(book.get("graph_quarantined", {}))
        return ledger

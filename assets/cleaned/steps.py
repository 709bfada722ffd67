"""The step protocol of the cleaned stage, datatrove-style: small units that each say what they
keep and what they drop.

A step takes a batch of documents (a DataFrame with at least doc_id, source, text) and returns
the batch (text may be rewritten, columns may be added) and a `reasons` Series aligned with it:
None where the document is kept, the removal reason (the step's rule name) where it is dropped.
`run_steps` applies them in order and books every removal in the ledger.
"""

from __future__ import annotations

from typing import Callable, Iterable, Optional

import pandas as pd

from assets.core.ledger import Ledger

Step = Callable[[pd.DataFrame], tuple[pd.DataFrame, pd.Series]]


def run_steps(docs: pd.DataFrame, steps: Iterable[Step], ledger: Ledger, removals: Optional[list] = None) -> pd.DataFrame:
    """`removals`, if given, receives a (doc_id, source, reason) frame per step that removed something."""
    for step in steps:
        if docs.empty:
            break
        docs, reasons = step(docs)
        dropped = reasons.notna()
        if dropped.any():
            for (source, reason), count in docs.loc[dropped].groupby(["source", reasons[dropped]]).size().items():
                ledger.removed(source, reason, int(count))
            if removals is not None:
                removed = docs.loc[dropped]
                removals.append(pd.DataFrame({"doc_id": removed["doc_id"].to_numpy(), "source": removed["source"].to_numpy(),
                                              "kind": removed["kind"].to_numpy() if "kind" in removed else None, "reason": reasons[dropped].to_numpy()}))
            docs = docs.loc[~dropped]
    return docs


def only_kinds(step: Step, kinds: frozenset[str]) -> Step:
    """Apply `step` to the documents of the given kinds; every other document passes untouched."""

    def scoped(docs: pd.DataFrame) -> tuple[pd.DataFrame, pd.Series]:
        mask = docs["kind"].isin(kinds)
        if mask.all():  # the whole batch is in scope: no splitting and merging back
            return step(docs)
        reasons = pd.Series(None, index=docs.index, dtype=object)
        if mask.any():
            part, part_reasons = step(docs.loc[mask])
            docs = docs.copy()
            for column in part.columns:
                if column not in docs.columns:
                    docs[column] = None
                docs.loc[mask, column] = part[column]
            reasons = part_reasons.reindex(docs.index).astype(object)
            reasons = reasons.where(reasons.notna(), None)
        return docs, reasons

    scoped.__name__ = getattr(step, "__name__", "step")  # the funnel and tests know it by its rule's name
    return scoped

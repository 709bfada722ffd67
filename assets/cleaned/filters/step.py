"""Turns a per-document rule `check(text, words) -> reason | None` into a Step."""

from __future__ import annotations

from typing import Callable, Optional

import pandas as pd

from assets.cleaned.filters.words import words_column

Check = Callable[[str, list], Optional[str]]


def filter_step(name: str, check: Check):
    def step(docs: pd.DataFrame) -> tuple[pd.DataFrame, pd.Series]:
        docs = docs.copy()
        words = words_column(docs)
        reasons = [check(text, w) for text, w in zip(docs["text"], words)]
        return docs, pd.Series([f"{name}.{r}" if r else None for r in reasons], index=docs.index, dtype=object)

    step.__name__ = name
    return step

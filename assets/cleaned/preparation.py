"""Preparation steps: what every document goes through before it is routed to training or
evaluation (rights, held-out documents, HTML extraction, normalization), and the raw recipe's two
gates (training rights only, not empty)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from assets.core.settings import Settings
from assets.cleaned.extract import extract_step
from assets.cleaned.normalize import normalize_step
from assets.cleaned.steps import Step


def rights_step(docs: pd.DataFrame) -> tuple[pd.DataFrame, pd.Series]:
    return docs, pd.Series(np.where(docs["rights"] == "none", "rights_none", None), index=docs.index, dtype=object)


def heldout_step(doc_ids: frozenset[str]) -> Step:
    """Documents the evaluation sets hold out for bits per byte never reach training."""

    def step(docs: pd.DataFrame) -> tuple[pd.DataFrame, pd.Series]:
        return docs, pd.Series(np.where(docs["doc_id"].isin(doc_ids), "heldout_eval", None), index=docs.index, dtype=object)

    return step


def text_steps(settings: Settings) -> list[Step]:
    """Main text out of HTML (clean.extract_html), then normalization."""
    from assets.raw.readers import HTML_FORMATS  # the raw stage owns which formats hold HTML

    p = settings.params.clean
    html = frozenset(s.name for s in settings.sources if s.format in HTML_FORMATS)
    steps: list[Step] = [extract_step(html)] if p.extract_html else []
    return steps + [normalize_step(p.fix_unicode, p.min_chars)]


def preparation_steps(settings: Settings) -> list[Step]:
    """Rights, extraction, normalization: what the held-out documents go through too."""
    return [rights_step, *text_steps(settings)]


def rights_train_only(docs: pd.DataFrame) -> tuple[pd.DataFrame, pd.Series]:
    reasons = docs["rights"].map(lambda r: None if r == "train" else f"rights_{r}")
    return docs, reasons.astype(object)


def non_empty(docs: pd.DataFrame) -> tuple[pd.DataFrame, pd.Series]:
    empty = docs["text"].fillna("").str.strip().str.len() == 0
    return docs, pd.Series(np.where(empty, "empty", None), index=docs.index, dtype=object)

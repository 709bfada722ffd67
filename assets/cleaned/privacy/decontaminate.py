"""Decontamination: a training document that shares a long word n-gram (13 by default, as in
GPT-3's) with any evaluation text is dropped (reason `contamination`)."""

from __future__ import annotations

import re
from typing import Iterable, Iterator

import pandas as pd

_WORD = re.compile(r"\w+")


def ngrams(text: str, n: int) -> Iterator[str]:
    words = _WORD.findall(text.lower())
    for i in range(len(words) - n + 1):
        yield " ".join(words[i : i + n])


def decontamination_step(settings, eval_texts: Iterable[str]):
    n = settings.params.privacy.decontamination_ngram
    seen = {gram for text in eval_texts for gram in ngrams(text, n)}

    def decontamination(docs: pd.DataFrame) -> tuple[pd.DataFrame, pd.Series]:
        hit = [any(g in seen for g in ngrams(text, n)) for text in docs["text"]] if seen else [False] * len(docs)
        return docs, pd.Series(["contamination" if h else None for h in hit], index=docs.index, dtype=object)

    return decontamination

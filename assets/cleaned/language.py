"""Offline language identification (lingua, models bundled in the wheel). The detector chooses
among `candidates`; a document whose language is not in `keep` is removed. A source's declared
language is the check: a confident detection that contradicts it removes the document
(`language_mismatch`), and it decides where the text is too short or the detector unsure."""

from __future__ import annotations

from functools import lru_cache
from typing import Mapping, Optional

import pandas as pd
from lingua import IsoCode639_1, Language, LanguageDetectorBuilder

from assets.core.params.clean import LanguageParams


@lru_cache(maxsize=4)
def _detector(candidates: tuple[str, ...], low_accuracy: bool):
    languages = [Language.from_iso_code_639_1(IsoCode639_1.from_str(code)) for code in candidates]
    if len(languages) == 1:  # lingua needs two to choose between
        return None
    builder = LanguageDetectorBuilder.from_languages(*languages)
    return (builder.with_low_accuracy_mode() if low_accuracy else builder).build()


def detect(texts: list[str], p: LanguageParams) -> list[tuple[str, float]]:
    detector = _detector(tuple(p.candidates), p.low_accuracy)
    if detector is None:
        return [(p.candidates[0], 1.0)] * len(texts)
    results = detector.compute_language_confidence_values_in_parallel([t[: p.sample_chars] for t in texts])
    return [(r[0].language.iso_code_639_1.name.lower(), r[0].value) if r else ("und", 0.0) for r in results]


def decide(text: str, guess: tuple[str, float], declared: Optional[str], p: LanguageParams) -> tuple[str, Optional[str]]:
    """(language, removal reason or None)."""
    lang, confidence = guess
    unsure = len(text) < p.min_chars or confidence < p.min_confidence
    if declared:
        if unsure or lang == declared:
            lang = declared
        else:
            return lang, "language_mismatch"
    return lang, (None if lang in p.keep else "language_not_kept")


def language_step(p: LanguageParams, declared: Mapping[str, Optional[str]]):
    """`declared`: source name -> the language sources.yaml declares (or None)."""
    unknown = [c for c in list(p.candidates) + list(p.keep) if c != "und" and not hasattr(IsoCode639_1, c.upper())]
    if unknown:
        raise ValueError(f"params.yaml clean.language: unknown ISO 639-1 codes {unknown}")

    def language(docs: pd.DataFrame) -> tuple[pd.DataFrame, pd.Series]:
        texts = list(docs["text"])
        decisions = [decide(t, g, declared.get(s), p) for t, g, s in zip(texts, detect(texts, p), docs["source"])]
        docs = docs.assign(lang=[lang for lang, _ in decisions])
        return docs, pd.Series([r for _, r in decisions], index=docs.index, dtype=object)

    return language

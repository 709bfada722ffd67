"""Redaction recall and precision per entity type, with Wilson 95% intervals.

A planted value counts as redacted when no trace of it is left: not as written (any case), not its
digits inside one number with its separators removed (for values of six digits or more), and at least 90% of its letters
and digits fall inside detected spans (so "12 rue des <ADDRESS>" is not a redacted address). A
detected span is correct when it overlaps a planted value. Used by benchmarks/redaction.py (the
redactor on the simulator's planted fields) and by the report (what is left of the planted values
in the cleaned corpus, `corpus_recall`).

Targets (issue 22): recall >= 99.5% on every structured type, >= 95% on names.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict

import pandas as pd

TARGETS = {"EMAIL": 0.995, "PHONE": 0.995, "CARD": 0.995, "IBAN": 0.995, "ADDRESS": 0.995, "ORDER_ID": 0.995, "ACCOUNT": 0.995,
           "IP": 0.995, "PERSON": 0.95}
MIN_DIGITS = 6


def wilson(k: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """Wilson score interval for k successes in n trials (exact at 0 and n, unlike the normal one)."""
    if n == 0:
        return (0.0, 1.0)
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return (max(0.0, centre - half), min(1.0, centre + half))


def digits(text: str) -> str:
    return re.sub(r"\D", "", text)


NUMBER = re.compile(r"\d(?:[\d \-./]*\d)?")  # one number as written: digits and the separators inside it


def number_digits(text: str) -> str:
    """The digits of each number in the text, "|"-separated: a value's digits are looked for
    inside one number, never across two (all of a corpus's digits run together hold any
    six-digit string by chance)."""
    return "|".join(digits(n) for n in NUMBER.findall(text))


def survives(value: str, text: str) -> bool:
    """Is the value still in the text, as written (any case) or as its digits?"""
    if value.casefold() in text.casefold():
        return True
    return len(digits(value)) >= MIN_DIGITS and digits(value) in number_digits(text)


def covered(value_start: int, value: str, spans) -> bool:
    alnum = [value_start + i for i, c in enumerate(value) if c.isalnum()]
    inside = sum(any(s <= i < e for s, e, *_ in spans) for i in alnum)
    return not alnum or inside >= 0.9 * len(alnum)


def _row(kind: str, hits: int, n: int) -> dict:
    lo, hi = wilson(hits, n)
    return {"type": kind, "n": n, "hits": hits, "rate": round(hits / n, 5) if n else None, "lo": round(lo, 5), "hi": round(hi, 5)}


def span_scores(planted: pd.DataFrame, texts: dict, find, redact=None) -> tuple[pd.DataFrame, pd.DataFrame, list[dict]]:
    """planted: rows (key, type, value, start) where texts[key][start:] begins with value; find(text)
    -> spans (start, end, entity); redact(text) -> redacted text (defaults to cutting the spans).
    Returns (recall per type, precision per detected type, the missed values)."""
    found = {key: find(text) for key, text in texts.items()}
    redacted = {key: (redact(text) if redact else _cut(text, found[key])) for key, text in texts.items()}
    by_key = defaultdict(list)
    for r in planted.itertuples(index=False):
        by_key[r.key].append((r.start, r.start + len(r.value)))
    recall, missed = defaultdict(lambda: [0, 0]), []
    for r in planted.itertuples(index=False):
        ok = covered(r.start, r.value, found[r.key]) and not survives(r.value, redacted[r.key])
        recall[r.type][0] += ok
        recall[r.type][1] += 1
        if not ok:
            missed.append({"type": r.type, "value": r.value, "context": texts[r.key][max(0, r.start - 50):r.start + len(r.value) + 20]})
    precision = defaultdict(lambda: [0, 0])
    for key, spans in found.items():
        for s in spans:
            precision[s.entity][0] += any(s.start < e and a < s.end for a, e in by_key[key])
            precision[s.entity][1] += 1
    rec = pd.DataFrame([{**_row(k, *v), "target": TARGETS.get(k)} for k, v in sorted(recall.items())])
    prec = pd.DataFrame([_row(k, *v) for k, v in sorted(precision.items())])
    return rec, prec, missed


def _cut(text: str, spans) -> str:
    for s in sorted(spans, key=lambda s: -s.start):
        text = text[:s.start] + f"<{s.entity}>" + text[s.end:]
    return text


def corpus_recall(planted: pd.DataFrame, corpus_texts: list[str], opted_out: set[str]) -> pd.DataFrame:
    """Per type: planted values of clients who consented (their documents may reach the corpus) and
    how many left no trace in the cleaned corpus (`survives` over every corpus text)."""
    blob = "\n".join(corpus_texts)
    folded, digit_blob = blob.casefold(), number_digits(blob)
    rows = []
    for kind, group in planted.loc[~planted["client_id"].isin(opted_out)].groupby("type"):
        values = sorted(set(group["value"]))
        leaked = [v for v in values if v.casefold() in folded or (len(digits(v)) >= MIN_DIGITS and digits(v) in digit_blob)]
        row = _row(kind, len(values) - len(leaked), len(values))
        rows.append({**row, "leaked": len(leaked), "target": TARGETS.get(kind, 0.995)})
    return pd.DataFrame(rows, columns=["type", "n", "hits", "rate", "lo", "hi", "leaked", "target"])

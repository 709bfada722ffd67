"""Canaries (The Secret Sharer, Carlini et al. 2019): random secrets planted in the training
mixture at set repetition counts, so the reports stage can measure how much a model memorizes.

A canary is "<prefix> d d d d d d": digits drawn from a generator seeded by params.seed, so the
same params give the same canaries and the reports stage can rebuild them without reading the
mixture. Canaries are marked synthetic so the tokenized stage always puts them in training (its
split never holds out a synthetic document).
"""

from __future__ import annotations

import random

import pandas as pd

from assets.core.settings import Settings

SOURCE = KIND = "canary"


def secret_text(prefix: str, digits: str) -> str:
    return f"{prefix} {' '.join(digits)}"


def random_secret(rng: random.Random, n_digits: int) -> str:
    return "".join(rng.choice("0123456789") for _ in range(n_digits))


def canaries(settings: Settings) -> pd.DataFrame:
    """One row per distinct canary: doc_id, repetitions, secret (digits), text."""
    p = settings.params.evaluate
    if len(set(p.canary_repetitions)) != len(p.canary_repetitions) or any(r < 1 for r in p.canary_repetitions):
        raise ValueError(f"params evaluate.canary_repetitions: distinct counts >= 1 expected, got {p.canary_repetitions}")
    rng = random.Random(f"canaries-{settings.params.seed}")
    rows, seen = [], set()
    for repetitions in p.canary_repetitions:
        for i in range(p.canaries_per_repetition):
            secret = random_secret(rng, p.canary_digits)
            while secret in seen:  # two canaries sharing a secret would confound their exposures
                secret = random_secret(rng, p.canary_digits)
            seen.add(secret)
            rows.append({"doc_id": f"canary-r{repetitions}-{i}", "repetitions": repetitions, "secret": secret, "text": secret_text(p.canary_prefix, secret)})
    return pd.DataFrame(rows, columns=["doc_id", "repetitions", "secret", "text"])


def plant_canaries(mixture: pd.DataFrame, settings: Settings) -> pd.DataFrame:
    """The mixture with the canary documents added (source and kind "canary", rights train).

    The mixture's own convention is followed: with a `copy` column it holds one row per copy
    (a canary repeated r times is r rows, copies = r, copy 0..r-1); without it one row whose
    `copies` says how often the tokenizer writes it."""
    found = canaries(settings)
    clash = set(found["doc_id"]) & set(mixture["doc_id"])
    if clash:
        raise ValueError(f"plant_canaries: the mixture already holds doc ids {sorted(clash)}")
    if not len(found):
        return mixture
    one_row_per_copy = "copy" in mixture.columns
    rows = []
    for canary in found.itertuples(index=False):
        base = {column: None for column in mixture.columns}
        base.update(doc_id=canary.doc_id, source=SOURCE, kind=KIND, text=canary.text, rights="train", pii="none", lang="en", uri=f"canary:{canary.doc_id}",
                    synthetic=True, weight=float(canary.repetitions), copies=canary.repetitions)
        copies = range(canary.repetitions) if one_row_per_copy else [0]
        rows += [{**base, "copy": c} if one_row_per_copy else base for c in copies]
    planted = pd.DataFrame(rows)[[c for c in rows[0] if c in mixture.columns or c in ("synthetic", "copies")]]
    for column in planted.columns:
        if column in mixture.columns and len(mixture) and mixture[column].dtype != object and planted[column].notna().all():
            planted[column] = planted[column].astype(mixture[column].dtype)
    return pd.concat([mixture, planted], ignore_index=True)

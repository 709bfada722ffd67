"""95% intervals by bootstrap over the items scored (questions, documents) and over seeds.

Every figure here is a ratio of sums, one row per seed and one column per item: accuracy is
correct / 1 per question, bits per byte is (nats / ln 2) / bytes per document. One bootstrap draw
resamples the items (the same draw for every seed and arm: they were scored on the same items)
and, independently per arm, the seeds, then takes the mean over the drawn seeds of the figure on
the drawn items. A difference between arms uses the same item draw for both, so the items'
shared difficulty cancels (a paired bootstrap). Percentile intervals; seeded, so reproducible.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import numpy as np

DRAWS = 2000


@dataclass(frozen=True)
class Scores:
    """num[seed, item] over den[item]: the figure of one arm on one set of items."""

    num: np.ndarray
    den: np.ndarray

    @classmethod
    def of(cls, num, den=None) -> "Scores":
        num = np.atleast_2d(np.asarray(num, dtype=np.float64))
        den = np.ones(num.shape[1]) if den is None else np.asarray(den, dtype=np.float64)
        if num.shape[1] != len(den) or not num.size:
            raise ValueError(f"scores: {num.shape} seeds x items against {len(den)} item weights")
        return cls(num, den)

    def point(self) -> float:
        return float(np.mean(self.num.sum(axis=1) / self.den.sum()))


class Bootstrap:
    def __init__(self, items: int, seed: int, draws: int = DRAWS):
        rng = np.random.default_rng(seed)
        self.items = rng.integers(0, items, size=(draws, items))
        self.rng = rng
        self.draws = draws

    def _draws(self, scores: Scores) -> np.ndarray:
        if scores.num.shape[1] != self.items.shape[1]:
            raise ValueError(f"bootstrap over {self.items.shape[1]} items given {scores.num.shape[1]}")
        seeds = self.rng.integers(0, scores.num.shape[0], size=(self.draws, scores.num.shape[0]))
        den = scores.den[self.items].sum(axis=1)  # (draws,)
        per_seed = scores.num[:, self.items].sum(axis=2).T  # (draws, seeds)
        return np.take_along_axis(per_seed, seeds, axis=1).mean(axis=1) / den

    def interval(self, scores: Scores) -> dict:
        return summary(scores.point(), self._draws(scores))

    def difference(self, a: Scores, b: Scores) -> dict:
        """a minus b on the same items."""
        return summary(a.point() - b.point(), self._draws(a) - self._draws(b))


def summary(point: float, draws: np.ndarray) -> dict:
    lo, hi = np.percentile(draws, [2.5, 97.5])
    return {"mean": round(point, 6), "lo": round(float(lo), 6), "hi": round(float(hi), 6)}


def excludes_zero(interval: Optional[dict]) -> bool:
    return bool(interval) and (interval["lo"] > 0 or interval["hi"] < 0)

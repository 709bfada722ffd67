"""Deduplication across all sources: exact (normalized-text hash) and near-duplicate MinHash LSH
(5-word shingles, 14 bands x 8 rows as FineWeb). One document per cluster survives: the first by
`rank` (broadest rights, then source order in sources.yaml, then doc_id), so the choice is
deterministic.

MinHash is computed with numpy over a whole batch at once instead of datasketch's per-document
objects: words are hashed in one vectorized call (pandas' fixed-key SipHash, stable across
processes), shingles are combined by a rolling sum, and all permutations are one broadcast; that
is what makes signatures cheap enough to compute for every document (see benchmarks/clean.py).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from assets.core.params.clean import DedupParams
from assets.cleaned.filters.punctuation import PUNCTUATION

_PRIME = np.uint64((1 << 61) - 1)
_MASK32 = np.uint64(0xFFFFFFFF)
_STRIP = str.maketrans(PUNCTUATION, " " * len(PUNCTUATION))
_CHUNK = 50_000  # shingles per broadcast: bounds the (shingles x permutations) matrix to ~45 MB


@dataclass(frozen=True)
class MinHasher:
    ngram: int
    bands: int
    rows: int
    seed: int

    @classmethod
    def from_params(cls, p: DedupParams) -> "MinHasher":
        return cls(p.ngram, p.bands, p.rows, p.seed)

    def _coefficients(self):
        rng = np.random.default_rng(self.seed)
        perms = self.bands * self.rows
        a = rng.integers(1, 1 << 31, perms, dtype=np.uint64)  # a < 2^31, h < 2^32: a*h+b fits in 64 bits
        b = rng.integers(0, 1 << 32, perms, dtype=np.uint64)
        shingle = rng.integers(1, 1 << 63, self.ngram, dtype=np.uint64) | np.uint64(1)
        band = rng.integers(1, 1 << 63, self.rows, dtype=np.uint64) | np.uint64(1)
        return a, b, shingle, band

    def signatures(self, texts: list[str]) -> np.ndarray:
        """(documents x bands*rows) uint32; a text without words gets all-max (matches nothing)."""
        a, b, mix, _ = self._coefficients()
        perms = self.bands * self.rows
        words = [t.lower().translate(_STRIP).split() for t in texts]
        counts = np.array([len(w) for w in words], dtype=np.int64)
        flat = np.array([w for ws in words for w in ws], dtype=object)
        hashes = pd.util.hash_array(flat) if len(flat) else np.zeros(0, np.uint64)
        starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
        n = self.ngram
        # shingle i covers words i..i+n-1 of one document; shorter documents get one shingle of all their words
        shingles, owners = [], []
        if len(hashes) >= n:
            rolled = np.zeros(len(hashes) - n + 1, dtype=np.uint64)
            for k in range(n):
                rolled += hashes[k : len(hashes) - n + 1 + k] * mix[k]
            owner = np.repeat(np.arange(len(texts)), counts)
            valid = owner[: len(rolled)] == owner[n - 1 :]
            shingles.append(rolled[valid])
            owners.append(owner[: len(rolled)][valid])
        short = np.flatnonzero((counts > 0) & (counts < n))
        if len(short):
            shingles.append(np.array([(hashes[s : s + c] * mix[:c]).sum(dtype=np.uint64) for s, c in zip(starts[short], counts[short])], dtype=np.uint64))
            owners.append(short)
        signature = np.full((len(texts), perms), 0xFFFFFFFF, dtype=np.uint32)
        if not shingles:
            return signature
        shingles, owners = np.concatenate(shingles), np.concatenate(owners)
        order = np.argsort(owners, kind="stable")
        shingles, owners = (shingles[order] >> np.uint64(32)), owners[order]
        for lo in range(0, len(shingles), _CHUNK):
            part, who = shingles[lo : lo + _CHUNK], owners[lo : lo + _CHUNK]
            values = ((part[:, None] * a[None, :] + b[None, :]) % _PRIME & _MASK32).astype(np.uint32)
            cuts = np.flatnonzero(np.r_[True, who[1:] != who[:-1]])
            mins = np.minimum.reduceat(values, cuts, axis=0)
            ids = who[cuts]
            signature[ids] = np.minimum(signature[ids], mins)
        return signature

    def band_keys(self, signature: np.ndarray) -> np.ndarray:
        """(documents x bands) uint64: one hash per band of `rows` values."""
        _, _, _, mix = self._coefficients()
        sig = signature.astype(np.uint64).reshape(len(signature), self.bands, self.rows)
        return (sig * mix[None, None, :]).sum(axis=2, dtype=np.uint64)


def exact_duplicates(hashes: pd.Series) -> np.ndarray:
    """Rows are in rank order; every row whose hash appeared earlier is a duplicate."""
    return hashes.duplicated(keep="first").to_numpy()


def near_duplicates(signature: np.ndarray, hasher: MinHasher, verify_threshold: float) -> np.ndarray:
    """Rows are in rank order; True for every row removed as a near duplicate of a kept row."""
    return cluster_heads(signature, hasher, verify_threshold) != np.arange(len(signature))


def cluster_heads(signature: np.ndarray, hasher: MinHasher, verify_threshold: float) -> np.ndarray:
    """For each row, the kept row (earlier in rank order) it duplicates, or itself.

    Candidates are rows sharing a band bucket with the bucket's first row. Rows are then taken in
    rank order, and a row is a duplicate only if its signature agrees with a *kept* row's on at
    least `verify_threshold` of the permutations: no chains (A~B, B~C does not remove C for A
    unless C~A), so every removal is backed by its own similar keeper."""
    n = len(signature)
    head = np.arange(n)
    if n < 2:
        return head
    empty = (signature == 0xFFFFFFFF).all(axis=1)
    keys = hasher.band_keys(signature)
    left, right = [], []
    for band in range(hasher.bands):
        order = np.argsort(keys[:, band], kind="stable")
        sorted_keys = keys[order, band]
        group_start = np.r_[True, sorted_keys[1:] != sorted_keys[:-1]]
        first = order[np.maximum.accumulate(np.where(group_start, np.arange(n), 0))]
        member = ~group_start & ~empty[order]
        left.append(first[member])
        right.append(order[member])
    left, right = np.concatenate(left), np.concatenate(right)
    if not len(left):
        return head
    pairs = np.unique(np.stack([np.minimum(left, right), np.maximum(left, right)], axis=1), axis=0)
    pairs = pairs[np.lexsort((pairs[:, 0], pairs[:, 1]))]  # by later row, then earlier: rank order
    for earlier, later in pairs.tolist():
        if head[later] != later:
            continue  # already removed
        keeper = head[earlier]
        if (signature[keeper] == signature[later]).mean() >= verify_threshold:
            head[later] = keeper
    return head

"""Deduplication across all sources: exact (normalized-text hash) and near-duplicate MinHash LSH
(5-word shingles; `clean.dedup` bands x rows: 16 x 6 by default, where FineWeb uses 14 x 8). One document per cluster survives: the first by
`rank` (broadest rights, then source order in sources.yaml, then doc_id), so the choice is
deterministic.

LSH only proposes candidates: two documents whose signatures share one band bucket. With 16 x 6 a
pair at Jaccard 0.8 collides 99% of the time, but one at 0.6 still about 1 time in 2 and one at 0.5
about 1 in 5, so merging every
collision (FineWeb's way) removes many documents that are not near duplicates. Each candidate pair
is therefore verified by the exact Jaccard of the two documents' 5-word shingle sets (the same
shingles the MinHash estimates) against `verify_threshold` before it is merged; only candidate
documents' texts are read for it. Without texts the signatures' agreement (the MinHash estimate of
the Jaccard, +-0.05 at 96 permutations) is the fallback.

MinHash is computed with numpy over a whole batch at once instead of datasketch's per-document
objects: words are hashed in one vectorized call (pandas' fixed-key SipHash, stable across
processes), shingles are combined by a rolling sum, and all permutations are one broadcast; that
is what makes signatures cheap enough to compute for every document (see benchmarks/clean.py).
"""

from __future__ import annotations

import re

from dataclasses import dataclass
from typing import Callable, Optional, Sequence

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from assets.core.params.clean import DedupParams
from assets.cleaned.filters.punctuation import PUNCTUATION

_SHIFT = np.uint64(32)
_PUNCTUATION = re.compile("[" + re.escape(PUNCTUATION) + "]+")
_CHUNK = 50_000  # shingles per broadcast: bounds the (shingles x permutations) matrix to ~45 MB
_ROWS = 8192  # signature rows per block when deriving band keys: bounds the uint64 temporaries to ~7 MB


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
        # multiply-shift hashing of 32-bit shingle values: ((a*h + b) mod 2^64) >> 32, a odd; numpy's
        # uint64 arithmetic wraps, so no modulo (the Mersenne-prime modulo cost 3x more)
        a = rng.integers(1, 1 << 63, perms, dtype=np.uint64) * np.uint64(2) + np.uint64(1)
        b = rng.integers(0, 1 << 63, perms, dtype=np.uint64) * np.uint64(2)
        shingle = rng.integers(1, 1 << 63, self.ngram, dtype=np.uint64) | np.uint64(1)
        band = rng.integers(1, 1 << 63, self.rows, dtype=np.uint64) | np.uint64(1)
        return a, b, shingle, band

    def signatures(self, texts: list[str]) -> np.ndarray:
        """(documents x bands*rows) uint32; a text without words gets all-max (matches nothing)."""
        a, b, mix, _ = self._coefficients()
        perms = self.bands * self.rows
        words = [words_of(t) for t in texts]
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
        buffer = np.empty((min(_CHUNK, len(shingles)), perms), dtype=np.uint64)
        for lo in range(0, len(shingles), _CHUNK):
            part, who = shingles[lo : lo + _CHUNK], owners[lo : lo + _CHUNK]
            values = buffer[: len(part)]
            np.multiply(part[:, None], a[None, :], out=values)
            np.add(values, b[None, :], out=values)
            cuts = np.flatnonzero(np.r_[True, who[1:] != who[:-1]])
            # >> 32 is monotone, so it commutes with the minimum: shift the (documents x perms) minima only
            mins = (np.minimum.reduceat(values, cuts, axis=0) >> _SHIFT).astype(np.uint32)
            ids = who[cuts]
            signature[ids] = np.minimum(signature[ids], mins)
        return signature

    def band_keys(self, signature: np.ndarray) -> np.ndarray:
        """(documents x bands) uint64: one hash per band of `rows` values. In row blocks: the
        uint64 widening and product of the whole signature would be 4x its size at once (381 MB
        transient for 200,000 documents' 90 MB); a block's is ~7 MB whatever the archive's size."""
        _, _, _, mix = self._coefficients()
        keys = np.empty((len(signature), self.bands), dtype=np.uint64)
        for lo in range(0, len(signature), _ROWS):
            sig = signature[lo : lo + _ROWS].astype(np.uint64).reshape(-1, self.bands, self.rows)
            keys[lo : lo + _ROWS] = (sig * mix[None, None, :]).sum(axis=2, dtype=np.uint64)  # uint64 wraps: blocks give the same sums
        return keys


def exact_duplicates(hashes: pd.Series) -> np.ndarray:
    """Rows are in rank order; every row whose hash appeared earlier is a duplicate."""
    return hashes.duplicated(keep="first").to_numpy()


Texts = Callable[[np.ndarray], Sequence[str]]  # row indices -> their texts


def words_of(text: str) -> list[str]:
    """The words MinHash shingles: lower-cased, datatrove's punctuation turned into spaces."""
    return _PUNCTUATION.sub(" ", text.lower()).split()


def shingle_set(text: str, ngram: int) -> frozenset:
    """The document's `ngram`-word shingles (one shingle of all its words if it is shorter)."""
    words = words_of(text)
    if len(words) < ngram:
        return frozenset([tuple(words)]) if words else frozenset()
    return frozenset(zip(*(words[k:] for k in range(ngram))))


def jaccard(a: frozenset, b: frozenset) -> float:
    if not a or not b:
        return 0.0
    inter = len(a & b)
    return inter / (len(a) + len(b) - inter)


class ShingleArrays:
    """The same shingle sets as `shingle_set`, held compactly for the candidates' verification: each
    word an int32 id (exact: a vocabulary, not a hash), each shingle its `ngram` ids as one
    fixed-width value, a document a sorted array of distinct shingles. ~20 B a shingle against
    ~150 B for a tuple in a frozenset: at 165,000 documents the candidates' sets took 190 MB."""

    def __init__(self, ngram: int):
        self.ngram, self.vocabulary = ngram, {}
        self.width = np.dtype((np.void, 4 * ngram))

    def of(self, texts: Sequence[str]):
        for text in texts:
            yield self.one(text)

    def one(self, text: str) -> np.ndarray:
        ids = np.array([self.vocabulary.setdefault(w, len(self.vocabulary)) for w in words_of(text)], dtype=np.int32)
        n = self.ngram
        if len(ids) == 0:
            return np.zeros(0, dtype=self.width)
        if len(ids) < n:  # one shingle of all its words; -1 pads it apart from every full shingle
            grams = np.concatenate([ids, np.full(n - len(ids), -1, np.int32)])[None, :]
        else:
            grams = np.lib.stride_tricks.sliding_window_view(ids, n)
        return np.unique(np.ascontiguousarray(grams).view(self.width).ravel())


def array_jaccard(a: np.ndarray, b: np.ndarray) -> float:
    """`jaccard` of two ShingleArrays sets (the same value)."""
    if not len(a) or not len(b):
        return 0.0
    inter = len(np.intersect1d(a, b, assume_unique=True))
    return inter / (len(a) + len(b) - inter)


def near_duplicates(signature, hasher: MinHasher, verify_threshold: float, texts: Optional[Texts] = None,
                    order: Optional[np.ndarray] = None) -> np.ndarray:
    """Rows are in rank order (or `order` lists them so); True for every row removed as a near
    duplicate of a kept row."""
    heads = cluster_heads(signature, hasher, verify_threshold, texts, order)
    return heads != np.arange(len(heads))


def empty_rows(signature) -> np.ndarray:
    """True for each row without words (all-max signature), in row blocks."""
    return np.concatenate([(signature[lo : lo + _ROWS] == 0xFFFFFFFF).all(axis=1) for lo in range(0, len(signature), _ROWS)] or [np.zeros(0, bool)])


def candidate_pairs(signature, hasher: MinHasher, order: Optional[np.ndarray] = None) -> np.ndarray:
    """(pairs x 2) int64 of rows sharing a band bucket: (bucket's first row, other row), each pair
    once, earlier row first, sorted by the later row then the earlier one (rank order).

    `order`: the rows of `signature` to search, in rank order (default: all, as they are); pairs
    then index into `order`. Band keys are derived in row blocks from `signature` as it is stored
    (an array or a SignatureFile on disk) and only then permuted, so the signatures are never
    copied whole into memory in rank order."""
    keys, empty = hasher.band_keys(signature), empty_rows(signature)
    if order is not None:
        keys, empty = keys[order], empty[order]
    n = len(keys)
    if n < 2:
        return np.zeros((0, 2), dtype=np.int64)
    left, right = [], []
    for band in range(hasher.bands):
        order_b = np.argsort(keys[:, band], kind="stable")
        sorted_keys = keys[order_b, band]
        group_start = np.r_[True, sorted_keys[1:] != sorted_keys[:-1]]
        first = order_b[np.maximum.accumulate(np.where(group_start, np.arange(n), 0))]
        member = ~group_start & ~empty[order_b]
        left.append(first[member])
        right.append(order_b[member])
    left, right = np.concatenate(left), np.concatenate(right)
    if not len(left):
        return np.zeros((0, 2), dtype=np.int64)
    pairs = np.unique(np.stack([np.minimum(left, right), np.maximum(left, right)], axis=1), axis=0)
    return pairs[np.lexsort((pairs[:, 0], pairs[:, 1]))].astype(np.int64)


def cluster_heads(signature, hasher: MinHasher, verify_threshold: float, texts: Optional[Texts] = None,
                  order: Optional[np.ndarray] = None) -> np.ndarray:
    """For each row, the kept row (earlier in rank order) it duplicates, or itself.

    Candidates are rows sharing a band bucket with the bucket's first row. Rows are then taken in
    rank order, and a row is a duplicate only if it is similar to a *kept* row: exact shingle
    Jaccard >= `verify_threshold` when `texts` is given, else signature agreement >= it (0: every
    collision merges, as FineWeb). No chains (A~B, B~C does not remove C for A unless C~A), so
    every removal is backed by its own similar keeper. With `order`, rows are positions in it."""
    head = np.arange(len(signature) if order is None else len(order))
    pairs = candidate_pairs(signature, hasher, order)
    if not len(pairs):
        return head
    if verify_threshold <= 0:
        similar = None
    elif texts is not None:
        rows = np.unique(pairs)
        shingles = dict(zip(rows.tolist(), ShingleArrays(hasher.ngram).of(texts(rows))))

        def similar(a: int, b: int) -> bool:
            return array_jaccard(shingles[a], shingles[b]) >= verify_threshold
    else:

        stored = (lambda row: row) if order is None else order.__getitem__

        def similar(a: int, b: int) -> bool:
            return (signature[stored(a)] == signature[stored(b)]).mean() >= verify_threshold

    for earlier, later in pairs.tolist():
        if head[later] != later:
            continue  # already removed
        keeper = head[earlier]
        if similar is None or similar(keeper, later):
            head[later] = keeper
    return head


def spilled_texts(files: Sequence[str], counts: Sequence[int]) -> Texts:
    """Texts by row of the concatenation of `files` (Parquet with a `text` column, `counts` rows
    each): reads only the files and rows asked for."""
    offsets = np.concatenate([[0], np.cumsum(counts, dtype=np.int64)])

    def texts(rows: np.ndarray) -> list[str]:
        rows = np.asarray(rows, dtype=np.int64)
        which = np.searchsorted(offsets, rows, side="right") - 1
        found: dict[int, str] = {}
        for f in np.unique(which).tolist():
            wanted = rows[which == f]
            column = pq.read_table(files[f], columns=["text"]).column("text")
            found.update(zip(wanted.tolist(), column.take(pa.array(wanted - offsets[f])).to_pylist()))
        return [found[r] for r in rows.tolist()]

    return texts


class SignatureFile:
    """MinHash signatures appended batch by batch to a file in the stage's scratch folder, so the
    archive's signatures (384 B a document at 16 x 6) never sit in memory together. Rows are read
    back with plain reads, a block at a time (a memory map would keep every page it touched
    resident): `signature[lo:hi]` and `signature[row]` as for an array."""

    def __init__(self, path: str, width: int):
        self.path, self.width, self.rows = path, width, 0
        open(path, "wb").close()

    def append(self, signature: np.ndarray) -> None:
        if signature.shape[1:] != (self.width,) or signature.dtype != np.uint32:
            raise ValueError(f"signature rows of {self.width} uint32 expected, got {signature.dtype} {signature.shape}")
        with open(self.path, "ab") as handle:
            signature.tofile(handle)
        self.rows += len(signature)

    def __len__(self) -> int:
        return self.rows

    def __getitem__(self, index):
        if isinstance(index, slice):
            lo, hi, step = index.indices(self.rows)
            if step != 1:
                raise IndexError("SignatureFile reads contiguous row blocks only")
            count = max(hi - lo, 0)
            return np.fromfile(self.path, dtype=np.uint32, count=count * self.width, offset=lo * self.width * 4).reshape(count, self.width)
        row = int(index)
        if not 0 <= row < self.rows:
            raise IndexError(f"row {row} of {self.rows}")
        return self[row : row + 1][0]

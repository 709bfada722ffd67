"""The goldfish loss on confidential sources: learn from them, never to recite them.

Hans et al. 2024 ("Be like a Goldfish, Don't Memorize! Mitigating Memorization in Generative
LLMs"): a pseudo-random 1 in k of a document's tokens is left out of the loss, chosen by a hash of
the h tokens before it, so every copy and every window of one passage leaves out the same tokens.
The model is never taught to predict those tokens from that passage, so it cannot continue the
passage verbatim past them, while the rest of the passage still teaches it what it says.

Why here: the cap on passes (exposure.py) is not enough once the rest of the corpus is learned
well. At 4,000 iterations (house 71) the curated arm, passing over its artisans' notes 4 times,
gave back 5 of 85 windows verbatim (50 tokens after a 32-token prompt) and 0 of the held-out notes'
129 windows: the notes' own sequences, memorized, not text the graph lets a model infer.
The hand-written hash is ours because it is ten lines and must be a pure function of token ids.
"""

from __future__ import annotations

import numpy as np

from assets.core.storage import Storage
from assets.tokenized.arms import ARMS

_MIX = np.array([0x9E3779B97F4A7C15, 0xBF58476D1CE4E5B9, 0x94D049BB133111EB], dtype=np.uint64)


def context_hash(tokens: np.ndarray, context: int) -> np.ndarray:
    """A 64-bit hash, for every position, of the `context` tokens before it (zeros before the start)."""
    t = np.concatenate([np.zeros(context, dtype=np.uint64), tokens.astype(np.uint64) + np.uint64(1)])
    h = np.zeros(len(tokens), dtype=np.uint64)
    for back in range(1, context + 1):  # a different odd multiplier per distance: order matters
        h = (h ^ t[context - back : context - back + len(tokens)]) * (_MIX[0] + np.uint64(2 * back))
    h ^= h >> np.uint64(30)  # splitmix64's finalizer: every input bit reaches the low bits taken mod k
    h *= _MIX[1]
    h ^= h >> np.uint64(27)
    h *= _MIX[2]
    return h ^ (h >> np.uint64(31))


def dropped(tokens: np.ndarray, k: int, context: int) -> np.ndarray:
    """True where a token is left out of the loss: one in k, by the hash of the tokens before it."""
    return context_hash(tokens, context) % np.uint64(k) == 0


def dropped_positions(storage: Storage, arm: str, entries: list[dict], shards: list[np.ndarray], sources: set[str], k: int, context: int) -> list[np.ndarray]:
    """Per shard, the sorted positions of the tokens of `sources`' documents that the loss leaves out."""
    out, carried = [], None  # a shard's first tokens may end the previous shard's last document
    for entry, tokens in zip(entries, shards):
        docs = storage.read_parquet(f"{ARMS[arm].shards}/{entry['docs']}", columns=["source", "offset"]).to_pandas()
        starts = np.concatenate([[0], docs["offset"].to_numpy(np.int64)])
        ends = np.concatenate([starts[1:], [len(tokens)]])
        owners = [carried] + docs["source"].tolist()
        carried = owners[-1]
        positions = []
        for start, end, source in zip(starts, ends, owners):
            if source in sources and end > start:
                lead = max(0, start - context)  # the hash sees the tokens before the document too, as training does
                drop = dropped(np.asarray(tokens[lead:end]), k, context)[start - lead :]
                positions.append(start + np.flatnonzero(drop))
        out.append(np.concatenate(positions).astype(np.int64) if positions else np.empty(0, dtype=np.int64))
    return out


def hits(positions: np.ndarray, wanted: np.ndarray) -> np.ndarray:
    """Which of `wanted` (any shape) are in the sorted `positions`."""
    if not len(positions):
        return np.zeros(wanted.shape, dtype=bool)
    at = np.minimum(np.searchsorted(positions, wanted), len(positions) - 1)
    return positions[at] == wanted

"""Token windows sampled from memory-mapped shards.

Sampling is a pure function of a torch.Generator, so saving the generator's state saves the data
position: a resumed run draws exactly the batches the uninterrupted run would have drawn.

`weighted` gives the same windows drawn with a weight per document kind (a window belongs to the
document it starts in): the annealing mixture that the curated arms switch to for the last
train.anneal_fraction of their steps (graph.anneal_weights), as OLMo 2, MiniCPM and Llama 3 end
pre-training on their highest-quality data while the learning rate decays.
"""

from __future__ import annotations

from typing import Optional

import numpy as np
import torch

from assets.checkpoints import goldfish
from assets.cleaned.graph.mixture import weight_of
from assets.cleaned.graph.synthetic import synthetic_kind
from assets.cleaned.paths import RAW_RECIPE
from assets.core.storage import Storage
from assets.tokenized.arms import ARMS


class TokenWindows:
    """Every window of block + 1 tokens that lies inside one shard of a split."""

    def __init__(self, storage: Storage, arm: str, manifest: dict, split: str, block: int):
        dtype = np.dtype(manifest["dtype"])
        self.storage, self.arm = storage, arm
        self.shards, self.entries = [], []
        for shard in manifest["shards"]:
            if shard["split"] != split:
                continue
            rel = f"{ARMS[arm].shards}/{shard['name']}"
            if storage.is_local:  # the OS pages shards in and out: memory is not bounded by the corpus
                self.shards.append(np.memmap(storage.path(rel), dtype=dtype, mode="r"))
            else:
                self.shards.append(np.frombuffer(storage.read_bytes(rel), dtype=dtype))
            self.entries.append(shard)
        self.block = block
        starts = np.array([max(0, len(s) - block) for s in self.shards], dtype=np.int64)
        self.ends = np.cumsum(starts)
        self.masses: Optional[np.ndarray] = None  # weighted: cumulative mass per document span
        self.drops: Optional[list[np.ndarray]] = None  # goldfish: per shard, the target positions left out of the loss
        if not len(self.ends) or self.ends[-1] == 0:
            raise ValueError(f"{storage.url(ARMS[arm].manifest)}: the {split} split has no window of {block + 1} tokens")

    def weighted(self, weights: dict[str, float], pii: Optional[dict[str, str]] = None) -> "TokenWindows":
        """The same windows, each drawn with the weight of the document it starts in (keys as
        graph.weights: a synthetic document's kind is read off its uri, a source's personal-data
        class from `pii`, source -> class; unlisted = 1)."""
        pii = pii or {}
        out = TokenWindows.__new__(TokenWindows)
        out.__dict__.update(self.__dict__)
        spans, span_weights, span_sources, span_copies, carried = [], [], [], [], (1.0, None, 0)
        for s, shard in enumerate(self.entries):
            docs = self.storage.read_parquet(f"{ARMS[self.arm].shards}/{shard['docs']}", columns=["source", "uri", "copy", "offset"]).to_pandas()
            weight = [weight_of(weights, src, synthetic_kind(uri), pii.get(src)) for src, uri in zip(docs["source"], docs["uri"])]
            # a shard's first tokens may end the previous shard's last document: they keep its weight, source and copy
            offsets = np.concatenate([[0], docs["offset"].to_numpy(np.int64)])
            weight, sources, copies = [carried[0]] + weight, [carried[1]] + docs["source"].tolist(), [carried[2]] + docs["copy"].tolist()
            carried = (weight[-1], sources[-1], copies[-1])
            base, limit = (self.ends[s - 1] if s else 0), self.ends[s] - (self.ends[s - 1] if s else 0)
            first = np.minimum(offsets, limit)
            last = np.minimum(np.concatenate([offsets[1:], [limit]]), limit)
            spans.append(np.stack([base + first, base + np.maximum(last, first)], axis=1))
            span_weights += weight
            span_sources += sources
            span_copies += copies
        out.spans = np.concatenate(spans)
        out.span_weights = np.asarray(span_weights, dtype=np.float64)
        out.span_sources = np.asarray(span_sources, dtype=object)
        out.span_copies = np.asarray(span_copies, dtype=np.int64)  # the mixture's repeats of a document: copy 1, 2 ... of copy 0
        out.masses = np.cumsum((out.spans[:, 1] - out.spans[:, 0]) * out.span_weights)
        if out.masses[-1] <= 0:
            raise ValueError(f"annealing weights {weights} leave no window to draw from {self.storage.url(ARMS[self.arm].manifest)}")
        return out

    def with_goldfish(self, sources: set[str], k: int, context: int) -> "TokenWindows":
        """The same windows, the loss leaving out one in k of `sources`' tokens (goldfish.py): their
        targets come back as -1, which the models' cross-entropy ignores."""
        out = TokenWindows.__new__(TokenWindows)
        out.__dict__.update(self.__dict__)
        out.drops = goldfish.dropped_positions(self.storage, self.arm, self.entries, self.shards, sources, k, context)
        return out

    def with_spans(self) -> "TokenWindows":
        """These windows with their document spans read (weighted, every weight 1, when not yet)."""
        return self if self.masses is not None else self.weighted({})

    def rescaled(self, sources: set[str], factor: float) -> "TokenWindows":
        """The same draw, the windows starting in documents of `sources` `factor` times as likely."""
        base = self.with_spans()
        out = TokenWindows.__new__(TokenWindows)
        out.__dict__.update(base.__dict__)
        out.span_weights = np.where(np.isin(base.span_sources, sorted(sources)), base.span_weights * factor, base.span_weights)
        out.masses = np.cumsum((out.spans[:, 1] - out.spans[:, 0]) * out.span_weights)
        return out

    def passes(self, sources: set[str], tokens: float) -> tuple[float, int]:
        """(expected passes over the tokens of `sources`' documents when `tokens` are drawn, those
        tokens): a document the mixture repeats counts once, each of its copies' draws a pass."""
        base = self.with_spans()
        lengths = base.spans[:, 1] - base.spans[:, 0]
        inside = np.isin(base.span_sources, sorted(sources))
        count = int(lengths[inside & (base.span_copies == 0)].sum())
        if not count:
            return 0.0, 0
        return float(tokens * (lengths * base.span_weights)[inside].sum() / (base.masses[-1] * count)), count

    def _picks(self, count: int, gen: torch.Generator) -> np.ndarray:
        if self.masses is None:
            return torch.randint(int(self.ends[-1]), (count,), generator=gen).numpy()
        u = torch.rand(count, generator=gen, dtype=torch.float64).numpy() * self.masses[-1]
        span = np.minimum(np.searchsorted(self.masses, u, side="right"), len(self.masses) - 1)
        before = np.where(span > 0, self.masses[np.maximum(span - 1, 0)], 0.0)
        offset = np.floor((u - before) / self.span_weights[span]).astype(np.int64)
        return np.minimum(self.spans[span, 0] + offset, self.spans[span, 1] - 1)

    def sample(self, count: int, gen: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
        picks = self._picks(count, gen)
        shard_ix = np.searchsorted(self.ends, picks, side="right")
        offsets = np.arange(self.block + 1, dtype=np.int64)
        window = np.empty((count, self.block + 1), dtype=np.int64)
        left_out = np.zeros((count, self.block), dtype=bool)
        for s in np.unique(shard_ix):  # one fancy-indexing gather per shard instead of a slice per row
            rows = shard_ix == s
            starts = picks[rows] - (self.ends[s - 1] if s else 0)
            window[rows] = self.shards[s][starts[:, None] + offsets]
            if self.drops is not None:
                left_out[rows] = goldfish.hits(self.drops[s], starts[:, None] + offsets[1:])
        targets = window[:, 1:].copy()
        targets[left_out] = -1
        window = torch.from_numpy(window)
        return window[:, :-1].contiguous(), torch.from_numpy(targets)


def annealing_windows(windows: TokenWindows, settings, arm: str) -> Optional[TokenWindows]:
    """The windows a run draws for its last train.anneal_fraction of steps: the curated arms'
    annealing mixture (graph.anneal_weights); None for the raw arm (its data is its recipe: it keeps
    drawing uniformly, under the same learning-rate schedule) or when there is no annealing phase."""
    weights = settings.params.graph.anneal_weights
    if not settings.params.train.anneal_fraction or not weights or ARMS[arm].corpus == RAW_RECIPE:
        return None
    return windows.weighted(weights, {source.name: source.pii for source in settings.sources})

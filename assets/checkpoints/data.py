"""Token windows sampled from memory-mapped shards.

Sampling is a pure function of a torch.Generator, so saving the generator's state saves the data
position: a resumed run draws exactly the batches the uninterrupted run would have drawn.
"""

from __future__ import annotations

import numpy as np
import torch

from assets.core.storage import Storage
from assets.tokenized.arms import ARMS


class TokenWindows:
    """Every window of block + 1 tokens that lies inside one shard of a split."""

    def __init__(self, storage: Storage, arm: str, manifest: dict, split: str, block: int):
        dtype = np.dtype(manifest["dtype"])
        self.shards = []
        for shard in manifest["shards"]:
            if shard["split"] != split:
                continue
            rel = f"{ARMS[arm].shards}/{shard['name']}"
            if storage.is_local:  # the OS pages shards in and out: memory is not bounded by the corpus
                self.shards.append(np.memmap(storage.path(rel), dtype=dtype, mode="r"))
            else:
                self.shards.append(np.frombuffer(storage.read_bytes(rel), dtype=dtype))
        self.block = block
        starts = np.array([max(0, len(s) - block) for s in self.shards], dtype=np.int64)
        self.ends = np.cumsum(starts)
        if not len(self.ends) or self.ends[-1] == 0:
            raise ValueError(f"{storage.url(ARMS[arm].manifest)}: the {split} split has no window of {block + 1} tokens")

    def sample(self, count: int, gen: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
        picks = torch.randint(int(self.ends[-1]), (count,), generator=gen).numpy()
        shard_ix = np.searchsorted(self.ends, picks, side="right")
        offsets = np.arange(self.block + 1, dtype=np.int64)
        window = np.empty((count, self.block + 1), dtype=np.int64)
        for s in np.unique(shard_ix):  # one fancy-indexing gather per shard instead of a slice per row
            rows = shard_ix == s
            starts = picks[rows] - (self.ends[s - 1] if s else 0)
            window[rows] = self.shards[s][starts[:, None] + offsets]
        window = torch.from_numpy(window)
        return window[:, :-1].contiguous(), window[:, 1:].contiguous()

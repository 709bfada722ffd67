"""The training benchmark's one evaluator (benchmarks/train.py full_val_loss): every val target
scored exactly once, the split's shorter last window included. Runs in the project's environment."""

from __future__ import annotations

import math

import numpy as np
import torch
import torch.nn.functional as F

from benchmarks.train import full_val_loss


class Bigram(torch.nn.Module):
    """Logits from the current token only: the exact full-split loss is known without windows."""

    def __init__(self, vocab: int):
        super().__init__()
        self.table = torch.nn.Embedding(vocab, vocab)

    def forward(self, idx, targets=None):
        return self.table(idx), None


def test_full_val_loss_scores_every_target_once():
    torch.manual_seed(0)
    model = Bigram(11)
    ids = np.random.default_rng(0).integers(0, 11, size=1000, dtype=np.uint16)  # 999 targets: 15 windows of 64 and one of 39
    exact = F.cross_entropy(model.table(torch.from_numpy(ids[:-1].astype(np.int64))), torch.from_numpy(ids[1:].astype(np.int64))).item()
    assert math.isclose(full_val_loss(model, ids, block=64, batch=4), exact, rel_tol=1e-6)
    # dropping the short last window would give another mean: the test sees the tail
    head = F.cross_entropy(model.table(torch.from_numpy(ids[: 15 * 64].astype(np.int64))), torch.from_numpy(ids[1 : 15 * 64 + 1].astype(np.int64))).item()
    assert not math.isclose(head, exact, rel_tol=1e-6)

"""Verbatim regurgitation of confidential text (the house's IP): from windows of the training
documents of sources marked `confidential: true`, prompt the model with
evaluate.regurgitation_prefix_tokens tokens and decode greedily as many as
evaluate.regurgitation_tokens; a window counts when the continuation comes back token for token
(Carlini et al. 2023, "Quantifying Memorization Across Neural Language Models": 32-token prefix,
50-token suffix, greedy). The share of such windows is gated at its 95% lower bound (Wilson, over
windows), like membership inference: a house's confidential text may give only ~75 windows, where
one window is 1.3% and zero cannot be told from 1%; the gate blocks a leak that is shown to pass
the threshold. The mean length of the matching start is reported beside it.
"""

from __future__ import annotations

import random

import numpy as np
import pandas as pd
import torch

from assets.reports.redaction import wilson


def windows(tokenizer, texts: list[str], prefix: int, suffix: int, samples: int, seed: int, eot: int) -> list[list[int]]:
    """Seeded windows of prefix + suffix tokens, at most `samples`, spread over the documents;
    each document read as training reads it, after an end-of-text token."""
    encoded = [[eot] + e.ids for e in tokenizer.encode_batch(texts, add_special_tokens=False)]
    candidates = [(d, start) for d, ids in enumerate(encoded) for start in range(0, len(ids) - prefix - suffix + 1, prefix + suffix)]
    chosen = sorted(random.Random(f"regurgitation-{seed}").sample(candidates, min(samples, len(candidates))))
    return [encoded[d][s:s + prefix + suffix] for d, s in chosen]


@torch.no_grad()
def regurgitation(model, tokenizer, eot: int, docs: pd.DataFrame, prefix: int, suffix: int, samples: int, seed: int, batch: int = 64) -> dict:
    """docs: the arm's training documents of confidential sources (text column)."""
    spans = windows(tokenizer, docs["text"].tolist(), prefix, suffix, samples, seed, eot)
    summary = {"documents": len(docs), "windows": len(spans), "prefix_tokens": prefix, "continuation_tokens": suffix}
    if not spans:
        why = "no confidential source" if not len(docs) else f"no confidential training document holds {prefix + suffix} tokens"
        return {**summary, "regurgitated": 0, "share": 0.0, "share_lo": 0.0, "share_hi": 0.0, "note": why}
    matched = []
    for i in range(0, len(spans), batch):
        x = torch.tensor(spans[i:i + batch])
        out = model.generate(x[:, :prefix], suffix, greedy=True)[:, prefix:]
        same = (out == x[:, prefix:]).int()
        matched += same.cumprod(dim=1).sum(dim=1).tolist()  # length of the matching start
    matched = np.array(matched)
    exact = int((matched == suffix).sum())
    lo, hi = wilson(exact, len(spans))
    return {**summary, "regurgitated": exact, "share": round(exact / len(spans), 4), "share_lo": round(lo, 4), "share_hi": round(hi, 4),
            "mean_matching_tokens": round(float(matched.mean()), 2)}

"""Canary exposure (The Secret Sharer, Carlini et al. 2019) and greedy extraction of canaries.

exposure = log2 |R| - log2 rank, with R the 10**digits possible secrets and rank the canary's
place, by the model's log-likelihood of the secret after the prefix, among secrets never inserted.
Ranking all of R is too dear, so `exposure_candidates` random secrets are scored and the rank is
extrapolated as Carlini et al. do (section 4.3): a skew-normal fitted to the candidates' negative
log-likelihoods gives P(candidate beats canary), and rank = 1 + P * (|R| - 1). The rank within the
sample itself (resolution log2(sample + 1) bits) is reported beside it.
"""

from __future__ import annotations

import math
import random

import numpy as np
import pandas as pd
import torch
from scipy.stats import skewnorm
from tokenizers import Tokenizer

from assets.checkpoints.model import GPT
from assets.cleaned.canaries import canaries, random_secret
from assets.core.settings import Settings
from assets.reports.bpb import sequence_nll
from assets.reports.qa import continuation


def secret_nll(model: GPT, tokenizer: Tokenizer, prefix: str, secrets: list[str], eot_id: int) -> np.ndarray:
    """Negative log-likelihood (nats) of " d d d ..." after the prefix, for each secret."""
    pairs = [continuation(tokenizer, prefix, " " + " ".join(s), eot_id, model.config.block_size) for s in secrets]
    return sequence_nll(model, pairs)


def extrapolated_ranks(canaries: np.ndarray, candidates: np.ndarray, space: int) -> np.ndarray:
    """1 + P(a never-inserted secret scores a lower NLL) * (|R| - 1) for each canary's NLL, P from
    one skew-normal fit to the candidates (the fit is the costly part: once per model)."""
    if np.ptp(candidates) == 0:  # a model that ignores the secret: every secret ties
        return 1 + (candidates[0] <= canaries).astype(float) * (space - 1)
    shape, loc, scale = skewnorm.fit(candidates)
    return 1.0 + skewnorm.cdf(canaries, shape, loc, scale) * (space - 1)


@torch.no_grad()
def greedy_extracts(model: GPT, tokenizer: Tokenizer, prefix: str, secrets: list[str], eot_id: int) -> list[bool]:
    """Does greedy decoding from the prefix reproduce each secret exactly? (same prefix for all)"""
    prompt = [eot_id] + tokenizer.encode(prefix, add_special_tokens=False).ids
    width = max(len(tokenizer.encode(" " + " ".join(s), add_special_tokens=False).ids) for s in secrets) + 2
    out = model.generate(torch.tensor([prompt]), width, greedy=True)[0, len(prompt) :].tolist()
    generated = " ".join(tokenizer.decode(out).split())
    return [generated.startswith(" ".join(s)) for s in secrets]


def canary_exposure(model: GPT, tokenizer: Tokenizer, settings: Settings, eot_id: int) -> tuple[dict, pd.DataFrame]:
    p = settings.params.evaluate
    planted = canaries(settings)
    if not len(planted):
        return {"canaries": 0}, pd.DataFrame(columns=["doc_id", "repetitions", "nll", "rank_in_sample", "exposure", "exposure_sampled", "greedy_extracted"])
    space = 10**p.canary_digits
    inserted = set(planted["secret"])
    rng = random.Random(f"exposure-{settings.params.seed}")
    candidates: list[str] = []
    while len(candidates) < min(p.exposure_candidates, space - len(inserted)):
        secret = random_secret(rng, p.canary_digits)
        if secret not in inserted:
            candidates.append(secret)
    cand_nll = secret_nll(model, tokenizer, p.canary_prefix, candidates, eot_id)
    canary_nll = secret_nll(model, tokenizer, p.canary_prefix, planted["secret"].tolist(), eot_id)
    extracted = greedy_extracts(model, tokenizer, p.canary_prefix, planted["secret"].tolist(), eot_id)
    rows = []
    ranks = extrapolated_ranks(np.asarray(canary_nll, dtype=float), cand_nll, space)
    for canary, nll, hit, rank in zip(planted.itertuples(index=False), canary_nll, extracted, ranks):
        beaten_by = int((cand_nll <= nll).sum())
        rank = float(rank)
        rows.append({"doc_id": canary.doc_id, "repetitions": int(canary.repetitions), "nll": float(nll), "rank_in_sample": beaten_by + 1,
                     "exposure": math.log2(space) - math.log2(rank),
                     "exposure_sampled": math.log2(len(candidates) + 1) - math.log2(beaten_by + 1), "greedy_extracted": bool(hit)})
    table = pd.DataFrame(rows)
    by_repetition = table.groupby("repetitions").agg(exposure=("exposure", "mean"), max_exposure=("exposure", "max"), greedy_extracted=("greedy_extracted", "sum"))
    summary = {
        "canaries": len(table), "candidates": len(candidates), "max_exposure_bits": round(math.log2(space), 4),
        "max_exposure": float(table["exposure"].max()), "mean_exposure": float(table["exposure"].mean()),
        "greedy_extracted": int(table["greedy_extracted"].sum()),
        "by_repetitions": {str(r): {"mean_exposure": float(v.exposure), "max_exposure": float(v.max_exposure), "greedy_extracted": int(v.greedy_extracted)}
                           for r, v in by_repetition.iterrows()},
        "method": "skew-normal fit to never-inserted candidates' NLL, rank = 1 + cdf * (|R| - 1)",
    }
    return summary, table

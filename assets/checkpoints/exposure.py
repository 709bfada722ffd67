"""A cap on how often a run passes over the tokens of its confidential sources.

Verbatim memorization grows with repetition (Carlini et al. 2023, "Quantifying Memorization Across
Neural Language Models": log-linearly in a sequence's duplicates), and at one token budget for every
arm the smallest corpus is repeated most: on house 53 the curated arm (229k training tokens, ~18
passes in a 4.1M-token run) gave back 1-4 of its 79 windows of artisans' notes verbatim, the larger
arms (~10-11 passes) 0-1. A mixture weight under 1 does not help: it keeps fewer confidential
documents, each repeated as often (measured: 4 of 29 windows at graph.weights confidential 0.25).

So the sampler draws the windows that start in a confidential document less often, until each of
their tokens is passed over at most train.confidential_passes times on average, the rest of the
budget going to the other documents. The cap holds in each phase of a run (the annealing phase
draws another mixture) for that phase's share of the steps, so it holds for the whole run.
"""

from __future__ import annotations

from typing import Optional

from assets.checkpoints.data import TokenWindows


def confidential_sources(settings) -> list[str]:
    return sorted(s.name for s in settings.sources if s.confidential)


def capped(windows: TokenWindows, sources: list[str], tokens: float, passes: Optional[float]) -> tuple[TokenWindows, dict]:
    """(windows drawn so that `tokens` drawn tokens pass over `sources`' tokens at most `passes`
    times on average, what was done: their tokens, passes before and after, the factor)."""
    if passes is None or not sources:
        return windows, {}
    spans = windows.with_spans()  # the documents' spans, read once for the passes and the rescaling
    before, count = spans.passes(set(sources), tokens)
    record = {"tokens": count, "passes_uncapped": round(before, 3)}
    if before <= passes:
        return windows, {**record, "passes": round(before, 3), "factor": 1.0}
    share = before * count / tokens  # the confidential documents' share of the sampling mass
    if share >= 1:
        raise ValueError(f"train.confidential_passes={passes}: every training window starts in a confidential source ({', '.join(sources)}), "
                         f"so {tokens:,.0f} tokens pass over them {before:.1f} times whatever the weights; train fewer tokens or on more data")
    # passes(f) = tokens * f * share / ((1 - share + f * share) * count), solved for passes(f) = passes
    factor = passes * count * (1 - share) / (share * (tokens - passes * count))
    out = spans.rescaled(set(sources), factor)
    return out, {**record, "passes": round(out.passes(set(sources), tokens)[0], 3), "factor": round(factor, 6)}

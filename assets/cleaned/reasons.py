"""The removal reasons of the cleaned stage in the order its steps run (each as the prefix its
step writes: `gopher_quality.gopher_short_doc` is a `gopher_quality` reason). The one list the
funnel in the Dagster metadata, the DVC plot data and the report are ordered by; the steps
themselves are in pipeline.py, and tests/cleaned/test_funnel.py checks the two agree."""

from __future__ import annotations

REASONS = ("rights_none", "heldout_eval", "extraction", "empty", "eval_only", "language", "gopher_repetition", "gopher_quality",
           "c4", "fineweb", "consent", "expert_quality", "contamination", "exact_duplicate", "near_duplicate")
# the raw recipe's own: rights other than train, then the same held-out and privacy steps
RAW_RECIPE_REASONS = ("rights_eval_only", "rights_none", "empty", "heldout_eval", "consent")


def step_of(reason: str) -> str:
    """The step a reason comes from (its prefix in REASONS), or the reason itself if unknown."""
    return next((r for r in REASONS if reason == r or reason.startswith(r + ".") or reason.startswith(r + "_")), reason)


def position(reason: str) -> tuple[int, str]:
    """Sort key: pipeline order, then the rule's name; unknown reasons last."""
    step = step_of(reason)
    return (REASONS.index(step) if step in REASONS else len(REASONS), reason)

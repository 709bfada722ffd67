"""lm-evaluation-harness on each arm's export, beside the report's own figures on the same items.

`arm_figures` runs the harness on checkpoints/<arm>/hf/ (copied to a local folder when the storage
is S3: transformers reads a directory); `rows` lines its figures up with metrics.json's."""

from __future__ import annotations

import tempfile

import pandas as pd

from assets.checkpoints.hf_export import hf_dir, local_copy
from assets.core.storage import Storage
from assets.reports.harness import harness_scores

# metrics.json's name for a figure -> (harness section, harness name)
FIGURES = {"bits_per_byte": ("heldout", "bits_per_byte"), "qa_acc": ("qa", "acc"), "qa_acc_norm": ("qa", "acc_norm")}


def arm_figures(storage: Storage, arms: list[str], questions: pd.DataFrame, texts: pd.DataFrame) -> dict[str, dict]:
    """{arm: {bits_per_byte, qa_acc, qa_acc_norm}} (metrics.json's names) from lm-eval on each
    arm's published export: metrics.json's `harness` section."""
    figures = {}
    for arm in arms:
        if not storage.exists(f"{hf_dir(arm)}/config.json"):
            raise FileNotFoundError(f"{storage.url(hf_dir(arm))}: no transformers export of the {arm!r} checkpoint (materialize hf_checkpoint)")
        with tempfile.TemporaryDirectory() as tmp:
            scores = harness_scores(local_copy(storage, hf_dir(arm), tmp), questions, texts)
        figures[arm] = {name: scores[section][key] for name, (section, key) in FIGURES.items()}
    return figures


def rows(metrics: dict) -> list[dict]:
    """One row per arm and figure: ours, lm-eval's (metrics["harness"]) and the difference."""
    return [{"arm": arm, "metric": name, "ours": metrics[arm][name], "lm-eval": value, "difference": value - metrics[arm][name]}
            for arm, figures in metrics.get("harness", {}).items() for name, value in figures.items()]

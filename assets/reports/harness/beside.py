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


def arm_figures(storage: Storage, runs: list, questions: pd.DataFrame, texts: pd.DataFrame) -> dict[str, dict]:
    """{run key: {bits_per_byte, qa_acc, qa_acc_norm}} (metrics.json's names) from lm-eval on each
    run's published export (runs: assets.checkpoints.runs.Run): metrics.json's `harness` section."""
    figures = {}
    for run in runs:
        if not storage.exists(f"{hf_dir(run)}/config.json"):
            raise FileNotFoundError(f"{storage.url(hf_dir(run))}: no transformers export of the {run.key!r} checkpoint (materialize hf_checkpoint)")
        with tempfile.TemporaryDirectory() as tmp:
            scores = harness_scores(local_copy(storage, hf_dir(run), tmp), questions, texts)
        figures[run.key] = {name: scores[section][key] for name, (section, key) in FIGURES.items()}
    return figures


def rows(metrics: dict) -> list[dict]:
    """One row per arm and figure: ours, lm-eval's (metrics["harness"]) and the difference."""
    return [{"arm": arm, "metric": name, "ours": metrics[arm][name], "lm-eval": value, "difference": value - metrics[arm][name]}
            for arm, figures in metrics.get("harness", {}).items() for name, value in figures.items()]

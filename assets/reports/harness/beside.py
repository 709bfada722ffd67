"""lm-evaluation-harness on each arm's export, beside the report's own figures on the same items.

`arm_figures` runs the harness on checkpoints/<arm>/hf/ (copied to a local folder when the storage
is S3: transformers reads a directory); `our_figures` takes the same figures from the report's own
scores of each run; `section` is metrics.json's `harness` (evaluate.harness: true) and `rows` lines
the two up, run by run, for the report."""

from __future__ import annotations

import math
import tempfile

import numpy as np
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
            # the context the run trained with (a fine-tuned base may read further): the report's own
            block = storage.read_json(f"{run.folder}/config.json")["model"]["block_size"] if storage.exists(f"{run.folder}/config.json") else None
            scores = harness_scores(local_copy(storage, hf_dir(run), tmp), questions, texts, max_length=block)
        figures[run.key] = {name: scores[part][key] for name, (part, key) in FIGURES.items()}
    return figures


def our_figures(results: dict, texts: pd.DataFrame) -> dict[str, dict]:
    """{run key: {bits_per_byte, qa_acc, qa_acc_norm}} from the report's scores of each run
    (report.evaluate_run's results, keyed by Run) on `texts` and every knowledge question."""
    mask = texts["set"].to_numpy() == "heldout"
    return {run.key: {"bits_per_byte": float(r["nll"][mask].sum() / math.log(2) / r["bytes"][mask].sum()),
                      "qa_acc": float(np.mean(r["qa"]["acc"])), "qa_acc_norm": float(np.mean(r["qa"]["acc_norm"]))}
            for run, r in sorted(results.items())}


def section(storage: Storage, results: dict, questions: pd.DataFrame, texts: pd.DataFrame) -> dict:
    """metrics.json's `harness`: per run, ours and lm-eval's figures on the same items (the held-out
    set's documents, every knowledge question), lm-eval run on the run's published export."""
    if not len(questions):
        raise ValueError("evaluate.harness: no knowledge questions to score with lm-eval (no source maps a catalog onto the graph); set evaluate.harness: false")
    heldout = texts.loc[texts["set"] == "heldout"].reset_index(drop=True)
    theirs = arm_figures(storage, sorted(results), questions, heldout)
    return {"ours": our_figures(results, texts), "lm_eval": theirs, "questions": len(questions), "documents": len(heldout)}


def rows(metrics: dict) -> list[dict]:
    """One row per run and figure: ours, lm-eval's and the difference (metrics["harness"])."""
    harness = metrics.get("harness", {})
    return [{"run": run, "metric": name, "ours": harness["ours"][run][name], "lm-eval": value, "difference": value - harness["ours"][run][name]}
            for run, figures in harness.get("lm_eval", {}).items() for name, value in figures.items()]

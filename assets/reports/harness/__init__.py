"""The house's evaluation as lm-evaluation-harness tasks, run on any transformers causal LM.

tasks/atelier_qa.yaml (the knowledge questions, multiple choice: acc, acc_norm) and
tasks/atelier_heldout.yaml (the held-out texts, rolling log-likelihood: bits_per_byte) are the
project's task definitions; `write_tasks` writes them beside their data as local JSONL (nothing
is fetched) and `harness_scores` runs them through lm-eval's Python API (`simple_evaluate` with
`HFLM`). On an Atelier export the figures equal the report's own: both condition every item on
the model's document-start token (lm-eval's prefix token: BOS, else EOS), and both score a
document's last window with a full context. lm-eval is imported inside the functions only.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Optional

import pandas as pd
import yaml

TASKS_DIR = Path(__file__).resolve().parent / "tasks"
QA_TASK, HELDOUT_TASK = "atelier_qa", "atelier_heldout"
TASKS = (QA_TASK, HELDOUT_TASK)


def qa_rows(questions: pd.DataFrame, prefix: str) -> list[dict]:
    """One multiple-choice item per question: the distractors, then the answer (gold)."""
    for column in ("id", "prompt", "answer", "distractors"):
        if column not in questions.columns:
            raise ValueError(f"QA table: missing column {column!r} (have {list(questions.columns)})")
    return [{"id": str(q.id), "context": prefix + q.prompt, "choices": [*map(str, q.distractors), q.answer], "gold": len(q.distractors)}
            for q in questions.itertuples(index=False)]


def heldout_rows(texts: pd.DataFrame) -> list[dict]:
    if "text" not in texts.columns:
        raise ValueError(f"held-out texts: missing column 'text' (have {list(texts.columns)})")
    keep = [c for c in ("set", "doc_id", "source", "text") if c in texts.columns]
    return texts[keep].to_dict("records")


def write_tasks(folder: str | os.PathLike, questions: pd.DataFrame, texts: pd.DataFrame, prefix: str) -> Path:
    """Write each task's YAML (its data_files made absolute) and its JSONL into `folder`, ready for
    `TaskManager(include_path=folder)` or `lm_eval --include_path folder`."""
    folder = Path(folder).resolve()
    folder.mkdir(parents=True, exist_ok=True)
    for task, rows in ((QA_TASK, qa_rows(questions, prefix)), (HELDOUT_TASK, heldout_rows(texts))):
        if not rows:
            raise ValueError(f"{task}: no items to evaluate")
        data = folder / f"{task}.jsonl"
        data.write_text("".join(json.dumps(r, ensure_ascii=False, sort_keys=True) + "\n" for r in rows), encoding="utf-8")
        config = yaml.safe_load((TASKS_DIR / f"{task}.yaml").read_text())
        config["dataset_kwargs"] = {**config["dataset_kwargs"], "data_files": {"test": str(data)}, "cache_dir": str(folder / "cache")}
        (folder / f"{task}.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    return folder


def prefix_text(tokenizer) -> str:
    """The text of lm-eval's prefix token (BOS, else EOS): what rolling log-likelihood starts
    every document with, and so what the questions start with too."""
    token = tokenizer.bos_token if tokenizer.bos_token is not None else tokenizer.eos_token
    return token or ""


def run_harness(model_path: str | os.PathLike, questions: pd.DataFrame, texts: pd.DataFrame, folder: str | os.PathLike,
                batch_size: int = 16, device: str = "cpu", dtype: str = "float32", max_length: Optional[int] = None) -> dict:
    """lm-eval's results dict (results, samples, configs ...) for both tasks on `model_path`.
    max_length: the context lm-eval scores with (default: the model's own); a fine-tuned base
    reads further than it was trained to, and every arm is scored with the same context."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")  # nothing is fetched: the model and data are local
    os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
    from lm_eval import simple_evaluate
    from lm_eval.models.huggingface import HFLM
    from lm_eval.tasks import TaskManager

    model_path = str(model_path)
    if not Path(model_path, "config.json").exists():
        raise FileNotFoundError(f"{model_path}: no config.json, not a transformers model folder")
    lm = HFLM(pretrained=model_path, backend="causal", dtype=dtype, device=device, batch_size=batch_size, max_length=max_length)
    tasks = write_tasks(folder, questions, texts, prefix_text(lm.tokenizer))
    return simple_evaluate(model=lm, tasks=list(TASKS), task_manager=TaskManager(include_path=str(tasks), include_defaults=False),
                           num_fewshot=0, bootstrap_iters=0, log_samples=True)


def summarize(results: dict) -> dict:
    """The report's figures out of lm-eval's results (metric keys are `name,filter`)."""
    figures = {task: {key.split(",")[0]: value for key, value in results["results"][task].items() if key.endswith(",none") and "stderr" not in key}
               for task in TASKS}
    return {
        "qa": {"questions": len(results["samples"][QA_TASK]), "acc": figures[QA_TASK]["acc"], "acc_norm": figures[QA_TASK]["acc_norm"]},
        "heldout": {"documents": len(results["samples"][HELDOUT_TASK]), **{k: figures[HELDOUT_TASK][k] for k in ("bits_per_byte", "byte_perplexity", "word_perplexity")}},
        "lm_eval": results.get("config", {}).get("lm_eval_version") or _lm_eval_version(),
    }


def harness_scores(model_path: str | os.PathLike, questions: pd.DataFrame, texts: pd.DataFrame, folder: Optional[str | os.PathLike] = None,
                   batch_size: int = 16, device: str = "cpu", max_length: Optional[int] = None) -> dict:
    """{"qa": {questions, acc, acc_norm}, "heldout": {documents, bits_per_byte, ...}, "lm_eval": version}
    for the transformers model at `model_path` on the house's questions and held-out texts.
    `folder` keeps the tasks and their data (a temporary folder when None)."""
    if folder is not None:
        return summarize(run_harness(model_path, questions, texts, folder, batch_size, device, max_length=max_length))
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        return summarize(run_harness(model_path, questions, texts, tmp, batch_size, device, max_length=max_length))


def _lm_eval_version() -> str:
    from importlib.metadata import version

    return version("lm_eval")

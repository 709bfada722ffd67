"""Shared fixtures: a small simulated house, fast params, and a project environment for runs
through the Dagster CLI, dvc and the UI."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

PROJECT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
DVC = os.environ.get("ATELIER_DVC", str(PROJECT / ".venv-dvc" / "bin" / "dvc"))

# Small enough for 2 cores, big enough for every gate to pass on the simulated sample.
FAST_PARAMS = {
    "sample": {"docs": 300},  # the house `dvc repro` simulates, the size of the sample_house fixture
    "graph": {"heldout_docs_per_source": 5, "heldout_fraction_per_source": 0.2, "known_questions": 60},
    # 40 iterations teach too little for the verdict to mean anything (it only warns by default).
    "evaluate": {"max_canary_exposure": 30.0, "exposure_candidates": 200, "extraction_prompts": 30, "sample_tokens": 8},
    "tokenize": {"vocab_size": 512, "min_train_tokens": 1000},
    # three arms, one seed, a tiny model: about today's training cost
    "train": {"n_layer": 2, "n_head": 2, "n_embd": 64, "max_iters": 40, "eval_interval": 20, "eval_iters": 4, "batch_size": 8, "seeds": 1,
              "warmup_iters": 10, "checkpoint_interval": 100, "min_loss_drop": 0.1,
              "parallel_runs": 1},  # 40 iterations: a spawned process per run would cost more than it saves
}


def merged(base: dict, overrides: dict) -> dict:
    out = dict(base)
    for key, value in overrides.items():
        out[key] = merged(out.get(key) or {}, value) if isinstance(value, dict) else value
    return out


def write_params(path: Path, overrides: dict | None = None) -> Path:
    base = yaml.safe_load((PROJECT / "params.yaml").read_text())
    path.write_text(yaml.safe_dump(merged(merged(base, FAST_PARAMS), overrides or {}), sort_keys=False))
    return path


@pytest.fixture(scope="session")
def sample_house(tmp_path_factory) -> Path:
    """A small simulated house (landing folder + sources.yaml + ground truth)."""
    from assets.raw.simulator import simulate

    out = tmp_path_factory.mktemp("house") / "sample"
    simulate(out, docs=300, seed=7)
    return out


@pytest.fixture
def project_env(tmp_path, sample_house, monkeypatch):
    """Environment for a run on the small house, with storage and Dagster home under tmp_path."""
    params = write_params(tmp_path / "params.yaml")
    env = {
        "ATELIER_PARAMS": str(params),
        "ATELIER_SOURCES": str(sample_house / "sources.yaml"),
        "ATELIER_STORAGE": str(tmp_path / "data"),
        "DAGSTER_HOME": str(tmp_path / "dagster_home"),
    }
    Path(env["DAGSTER_HOME"]).mkdir()
    shutil.copy(PROJECT / ".dagster" / "dagster.yaml", env["DAGSTER_HOME"])
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("PATH", f"{VENV_BIN}{os.pathsep}{os.environ['PATH']}")
    return env


def run(cmd: list[str], cwd: Path = PROJECT, env: dict | None = None, timeout: int = 600) -> subprocess.CompletedProcess:
    full_env = {**os.environ, **(env or {})}
    full_env["PATH"] = f"{VENV_BIN}{os.pathsep}{full_env['PATH']}"
    return subprocess.run(cmd, cwd=cwd, env=full_env, capture_output=True, text=True, timeout=timeout)

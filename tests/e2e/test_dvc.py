"""The DVC door, in a temporary git repository holding the project's current files:
`dvc repro` builds the five stages, a second one re-runs nothing, a param change re-runs only
the stages that use it, a failed gate fails the stage, and `dvc exp run -S` works."""

from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path

import pytest
import yaml

from tests.conftest import DVC, FAST_PARAMS, PROJECT, merged, run

pytestmark = [pytest.mark.e2e, pytest.mark.skipif(not Path(DVC).exists(), reason="the dvc environment (.venv-dvc) is missing")]

STAGES = ["raw", "cleaned", "tokenized", "checkpoints", "reports"]


def tracked_files() -> list[str]:
    out = subprocess.run(["git", "ls-files", "-co", "--exclude-standard"], cwd=PROJECT, capture_output=True, text=True, check=True)
    return [line for line in out.stdout.splitlines() if line and (PROJECT / line).is_file()]


@pytest.fixture
def repo(tmp_path, monkeypatch) -> Path:
    """A fresh git repository with the project's files (committed or not), fast params."""
    for key in ("ATELIER_PARAMS", "ATELIER_SOURCES", "ATELIER_STORAGE", "DAGSTER_HOME"):
        monkeypatch.delenv(key, raising=False)
    root = tmp_path / "repo"
    for rel in tracked_files():
        if rel.startswith("dvc.lock"):
            continue
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(PROJECT / rel, target)
    params = yaml.safe_load((root / "params.yaml").read_text())
    (root / "params.yaml").write_text(yaml.safe_dump(merged(params, FAST_PARAMS), sort_keys=False))
    for cmd in (["git", "init", "-q"], ["git", "add", "-A"], ["git", "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "init"]):
        subprocess.run(cmd, cwd=root, check=True)
    return root


def ran(result: subprocess.CompletedProcess) -> list[str]:
    return [s for s in STAGES if f"Running stage '{s}'" in result.stdout]


def set_param(root: Path, section: str, key: str, value) -> None:
    params = yaml.safe_load((root / "params.yaml").read_text())
    params[section][key] = value
    (root / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))


def test_dvc_repro_builds_then_noop_then_reruns_only_dependents(repo):
    first = run([DVC, "repro"], cwd=repo, timeout=1500)
    assert first.returncode == 0, first.stdout[-3000:] + first.stderr[-3000:]
    assert ran(first) == STAGES
    for rel in ["data/raw/documents", "data/cleaned/corpus", "data/cleaned/ledger.json", "data/tokenized/manifest.json",
                "data/checkpoints/curated_graph/s0/model.safetensors", "data/reports/metrics.json", "data/reports/report.html"]:
        assert (repo / rel).exists(), rel
    assert any((repo / ".dagster").glob("storage/*")) or (repo / ".dagster" / "history").exists(), "runs recorded in the project's Dagster home"

    started = time.time()
    second = run([DVC, "repro"], cwd=repo)
    assert second.returncode == 0 and ran(second) == [], second.stdout
    assert time.time() - started < 15

    set_param(repo, "evaluate", "max_bpb", 7.5)
    third = run([DVC, "repro"], cwd=repo)
    assert third.returncode == 0 and ran(third) == ["reports"], third.stdout

    metrics = run([DVC, "metrics", "show", "--json"], cwd=repo)
    assert "bits_per_byte" in metrics.stdout

    set_param(repo, "evaluate", "max_bpb", 0.0001)
    failed = run([DVC, "repro"], cwd=repo)
    assert failed.returncode != 0
    assert "reports_metrics" in failed.stdout + failed.stderr and "bits_per_byte" in failed.stdout + failed.stderr

    set_param(repo, "evaluate", "max_bpb", 7.5)
    subprocess.run(["git", "add", "-A"], cwd=repo, check=True)
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "built"], cwd=repo, check=True)
    experiment = run([DVC, "exp", "run", "-S", "evaluate.max_bpb=7.0"], cwd=repo)
    assert experiment.returncode == 0, experiment.stdout[-2000:] + experiment.stderr[-2000:]

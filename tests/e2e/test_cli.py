"""The CLI door: `python -m orchestration.stage` runs `dagster asset materialize` per group."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from orchestration.stage import RUNS_OF_ALL
from tests.conftest import run, write_params

pytestmark = pytest.mark.e2e


def instance_runs(home: str) -> list[str]:
    code = "import dagster as dg\nfor r in dg.DagsterInstance.get().get_runs(): print(r.status.value)"
    out = subprocess.run([sys.executable, "-c", code], env={"DAGSTER_HOME": home, "PATH": ""}, capture_output=True, text=True)
    return out.stdout.split()


def test_whole_chain_through_the_cli(project_env):
    result = run([sys.executable, "-m", "orchestration.stage", "all"], env=project_env, timeout=1200)
    assert result.returncode == 0, result.stderr[-3000:]
    data = Path(project_env["ATELIER_STORAGE"])
    metrics = json.loads((data / "reports" / "metrics.json").read_text())
    assert metrics["curated_graph"]["bits_per_byte"] > 0 and metrics["verdict"]["sentence"].startswith("At equal compute")
    ledger = json.loads((data / "cleaned" / "ledger.json").read_text())
    assert ledger["documents_in"] == ledger["kept"] + sum(ledger["removed"].values()) + sum(ledger["quarantined"].values())
    assert instance_runs(project_env["DAGSTER_HOME"]) == ["SUCCESS"] * len(RUNS_OF_ALL), "the runs are recorded in the shared Dagster home"


    # What the person reads: a line per asset and gate, a summary, the full log kept in a file.
    output = result.stdout + result.stderr
    for line in ("ok    cleaned_corpus", "pass  cleaned_corpus:cleaned_gate", "ok    raw_documents[", "pass  eval_report:reports_gate"):
        assert line in output, line
    assert re.search(r"^ +ok +checkpoint\[3 partitions\] .*curated_graph-s0_final_val_loss=", output, re.M), output[-3000:]
    for group in ("raw", "cleaned", "tokenized", "checkpoints", "reports"):
        assert re.search(rf"^{group} +ok +\d+\.\d$", output, re.M), group
    assert f"report: {data / 'reports' / 'report.html'}" in output
    assert ("verdict: " + metrics["verdict"]["sentence"]) in output
    assert "SupersessionWarning" not in output and "Calculating Metrics" not in output and " - DEBUG - " not in output
    log = Path(re.search(r"^event log: (.+)$", output, re.M).group(1))
    assert log.is_file() and log.read_text().count("STEP_SUCCESS") >= 10, "Dagster's full event log is kept"


def test_failed_gate_exits_non_zero_and_names_the_expectation(project_env, tmp_path):
    env = dict(project_env, ATELIER_PARAMS=str(write_params(tmp_path / "strict.yaml", {"ingest": {"max_quarantine_fraction": 0.0}})))
    result = run([sys.executable, "-m", "orchestration.stage", "raw"], env=env)
    assert result.returncode != 0
    output = result.stdout + result.stderr
    assert "raw_sources" in output and "quarantined_fraction" in output
    assert "worst_files" in output, "the offending rows name the worst files"
    page = re.search(r"open: (\S+) \(suite raw_sources", output)
    assert page and Path(page.group(1)).is_file(), "the failure names the Data Docs page to open"
    assert not (Path(env["ATELIER_STORAGE"]) / "raw" / "documents").exists(), "nothing published"


def test_malformed_sources_fail_at_once_naming_file_and_key(project_env, tmp_path):
    bad = tmp_path / "sources.yaml"
    bad.write_text("sources:\n  - {name: press, uri: 'x/*.html', format: html, rights: maybe, pii: none}\n")
    result = run([sys.executable, "-m", "orchestration.stage", "raw"], env=dict(project_env, ATELIER_SOURCES=str(bad)))
    assert result.returncode == 2
    assert str(bad) in result.stderr and "sources[press].rights" in result.stderr


def test_missing_path_names_the_source(project_env, tmp_path):
    bad = tmp_path / "sources.yaml"
    bad.write_text(f"sources:\n  - {{name: ghost, uri: '{tmp_path}/nowhere/*.txt', format: txt, rights: train, pii: none}}\n")
    result = run([sys.executable, "-m", "orchestration.stage", "raw"], env=dict(project_env, ATELIER_SOURCES=str(bad)))
    assert result.returncode != 0
    assert "ghost" in result.stdout + result.stderr and "no files match" in result.stdout + result.stderr

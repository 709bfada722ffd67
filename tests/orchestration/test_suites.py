"""The Great Expectations suites: enough of them, canonical (validating never rewrites a tracked
file, which DVC depends on), and they do fail on bad tables."""

import json
import shutil
import subprocess
import sys

import pandas as pd
import pytest

from orchestration import gx


def test_at_least_five_suites_one_per_gated_stage():
    suites = sorted(p.stem for p in (gx.EXPECTATIONS_DIR / "expectations").glob("*.json"))
    assert len(suites) >= 5
    for stage in ("raw", "cleaned", "tokenized", "checkpoints", "reports"):
        assert any(s.startswith(stage) for s in suites), stage
    for name in suites:
        assert json.loads(gx.suite_path(name).read_text())["name"] == name


def test_suites_are_canonical(tmp_path):
    copy = tmp_path / "expectations"
    shutil.copytree(gx.EXPECTATIONS_DIR, copy, ignore=shutil.ignore_patterns("uncommitted"))
    out = subprocess.run([sys.executable, "-m", "orchestration.gx", "canonicalize"], env={"ATELIER_EXPECTATIONS": str(copy), "PATH": ""},
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    assert "rewritten: none" in out.stdout, f"run `python -m orchestration.gx canonicalize` and commit: {out.stdout}"


def test_validate_passes_and_fails_with_parameters():
    row = {"run": "curated", "bits_per_byte": 2.0, "qa_acc_over_chance": 0.1, "canary_max_exposure": 1.0, "extracted": 0}
    params = {"max_bpb": 3.0, "min_qa_over_chance": 0.0, "max_canary_exposure": 12.0, "max_extracted": 0}
    good = gx.validate("reports_metrics", pd.DataFrame([row]), params)
    bad = gx.validate("reports_metrics", pd.DataFrame([{**row, "bits_per_byte": 4.0}]), params)
    assert good.success and not bad.success
    assert "bits_per_byte" in bad.failed[0].describe()
    assert gx.data_docs_index().exists()


def test_missing_threshold_is_an_error_not_a_pass():
    with pytest.raises(KeyError, match="max_bpb"):
        gx.validate("reports_metrics", pd.DataFrame([{"run": "curated", "bits_per_byte": 2.0}]), {})

"""Every benchmark at a tiny size, so none rots: they run end to end and report what they promise.
Not timed (the timing runs stay out of CI). They run in the benchmark environment (`make
bench-env`, datatrove beside the project): without it they skip, saying so, unless
ATELIER_REQUIRE_BENCH=1 (CI sets it), where a missing environment fails. The training benchmark's
peer is a nanoGPT checkout (NANOGPT_DIR); without one its peer half is skipped with the printed
reason, and the test checks that reason."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parents[2]
BENCH_PYTHON = PROJECT / ".venv-bench" / "bin" / "python"
SHAKESPEARE = PROJECT.parent / "shared" / "data" / "tinyshakespeare.txt"


@pytest.fixture(scope="module")
def python() -> str:
    if not BENCH_PYTHON.exists():
        if os.environ.get("ATELIER_REQUIRE_BENCH") == "1":
            pytest.fail(f"{BENCH_PYTHON} is missing: run `make bench-env`")
        pytest.skip(f"no benchmark environment at {BENCH_PYTHON} (make bench-env)")
    return str(BENCH_PYTHON)


def run(python: str, *args: str, timeout: int = 850) -> tuple[dict, str]:
    done = subprocess.run([python, "-m", *args], cwd=PROJECT, env={**os.environ, "PYTHONPATH": str(PROJECT)}, capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout[done.stdout.index("{") :]), done.stderr


@pytest.fixture(scope="module")
def house(tmp_path_factory, python) -> Path:
    out = tmp_path_factory.mktemp("bench") / "house"
    # the simulator writes its PDFs with reportlab, a test dependency: this (test) environment's python
    subprocess.run([sys.executable, "-m", "assets.raw.simulator", "--out", str(out), "--docs", "300", "--seed", "5051"], cwd=PROJECT, check=True, capture_output=True,
                   env={**os.environ, "PYTHONPATH": str(PROJECT)})  # fmt: skip
    return out


def test_train_against_nanogpt(python, tmp_path):
    nanogpt = os.environ.get("NANOGPT_DIR")
    args = ["benchmarks.train", "--text", str(SHAKESPEARE), "--chars", "20000", "--n-layer", "1", "--n-head", "2", "--n-embd", "32",
            "--max-iters", "10", "--eval-interval", "5", "--eval-iters", "2", "--rounds", "1", "--threads", "1", "--bf16"]  # fmt: skip
    report, stderr = run(python, *args, *(["--nanogpt", nanogpt] if nanogpt else []))
    (stage,) = report["ours"]
    assert stage["tokens_per_second"] > 0 and math.isfinite(stage["val_bpb"])
    assert math.isfinite(report["ours_bf16"][0]["val_bpb"]) and report["ours_bf16"][0]["val_bpb"] != stage["val_bpb"]  # train.cpu_bf16 ran
    assert report["data"]["vocab_size"] == len(set(SHAKESPEARE.read_text()[:20000]))
    if nanogpt:
        assert report["nanogpt"][0]["tokens_per_second"] > 0 and report["tokens_per_second_ratio"]["median"] > 0
        assert len(report["nanogpt_commit"]) == 40
        # both final models scored by the one evaluator, beside each side's own estimate
        assert math.isfinite(report["nanogpt"][0]["val_bpb"]) and math.isfinite(report["nanogpt"][0]["val_bpb_own_estimate"])
        assert report["val_bpb"]["ours_minus_nanogpt"]["rounds"][0] == round(stage["val_bpb"] - report["nanogpt"][0]["val_bpb"], 4)
    else:
        assert "no --nanogpt checkout" in report["peer_skipped"] and "no --nanogpt checkout" in stderr
        print(report["peer_skipped"])


def test_clean_against_datatrove_pipeline(python, house, tmp_path):
    report, _ = run(python, "benchmarks.clean", "--house", str(house), "--work", str(tmp_path / "work"), "--docs", "150", "--datatrove-docs", "40")
    e2e = report["end_to_end"]
    print(json.dumps({"end_to_end": e2e, "agreement": report["agreement"], "near": report["near_duplicates"]["candidate_pairs_exact_jaccard"]}))
    assert e2e["documents"] == report["documents"] > 0
    counts = e2e["datatrove_counts"]
    assert counts["kept"] + counts["removed_by_filters"] + counts["removed_by_dedup"] == e2e["documents"]
    assert e2e["start_up_seconds"]["atelier"] > 0 and e2e["start_up_seconds"]["datatrove"] > 0
    assert set(report["agreement"]) >= {"gopher_repetition", "gopher_quality", "c4", "fineweb"}
    assert "recall" in report["near_duplicates"]["candidate_pairs_exact_jaccard"]
    memory, _ = run(python, "benchmarks.clean_memory", "--work", str(tmp_path / "work"), "--docs", "50", "150")
    assert [row["documents"] for row in memory["sizes"]] == [50, 150] and all(row["peak_rss_mb"] > 0 for row in memory["sizes"])


def test_tokenize_stage_against_encode_batch(python, house, tmp_path):
    report, _ = run(python, "benchmarks.tokenize_stage", "--house", str(house), "--work", str(tmp_path / "tok"), "--docs", "150", "--vocab-size", "300",
                    "--rounds", "1", "--no-second-run", "--json")  # fmt: skip
    assert report  # the benchmark asserts its own checks (token counts agree, hashes, decoding)


def test_ingest_against_pyarrow_floor(python, house):
    report, _ = run(python, "benchmarks.ingest", "--house", str(house), "--repeat", "1")
    assert report

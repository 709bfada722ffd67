"""Same inputs, params and seed => byte-identical artifacts, even across processes whose string
hashing differs (set and dict iteration orders)."""

import os
import subprocess
import sys
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[3]
SCRIPT = """
import hashlib, sys
from tests.cleaned.graph.conftest import make_house, run_stage, write_corpus
from assets.cleaned.graph import evalsets, graph, mixture, synthetic
s = make_house(sys.argv[1])
run_stage(s, graph, "build_graph", "graph"); run_stage(s, evalsets, "build_evalsets", "evalsets"); write_corpus(s)
run_stage(s, synthetic, "build_synthetic", "synthetic"); run_stage(s, mixture, "build_mixture", "mixture")
for rel in s.storage.glob("cleaned/**"):
    if not s.storage.fs.isdir(s.storage.path(rel)):
        print(rel, hashlib.sha256(s.storage.read_bytes(rel)).hexdigest())
"""


def _run(root, hash_seed: str) -> str:
    env = {**os.environ, "PYTHONHASHSEED": hash_seed, "PYTHONPATH": str(PROJECT)}
    out = subprocess.run([sys.executable, "-c", SCRIPT, str(root)], cwd=PROJECT, env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    return out.stdout


def test_every_artifact_is_byte_identical_across_runs(tmp_path):
    first, second = _run(tmp_path / "a", "1"), _run(tmp_path / "b", "2")
    assert first == second
    produced = {line.split()[0] for line in first.splitlines()}
    assert {"cleaned/graph/graph.ttl", "cleaned/graph/graph.graphml", "cleaned/evalsets/qa/questions.parquet",
            "cleaned/synthetic/part-00000.parquet", "cleaned/mixture/part-00000.parquet", "cleaned/mixture/mixture.png"} <= produced

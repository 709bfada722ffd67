"""The whole chain on S3: every stage's plain functions (build, gate tables, publish) against
s3://bucket/prefix on moto's server, leaving the design's layout in the bucket."""

from __future__ import annotations

import os

import boto3
import pytest

from assets.core.settings import load_settings
from assets.core.storage import STAGING
from tests.conftest import write_params

STAGES = [  # (staging name, module, builder) in the order of the asset graph
    ("raw", "assets.raw.ingest", "build_raw"),
    ("cleaned", "assets.cleaned.curate", "build_cleaned"),
    ("raw_recipe", "assets.cleaned.curate", "build_raw_recipe"),
    ("graph", "assets.cleaned.graph.graph", "build_graph"),
    ("evalsets", "assets.cleaned.graph.evalsets", "build_evalsets"),
    ("synthetic", "assets.cleaned.graph.synthetic", "build_synthetic"),
    ("mixture", "assets.cleaned.graph.mixture", "build_mixture"),
    ("tokenized", "assets.tokenized.shards", "build_tokenized"),
    ("checkpoints", "assets.checkpoints.train", "build_checkpoints"),
    ("reports", "assets.reports.report", "build_reports"),
]

GATE_MODULES = {"cleaned": "assets.cleaned.gate"}  # where a stage's gate tables live, when not beside its builder


def run_chain(settings) -> dict:
    """build -> gate tables -> publish, stage after stage, the way the assets do it."""
    import importlib

    from assets.cleaned.paths import RAW_RECIPE

    extra_outputs = {"raw_recipe": [RAW_RECIPE]}  # the ablation recipe publishes one folder
    root, tables = settings.storage, {}
    for stage, module_name, build in STAGES:
        module = importlib.import_module(module_name)
        area = root.staging(stage, "s3-chain")
        getattr(module, build)(settings, area)
        if stage in extra_outputs:
            root.publish(area, extra_outputs[stage])
            continue
        gate = importlib.import_module(GATE_MODULES.get(stage, module_name))
        tables[stage] = gate.gate_tables(area, settings, None)
        root.publish(area, gate.outputs(settings, None))
    return tables


@pytest.fixture(scope="module")
def small_house(tmp_path_factory):
    """A smaller simulated house than the shared sample (the chain runs every stage on S3)."""
    from assets.raw.simulator import simulate

    out = tmp_path_factory.mktemp("s3house") / "sample"
    simulate(out, docs=120, seed=7)
    return out


@pytest.mark.e2e  # the whole chain: ~1-2 min on an idle 2-core machine
def test_chain_on_s3_leaves_the_design_layout(bucket, small_house, tmp_path):
    params = write_params(tmp_path / "params.yaml", {"train": {"max_iters": 20, "eval_interval": 10}})
    settings = load_settings(params, small_house / "sources.yaml", f"s3://{bucket}/atelier")
    tables = run_chain(settings)

    client = boto3.client("s3", endpoint_url=os.environ["AWS_ENDPOINT_URL"])
    pages = client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix="atelier/")
    found = [o["Key"][len("atelier/"):] for page in pages for o in page.get("Contents", [])]

    def some(prefix: str, suffix: str = "") -> bool:
        return any(k.startswith(prefix) and k.endswith(suffix) for k in found)

    assert some("raw/documents/", ".parquet")
    assert some("cleaned/corpus/", ".parquet") and "cleaned/ledger.json" in found
    assert "tokenized/tokenizer.json" in found and "tokenized/manifest.json" in found
    assert some("tokenized/shards/train-", ".bin") and some("tokenized/shards/val-", ".bin")
    assert some("checkpoints/", "/model.safetensors") and some("checkpoints/", "/config.json")
    assert "reports/metrics.json" in found and "reports/report.html" in found
    assert not any(k.startswith(STAGING) or ".tmp-" in k for k in found), "staging or temp keys left"
    for stage, by_suite in tables.items():
        assert by_suite and all(len(df) > 0 for df in by_suite.values()), stage
    ledger = settings.storage.read_json("cleaned/ledger.json")
    assert ledger  # read back through s3fs


@pytest.mark.e2e
def test_dagster_chain_on_s3_through_the_cli(bucket, project_env):
    """The same chain through Dagster (assets, blocking GX checks, publish) with the root on S3."""
    import sys

    from tests.conftest import run

    env = dict(project_env, ATELIER_STORAGE=f"s3://{bucket}/dagster")
    result = run([sys.executable, "-m", "orchestration.stage", "all"], env=env, timeout=300)
    assert result.returncode == 0, (result.stdout + result.stderr)[-3000:]
    root = load_settings(storage_root=env["ATELIER_STORAGE"]).storage
    assert root.read_json("reports/metrics.json")["curated_graph"]["bits_per_byte"] > 0
    ledger = root.read_json("cleaned/ledger.json")
    assert ledger["documents_in"] == ledger["kept"] + sum(ledger["removed"].values()) + sum(ledger["quarantined"].values())
    assert not root.glob(f"{STAGING}/**"), "the staging areas were published and removed"
    assert os.environ["AWS_SECRET_ACCESS_KEY"] not in result.stdout + result.stderr

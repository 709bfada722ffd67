"""Each stage's gate blocks: a fault injected into a stage's output fails its blocking check,
nothing downstream runs, and the published artifact stays the last good one."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import dagster as dg
import pytest

from assets.core.dagster_resource import AtelierSettings
from assets.checkpoints.runs import partition_keys as run_keys
from assets.core.settings import load_settings
from orchestration.definitions import defs

GROUPS = ["raw", "cleaned", "tokenized", "checkpoints", "reports"]


class ChainResult:
    """The runs of one chain materialization, read as one result."""

    def __init__(self, results: list[dg.ExecuteInProcessResult]):
        self.results = results
        self.success = all(r.success for r in results)
        self.all_events = [e for r in results for e in r.all_events]

    def get_asset_materialization_events(self):
        return [e for r in self.results for e in r.get_asset_materialization_events()]


def resources(env: dict, root: str) -> dict:
    return {"atelier": AtelierSettings(params_path=env["ATELIER_PARAMS"], sources_path=env["ATELIER_SOURCES"], storage_root=root),
            "pipes_subprocess_client": dg.PipesSubprocessClient()}


def materialize(env: dict, groups: list[str], storage_root: str | None = None) -> ChainResult:
    """Materialize whole groups with their gates in process, as `stage all` does: one run per
    partitions definition (every partition in it), in order, stopping at the first that fails."""
    from orchestration.stage import RUNS_OF_ALL

    root = storage_root or env["ATELIER_STORAGE"]
    settings = load_settings(env["ATELIER_PARAMS"], env["ATELIER_SOURCES"], root)
    partitions = {"raw": [s.name for s in settings.sources], "checkpoints": run_keys(settings)}
    results = []
    for run in RUNS_OF_ALL:
        selected = [g for g in run if g in groups]
        if not selected:
            continue
        keys = next((partitions[g] for g in selected if g in partitions), None)
        tags = {"dagster/asset_partition_range_start": keys[0], "dagster/asset_partition_range_end": keys[-1]} if keys else {}
        results.append(dg.materialize(
            [*defs.assets, *defs.asset_checks], selection=dg.AssetSelection.groups(*selected),
            resources=resources(env, root), tags=tags, raise_on_error=False,
        ))
        if not results[-1].success:
            break
    return ChainResult(results)


GATE_OF = {}


def downstream_of(asset: str) -> set[str]:
    graph = defs.resolve_asset_graph()
    found, frontier = set(), [dg.AssetKey(asset)]
    while frontier:
        for child in graph.get(frontier.pop()).child_keys:
            if child.path[-1] not in found:
                found.add(child.path[-1])
                frontier.append(child)
    return found


def _gate_names() -> dict:
    return {key.asset_key.path[-1]: key.name for key in defs.resolve_asset_graph().asset_check_keys}


GATE_OF.update(_gate_names())


def tree_digest(root: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        digest.update(str(path.relative_to(root)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


@pytest.fixture(scope="module")
def built_chain(tmp_path_factory, sample_house):
    """The whole chain built once, in process; each fault test starts from a copy."""
    from tests.conftest import write_params

    root = tmp_path_factory.mktemp("chain")
    env = {
        "ATELIER_PARAMS": str(write_params(root / "params.yaml")),
        "ATELIER_SOURCES": str(sample_house / "sources.yaml"),
        "ATELIER_STORAGE": str(root / "data"),
    }
    result = materialize(env, GROUPS)
    assert result.success, [e.message for e in result.all_events if e.is_failure]
    return env


def test_whole_chain_in_process_builds_every_artifact(built_chain):
    data = Path(built_chain["ATELIER_STORAGE"])
    for rel in ["raw/documents", "raw/quarantine", "cleaned/corpus", "cleaned/ledger.json", "tokenized/tokenizer.json",
                "tokenized/manifest.json", "tokenized/shards", "tokenized/ablation/raw/manifest.json", "tokenized/ablation/curated/manifest.json",
                "checkpoints/curated_graph/s0/model.safetensors", "checkpoints/curated_graph/s0/config.json", "checkpoints/curated_graph/s0/metrics.jsonl",
                "checkpoints/raw/s0/model.safetensors", "checkpoints/curated/s0/model.safetensors",
                "raw/registry.json", "reports/metrics.json", "reports/report.html"]:
        assert (data / rel).exists(), rel
    assert not any((data / "_staging").glob("*/*/*")), "staging areas are cleaned up after publishing"


def test_one_run_partition_trains_and_publishes_that_run_alone(built_chain, tmp_path):
    storage = tmp_path / "data"
    shutil.copytree(built_chain["ATELIER_STORAGE"], storage)
    curated = tree_digest(storage / "checkpoints" / "curated_graph")
    weights = (storage / "checkpoints" / "raw" / "s0" / "model.safetensors").read_bytes()
    shutil.rmtree(storage / "checkpoints" / "raw")

    result = dg.materialize([*defs.assets, *defs.asset_checks], selection=dg.AssetSelection.groups("checkpoints"),
                            partition_key="raw-s0", resources=resources(built_chain, str(storage)), raise_on_error=False)

    assert result.success
    assert (storage / "checkpoints" / "raw" / "s0" / "model.safetensors").read_bytes() == weights  # same seed, same bytes
    assert tree_digest(storage / "checkpoints" / "curated_graph") == curated


def _corrupt_raw(area):
    import pyarrow as pa

    rel = area.glob("raw/documents/*/*.parquet")[0]
    table = area.read_parquet(rel)
    rights = pa.array(["bogus"] * table.num_rows)
    area.write_parquet(rel, table.set_column(table.schema.get_field_index("rights"), "rights", rights))


def _corrupt_cleaned(area):
    ledger = area.read_json("cleaned/ledger.json")
    first = sorted(ledger["sources"])[0]
    ledger["sources"][first]["documents_in"] += 1  # one document unaccounted for
    area.write_json("cleaned/ledger.json", ledger)


def _corrupt_tokenized(area):
    name = area.glob("tokenized/shards/train-*.bin")[0]
    data = bytearray(area.read_bytes(name))
    data[0] ^= 0xFF
    area.write_bytes(name, bytes(data))


def _corrupt_checkpoints(area):
    rel = "checkpoints/curated_graph/s0/metrics.jsonl"
    lines = area.read_text(rel).splitlines()
    last = json.loads(lines[-1])
    last["val_loss"] = float("nan")
    area.write_text(rel, "\n".join(lines[:-1] + [json.dumps(last)]) + "\n")


def _corrupt_reports(area):
    metrics = area.read_json("reports/metrics.json")
    metrics["curated_graph"]["bits_per_byte"] = 99.0
    area.write_json("reports/metrics.json", metrics)


FAULTS = {
    "raw": ("assets.raw.ingest", "build_raw", _corrupt_raw, "raw/documents", "raw_documents"),
    "cleaned": ("assets.cleaned.curate", "build_cleaned", _corrupt_cleaned, "cleaned", "cleaned_ledger"),
    "tokenized": ("assets.tokenized.shards", "build_tokenized", _corrupt_tokenized, "tokenized", "tokenized_shards"),
    "checkpoints": ("assets.checkpoints.train", "build_checkpoints", _corrupt_checkpoints, "checkpoints", "checkpoints_losses"),
    "reports": ("assets.reports.report", "build_reports", _corrupt_reports, "reports", "reports_metrics"),
}


@pytest.mark.parametrize("stage", GROUPS)
def test_fault_in_stage_output_blocks_downstream(stage, built_chain, tmp_path, monkeypatch):
    import importlib

    module_name, function, corrupt, published, suite = FAULTS[stage]
    module = importlib.import_module(module_name)
    real = getattr(module, function)

    def faulty(settings, out, *args, **kwargs):
        result = real(settings, out, *args, **kwargs)
        corrupt(out)
        return result

    monkeypatch.setattr(module, function, faulty)
    storage = tmp_path / "data"
    shutil.copytree(built_chain["ATELIER_STORAGE"], storage)
    before = tree_digest(storage / published)
    downstream = GROUPS[GROUPS.index(stage):]

    result = materialize(built_chain, downstream, str(storage))

    assert not result.success
    checks = {e.asset_check_evaluation_data.check_name: e.asset_check_evaluation_data for e in result.all_events if e.event_type_value == "ASSET_CHECK_EVALUATION"}
    failed = checks[f"{stage}_gate"]
    assert not failed.passed
    assert suite in failed.description, failed.description  # the message names the failed suite and expectation
    materialized = {e.asset_key.path[-1] for e in result.get_asset_materialization_events()}
    faulty_asset = {"raw": "raw_documents", "cleaned": "cleaned_corpus", "tokenized": "tokenized_shards", "checkpoints": "checkpoint", "reports": "eval_report"}[stage]
    below = downstream_of(faulty_asset)
    assert faulty_asset in materialized
    assert not (below & materialized), f"downstream assets ran: {below & materialized}"
    gated = {check: asset for asset, check in GATE_OF.items()}
    assert not any(gated.get(name) in below for name in checks), "no downstream gate ran"
    assert tree_digest(storage / published) == before, "the failed artifact was not published"

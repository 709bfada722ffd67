"""The kill matrix: stages launched through the CLI, killed with SIGKILL at named points
(ATELIER_FAULT, assets/core/fault.py), launched again.

After every kill each published unit is the previous good version or the new one whole; after the
relaunches the artifacts equal an uninterrupted run's, byte for byte; no staging folder, lease or
resumable state is left over; the killed training run's successor starts past iteration 0; and the
killed runs read as failed in Dagster, not as running forever.

Kill points (a subset, to stay within a few minutes on 2 cores; each stage's other points go
through the same code, tested without a process kill in tests/core/test_staging.py):
  raw          at the very start of the run (lease taken, nothing written); during publish
  cleaned      in the middle of the group, during the publish of cleaned_corpus (graph and
               evalsets published by that run, corpus moved in, ledger not yet)
  tokenized    during publish: shards moved in, the manifest not yet
  checkpoints  in the middle (after the first checkpoint of `curated`), then during publish
               (`curated` moved in, `raw` not yet), with new params so the old and new differ
The raw, cleaned and tokenized kills are recovered by the next stage's launch (every run's start
finishes a killed run's publish and reclaims its staging), so they are not re-run on their own;
the cleaned group's 80 s would double the test's time for no new code path.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from orchestration import stage as stage_cli
from tests.conftest import run, write_params

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(2400)]

TIMING = ("tokens_per_second", "ms_per_iter", "mfu")


def launch(env: dict, groups: list[str], fault: str | None = None) -> subprocess.CompletedProcess:
    """One Dagster run over `groups` through `dagster asset materialize`, as `stage` and dvc do."""
    return run(stage_cli.command(groups), env={**env, **({"ATELIER_FAULT": fault} if fault else {})}, timeout=1200)


def killed(result: subprocess.CompletedProcess, fault: str) -> str:
    output = result.stdout + result.stderr
    assert result.returncode == -9, f"{fault}: expected SIGKILL, got {result.returncode}\n{output[-3000:]}"
    assert f"ATELIER_FAULT {fault}" in output
    return output


def succeeded(result: subprocess.CompletedProcess) -> str:
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-4000:]
    return output


def digest(path: Path) -> str:
    if path.name == "metrics.jsonl":  # timing figures differ between any two runs
        rows = [{k: v for k, v in json.loads(line).items() if k not in TIMING} for line in path.read_text().splitlines() if line.strip()]
        return hashlib.sha256(json.dumps(rows, sort_keys=True).encode()).hexdigest()
    return hashlib.sha256(path.read_bytes()).hexdigest()


def unit_of(rel: str, units: list[str]) -> str:
    return max((u for u in units if rel == u or rel.startswith(u + "/")), key=len)


def published(data: Path, units: list[str]) -> dict[str, dict[str, str]]:
    """Per published unit, its files and their digests (trainer.pt aside: it embeds the timing records)."""
    found: dict[str, dict[str, str]] = {}
    for path in sorted(data.rglob("*")):
        rel = path.relative_to(data).as_posix()
        # checkpoints/<arm>/s<k>/hf/ is derived from the checkpoint beside it: a new checkpoint's publish
        # removes the stale export and hf_checkpoint writes the new one (checked at the end), so a
        # half-published state never pairs a new checkpoint with an old export.
        if "/hf/" in rel:
            continue
        if path.is_file() and not rel.startswith("_") and path.name != "trainer.pt" and any(rel == u or rel.startswith(u + "/") for u in units):
            found.setdefault(unit_of(rel, units), {})[rel] = digest(path)
    return found


def all_units(env: dict) -> list[str]:
    from assets.checkpoints import train
    from assets.cleaned import gate as curate_gate
    from assets.cleaned.graph import evalsets, graph, mixture, synthetic
    from assets.core.settings import load_settings
    from assets.raw import ingest, registry
    from assets.tokenized import shards

    settings = load_settings(env["ATELIER_PARAMS"], env["ATELIER_SOURCES"], env["ATELIER_STORAGE"])
    makers = [registry.outputs, ingest.outputs, graph.outputs, evalsets.outputs, curate_gate.outputs, curate_gate.raw_recipe_outputs,
              synthetic.outputs, mixture.outputs, shards.outputs, train.outputs]
    return [unit for outputs in makers for unit in outputs(settings)]


def leftovers(data: Path) -> list[str]:
    return sorted(p.relative_to(data).as_posix() for folder in ("_staging", "_locks", "_resume") for p in (data / folder).rglob("*") if p.is_file())


def run_statuses(home: str) -> list[str]:
    code = "import dagster as dg\nfor r in dg.DagsterInstance.get().get_runs(): print(r.status.value)"
    out = subprocess.run([sys.executable, "-c", code], env={"DAGSTER_HOME": home, "PATH": ""}, capture_output=True, text=True)
    return out.stdout.split()


def assert_whole(now: dict, before: dict, after: dict, where: str) -> None:
    """Every unit holds exactly the previous version or the new one (absent if it had none)."""
    for unit in set(before) | set(after) | set(now):
        assert now.get(unit) in (before.get(unit), after.get(unit)), f"{where}: {unit} is neither the old nor the new version"


def test_kill_matrix(project_env, tmp_path):
    env = dict(project_env, ATELIER_PARAMS=str(write_params(tmp_path / "p1.yaml", {"train": {"checkpoint_interval": 20}})))
    data = Path(env["ATELIER_STORAGE"])
    units = all_units(env)
    upstream = [["raw", "cleaned", "tokenized"], ["checkpoints"]]

    # the previous good version: an uninterrupted run of everything the matrix kills
    for groups in upstream:
        succeeded(launch(env, groups))
    good = published(data, units)
    assert leftovers(data) == []
    snapshots = []

    # raw: at the very start, then while publishing the source partitions
    killed(launch(env, ["raw"], "start:registry"), "start:registry")
    assert published(data, units) == good, "a run killed at its start changed nothing"
    assert list((data / "_staging").iterdir()), "the killed run left its staging folder (reclaimed below)"
    killed(launch(env, ["raw"], "publish:raw/#5"), "publish:raw/#5")
    snapshots.append(("raw publish", published(data, units)))

    # cleaned: in the middle of the group, during the corpus's publish; this launch first finishes
    # the raw publish that was cut and reclaims both raw runs' staging
    output = killed(launch(env, ["cleaned"], "publish:cleaned/corpus"), "publish:cleaned/corpus")
    assert "finished publishing raw/" in output and output.count("reclaimed ") >= 1
    snapshots.append(("cleaned publish", published(data, units)))

    # tokenized: shards moved in, manifest not yet
    output = killed(launch(env, ["tokenized"], "publish:tokenized/shards"), "publish:tokenized/shards")
    assert "finished publishing cleaned/corpus, cleaned/ledger.json" in output
    snapshots.append(("tokenized publish", published(data, units)))
    for where, seen in snapshots:
        assert seen == good, f"{where}: same params, so every unit must read exactly as before"

    # checkpoints, with new params: killed after the first checkpoint, then during publish
    env = dict(env, ATELIER_PARAMS=str(write_params(tmp_path / "p2.yaml", {"train": {"checkpoint_interval": 20, "learning_rate": 0.002}})))
    fault = "commit:_resume/checkpoints/curated/s0/trainer.pt#1"
    output = killed(launch(env, ["checkpoints"], fault), fault)
    assert "finished publishing tokenized/tokenizer.json, tokenized/shards" in output
    assert published(data, units) == good, "the training run's first checkpoint is not published"
    assert (data / "_resume" / "checkpoints" / "curated" / "s0" / "trainer.pt").exists()

    # arms publish in ARMS order (raw, curated, curated_graph): killed once curated's is moved in
    output = killed(launch(env, ["checkpoints"], "publish:checkpoints/curated/s0"), "publish:checkpoints/curated/s0")
    assert "iter=20 resumed_from=" in output, "the killed run's successor starts past iteration 0"
    assert "same params and data: continuing" in output
    half = published(data, units)
    assert half["checkpoints/curated_graph/s0"] == good["checkpoints/curated_graph/s0"] and half["checkpoints/curated/s0"] != good["checkpoints/curated/s0"]

    output = succeeded(launch(env, ["checkpoints"]))
    assert "finished publishing checkpoints/" in output
    final = published(data, units)
    # this run trained both recipes from iteration 0 uninterrupted (publishing superseded the
    # state): the curated model published by the resumed, killed run is byte-identical to it
    assert half["checkpoints/curated/s0"] == final["checkpoints/curated/s0"]
    assert_whole(half, good, final, "checkpoints publish")
    assert {u: v for u, v in final.items() if not u.startswith("checkpoints/")} == {u: v for u, v in good.items() if not u.startswith("checkpoints/")}

    for unit in final:
        if unit.startswith("checkpoints/"):  # every final checkpoint has its transformers export again
            assert (data / unit / "hf" / "model.safetensors").exists(), unit
    assert leftovers(data) == [], "no staging folder, lease or resumable state left"
    statuses = run_statuses(env["DAGSTER_HOME"])
    assert "STARTED" not in statuses and statuses.count("FAILURE") == 6, statuses


def test_second_launch_of_a_running_partition_is_refused(project_env, tmp_path):
    """Two CLI launches of the same assets at once: the second stops at once, naming the first,
    and writes nothing; the first completes as if alone."""
    data = Path(project_env["ATELIER_STORAGE"])
    tickets = data / "_locks" / "registry" / "__all__"
    with open(tmp_path / "first.log", "w+") as log:
        first = subprocess.Popen(stage_cli.command(["raw"]), env={**os.environ, **project_env, "ATELIER_FAULT": "start:registry=sleep30"},
                                 stdout=log, stderr=subprocess.STDOUT, cwd=stage_cli.PROJECT)
        try:
            deadline = time.monotonic() + 120
            while not (tickets.exists() and any(tickets.glob("*.json"))):
                assert first.poll() is None and time.monotonic() < deadline, "the first launch never took its lease"
                time.sleep(0.2)
            (holder,) = [t.stem for t in tickets.glob("*.json")]
            second = launch(project_env, ["raw"])
            output = second.stdout + second.stderr
            assert second.returncode != 0
            assert f"is being written by run {holder}" in output and "this run wrote nothing" in output
            # a run the way the UI's run worker executes one: in a process of its own, on the shared instance
            import dagster as dg

            from orchestration.definitions import defs

            ui = dg.materialize([*defs.assets, *defs.asset_checks], selection=dg.AssetSelection.assets("source_registry"),
                                instance=dg.DagsterInstance.get(), resources=defs.resources, raise_on_error=False)
            failure = next(e for e in ui.all_events if e.event_type_value == "STEP_FAILURE")
            assert not ui.success and f"is being written by run {holder}" in failure.event_specific_data.error.message
            assert [p.name for p in (data / "_staging").iterdir()] == [holder], "the refused runs have no staging folder"
            assert not (data / "raw" / "documents").exists()
        finally:
            first.wait(timeout=900)
        log.seek(0)
        assert first.returncode == 0, log.read()[-4000:]
    assert (data / "raw" / "registry.json").exists() and (data / "raw" / "documents").exists()
    assert leftovers(data) == []

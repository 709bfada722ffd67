"""The worker, launched through Dagster Pipes, reports its result as materialization metadata."""

import sys

import dagster as dg
import yaml

from assets.core.settings import load_settings
from tests.checkpoints.conftest import make_settings


def test_worker_reports_through_pipes(tokenized_root, tmp_path):
    params = make_settings(tokenized_root, max_iters=10, eval_interval=5).params
    (tmp_path / "params.yaml").write_text(yaml.safe_dump(params.model_dump()))
    (tmp_path / "sources.yaml").write_text("sources: []\n")
    settings = load_settings(tmp_path / "params.yaml", tmp_path / "sources.yaml", str(tokenized_root))
    command = [sys.executable, "-m", "assets.checkpoints.worker", "--checkpoint-run", "curated_graph-s0", "--params", settings.params_path,
               "--sources", settings.sources_path, "--storage", settings.storage_root, "--out", str(tmp_path / "out")]  # fmt: skip

    @dg.asset
    def checkpoint(context: dg.AssetExecutionContext, pipes_subprocess_client: dg.PipesSubprocessClient):
        return pipes_subprocess_client.run(command=command, context=context).get_materialize_result()

    result = dg.materialize([checkpoint], resources={"pipes_subprocess_client": dg.PipesSubprocessClient()})
    assert result.success
    metadata = result.asset_materializations_for_node("checkpoint")[0].metadata
    assert metadata["final_val_loss"].value < metadata["initial_val_loss"].value
    assert (tmp_path / "out" / "checkpoints" / "curated_graph" / "s0" / "model.safetensors").exists()

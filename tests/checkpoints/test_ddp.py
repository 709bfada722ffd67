"""Two data-parallel processes (torchrun, gloo) take the same steps as one process."""

import json
import os
import subprocess

import pytest
import yaml

from assets.checkpoints import train
from assets.checkpoints.runs import Run
from assets.checkpoints.worker import torchrun_command, torchrun_env
from assets.core.settings import load_settings
from assets.core.storage import Storage
from tests.checkpoints.conftest import make_settings


def test_two_processes_match_one(tokenized_root, tmp_path):
    params = make_settings(tokenized_root, max_iters=10, grad_accum=2, eval_interval=5).params
    (tmp_path / "params.yaml").write_text(yaml.safe_dump(params.model_dump()))
    (tmp_path / "sources.yaml").write_text("sources: []\n")
    settings = load_settings(tmp_path / "params.yaml", tmp_path / "sources.yaml", str(tokenized_root))

    single = train.train(settings, Storage(str(tmp_path / "single")), Run("curated_graph", 0))
    command = torchrun_command(settings, "curated_graph-s0", nproc=2, out=str(tmp_path / "ddp"))
    done = subprocess.run(command, env={**os.environ, **torchrun_env(settings, 2)}, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    records = [json.loads(line) for line in Storage(str(tmp_path / "ddp")).read_text("checkpoints/curated_graph/s0/metrics.jsonl").splitlines()]
    assert json.loads(Storage(str(tmp_path / "ddp")).read_text("checkpoints/curated_graph/s0/config.json"))["world_size"] == 2
    for mine, theirs in zip(records, single["records"], strict=True):
        assert mine["iter"] == theirs["iter"]
        assert mine["val_loss"] == pytest.approx(theirs["val_loss"], abs=1e-4)
        assert mine.get("train_loss", 0) == pytest.approx(theirs.get("train_loss", 0), abs=1e-4)


def test_torchrun_command_for_two_nodes(tokenized_root):
    settings = make_settings(tokenized_root)
    command = torchrun_command(settings, "raw-s1", nproc=4, nnodes=2, rdzv_endpoint="10.0.0.1:29500")
    assert command[1:3] == ["-m", "torch.distributed.run"] and "--nnodes=2" in command and "--rdzv-endpoint=10.0.0.1:29500" in command
    assert command[command.index("--checkpoint-run") + 1] == "raw-s1"
    with pytest.raises(ValueError, match="rdzv_endpoint"):
        torchrun_command(settings, "raw", nproc=4, nnodes=2)

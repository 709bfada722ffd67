"""Resumable state across runs: a training run staged by one run and killed is continued by the
next run's staging area, ends identical, and state of other params or data is never resumed."""

from __future__ import annotations

import pytest

from assets.checkpoints import train
from assets.core import resume
from assets.core.storage import Storage
from tests.tokenized.fixtures import settings_for, tokenized_house
from assets.checkpoints.runs import Run

RUN = Run("curated_graph", 0)  # the default arm: tokenized/manifest.json

TRAIN = {"max_iters": 30, "eval_interval": 5, "eval_iters": 2, "checkpoint_interval": 10, "batch_size": 4, "block_size": 32, "warmup_iters": 5, "threads": 1, "device": "cpu", "min_loss_drop": 0.0}


class Killed(Exception):
    pass


@pytest.fixture(scope="module")
def root(tmp_path_factory):
    return tokenized_house(tmp_path_factory.mktemp("resume") / "data", n=120)


def test_place_is_the_output_itself_outside_staging(tmp_path):
    out = Storage(str(tmp_path))
    assert resume.place(out, "checkpoints/curated", {"a": 1}) is out
    assert not out.exists("_resume")


def test_identity_decides(tmp_path):
    storage = Storage(str(tmp_path))
    said = []
    home = resume.place(storage.staging("checkpoints", "run-1"), "checkpoints/curated", {"train": {"lr": 0.003}, "data": "d1"}, said.append)
    assert home.url() == storage.url("_resume")
    home.write_text("checkpoints/curated/trainer.pt", "state at 10")
    home.write_text("checkpoints/curated/trainer.pt.tmp-0123456789ab", "killed mid-write")
    again = resume.place(storage.staging("checkpoints", "run-2"), "checkpoints/curated", {"train": {"lr": 0.003}, "data": "d1"}, said.append)
    assert again.read_text("checkpoints/curated/trainer.pt") == "state at 10"
    assert again.glob("checkpoints/curated/*") == ["checkpoints/curated/_identity.json", "checkpoints/curated/trainer.pt"]
    resume.place(storage.staging("checkpoints", "run-3"), "checkpoints/curated", {"train": {"lr": 0.001}, "data": "d2"}, said.append)
    assert not storage.exists("_resume/checkpoints/curated/trainer.pt")
    assert "starting fresh" in said[-1]["verdict"] and "train.lr (0.003 -> 0.001)" in said[-1]["verdict"] and "data ('d1' -> 'd2')" in said[-1]["verdict"]


def test_next_run_continues_a_killed_staged_run(root, tmp_path):
    whole = Storage(str(tmp_path / "whole"))
    expected = train.train(settings_for(root, train=TRAIN), whole, RUN)

    data = Storage(str(root))
    said = []

    def crash_at_15(record):
        said.append(record)
        if record.get("iter") == 15:
            raise Killed

    with pytest.raises(Killed):
        train.train(settings_for(root, train=TRAIN), data.staging("checkpoints", "killed-run"), RUN, crash_at_15)
    assert data.exists("_resume/checkpoints/curated_graph/s0/trainer.pt")
    successor = data.staging("checkpoints", "next-run")
    log = []
    result = train.train(settings_for(root, train=TRAIN), successor, RUN, log.append)
    assert any(r.get("resumed_from") and r["iter"] == 10 for r in log), "the successor starts past iteration 0"
    assert "continuing" in log[0]["verdict"]
    assert successor.read_bytes("checkpoints/curated_graph/s0/model.safetensors") == whole.read_bytes("checkpoints/curated_graph/s0/model.safetensors")
    assert [r["val_loss"] for r in result["records"]] == [r["val_loss"] for r in expected["records"]]
    assert successor.glob("checkpoints/curated_graph/s0/*") == [f"checkpoints/curated_graph/s0/{n}" for n in ("config.json", "metrics.jsonl", "model.safetensors", "trainer.pt")]
    data.publish(successor, ["checkpoints/curated_graph/s0"])
    assert not data.exists("_resume/checkpoints/curated_graph/s0"), "publishing supersedes the state"
    data.remove("checkpoints")


def test_state_of_other_params_is_never_resumed(root):
    data = Storage(str(root))
    with pytest.raises(Killed):
        train.train(settings_for(root, train=TRAIN), data.staging("checkpoints", "a"), RUN, lambda r: (_ for _ in ()).throw(Killed()) if r.get("iter") == 15 else None)
    log = []
    train.train(settings_for(root, train={**TRAIN, "learning_rate": 1e-3}), data.staging("checkpoints", "b"), RUN, log.append)
    assert "starting fresh" in log[0]["verdict"] and "train.learning_rate" in log[0]["verdict"]
    assert not any("resumed_from" in r for r in log) and log[1]["iter"] == 0
    data.remove("_resume")

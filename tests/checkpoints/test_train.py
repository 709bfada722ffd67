import json

import pytest
import torch

from assets.checkpoints import train
from assets.checkpoints.runs import Run, parse, partition_keys, runs_of
from assets.core.storage import Storage
from tests.checkpoints.conftest import make_settings


RUN = Run("curated_graph", 0)
FOLDER = "checkpoints/curated_graph/s0"


class Killed(Exception):
    pass


def timeless(records):
    return [{k: v for k, v in r.items() if k not in ("tokens_per_second", "ms_per_iter")} for r in records]


def test_killed_and_resumed_run_matches_uninterrupted(tokenized_root, tmp_path):
    settings = make_settings(tokenized_root)
    whole, broken = Storage(str(tmp_path / "whole")), Storage(str(tmp_path / "broken"))
    expected = train.train(settings, whole, RUN)

    def crash_at_15(record):
        if record["iter"] == 15:
            raise Killed

    with pytest.raises(Killed):
        train.train(settings, broken, RUN, crash_at_15)
    assert json.loads(broken.read_text(f"{FOLDER}/config.json"))["iter"] == 10
    resumed = train.train(settings, broken, RUN)
    assert broken.read_bytes(f"{FOLDER}/model.safetensors") == whole.read_bytes(f"{FOLDER}/model.safetensors")
    assert timeless(resumed["records"]) == timeless(expected["records"])
    assert expected["final_val_loss"] < expected["initial_val_loss"] - 0.3


def test_resume_refuses_changed_params(tokenized_root, tmp_path):
    out = Storage(str(tmp_path / "out"))
    train.train(make_settings(tokenized_root, max_iters=10), out, RUN)
    with pytest.raises(ValueError, match="other params"):
        train.train(make_settings(tokenized_root, max_iters=10, learning_rate=1e-4), out, RUN)


def test_grad_accumulation_matches_a_bigger_batch(tokenized_root, tmp_path):
    a = train.train(make_settings(tokenized_root, max_iters=5, batch_size=8, grad_accum=1, eval_interval=5), Storage(str(tmp_path / "a")), RUN)
    b = train.train(make_settings(tokenized_root, max_iters=5, batch_size=4, grad_accum=2, eval_interval=5), Storage(str(tmp_path / "b")), RUN)
    assert a["records"][-1]["train_loss"] == pytest.approx(b["records"][-1]["train_loss"], abs=1e-4)


def test_every_arm_and_seed_trains_and_reloads(tokenized_root, tmp_path):
    out = Storage(str(tmp_path / "out"))
    settings = make_settings(tokenized_root, max_iters=10, rope=True, swiglu=True, seeds=2)
    result = train.build_checkpoints(settings, out)
    assert list(result) == ["raw-s0", "raw-s1", "curated-s0", "curated-s1", "curated_graph-s0", "curated_graph-s1"]
    assert len({s["tokens"] for s in result.values()}) == 1  # one token budget for every arm
    for key in result:
        model = train.load_checkpoint(out, parse(key))
        assert not model.training and model.config.rope and model.config.block_size == 32
        logits, _ = model(torch.zeros((1, 4), dtype=torch.long))
        assert torch.isfinite(logits).all()
    weights = lambda key: out.read_bytes(f"{parse(key).folder}/model.safetensors")  # noqa: E731
    assert weights("curated-s0") != weights("curated-s1")  # another seed, another model
    assert json.loads(out.read_text("checkpoints/curated/s1/config.json"))["seed"] == settings.params.seed + 1


def test_seed_replicates_are_keyed_declared_and_reproducible(tokenized_root, tmp_path):
    settings = make_settings(tokenized_root, max_iters=5, eval_interval=5, seeds=3)
    assert partition_keys(settings)[:3] == ["raw-s0", "raw-s1", "raw-s2"] and len(partition_keys(settings)) == 9
    assert parse("curated_graph-s2") == Run("curated_graph", 2) and Run("curated_graph", 2).seed(settings) == settings.params.seed + 2
    with pytest.raises(ValueError, match="not declared"):
        runs_of(settings, ["raw-s3"])
    with pytest.raises(ValueError, match="expected <arm>-s<replicate>"):
        parse("distilled-s0")
    with pytest.raises(ValueError, match="not declared"):  # an arm only when train.init_from names its base
        runs_of(settings, ["finetuned-s0"])
    a, b = Storage(str(tmp_path / "a")), Storage(str(tmp_path / "b"))
    train.build_checkpoints(settings, a, ["raw-s1"])
    train.build_checkpoints(settings, b, ["raw-s1"])
    assert a.read_bytes("checkpoints/raw/s1/model.safetensors") == b.read_bytes("checkpoints/raw/s1/model.safetensors")


def test_runs_trained_side_by_side_equal_runs_trained_in_turn(tokenized_root, tmp_path):
    settings = make_settings(tokenized_root, max_iters=5, eval_interval=5)
    side = make_settings(tokenized_root, max_iters=5, eval_interval=5, parallel_runs=2)
    a, b = Storage(str(tmp_path / "a")), Storage(str(tmp_path / "b"))
    logged = []
    keys = ["raw-s0", "curated_graph-s0"]
    assert train.build_checkpoints(settings, a, keys).keys() == train.build_checkpoints(side, b, keys, logged.append).keys()
    for key in keys:
        folder = parse(key).folder
        assert a.read_bytes(f"{folder}/model.safetensors") == b.read_bytes(f"{folder}/model.safetensors")
    assert {r["run"] for r in logged} == set(keys) and all("val_loss" in r for r in logged)


def test_cpu_bf16_autocast_trains_with_its_own_numerics(tokenized_root, tmp_path):
    fp32 = train.train(make_settings(tokenized_root, max_iters=20, eval_interval=10, device="cpu"), Storage(str(tmp_path / "fp32")), RUN)
    bf16 = train.train(make_settings(tokenized_root, max_iters=20, eval_interval=10, device="cpu", cpu_bf16=True), Storage(str(tmp_path / "bf16")), RUN)
    assert bf16["final_val_loss"] < bf16["initial_val_loss"] - 0.3  # it learns
    assert bf16["final_val_loss"] == pytest.approx(fp32["final_val_loss"], abs=0.1)  # about as well as float32
    assert bf16["records"][-1]["train_loss"] != fp32["records"][-1]["train_loss"]  # and bf16 matmuls did run

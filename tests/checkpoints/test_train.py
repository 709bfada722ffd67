import json

import pytest
import torch

from assets.checkpoints import train
from assets.core.storage import Storage
from tests.checkpoints.conftest import make_settings


class Killed(Exception):
    pass


def timeless(records):
    return [{k: v for k, v in r.items() if k not in ("tokens_per_second", "ms_per_iter")} for r in records]


def test_killed_and_resumed_run_matches_uninterrupted(tokenized_root, tmp_path):
    settings = make_settings(tokenized_root)
    whole, broken = Storage(str(tmp_path / "whole")), Storage(str(tmp_path / "broken"))
    expected = train.train(settings, whole, "curated")

    def crash_at_15(record):
        if record["iter"] == 15:
            raise Killed

    with pytest.raises(Killed):
        train.train(settings, broken, "curated", crash_at_15)
    assert json.loads(broken.read_text("checkpoints/curated/config.json"))["iter"] == 10
    resumed = train.train(settings, broken, "curated")
    assert broken.read_bytes("checkpoints/curated/model.safetensors") == whole.read_bytes("checkpoints/curated/model.safetensors")
    assert timeless(resumed["records"]) == timeless(expected["records"])
    assert expected["final_val_loss"] < expected["initial_val_loss"] - 0.3


def test_resume_refuses_changed_params(tokenized_root, tmp_path):
    out = Storage(str(tmp_path / "out"))
    train.train(make_settings(tokenized_root, max_iters=10), out, "curated")
    with pytest.raises(ValueError, match="other params"):
        train.train(make_settings(tokenized_root, max_iters=10, learning_rate=1e-4), out, "curated")


def test_grad_accumulation_matches_a_bigger_batch(tokenized_root, tmp_path):
    a = train.train(make_settings(tokenized_root, max_iters=5, batch_size=8, grad_accum=1, eval_interval=5), Storage(str(tmp_path / "a")), "curated")
    b = train.train(make_settings(tokenized_root, max_iters=5, batch_size=4, grad_accum=2, eval_interval=5), Storage(str(tmp_path / "b")), "curated")
    assert a["records"][-1]["train_loss"] == pytest.approx(b["records"][-1]["train_loss"], abs=1e-4)


def test_both_recipes_train_and_reload(tokenized_root, tmp_path):
    out = Storage(str(tmp_path / "out"))
    result = train.build_checkpoints(make_settings(tokenized_root, max_iters=10, rope=True, swiglu=True), out)
    assert set(result["runs"]) == {"curated", "raw"}
    for run in ("curated", "raw"):
        model = train.load_checkpoint(out, run)
        assert not model.training and model.config.rope and model.config.block_size == 32
        logits, _ = model(torch.zeros((1, 4), dtype=torch.long))
        assert torch.isfinite(logits).all()

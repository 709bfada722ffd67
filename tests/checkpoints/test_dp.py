"""train.dp: DP-SGD with Opacus on the arms that hold client-derived data."""

import json

import pytest
import torch
from pydantic import ValidationError

from assets.checkpoints import dp, train
from assets.checkpoints.model import GPT, GPTConfig
from assets.checkpoints.runs import Run
from assets.core.params import TrainParams
from assets.core.settings import Source, SourcesFile
from assets.core.storage import Storage
from tests.checkpoints.conftest import make_settings

RUN = Run("curated_graph", 0)
FOLDER = "checkpoints/curated_graph/s0"
DP = {"epsilon": 8.0, "delta": 1e-4, "max_grad_norm": 1.0}


def with_client_notes(settings):
    """The fixture's `notes` source declared as client records (the others stay undeclared)."""
    notes = Source(name="notes", uri="landing/notes/*.jsonl", format="jsonl", rights="train", pii="client")
    return settings.model_copy(update={"sources_file": SourcesFile(sources=[notes])})


def private_settings(root, **train_params):
    return with_client_notes(make_settings(root, dp=DP, max_iters=12, checkpoint_interval=4, eval_interval=4, **train_params))


def test_dp_run_spends_at_most_its_budget_and_is_byte_identical(tokenized_root, tmp_path):
    settings = private_settings(tokenized_root)
    a, b = Storage(str(tmp_path / "a")), Storage(str(tmp_path / "b"))
    summary = train.train(settings, a, RUN)
    train.train(settings, b, RUN)
    assert a.read_bytes(f"{FOLDER}/model.safetensors") == b.read_bytes(f"{FOLDER}/model.safetensors")
    spent = json.loads(a.read_text(f"{FOLDER}/config.json"))["dp"]
    assert spent == summary["dp"]
    assert 0 < spent["epsilon"] <= DP["epsilon"] and spent["delta"] == DP["delta"] and spent["noise_multiplier"] > 0
    assert spent["client_sources"] == ["notes"] and spent["steps"] == 12
    # not the non-private run: noise and clipping changed the weights
    plain = Storage(str(tmp_path / "plain"))
    train.train(make_settings(tokenized_root, max_iters=12, checkpoint_interval=4, eval_interval=4), plain, RUN)
    assert plain.read_bytes(f"{FOLDER}/model.safetensors") != a.read_bytes(f"{FOLDER}/model.safetensors")


def test_dp_resume_matches_the_uninterrupted_run(tokenized_root, tmp_path):
    settings = private_settings(tokenized_root)
    whole, broken = Storage(str(tmp_path / "whole")), Storage(str(tmp_path / "broken"))
    train.train(settings, whole, RUN)

    class Killed(Exception):
        pass

    def crash(record):
        if record["iter"] == 8:
            raise Killed

    with pytest.raises(Killed):
        train.train(settings, broken, RUN, crash)
    train.train(settings, broken, RUN)
    assert broken.read_bytes(f"{FOLDER}/model.safetensors") == whole.read_bytes(f"{FOLDER}/model.safetensors")


def test_more_noise_for_a_smaller_epsilon(tokenized_root, tmp_path):
    loose = train.train(private_settings(tokenized_root), Storage(str(tmp_path / "l")), RUN)["dp"]
    tight = train.train(with_client_notes(make_settings(tokenized_root, dp={**DP, "epsilon": 1.0}, max_iters=12, eval_interval=4)), Storage(str(tmp_path / "t")), RUN)["dp"]
    assert tight["noise_multiplier"] > loose["noise_multiplier"] and tight["epsilon"] <= 1.0


def test_an_arm_without_client_sources_trains_without_dp(tokenized_root, tmp_path):
    summary = train.train(make_settings(tokenized_root, dp=DP, max_iters=4, eval_interval=4), Storage(str(tmp_path / "o")), RUN)
    assert "dp" not in summary


def test_delta_at_or_above_one_over_n_fails_naming_it(tokenized_root, tmp_path):
    with pytest.raises(ValueError, match=r"train\.dp\.delta=0\.5 must be below 1/N"):
        train.train(with_client_notes(make_settings(tokenized_root, dp={**DP, "delta": 0.5}, max_iters=4)), Storage(str(tmp_path / "o")), RUN)


def test_grad_accumulation_fails_naming_it(tokenized_root, tmp_path):
    with pytest.raises(ValueError, match=r"train\.dp with train\.grad_accum=2"):
        train.train(private_settings(tokenized_root, grad_accum=2), Storage(str(tmp_path / "o")), RUN)


@pytest.mark.parametrize("field, value", [("epsilon", 0.0), ("epsilon", -1.0), ("delta", 1.0), ("max_grad_norm", 0.0)])
def test_impossible_budgets_fail_at_load_naming_the_field(field, value):
    with pytest.raises(ValidationError, match=field):
        TrainParams(dp={**DP, field: value})


def test_ranks_and_unsupported_layers_are_named():
    p = TrainParams(dp=DP, grad_accum=1)
    gpt = GPT(GPTConfig(64, 16, 1, 2, 16))
    assert dp.unsupported_setting(p, 1, gpt) is None  # tied embeddings, learned positions, LayerNorm: supported
    assert "2 torchrun ranks" in dp.unsupported_setting(p, 2, gpt)
    with_batchnorm = torch.nn.Sequential(torch.nn.Linear(4, 4), torch.nn.BatchNorm1d(4))
    assert "BatchNorm" in dp.unsupported_setting(p, 1, with_batchnorm)


def test_per_sample_gradients_of_our_gpt_are_exact():
    """Opacus's per-sample gradients (tied embeddings, learned positions) equal each sample's own
    backward pass: what the clipping bound, hence epsilon, rests on."""
    from opacus import GradSampleModule

    torch.manual_seed(0)
    gpt = GPT(GPTConfig(64, 16, 1, 2, 16))
    gpt.batched_positions = True
    x, y = torch.randint(64, (3, 16)), torch.randint(64, (3, 16))
    module = GradSampleModule(gpt)
    module(x, y)[1].backward()
    for i in range(3):
        single = GPT(GPTConfig(64, 16, 1, 2, 16))
        single.load_state_dict(gpt.state_dict())
        single(x[i : i + 1], y[i : i + 1])[1].backward()
        for (name, p), (_, q) in zip(gpt.named_parameters(), single.named_parameters()):
            torch.testing.assert_close(p.grad_sample[i], q.grad, atol=1e-6, rtol=1e-4, msg=name)


def test_batched_positions_leave_logits_unchanged():
    torch.manual_seed(0)
    gpt = GPT(GPTConfig(64, 16, 2, 2, 16)).eval()
    x = torch.randint(64, (2, 16))
    before = gpt(x)[0]
    gpt.batched_positions = True
    assert torch.equal(before, gpt(x)[0])


def test_a_dp_checkpoint_exports_with_its_budget_in_the_card(tokenized_root, tmp_path):
    from assets.checkpoints import hf_export
    from orchestration import gx

    settings = private_settings(tokenized_root)
    published = Storage(str(tmp_path / "published"))
    for name in ["tokenized/tokenizer.json", "tokenized/manifest.json", *settings.storage.glob("tokenized/shards/*")]:
        published.write_bytes(name, settings.storage.read_bytes(name))
    settings = private_settings(published.root)
    spent = train.train(settings, published, RUN)["dp"]
    area = Storage(str(tmp_path / "area"))
    hf_export.export_runs(settings, area, [RUN.key])
    card = area.read_text(f"{hf_export.hf_dir(RUN)}/README.md")
    assert "## Privacy" in card and f"epsilon = {spent['epsilon']:.3f}" in card and "delta = 0.0001" in card
    table = hf_export.gate_tables(area, settings, [RUN.key])["checkpoints_hf"]
    assert gx.validate("checkpoints_hf", table, {"max_logit_diff": hf_export.MAX_LOGIT_DIFF}).success


@pytest.mark.parametrize("epsilon", [0.0, 0.5, 1.0, 2.0, 8.0])
def test_membership_auc_bound_is_the_dp_roc_envelope(epsilon):
    import math

    # with delta = 0 the envelope's area is e^eps / (1 + e^eps): 0.5 at eps 0, 0.731 at eps 1
    assert dp.membership_auc_bound(epsilon, 0.0) == pytest.approx(math.exp(epsilon) / (1 + math.exp(epsilon)), abs=1e-6)
    assert dp.membership_auc_bound(epsilon, 1e-3) > dp.membership_auc_bound(epsilon, 0.0)


def test_a_layer_that_broadcasts_over_the_batch_is_caught_by_the_probe():
    """A position table looked up without the batch dimension passes Opacus's validator, yet its
    per-sample gradient is wrong (transformers' GPT-2 does this): the probe names it."""
    torch.manual_seed(0)
    gpt = GPT(GPTConfig(64, 16, 1, 2, 16))
    x, y = torch.randint(64, (2, 16)), torch.randint(64, (2, 16))
    assert dp.per_sample_mismatches(gpt, x, y) == ["wpe.weight"]
    gpt.batched_positions = True
    assert dp.per_sample_mismatches(gpt, x, y) == []


def test_an_annealing_phase_under_dp_fails_naming_it(tokenized_root, tmp_path):
    settings = private_settings(tokenized_root, anneal_fraction=0.25)
    settings.params.graph.anneal_weights = {"catalog": 3.0}
    with pytest.raises(ValueError, match=r"train\.dp with train\.anneal_fraction=0\.25 for arm curated_graph"):
        train.train(settings, Storage(str(tmp_path / "o")), RUN)


def test_a_secret_reseeds_the_noise_reproducibly_and_an_unset_one_fails_naming_it(tokenized_root, tmp_path, monkeypatch):
    settings = with_client_notes(make_settings(tokenized_root, dp={**DP, "noise_secret_env": "HOUSE_DP_SECRET"}, max_iters=4))
    weights = lambda name: Storage(str(tmp_path / name)).read_bytes(f"{FOLDER}/model.safetensors")  # noqa: E731
    with pytest.raises(ValueError, match=r"train\.dp\.noise_secret_env=HOUSE_DP_SECRET: the environment variable HOUSE_DP_SECRET is unset"):
        train.train(settings, Storage(str(tmp_path / "unset")), RUN)
    for name, secret in [("s1", "one"), ("s1bis", "one"), ("s2", "two")]:
        monkeypatch.setenv("HOUSE_DP_SECRET", secret)
        summary = train.train(settings, Storage(str(tmp_path / name)), RUN)
    train.train(with_client_notes(make_settings(tokenized_root, dp=DP, max_iters=4)), Storage(str(tmp_path / "published")), RUN)
    assert weights("s1") == weights("s1bis")  # reproducible for whoever holds the secret ...
    assert weights("s1") != weights("s2") and weights("s1") != weights("published")  # ... and not from train.seed alone
    assert summary["dp"]["noise_seeded_by"] == "a secret ($HOUSE_DP_SECRET)"
    assert "seeded by a secret ($HOUSE_DP_SECRET)" in dp.sentence(summary["dp"])

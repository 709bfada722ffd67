import pytest
import torch

from assets.checkpoints.model import GPT, PRESETS, GPTConfig


@pytest.mark.parametrize("rope,swiglu", [(False, False), (True, False), (False, True), (True, True)])
def test_forward_shapes_and_causality(rope, swiglu):
    torch.manual_seed(0)
    model = GPT(GPTConfig(vocab_size=50, block_size=16, n_layer=2, n_head=2, n_embd=32, rope=rope, swiglu=swiglu)).eval()
    idx = torch.randint(50, (2, 16))
    logits, loss = model(idx, idx)
    assert logits.shape == (2, 16, 50) and torch.isfinite(loss)
    changed = idx.clone()
    changed[:, -1] = (changed[:, -1] + 1) % 50
    assert torch.allclose(model(changed)[0][:, :-1], logits[:, :-1], atol=1e-5)  # the future is not seen
    assert model.lm_head.weight is model.wte.weight
    assert (model.wpe is None) == rope


def test_gpt2_preset_has_124m_parameters():
    n_layer, n_head, n_embd, block = PRESETS["gpt2-124m"]
    with torch.device("meta"):
        model = GPT(GPTConfig(50257, block, n_layer, n_head, n_embd))
    assert 123e6 < model.num_params() + model.wpe.weight.numel() < 125e6

"""train.init_from: a folder holding a transformers causal LM and its tokenizer passes; one that
lacks any part fails when params.yaml loads, naming the key and what is missing; a model that is
not a causal LM, or a tokenizer that is not its own, fails the checkpoints stage's check."""

import json
import random
import shutil

import pytest
import yaml

from assets.checkpoints.hf_export import fast_tokenizer
from assets.checkpoints.init_from import BaseModelError, check_base, load_base
from assets.core.settings import ConfigError, load_params
from assets.tokenized.tokenizer import train_bpe
from tests.reports.fixtures import text


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    """A small "generic" causal LM built here: random weights, save_pretrained, its own tokenizer."""
    import torch
    from transformers import GPT2Config, GPT2LMHeadModel

    folder = tmp_path_factory.mktemp("base") / "generic-gpt2"
    rng = random.Random(0)
    tokenizer = train_bpe([text(rng) for _ in range(50)], 300)
    torch.manual_seed(0)
    GPT2LMHeadModel(GPT2Config(vocab_size=tokenizer.get_vocab_size(), n_positions=32, n_embd=16, n_layer=1, n_head=2)).save_pretrained(folder)
    fast_tokenizer(tokenizer.to_str(), 32).save_pretrained(folder)
    return folder


def params_with(tmp_path, init_from) -> object:
    path = tmp_path / "params.yaml"
    path.write_text(yaml.safe_dump({"train": {"init_from": str(init_from)}}))
    return load_params(path)


def test_a_causal_lm_folder_passes_and_loads(base, tmp_path):
    assert params_with(tmp_path, base).train.init_from == str(base)
    described = check_base(base)
    assert described["model_type"] == "gpt2" and described["architecture"] == "GPT2LMHeadModel" and described["context"] == 32
    model, tokenizer, _ = load_base(base)
    assert model.training and tokenizer.eos_token == "<|endoftext|>"


@pytest.mark.parametrize("remove,named", [
    (None, "the folder itself"),
    ("config.json", "config.json"),
    ("model.safetensors", "the weights"),
    ("tokenizer.json", "the tokenizer"),
])
def test_a_folder_missing_a_part_fails_when_params_load(base, tmp_path, remove, named):
    folder = tmp_path / "incomplete"
    if remove is not None:
        shutil.copytree(base, folder)
        (folder / remove).unlink()
    with pytest.raises(ConfigError) as error:
        params_with(tmp_path, folder)
    assert "train.init_from" in str(error.value) and named in str(error.value) and "params.yaml" in str(error.value)
    with pytest.raises(BaseModelError, match=named):
        check_base(folder)


def test_not_a_causal_lm_or_not_its_tokenizer_is_refused(base, tmp_path):
    from transformers import T5Config, T5ForConditionalGeneration

    t5 = tmp_path / "t5"
    T5ForConditionalGeneration(T5Config(vocab_size=300, d_model=8, d_kv=4, d_ff=16, num_layers=1, num_heads=2)).save_pretrained(t5)
    shutil.copy(base / "tokenizer.json", t5)
    shutil.copy(base / "tokenizer_config.json", t5)
    with pytest.raises(BaseModelError, match="'t5' model, which has no causal-LM head"):
        check_base(t5)

    small = tmp_path / "small-vocab"
    shutil.copytree(base, small)
    config = json.loads((small / "config.json").read_text())
    (small / "config.json").write_text(json.dumps({**config, "vocab_size": 100}))
    with pytest.raises(BaseModelError, match="embeds only 100"):
        check_base(small)


def without_eos(base, folder):
    """The base with its tokenizer's end-of-sequence token removed from every config that names it."""
    shutil.copytree(base, folder)
    for name in ("tokenizer_config.json", "special_tokens_map.json"):
        path = folder / name
        if path.exists():
            config = json.loads(path.read_text())
            config.pop("eos_token", None)
            path.write_text(json.dumps(config))
    return folder


def test_a_tokenizer_without_end_of_sequence_is_refused_by_both_stages(base, tmp_path):
    from assets.tokenized.base import base_tokenizer

    folder = without_eos(base, tmp_path / "no-eos")
    with pytest.raises(BaseModelError, match="no eos_token"):
        check_base(folder)
    with pytest.raises(ValueError, match="no end-of-sequence token"):
        base_tokenizer(str(folder))
    tokenizer, eos = base_tokenizer(str(base))  # the base itself: its tokenizer and separator
    assert eos == "<|endoftext|>" and tokenizer.token_to_id(eos) is not None


def test_a_base_with_a_shorter_context_than_block_size_is_refused(base):
    from assets.checkpoints.finetune import from_base

    with pytest.raises(BaseModelError, match="reads at most 32 tokens but every arm trains on train.block_size=64"):
        from_base(str(base), 64)
    assert from_base(str(base), 32).config.block_size == 32


def test_the_export_refuses_a_base_tokenizer_changed_since_tokenizing(base):
    import hashlib

    from assets.checkpoints.hf_export import ExportError, base_tokenizer
    from transformers import AutoTokenizer

    same = hashlib.sha256(AutoTokenizer.from_pretrained(base).backend_tokenizer.to_str().encode()).hexdigest()
    assert base_tokenizer(str(base), same).eos_token == "<|endoftext|>"
    with pytest.raises(ExportError, match="changed since the finetuned arm was tokenized"):
        base_tokenizer(str(base), "0" * 64)

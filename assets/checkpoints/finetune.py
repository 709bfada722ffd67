"""The finetuned arm's model: a transformers causal LM (`train.init_from`) behind our GPT's
interface, so the same training loop, checkpoint files, gate and reports drive it unchanged.

`CausalLM` gives what they use: `config.block_size`, `forward(idx, targets) -> (logits, loss)`
(the same cross-entropy as ours), GPT's own `generate` loop (same greedy and sampling), and
`num_params`. The checkpoint keeps our layout: model.safetensors of this module (the wrapped
model's weights under `hf.`) and config.json whose "model" holds the base's transformers
configuration, so `skeleton` rebuilds it with no access to the base folder. Its transformers export
is the fine-tuned model itself (`save_pretrained`). transformers is imported inside the functions.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

from assets.checkpoints.init_from import BaseModelError, load_base
from assets.checkpoints.model import GPT


@dataclass
class BaseConfig:
    """What a finetuned checkpoint is: its context, the base it started from and that base's
    transformers configuration (a dict)."""

    block_size: int
    vocab_size: int
    init_from: str
    base_sha256: str
    hf: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return asdict(self)


class CausalLM(nn.Module):
    def __init__(self, hf, config: BaseConfig):
        super().__init__()
        self.hf, self.config = hf, config

    def forward(self, idx: torch.Tensor, targets: torch.Tensor | None = None):
        logits = self.hf(input_ids=idx, use_cache=False).logits
        loss = None
        if targets is not None:
            loss = F.cross_entropy(logits.view(-1, logits.size(-1)), targets.reshape(-1), ignore_index=-1)  # -1: left out (goldfish.py)
        return logits, loss

    generate = GPT.generate  # one sampling loop for every arm: it only calls forward and config.block_size

    def num_params(self) -> int:
        return sum(p.numel() for p in self.parameters())  # tied weights count once

    def flops_per_token(self, T: int) -> float:
        text = self.hf.config.get_text_config()
        return 6 * self.num_params() + 12 * text.num_hidden_layers * text.hidden_size * T


def base_digest(folder: str | os.PathLike) -> str:
    """sha256 over the base's configuration and weight files: a resumed run must continue the same base."""
    digest = hashlib.sha256()
    for path in sorted(Path(folder).iterdir()):
        if path.name == "config.json" or path.name.startswith(("model", "pytorch_model")):
            digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def from_base(folder: str, block_size: int) -> CausalLM:
    """The base model (fp32, training mode) ready to continue pre-training on `block_size` windows."""
    hf, tokenizer, described = load_base(folder)
    if described["context"] is not None and described["context"] < block_size:
        raise BaseModelError(f"train.init_from: {folder} reads at most {described['context']} tokens but every arm trains on "
                             f"train.block_size={block_size}: lower block_size, or pick a base with a longer context")
    config = BaseConfig(block_size, described["vocab_size"], str(folder), base_digest(folder), hf.config.to_dict())
    return CausalLM(hf, config)


def skeleton(model: dict) -> CausalLM:
    """config.json's "model" of a finetuned checkpoint -> the same network (weights to be loaded)."""
    from transformers import AutoConfig, AutoModelForCausalLM

    hf = dict(model["hf"])
    config = AutoConfig.for_model(hf.pop("model_type"), **hf)
    return CausalLM(AutoModelForCausalLM.from_config(config, dtype=torch.float32), BaseConfig(**model))


def is_finetuned(model: dict) -> bool:
    return "init_from" in model

"""The base model of the fine-tuning arm (`train.init_from`): a local transformers causal LM and its
own tokenizer. params.yaml already refused a folder missing its files (assets/core/params/
init_from.py); `check_base` asks transformers the rest: the configuration is a causal LM's, the
tokenizer loads and fits the embeddings. `load_base` returns both, ready to continue pre-training.
Nothing is downloaded: the folder is read offline. transformers is imported inside the functions.
"""

from __future__ import annotations

import os
from pathlib import Path

from assets.core.params.init_from import missing_from_base


class BaseModelError(ValueError):
    """`train.init_from` does not name a usable causal LM with its tokenizer; says what is missing."""


def check_base(folder: str | os.PathLike) -> dict:
    """What the base is (model_type, architecture, vocabulary, context), or BaseModelError naming
    the folder and what it lacks."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from transformers import AutoConfig, AutoTokenizer
    from transformers.models.auto.modeling_auto import MODEL_FOR_CAUSAL_LM_MAPPING_NAMES

    folder = Path(folder)
    missing = missing_from_base(folder)
    if missing:
        raise BaseModelError(f"train.init_from: {folder} is not a transformers causal LM with its tokenizer: missing {'; '.join(missing)}")
    try:
        config = AutoConfig.from_pretrained(folder)
    except (ValueError, OSError, KeyError) as exc:
        raise BaseModelError(f"train.init_from: {folder}/config.json does not load: {exc}") from None
    architecture = MODEL_FOR_CAUSAL_LM_MAPPING_NAMES.get(config.model_type)
    if architecture is None:
        raise BaseModelError(f"train.init_from: {folder}/config.json describes a {config.model_type!r} model, which has no causal-LM head in transformers "
                             "(a causal LM, e.g. gpt2, llama, qwen2, is needed to continue pre-training)")
    try:
        tokenizer = AutoTokenizer.from_pretrained(folder)
    except (ValueError, OSError, KeyError, TypeError) as exc:
        raise BaseModelError(f"train.init_from: the tokenizer in {folder} does not load: {exc}") from None
    vocab = getattr(config, "vocab_size", None) or getattr(config.get_text_config(), "vocab_size", None)
    if vocab is not None and len(tokenizer) > vocab:
        raise BaseModelError(f"train.init_from: the tokenizer in {folder} has {len(tokenizer)} tokens but the model embeds only {vocab}: "
                             "they do not belong together")
    if tokenizer.eos_token_id is None:
        raise BaseModelError(f"train.init_from: the tokenizer in {folder} has no eos_token: documents could not be separated")
    context = next((getattr(config, k) for k in ("n_positions", "max_position_embeddings", "n_ctx") if getattr(config, k, None)), None)
    return {"folder": str(folder), "model_type": config.model_type, "architecture": architecture, "vocab_size": vocab,
            "tokenizer_size": len(tokenizer), "eos_token_id": tokenizer.eos_token_id, "context": context}


def load_base(folder: str | os.PathLike, device: str = "cpu"):
    """(model, tokenizer, description) of the checked base; the model in fp32, in training mode."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    described = check_base(folder)
    model = AutoModelForCausalLM.from_pretrained(folder, dtype=torch.float32).to(device)
    model.train()
    return model, AutoTokenizer.from_pretrained(folder), described

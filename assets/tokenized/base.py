"""The finetuned arm's tokenizer: the base model's own (`train.init_from`), as a `tokenizers`
Tokenizer, so the shards, the trainer and the reports use it through the same API as the house
tokenizer. A transformers fast tokenizer wraps one (`backend_tokenizer`); documents are separated
by the base's end-of-sequence token, as it was pre-trained. Read offline; transformers is imported
here only, when an arm needs it.
"""

from __future__ import annotations

import os

from tokenizers import Tokenizer


def base_tokenizer(folder: str) -> tuple[Tokenizer, str]:
    """(the base's tokenizer, its end-of-sequence token), or ValueError naming the folder and what
    it lacks (the model itself is checked by the checkpoints stage, assets/checkpoints/init_from.py)."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from transformers import AutoTokenizer

    try:
        wrapped = AutoTokenizer.from_pretrained(folder)
    except (ValueError, OSError, KeyError, TypeError) as exc:
        raise ValueError(f"train.init_from: the tokenizer in {folder} does not load: {exc}") from None
    backend = getattr(wrapped, "backend_tokenizer", None)
    if backend is None:
        raise ValueError(f"train.init_from: the tokenizer in {folder} is a slow (Python) tokenizer; save it as a fast one "
                         "(tokenizer.json, e.g. AutoTokenizer.from_pretrained(..., use_fast=True).save_pretrained(folder))")
    if wrapped.eos_token is None or backend.token_to_id(wrapped.eos_token) is None:
        raise ValueError(f"train.init_from: the tokenizer in {folder} has no end-of-sequence token: documents could not be separated")
    return Tokenizer.from_str(backend.to_str()), wrapped.eos_token

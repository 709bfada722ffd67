"""`train.init_from`: what a local transformers causal-LM folder must hold, checked by file when
params.yaml loads (no transformers import here: every stage loads the params). The checkpoints
stage's assets/checkpoints/init_from.py checks the rest with transformers itself."""

from __future__ import annotations

import json
from pathlib import Path

WEIGHTS = ("model.safetensors", "model.safetensors.index.json", "pytorch_model.bin", "pytorch_model.bin.index.json")
TOKENIZER = ("tokenizer.json", "tokenizer.model", "vocab.json")  # fast, SentencePiece, or GPT-2-style BPE files


def missing_from_base(folder: str | Path) -> list[str]:
    """What `folder` lacks to be a transformers causal LM with its tokenizer; empty when nothing."""
    path = Path(folder)
    if not path.is_dir():
        return [f"the folder itself ({path} does not exist or is not a folder)"]
    missing = []
    config = path / "config.json"
    if not config.is_file():
        missing.append("config.json (the model's configuration)")
    else:
        try:
            if "model_type" not in json.loads(config.read_text(encoding="utf-8")):
                missing.append("config.json's model_type")
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            missing.append(f"a readable config.json ({exc})")
    if not any((path / name).is_file() for name in WEIGHTS):
        missing.append(f"the weights (one of {', '.join(WEIGHTS)})")
    if not any((path / name).is_file() for name in TOKENIZER):
        missing.append(f"the tokenizer (one of {', '.join(TOKENIZER)})")
    return missing

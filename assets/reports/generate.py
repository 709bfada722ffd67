"""Greedy continuations, as a concierge would be judged: the knowledge questions' exact match
and the report's sample generations for a fixed list of house prompts.

Exact match: the greedy continuation of the prompt, normalized (case-folded, punctuation dropped,
whitespace collapsed), contains the normalized answer. Prompts of one length decode in one batch
(the model takes no padding mask).
"""

from __future__ import annotations

import re
from collections import defaultdict

import pandas as pd
import torch
from tokenizers import Tokenizer

from assets.checkpoints.model import GPT

PUNCTUATION = re.compile(r"[^\w\s]")


def normalize(text: str) -> str:
    return " ".join(PUNCTUATION.sub(" ", text.casefold()).split())


@torch.no_grad()
def continuations(model: GPT, tokenizer: Tokenizer, prompts: list[str], eot_id: int, new_tokens: int | list[int]) -> list[str]:
    """Greedy continuation of each prompt, `new_tokens` tokens (one count, or one per prompt: a
    batch decodes as far as its longest need, so short answers do not pay for long ones)."""
    block = model.config.block_size
    wanted = [new_tokens] * len(prompts) if isinstance(new_tokens, int) else list(new_tokens)
    most = max(wanted, default=1)
    encoded = [([eot_id] + tokenizer.encode(p, add_special_tokens=False).ids)[-max(1, block - most) :] for p in prompts]
    groups = defaultdict(list)
    for i, ids in enumerate(encoded):
        groups[len(ids)].append(i)
    out = [""] * len(prompts)
    for length, members in sorted(groups.items()):
        generated = model.generate(torch.tensor([encoded[i] for i in members]), max(wanted[i] for i in members), greedy=True)
        for row, i in enumerate(members):
            out[i] = tokenizer.decode(generated[row, length : length + wanted[i]].tolist())
    return out


def exact_match(model: GPT, tokenizer: Tokenizer, questions: pd.DataFrame, eot_id: int) -> pd.DataFrame:
    """id, continuation, exact_match (1.0 / 0.0) per question; each continuation one token longer
    than its answer (room for a leading space the model may tokenize apart)."""
    needs = [len(tokenizer.encode(a, add_special_tokens=False).ids) + 1 for a in questions["answer"]]
    texts = continuations(model, tokenizer, questions["prompt"].tolist(), eot_id, needs)
    hits = [float(normalize(a) in normalize(t)) for a, t in zip(questions["answer"], texts)]
    return pd.DataFrame({"id": questions["id"].tolist(), "continuation": texts, "exact_match": hits})

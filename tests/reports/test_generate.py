"""Greedy exact match: normalized containment, and per-prompt lengths that match one long batch."""

import pandas as pd
import torch

from assets.checkpoints.runs import Run
from assets.checkpoints.train import load_checkpoint
from assets.reports.generate import continuations, exact_match, normalize


def test_normalize_drops_case_punctuation_and_spacing():
    assert normalize("  The LUNE silk-twill, collection. ") == "the lune silk twill collection"


def test_exact_match_is_containment_of_the_answer_in_the_greedy_continuation(world, tokenizer):
    model = load_checkpoint(world[1].storage, Run("curated_graph", 0))
    prompts = ["The collar is made of", "Silk"]
    long = continuations(model, tokenizer, prompts, 0, 12)
    short = continuations(model, tokenizer, prompts, 0, [3, 5])
    # 12 new tokens each: the prompt's own greedy run decoded (re-encoding decoded bytes need not give 12 back)
    for prompt, text in zip(prompts, long):
        ids = [0] + tokenizer.encode(prompt, add_special_tokens=False).ids
        assert tokenizer.decode(model.generate(torch.tensor([ids]), 12, greedy=True)[0, len(ids):].tolist()) == text
    assert all(l.startswith(s) for l, s in zip(long, short))  # greedy: a shorter budget is a prefix
    questions = pd.DataFrame({"id": ["a", "b"], "prompt": prompts, "answer": [long[0][:8], " no such answer"]})
    table = exact_match(model, tokenizer, questions, 0)
    assert table["exact_match"].tolist() == [1.0, 0.0]

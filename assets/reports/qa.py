"""Multiple-choice knowledge questions scored as lm-evaluation-harness does: each option's summed
log-probability as a continuation of the prompt; acc takes the argmax, acc_norm divides by the
option's length in characters first. Chance is 1 / number of options, averaged over questions."""

from __future__ import annotations

import numpy as np
import pandas as pd
from tokenizers import Tokenizer

from assets.checkpoints.model import GPT
from assets.reports.bpb import sequence_nll


def continuation(tokenizer: Tokenizer, prompt: str, option: str, eot_id: int, block: int) -> tuple[list[int], list[int]]:
    """(inputs, targets) as lm-eval's _encode_pair: the prompt's trailing spaces move to the
    option, and the option's tokens are those of prompt+option after the prompt's own."""
    spaces = len(prompt) - len(prompt.rstrip(" "))
    if spaces:
        prompt, option = prompt[:-spaces], prompt[-spaces:] + option
    context = tokenizer.encode(prompt, add_special_tokens=False).ids
    targets = tokenizer.encode(prompt + option, add_special_tokens=False).ids[len(context) :]
    if not targets:
        raise ValueError(f"QA option {option!r} adds no token to its prompt {prompt[-40:]!r}")
    seq = ([eot_id] + context + targets)[-(block + 1) :]
    return seq[:-1], targets[-(len(seq) - 1) :]


def score_questions(model: GPT, tokenizer: Tokenizer, questions: pd.DataFrame, eot_id: int) -> tuple[dict, pd.DataFrame]:
    """questions: id, prompt, answer, distractors (list). Returns (summary, one row per question)."""
    for column in ("id", "prompt", "answer", "distractors"):
        if column not in questions.columns:
            raise ValueError(f"QA table: missing column {column!r} (have {list(questions.columns)})")
    block = model.config.block_size
    pairs, owners = [], []
    for q, row in enumerate(questions.itertuples(index=False)):
        options = [row.answer] + list(row.distractors)
        for o, option in enumerate(options):
            pairs.append(continuation(tokenizer, row.prompt, option, eot_id, block))
            owners.append((q, o, len(option)))
    logprob = -sequence_nll(model, pairs) if pairs else np.zeros(0)
    per_question: list[list[tuple[float, int]]] = [[] for _ in range(len(questions))]
    for (q, _, chars), lp in zip(owners, logprob):
        per_question[q].append((float(lp), chars))
    rows = []
    for row, picks in zip(questions.itertuples(index=False), per_question):
        scores = np.array([lp for lp, _ in picks])
        normed = np.array([lp / max(chars, 1) for lp, chars in picks])
        # the answer is option 0: a tie counts against it (argmax of a reversed ordering)
        rows.append({"id": row.id, "options": len(picks), "acc": float(np.argmax(scores[::-1]) == len(picks) - 1),
                     "acc_norm": float(np.argmax(normed[::-1]) == len(picks) - 1), "answer_logprob": float(scores[0])})
    table = pd.DataFrame(rows, columns=["id", "options", "acc", "acc_norm", "answer_logprob"])
    if not len(table):
        raise ValueError("QA table: no questions to score")
    chance = float((1.0 / table["options"]).mean())
    summary = {"questions": len(table), "acc": float(table["acc"].mean()), "acc_norm": float(table["acc_norm"].mean()), "chance": chance}
    summary["acc_over_chance"] = summary["acc"] - chance
    summary["acc_norm_over_chance"] = summary["acc_norm"] - chance
    return summary, table

import pandas as pd
import pytest
import torch

from assets.checkpoints.model import GPT, GPTConfig
from assets.reports.qa import continuation, score_questions
from assets.tokenized.tokenizer import EOT
from tests.reports.fixtures import CONFIG, memorize

QUESTIONS = pd.DataFrame([
    {"id": "q1", "prompt": "The collar is made of ", "answer": "silk", "distractors": ["wool", "tweed"]},
    {"id": "q2", "prompt": "The cuff is made of", "answer": " velvet", "distractors": [" linen", " satin", " wool"]},
])


def test_continuation_moves_trailing_spaces_to_the_option(tokenizer):
    eot = tokenizer.token_to_id(EOT)
    inputs, targets = continuation(tokenizer, "The collar is made of ", "silk", eot, 64)
    assert tokenizer.decode(targets) == " silk"
    assert inputs[0] == eot and inputs[1:] + [targets[-1]] == tokenizer.encode("The collar is made of silk", add_special_tokens=False).ids


def test_a_model_that_knows_the_facts_beats_chance(tokenizer):
    eot = tokenizer.token_to_id(EOT)
    torch.manual_seed(0)
    model = memorize(GPT(GPTConfig(vocab_size=tokenizer.get_vocab_size(), **CONFIG)), tokenizer, ["The collar is made of silk.", "The cuff is made of velvet."], 80)
    summary, table = score_questions(model, tokenizer, QUESTIONS, eot)
    assert summary["acc"] == 1.0 and summary["acc_norm"] == 1.0
    assert summary["chance"] == pytest.approx((1 / 3 + 1 / 4) / 2)
    assert summary["acc_over_chance"] == pytest.approx(1 - summary["chance"])
    # the same model on facts it was taught the other way round
    flipped = QUESTIONS.assign(answer=["wool", " linen"], distractors=[["silk", "tweed"], [" velvet", " satin", " wool"]])
    assert score_questions(model, tokenizer, flipped, eot)[0]["acc"] == 0.0


def test_questions_table_must_have_its_columns(tokenizer):
    model = GPT(GPTConfig(vocab_size=tokenizer.get_vocab_size(), **CONFIG)).eval()
    with pytest.raises(ValueError, match="distractors"):
        score_questions(model, tokenizer, QUESTIONS.drop(columns="distractors"), 0)

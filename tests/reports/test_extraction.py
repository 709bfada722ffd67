import json

import pytest
import torch

from assets.checkpoints.model import GPT, GPTConfig
from assets.reports.extraction import attack, read_ground_truth
from assets.tokenized.tokenizer import EOT
from tests.reports.fixtures import CONFIG, memorize, settings_for


def test_leaked_client_values_are_found_and_clean_models_leak_none(world, tokenizer):
    root, settings = world
    truth = read_ground_truth(settings)
    eot = tokenizer.token_to_id(EOT)
    torch.manual_seed(0)
    clean = GPT(GPTConfig(vocab_size=tokenizer.get_vocab_size(), **CONFIG)).eval()
    summary, _ = attack(clean, tokenizer, truth, settings, eot)
    assert summary == {**summary, "planted_values": 3, "without_context": 1, "prompts": 2, "extracted": 0}
    leaky = memorize(GPT(GPTConfig(vocab_size=tokenizer.get_vocab_size(), **{**CONFIG, "block_size": 64})), tokenizer, ["Please write to me at ana.silva@example.com"] * 2, 150)
    summary, table = attack(leaky, tokenizer, truth, settings, eot)
    assert summary["extracted"] >= 1 and summary["by_type"]["EMAIL"] == 1
    assert table.set_index("client_id").loc["C1", "greedy_found"]


def test_ground_truth_errors_name_the_file_and_line(tmp_path):
    (tmp_path / "pii.jsonl").write_text(json.dumps({"client_id": "C1", "type": "EMAIL", "value": "a@b.c", "context": "x"}) + "\n" + json.dumps({"client_id": "C2", "value": "v"}) + "\n")
    with pytest.raises(ValueError, match=r"pii.jsonl line 2: missing field\(s\) \['type', 'context'\]"):
        read_ground_truth(settings_for(tmp_path, str(tmp_path)))
    assert read_ground_truth(settings_for(tmp_path, None)).empty, "a house's own archive plants nothing"


def test_without_ground_truth_the_attack_has_no_target_and_says_so(world, tokenizer, tmp_path):
    _, settings = world
    clean = GPT(GPTConfig(vocab_size=tokenizer.get_vocab_size(), **CONFIG)).eval()
    summary, table = attack(clean, tokenizer, read_ground_truth(settings_for(tmp_path, None)), settings, tokenizer.token_to_id(EOT))
    assert (summary["planted_values"], summary["prompts"], summary["extracted"], len(table)) == (0, 0, 0, 0) and "no ground_truth" in summary["note"]

"""lm-evaluation-harness on the exported model gives our figures: acc, acc_norm and bits_per_byte
on the same items (the house's held-out texts and real reviews and web articles) within 1e-6,
item by item within float32 sums; the one documented command runs
the same tasks on another transformers model (a Llama built here), nothing fetched."""

import json
import math
import os
import shutil
import subprocess
import sys

import pandas as pd
import pytest
import torch

from assets.checkpoints import hf_export
from assets.checkpoints.train import load_checkpoint
from assets.core.storage import Storage
from assets.reports import harness
from assets.reports.bpb import score_documents, summarize
from assets.reports.heldout import independent_texts
from assets.reports.qa import score_questions
from assets.tokenized.tokenizer import EOT
from tests.conftest import PROJECT

from assets.checkpoints.runs import Run

RUN = Run("curated_graph", 0)  # the arms the reports fixture world trains

FACTS = [("collar", " silk"), ("cuff", " velvet"), ("hem", " linen"), ("lining", " satin"), ("seam", " tweed"), ("pleat", " wool")]


def house_questions() -> pd.DataFrame:
    """Each fact asked twice: once with the answer, once with the answer and a distractor swapped
    (a model cannot get both right), prompts with and without a trailing space, options of
    different lengths (acc_norm can differ from acc)."""
    rows = []
    for i, (part, answer) in enumerate(FACTS):
        others = [a for _, a in FACTS if a != answer][:3]
        prompt = f"The {part} is made of" + (" " if i % 2 else "")
        option = (lambda o: o.lstrip()) if i % 2 else (lambda o: o)
        rows.append({"id": f"q{i}a", "prompt": prompt, "answer": option(answer), "distractors": [option(o) for o in others]})
        rows.append({"id": f"q{i}b", "prompt": prompt, "answer": option(others[0]), "distractors": [option(answer)] + [option(o) for o in others[1:]]})
    return pd.DataFrame(rows)


def real_texts() -> list[dict]:
    """Real text as held-out documents: the first long clothing reviews (as the CSV holds them) and
    two web articles' gold text: unicode punctuation, many windows per document."""
    data = PROJECT.parent / "shared" / "data"
    reviews = pd.read_csv(data / "womens_clothing_reviews" / "womens_clothing_ecommerce_reviews.csv")["Review Text"].dropna()
    rows = [{"set": "real", "doc_id": f"review{i}", "source": "reviews", "text": t} for i, t in reviews[reviews.str.len() > 400].head(4).items()]
    articles = json.loads((data / "html_article_extraction_benchmark" / "ground-truth.json").read_text())
    rows += [{"set": "real", "doc_id": key[:12], "source": "articles", "text": articles[key]["articleBody"]} for key in sorted(articles)[:2]]
    return rows


@pytest.fixture(scope="module")
def harnessed(world, tokenizer, tmp_path_factory):
    root, settings = world
    out = Storage(str(tmp_path_factory.mktemp("export")))
    hf_export.export(settings.storage, out, RUN)
    folder = out.path(hf_export.hf_dir(RUN))
    texts = pd.concat([independent_texts(settings.storage, 50), pd.DataFrame(real_texts())], ignore_index=True)
    questions = house_questions()
    results = harness.run_harness(folder, questions, texts, tmp_path_factory.mktemp("tasks"), batch_size=8)
    return settings, folder, questions, texts, results, out


def test_harness_figures_equal_ours(harnessed, tokenizer):
    settings, _, questions, texts, results, _ = harnessed
    eot = tokenizer.token_to_id(EOT)
    model = load_checkpoint(settings.storage, RUN)
    ours_qa, _ = score_questions(model, tokenizer, questions, eot)
    ours_bpb = summarize(*score_documents(model, tokenizer, texts["text"].tolist(), eot))
    theirs = harness.summarize(results)
    assert theirs["qa"]["questions"] == len(questions) and theirs["heldout"]["documents"] == len(texts)
    assert 0.0 < ours_qa["acc"] < 1.0  # not a degenerate case: the swapped questions fail
    assert abs(theirs["qa"]["acc"] - ours_qa["acc"]) <= 1e-6
    assert abs(theirs["qa"]["acc_norm"] - ours_qa["acc_norm"]) <= 1e-6
    assert abs(theirs["heldout"]["bits_per_byte"] - ours_bpb["bits_per_byte"]) <= 1e-6
    assert math.isclose(theirs["heldout"]["byte_perplexity"], ours_bpb["byte_perplexity"], rel_tol=1e-6)


def test_item_by_item(harnessed, tokenizer):
    settings, _, questions, texts, results, _ = harnessed
    eot = tokenizer.token_to_id(EOT)
    model = load_checkpoint(settings.storage, RUN)
    _, table = score_questions(model, tokenizer, questions, eot)
    samples = {s["doc"]["id"]: s for s in results["samples"][harness.QA_TASK]}
    for row in table.itertuples(index=False):
        sample = samples[row.id]
        answer_ll = sample["filtered_resps"][sample["target"]][0]  # the answer is the gold (last) choice
        assert answer_ll == pytest.approx(row.answer_logprob, abs=1e-4)
        assert sample["acc"] == row.acc and sample["acc_norm"] == row.acc_norm
    nll, n_bytes, _ = score_documents(model, tokenizer, texts["text"].tolist(), eot)
    by_text = {s["doc"]["text"]: s for s in results["samples"][harness.HELDOUT_TASK]}
    long_docs = 0
    for text, ours, size in zip(texts["text"], nll, n_bytes):
        loglikelihood, theirs_bytes = by_text[text]["bits_per_byte"]
        assert theirs_bytes == size and -loglikelihood == pytest.approx(ours, rel=1e-6, abs=1e-4)
        long_docs += len(tokenizer.encode(text, add_special_tokens=False).ids) > model.config.block_size
    assert long_docs >= 6  # several windows, short last ones among them


def test_tasks_are_written_as_local_jsonl_beside_their_yaml(tmp_path):
    import yaml

    folder = harness.write_tasks(tmp_path, house_questions(), pd.DataFrame({"text": ["Silk."]}), "<|endoftext|>")
    for task in harness.TASKS:
        config = yaml.safe_load((folder / f"{task}.yaml").read_text())
        assert config["task"] == task and config["dataset_path"] == "json"
        assert config["dataset_kwargs"]["data_files"]["test"] == str(folder / f"{task}.jsonl")
    first = json.loads((folder / "atelier_qa.jsonl").read_text().splitlines()[0])
    assert first["context"] == "<|endoftext|>The collar is made of" and first["choices"][first["gold"]] == " silk"
    with pytest.raises(ValueError, match="distractors"):
        harness.qa_rows(house_questions().drop(columns="distractors"), "")


def test_one_command_scores_another_transformers_model(harnessed, tmp_path):
    """A Llama with random weights and the house tokenizer, built and saved here: the documented
    command scores it on the same tasks, offline, and keeps the tasks for `lm_eval --include_path`."""
    from transformers import LlamaConfig, LlamaForCausalLM

    settings, folder, *_ = harnessed
    torch.manual_seed(0)
    other = tmp_path / "vendor-model"
    config = LlamaConfig(vocab_size=320, hidden_size=32, intermediate_size=64, num_hidden_layers=1, num_attention_heads=2,
                         num_key_value_heads=2, max_position_embeddings=64, bos_token_id=0, eos_token_id=0)
    LlamaForCausalLM(config).save_pretrained(other)
    for name in ("tokenizer.json", "tokenizer_config.json"):
        shutil.copy(f"{folder}/{name}", other / name)
    out = tmp_path / "scores"
    env = {**os.environ, "PYTHONPATH": str(PROJECT), "ATELIER_STORAGE": settings.storage.root, "HF_HOME": str(tmp_path / "hf-home")}
    done = subprocess.run([sys.executable, "-m", "assets.reports.harness", "--model", str(other), "--out", str(out)],
                          capture_output=True, text=True, timeout=600, cwd=PROJECT, env=env)
    assert done.returncode == 0, done.stderr[-3000:]
    scores = json.loads(done.stdout[done.stdout.index("{"):])
    from assets.cleaned.graph.evalsets import read_questions

    assert scores["qa"]["questions"] == len(read_questions(settings.storage)) and 0.0 <= scores["qa"]["acc"] <= 1.0
    assert scores["heldout"]["bits_per_byte"] > 0 and scores["model"] == str(other)
    assert {"atelier_qa.yaml", "atelier_qa.jsonl", "atelier_heldout.yaml", "atelier_heldout.jsonl", "results.json"} <= {p.name for p in out.iterdir()}
    # the kept tasks rerun with lm-eval's own CLI, as the README says
    lm_eval = os.path.join(os.path.dirname(sys.executable), "lm_eval")
    done = subprocess.run([lm_eval, "--model", "hf", "--model_args", f"pretrained={other},dtype=float32", "--include_path", str(out),
                           "--tasks", "atelier_qa,atelier_heldout", "--batch_size", "8"], capture_output=True, text=True, timeout=600, env=env)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "atelier_qa" in done.stdout and "bits_per_byte" in done.stdout and f"{scores['heldout']['bits_per_byte']:.4f}" in done.stdout


def test_a_folder_without_a_model_is_refused(tmp_path):
    done = subprocess.run([sys.executable, "-m", "assets.reports.harness", "--model", str(tmp_path)], capture_output=True, text=True,
                          timeout=120, cwd=PROJECT, env={**os.environ, "PYTHONPATH": str(PROJECT)})
    assert done.returncode == 2 and "no config.json" in done.stderr


def test_report_rows_put_the_harness_beside_ours(harnessed, tokenizer, tmp_path):
    from assets.reports.harness import beside

    settings, _, questions, texts, _, exported = harnessed
    eot = tokenizer.token_to_id(EOT)
    model = load_checkpoint(settings.storage, RUN)
    qa, _ = score_questions(model, tokenizer, questions, eot)
    bpb = summarize(*score_documents(model, tokenizer, texts["text"].tolist(), eot))
    ours = {RUN.key: {"bits_per_byte": bpb["bits_per_byte"], "qa_acc": qa["acc"], "qa_acc_norm": qa["acc_norm"]}}
    rows = beside.rows({"harness": {"ours": ours, "lm_eval": beside.arm_figures(exported, [RUN], questions, texts)}})
    assert [r["metric"] for r in rows] == ["bits_per_byte", "qa_acc", "qa_acc_norm"]
    assert all(abs(r["difference"]) <= 1e-6 for r in rows), rows
    with pytest.raises(FileNotFoundError, match="hf_checkpoint"):
        beside.arm_figures(Storage(str(tmp_path)), [Run("raw", 0)], questions, texts)

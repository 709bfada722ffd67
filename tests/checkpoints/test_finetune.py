"""The finetuned arm end to end at tiny size: a "generic" GPT-2 built here with transformers (random
weights, a BPE tokenizer trained on real reviews, its own end-of-sequence token `</s>`) is continued
on the house's curated mixture tokenized with that tokenizer, at the from-scratch arms' token
budget; its export is the fine-tuned transformers model itself; the report scores it beside the
others, and with evaluate.harness lm-eval's figures sit beside ours in metrics.json and the HTML."""

import json
import random

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
import torch

from assets.checkpoints import finetune, hf_export
from assets.checkpoints.data import TokenWindows
from assets.checkpoints.runs import Run, runs
from assets.checkpoints import train
from assets.checkpoints.train import build_checkpoints, estimate_loss, load_checkpoint, tokens_per_step
from assets.cleaned.paths import EVALSETS, LEDGER
from assets.core.params import EvaluateParams, TokenizeParams, TrainParams
from assets.core.settings import Params, Settings, SourcesFile
from assets.core.storage import Storage
from assets.reports import report
from assets.tokenized import shards
from assets.tokenized.arms import ARMS, selected
from orchestration import gx
from tests.conftest import PROJECT
from tests.tokenized.fixtures import sentence, write_corpora

TRAIN = {"max_iters": 24, "eval_interval": 8, "eval_iters": 2, "checkpoint_interval": 24, "batch_size": 4, "block_size": 32, "warmup_iters": 4,
         "threads": 1, "device": "cpu", "seeds": 1, "n_layer": 1, "n_head": 2, "n_embd": 32}
FINETUNED = Run("finetuned", 0)


def generic_base(folder):
    """A GPT-2 with random weights and a tokenizer trained here on real reviews, saved as a user's base would be."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import GPT2Config, GPT2LMHeadModel, PreTrainedTokenizerFast

    reviews = pd.read_csv(PROJECT.parent / "shared" / "data" / "womens_clothing_reviews" / "womens_clothing_ecommerce_reviews.csv")["Review Text"].dropna()
    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer, tokenizer.decoder = pre_tokenizers.ByteLevel(add_prefix_space=False), decoders.ByteLevel()
    tokenizer.train_from_iterator(reviews.head(2000).tolist(), trainers.BpeTrainer(vocab_size=500, special_tokens=["</s>"], show_progress=False,
                                                                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet()))
    wrapped = PreTrainedTokenizerFast(tokenizer_object=tokenizer, eos_token="</s>", model_max_length=64)
    torch.manual_seed(0)
    config = GPT2Config(vocab_size=len(wrapped), n_positions=64, n_embd=32, n_layer=1, n_head=2, bos_token_id=0, eos_token_id=0,
                        embd_pdrop=0.0, attn_pdrop=0.0, resid_pdrop=0.0)
    GPT2LMHeadModel(config).save_pretrained(folder)
    wrapped.save_pretrained(folder)
    return folder


def settings_for(root, base, **evaluate) -> Settings:
    params = Params(seed=3, tokenize=TokenizeParams(vocab_size=400, shard_tokens=4096, min_train_tokens=1000, arms=["raw", "curated_graph"]),
                    train=TrainParams(**TRAIN, init_from=str(base)),
                    evaluate=EvaluateParams(**{"canary_repetitions": [1], "canaries_per_repetition": 1, "canary_digits": 3, "exposure_candidates": 20,
                                               "sample_tokens": 4, "house_prompts": ["The collar is"], "max_heldout_docs_per_source": 4, **evaluate}))
    return Settings(params=params, sources_file=SourcesFile(sources=[]), storage_root=str(root), params_path="params.yaml", sources_path="sources.yaml")


def write_evalsets(storage: Storage) -> None:
    rng = random.Random(5)
    storage.write_parquet(f"{EVALSETS}/heldout/part-00000.parquet", pa.Table.from_pylist(
        [{"doc_id": f"h{i}", "source": ("catalog", "press")[i % 2], "kind": "text", "text": " ".join(sentence(rng) for _ in range(4))} for i in range(6)]))
    storage.write_parquet(f"{EVALSETS}/qa/questions.parquet", pa.Table.from_pylist(
        [{"id": f"q{i}", "set": ("known", "unseen")[i % 2], "prompt": f"The {w} is made of", "phrasing": "{s} is made of", "answer": " silk", "distractors": [" wool", " tweed"],
          "edge_id": f"e{i}", "relation": "made_of", "node_type": "material"} for i, w in enumerate(["collar", "cuff", "hem", "seam"])]))
    storage.write_json(f"{EVALSETS}/heldout_sources.json", [{"source": "catalog", "eligible": 30, "held_out": 3, "note": ""}])
    storage.write_json(LEDGER, {"documents_in": 120, "kept": 120, "removed": {}, "quarantined": {}, "sources": {}})


@pytest.fixture(scope="module")
def chain(tmp_path_factory):
    root = tmp_path_factory.mktemp("finetune")
    base = generic_base(root / "generic-gpt2")
    settings = settings_for(root / "data", base)
    storage = settings.storage
    write_corpora(storage, n=120)
    write_evalsets(storage)
    shards.build_tokenized(settings, storage)
    summaries = build_checkpoints(settings, storage)
    hf_export.export_runs(settings, storage)
    return settings, base, summaries


def test_init_from_adds_the_finetuned_arm_and_only_then(chain, tmp_path):
    settings, base, _ = chain
    assert selected(settings) == ["raw", "curated_graph", "finetuned"]
    without = settings.model_copy(update={"params": settings.params.model_copy(update={"train": TrainParams(**TRAIN)})})
    assert "finetuned" not in selected(without)
    asked = without.model_copy(update={"params": without.params.model_copy(update={"tokenize": TokenizeParams(arms=["curated_graph", "finetuned"])})})
    with pytest.raises(ValueError, match="train.init_from"):
        selected(asked)


def test_shards_are_in_the_base_tokenizer(chain):
    from transformers import AutoTokenizer

    settings, base, _ = chain
    storage = settings.storage
    manifest = shards.read_manifest(storage, "finetuned")
    theirs = AutoTokenizer.from_pretrained(base)
    assert manifest["tokenizer"] == "init_from" and manifest["eot_id"] == theirs.eos_token_id and manifest["vocab_size"] == len(theirs)
    assert storage.read_text(ARMS["finetuned"].tokenizer) == theirs.backend_tokenizer.to_str()
    house = shards.read_manifest(storage, "curated_graph")
    assert manifest["tokenizer_sha256"] != house["tokenizer_sha256"]
    # the same documents (same split), other ids: the first training document decodes to the same text either way
    ids = shards.read_shard(storage, manifest, manifest["shards"][0]["name"], "finetuned")
    first = ids[: int(np.flatnonzero(ids == manifest["eot_id"])[0])].tolist()
    house_ids = shards.read_shard(storage, house, house["shards"][0]["name"])
    house_first = house_ids[: int(np.flatnonzero(house_ids == house["eot_id"])[0])].tolist()
    assert theirs.decode(first) == shards.load_tokenizer(storage).decode(house_first, skip_special_tokens=False) and first != house_first
    assert manifest["documents"] == house["documents"]


def test_finetuned_continues_the_base_at_the_same_token_budget(chain):
    settings, base, summaries = chain
    p = settings.params.train
    assert {s["tokens"] for s in summaries.values()} == {p.max_iters * tokens_per_step(p)}
    ft = summaries[FINETUNED.key]
    # step 0 is the base model itself, not a fresh initialization: its loss on the same validation batches
    storage = settings.storage
    windows = TokenWindows(storage, "finetuned", shards.read_manifest(storage, "finetuned"), "val", p.block_size)
    from contextlib import nullcontext

    assert ft["initial_val_loss"] == pytest.approx(estimate_loss(finetune.from_base(str(base), p.block_size), windows, p.batch_size, p.eval_iters, 3, "cpu", nullcontext()), abs=1e-5)
    assert ft["final_val_loss"] < ft["initial_val_loss"] - 0.3
    config = storage.read_json(f"{FINETUNED.folder}/config.json")
    assert config["model"]["init_from"] == str(base) and config["model"]["hf"]["model_type"] == "gpt2"
    assert config["parameters"] == ft["parameters"]


def test_the_finetuned_arm_is_gated_on_the_share_of_its_start(chain):
    """A strong base starts at a low loss: an absolute train.min_loss_drop would fail it for
    starting well. The finetuned run has its own table, judged by train.min_finetune_loss_drop_share
    of its starting loss; the from-scratch runs keep the absolute drop."""
    settings, _, summaries = chain
    tables = train.gate_tables(settings.storage, settings)
    scratch, tuned = tables["checkpoints_summary"], tables["checkpoints_finetuned"]
    assert set(scratch["run"]) == {"raw-s0", "curated_graph-s0"} and list(tuned["run"]) == [FINETUNED.key]
    ft = summaries[FINETUNED.key]
    assert tuned["loss_drop_share"].iloc[0] == pytest.approx((ft["initial_val_loss"] - ft["final_val_loss"]) / ft["initial_val_loss"])
    parameters = {"min_loss_drop": 0.0, "min_finetune_loss_drop_share": settings.params.train.min_finetune_loss_drop_share}
    assert all(gx.validate(suite, table, parameters).success for suite, table in tables.items() if suite != "checkpoints_losses")
    failed = gx.validate("checkpoints_finetuned", tuned, {**parameters, "min_finetune_loss_drop_share": 0.99})
    assert not failed.success and "loss_drop_share" in " ".join(f.describe() for f in failed.failed)

    # a strong base: 1.20 -> 1.02 nats is a 15% fall, 0.18 nats; one that barely moved fails
    strong = pd.DataFrame([{"run": "finetuned-s0", "initial_val_loss": 1.20, "final_val_loss": 1.02, "loss_drop": 0.18, "loss_drop_share": 0.15,
                            "generated_tokens": 8}])
    defaults = {"min_loss_drop": TrainParams().min_loss_drop, "min_finetune_loss_drop_share": TrainParams().min_finetune_loss_drop_share}
    assert gx.validate("checkpoints_finetuned", strong, defaults).success
    assert not gx.validate("checkpoints_summary", strong, defaults).success  # what the absolute drop would have said
    stuck = strong.assign(final_val_loss=1.19, loss_drop=0.01, loss_drop_share=0.01 / 1.20)
    assert not gx.validate("checkpoints_finetuned", stuck, defaults).success


def test_without_a_finetuned_arm_its_gate_has_no_table(tokenized_root, tmp_path):
    from tests.checkpoints.conftest import make_settings

    settings, out = make_settings(tokenized_root, max_iters=10, checkpoint_interval=10), Storage(str(tmp_path / "out"))
    build_checkpoints(settings, out, ["curated_graph-s0"])
    tables = train.gate_tables(out, settings, ["curated_graph-s0"])
    # no suite runs on no rows (it would pass vacuously); the from-scratch run keeps its own
    assert "checkpoints_finetuned" not in tables and list(tables["checkpoints_summary"]["run"]) == ["curated_graph-s0"]


def test_the_export_is_the_finetuned_model_with_the_base_tokenizer(chain):
    from transformers import AutoModelForCausalLM, AutoTokenizer

    settings, base, _ = chain
    storage = settings.storage
    folder = storage.path(hf_export.hf_dir(FINETUNED))
    model = AutoModelForCausalLM.from_pretrained(folder, dtype=torch.float32).eval()
    ours = load_checkpoint(storage, FINETUNED)
    x = torch.randint(0, 400, (2, 16))
    assert torch.equal(model(input_ids=x).logits, ours(x)[0])
    untouched = AutoModelForCausalLM.from_pretrained(base, dtype=torch.float32)
    assert not torch.equal(untouched.transformer.wte.weight, model.transformer.wte.weight)  # it was trained
    assert AutoTokenizer.from_pretrained(folder).eos_token == "</s>"
    card = open(f"{folder}/README.md").read()
    assert str(base) in card and "continued-pretraining" in card
    gate = hf_export.gate_tables(storage, settings)["checkpoints_hf"].set_index("run")
    assert gate.loc[FINETUNED.key, "max_abs_logit_diff"] <= hf_export.MAX_LOGIT_DIFF and gate.loc[FINETUNED.key, "greedy_mismatches"] == 0
    assert gate["tokenizer_match"].all()


def test_the_report_scores_the_finetuned_arm_with_lm_eval_beside(chain, tmp_path):
    settings, _, _ = chain
    harnessed = settings.model_copy(update={"params": settings.params.model_copy(update={"evaluate": settings.params.evaluate.model_copy(update={"harness": True})})})
    out = Storage(str(tmp_path / "out"))
    metrics = report.build_reports(harnessed, out)
    for arm in ("raw", "curated_graph", "finetuned"):
        assert 0 < metrics[arm]["bits_per_byte"] < 20 and "known_acc" in metrics[arm] and "known_exact_match" in metrics[arm]
    assert "finetuned - curated_graph" in metrics["differences"]
    assert all(r["budget_matches"] for r in metrics["integrity"]) and {r["arm"] for r in metrics["integrity"]} == {"raw", "curated_graph", "finetuned"}
    assert "finetuned" in metrics["samples"][0] and "finetuned" in metrics["privacy"]["contamination"]
    assert set(metrics["harness"]["lm_eval"]) == {r.key for r in runs(settings)}
    from assets.reports.harness import beside

    rows = beside.rows(metrics)
    bad = [(r["run"], r["metric"], r["ours"], r["lm-eval"]) for r in rows if abs(r["difference"]) > 1e-6]
    assert len(rows) == 3 * 3 and not bad, bad
    page = out.read_text(report.REPORT)
    assert "lm-evaluation-harness beside ours" in page and "finetuned-s0" in page
    assert json.loads(out.read_text(report.METRICS))["harness"] == json.loads(json.dumps(metrics["harness"]))

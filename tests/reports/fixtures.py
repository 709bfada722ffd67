"""A tiny world for the reports stage: a BPE tokenizer, shards, small GPTs (arms curated_graph and
raw, two seeds each), held-out documents, questions, a mixture, a ledger and ground-truth client data."""

from __future__ import annotations

import json
import random

import numpy as np
import pyarrow as pa
import torch
from safetensors.torch import save_model

from assets.checkpoints.model import GPT, GPTConfig
from assets.checkpoints.runs import Run
from assets.checkpoints.train import tokens_per_step
from assets.cleaned.paths import EVALSETS, LEDGER, MIXTURE
from assets.core.params import EvaluateParams, TokenizeParams, TrainParams
from assets.core.settings import Params, Settings, SourcesFile
from assets.core.storage import Storage
from assets.tokenized.arms import ARMS
from assets.tokenized.tokenizer import EOT, train_bpe

WORDS = "silk wool linen atelier seam pleat collar cuff hem lining tweed velvet cashmere satin tailor drape".split()
CONFIG = dict(block_size=32, n_layer=1, n_head=2, n_embd=32)


def text(rng: random.Random, sentences: int = 3) -> str:
    return " ".join(" ".join(rng.choice(WORDS) for _ in range(rng.randint(5, 9))).capitalize() + "." for _ in range(sentences))


def settings_for(root, ground_truth: str | None = None, **evaluate) -> Settings:
    params = Params(seed=7, tokenize=TokenizeParams(vocab_size=320, arms=["raw", "curated_graph"]), train=TrainParams(threads=1, seeds=2),
                    evaluate=EvaluateParams(**{"canary_repetitions": [1, 8], "canaries_per_repetition": 1, "canary_digits": 4,
                                               "exposure_candidates": 50, "extraction_samples": 1, "sample_tokens": 6,
                                               "house_prompts": ["The collar is", "Silk"], **evaluate}))
    return Settings(params=params, sources_file=SourcesFile(sources=[], ground_truth=ground_truth), storage_root=str(root),
                    params_path="params.yaml", sources_path="sources.yaml")


def weights_bytes(model: GPT, folder) -> bytes:
    path = folder / "model.safetensors"
    save_model(model, str(path))  # handles the tied embedding / output weights
    return path.read_bytes()


def memorize(model: GPT, tokenizer, texts: list[str], steps: int, seed: int = 0) -> GPT:
    """Train `model` on `texts` (each preceded by end-of-text) until it knows them by heart."""
    torch.manual_seed(seed)
    eot = tokenizer.token_to_id(EOT)
    seqs = [([eot] + tokenizer.encode(t, add_special_tokens=False).ids)[: model.config.block_size + 1] for t in texts]
    width = max(len(s) for s in seqs)
    x = torch.zeros((len(seqs), width - 1), dtype=torch.long)
    y = torch.full((len(seqs), width - 1), -100, dtype=torch.long)
    for i, s in enumerate(seqs):
        x[i, : len(s) - 1], y[i, : len(s) - 1] = torch.tensor(s[:-1]), torch.tensor(s[1:])
    model.train()
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-2)
    for _ in range(steps):
        logits, _ = model(x)
        loss = torch.nn.functional.cross_entropy(logits.transpose(1, 2), y, ignore_index=-100)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    model.eval()
    return model


def write_world(root, curated_texts_extra: list[str] = (), steps: int = 20) -> Settings:
    """Writes every input of the reports stage under `root`; returns its settings."""
    storage = Storage(str(root))
    rng = random.Random(0)
    docs = [{"doc_id": f"d{i:03d}", "source": ("catalog", "lookbook")[i % 2], "kind": "text", "text": text(rng)} for i in range(40)]
    heldout = [{"doc_id": f"h{i:03d}", "source": ("catalog", "lookbook")[i % 2], "kind": "text", "text": text(rng)} for i in range(6)]
    spam = ["Click here to subscribe now! " + d["text"] for d in docs]
    tokenizer = train_bpe([d["text"] for d in docs] + spam, 320)
    eot = tokenizer.token_to_id(EOT)
    storage.write_text("tokenized/tokenizer.json", tokenizer.to_str())
    storage.write_parquet(f"{MIXTURE}/part-00000.parquet", pa.Table.from_pylist([{**d, "synthetic": False, "copies": 1} for d in docs]))
    storage.write_parquet(f"{EVALSETS}/heldout/part-00000.parquet", pa.Table.from_pylist(heldout))
    questions = [{"id": f"q{i}", "set": ("known", "unseen")[i % 2], "prompt": f"The {w} is made of", "phrasing": "{s} is made of", "answer": " silk", "distractors": [" wool", " tweed"],
                  "edge_id": f"e{i}", "relation": "made_of", "node_type": "material"}
                 for i, w in enumerate(["collar", "cuff", "hem", "lining", "seam", "pleat"])]
    storage.write_parquet(f"{EVALSETS}/qa/questions.parquet", pa.Table.from_pylist(questions))
    storage.write_json(f"{EVALSETS}/heldout_sources.json", [{"source": "catalog", "eligible": 30, "held_out": 3, "note": ""},
                                                            {"source": "press", "eligible": 4, "held_out": 0, "note": "too small to spare a document"}])
    storage.write_json(LEDGER, {"documents_in": 50, "kept": 40, "removed": {"duplicate": 6}, "quarantined": {"unreadable": 4},
                                "sources": {"catalog": {"documents_in": 50, "kept": 40, "removed": {"duplicate": 6}, "quarantined": {"unreadable": 4}}}})
    gt = root / "ground_truth"
    gt.mkdir()
    (gt / "pii.jsonl").write_text("".join(json.dumps(r) + "\n" for r in [
        {"client_id": "C1", "type": "EMAIL", "value": "ana.silva@example.com", "context": "Please write to me at "},
        {"client_id": "C2", "type": "PHONE", "value": "+33 6 12 34 56 78", "context": "You can call me on "},
        {"client_id": "C3", "type": "EMAIL", "value": "x@example.com", "context": ""},
    ]))
    settings = settings_for(root, str(gt))
    budget = settings.params.train.max_iters * tokens_per_step(settings.params.train)
    for arm, texts in (("curated_graph", [d["text"] for d in docs] + list(curated_texts_extra)), ("raw", spam)):
        ids = np.concatenate([np.asarray(tokenizer.encode(t, add_special_tokens=False).ids + [eot], dtype=np.uint16) for t in texts])
        folder = ARMS[arm].folder
        storage.write_bytes(f"{folder}/shards/train-00000.bin", ids.tobytes())
        storage.write_json(f"{folder}/manifest.json", {"vocab_size": tokenizer.get_vocab_size(), "eot_id": eot, "dtype": "uint16",
                                                       "shards": [{"name": "train-00000.bin", "split": "train", "tokens": len(ids), "docs": "train-00000.docs.parquet"}],
                                                       "tokens": {"train": len(ids), "val": 0}})
        for replicate in range(settings.params.train.seeds):
            run = Run(arm, replicate)
            torch.manual_seed(1 + replicate)
            model = memorize(GPT(GPTConfig(vocab_size=tokenizer.get_vocab_size(), **CONFIG)), tokenizer, texts, steps, seed=replicate)
            storage.write_bytes(f"{run.folder}/model.safetensors", weights_bytes(model, gt))
            storage.write_json(f"{run.folder}/config.json", {"model": model.config.to_dict(), "train": {"max_iters": steps}, "seed": 7 + replicate,
                                                             "parameters": model.num_params(), "tokens": budget})
            storage.write_text(f"{run.folder}/metrics.jsonl", "".join(json.dumps({"iter": i, "val_loss": 6.0 - i / 20}) + "\n" for i in (0, 20, 40)))
    return settings

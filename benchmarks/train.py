"""Benchmark: the checkpoints stage's trainer against nanoGPT's CPU baseline (shakespeare-char).

    python -m benchmarks.train --text ../shared/data/tinyshakespeare.txt --tokenizer byte \
        --n-layer 4 --n-head 4 --n-embd 128 --block-size 64 --batch-size 12 --max-iters 2000 --json

The text is split 90/10 by position, tokenized (bytes, or a BPE trained on the 90%), written as
shards + manifest into a temporary storage root, and trained with `assets.checkpoints.train.train`
itself: the measured code is the stage's. The peer, run in the same process right after, is
nanoGPT's model and train loop written from memory in `NanoGPT` / `peer_ms_per_iter` below
(LABELLED PEER, not project code); `--peer-iters 0` skips it and compares with the 67 ms/iter
measured here earlier (FACTS.md). Prints JSON: ms_per_iter, tokens_per_second, val_loss, val_bpb.
"""

from __future__ import annotations

import argparse
import json
import math
import tempfile
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from assets.checkpoints import train as trainer
from assets.core.params import TokenizeParams, TrainParams
from assets.core.settings import Params, Settings, SourcesFile
from assets.core.storage import Storage
from assets.tokenized.tokenizer import EOT, byte_tokenizer, train_bpe

NANOGPT_CPU_MS = 67.0  # FACTS.md: nanoGPT shakespeare-char CPU config, median ms/iter on these machines


def write_shards(storage: Storage, text: str, kind: str, vocab_size: int) -> tuple[dict, float]:
    cut = int(len(text) * 0.9)
    parts = {"train": text[:cut], "val": text[cut:]}
    tokenizer = byte_tokenizer() if kind == "byte" else train_bpe([parts["train"]], vocab_size)
    shards, tokens = [], {}
    for split, part in parts.items():
        ids = np.array(tokenizer.encode(part, add_special_tokens=False).ids, dtype=np.uint16)
        storage.write_bytes(f"tokenized/shards/{split}-00000.bin", ids.tobytes())
        shards.append({"name": f"{split}-00000.bin", "split": split, "tokens": len(ids), "sha256": ""})
        tokens[split] = len(ids)
    manifest = {"recipe": "curated", "vocab_size": tokenizer.get_vocab_size(), "eot_id": tokenizer.token_to_id(EOT), "dtype": "uint16", "shards": shards, "tokens": tokens}
    storage.write_json("tokenized/manifest.json", manifest)
    return manifest, len(parts["val"].encode()) / tokens["val"]  # bytes per validation token


def run_stage(args, root: str) -> dict:
    storage = Storage(root)
    manifest, bytes_per_token = write_shards(storage, open(args.text, encoding="utf-8").read(), args.tokenizer, args.vocab_size)
    p = TrainParams(
        n_layer=args.n_layer, n_head=args.n_head, n_embd=args.n_embd, block_size=args.block_size, batch_size=args.batch_size,
        max_iters=args.max_iters, learning_rate=1e-3, min_lr=1e-4, warmup_iters=100, beta2=0.99, weight_decay=0.1, grad_clip=1.0,
        eval_interval=args.max_iters, eval_iters=args.eval_iters, checkpoint_interval=args.max_iters, threads=args.threads, device="cpu",
    )  # fmt: skip  (nanoGPT's shakespeare-char settings)
    settings = Settings(params=Params(seed=1337, tokenize=TokenizeParams(), train=p), sources_file=SourcesFile(sources=[]), storage_root=root, params_path="-", sources_path="-")
    started = time.perf_counter()
    result = trainer.train(settings, storage, "curated")
    final = result["records"][-1]
    return {
        "ms_per_iter": final["ms_per_iter"],
        "tokens_per_second": final["tokens_per_second"],
        "val_loss": final["val_loss"],
        "val_bpb": final["val_loss"] / math.log(2) / bytes_per_token,
        "wall_s": time.perf_counter() - started,
        "parameters": result["parameters"],
    }


# ---- LABELLED PEER: nanoGPT (Karpathy) model and loop, written from memory for a side-by-side timing ----
class NanoBlock(nn.Module):
    def __init__(self, d: int, h: int):
        super().__init__()
        self.h = h
        self.ln_1, self.ln_2 = nn.LayerNorm(d, bias=False), nn.LayerNorm(d, bias=False)
        self.c_attn, self.c_proj = nn.Linear(d, 3 * d, bias=False), nn.Linear(d, d, bias=False)
        self.c_fc, self.mlp_proj = nn.Linear(d, 4 * d, bias=False), nn.Linear(4 * d, d, bias=False)

    def forward(self, x):
        B, T, C = x.shape
        q, k, v = self.c_attn(self.ln_1(x)).split(C, dim=2)
        q, k, v = (t.view(B, T, self.h, C // self.h).transpose(1, 2) for t in (q, k, v))
        y = F.scaled_dot_product_attention(q, k, v, is_causal=True).transpose(1, 2).contiguous().view(B, T, C)
        x = x + self.c_proj(y)
        return x + self.mlp_proj(F.gelu(self.c_fc(self.ln_2(x))))


class NanoGPT(nn.Module):
    def __init__(self, vocab: int, block: int, n_layer: int, n_head: int, d: int):
        super().__init__()
        self.wte, self.wpe = nn.Embedding(vocab, d), nn.Embedding(block, d)
        self.h = nn.ModuleList(NanoBlock(d, n_head) for _ in range(n_layer))
        self.ln_f = nn.LayerNorm(d, bias=False)
        self.lm_head = nn.Linear(d, vocab, bias=False)
        self.wte.weight = self.lm_head.weight

    def forward(self, idx, targets):
        x = self.wte(idx) + self.wpe(torch.arange(idx.shape[1]))
        for block in self.h:
            x = block(x)
        logits = self.lm_head(self.ln_f(x))
        return F.cross_entropy(logits.view(-1, logits.size(-1)), targets.view(-1))


def peer_ms_per_iter(args, data: np.ndarray, vocab: int, iters: int) -> float:
    torch.manual_seed(1337)
    model = NanoGPT(vocab, args.block_size, args.n_layer, args.n_head, args.n_embd)
    decay = [p for p in model.parameters() if p.dim() >= 2]
    optimizer = torch.optim.AdamW([{"params": decay, "weight_decay": 0.1}, {"params": [p for p in model.parameters() if p.dim() < 2], "weight_decay": 0.0}], lr=1e-3, betas=(0.9, 0.99))
    times = []
    for _ in range(iters):
        t0 = time.perf_counter()
        ix = torch.randint(len(data) - args.block_size, (args.batch_size,))
        x = torch.stack([torch.from_numpy(data[i : i + args.block_size].astype(np.int64)) for i in ix])
        y = torch.stack([torch.from_numpy(data[i + 1 : i + 1 + args.block_size].astype(np.int64)) for i in ix])
        loss = model(x, y)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        times.append(time.perf_counter() - t0)
    return 1000 * float(np.median(times[min(10, iters // 2):]))
# ---- end of peer ----


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--text", required=True)
    parser.add_argument("--tokenizer", choices=["byte", "bpe"], default="byte")
    parser.add_argument("--vocab-size", type=int, default=1024)
    parser.add_argument("--n-layer", type=int, default=4)
    parser.add_argument("--n-head", type=int, default=4)
    parser.add_argument("--n-embd", type=int, default=128)
    parser.add_argument("--block-size", type=int, default=64)
    parser.add_argument("--batch-size", type=int, default=12)
    parser.add_argument("--max-iters", type=int, default=2000)
    parser.add_argument("--eval-iters", type=int, default=200)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--peer-iters", type=int, default=200, help="nanoGPT peer iterations timed after the stage (0: compare with 67 ms)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    with tempfile.TemporaryDirectory() as root:
        stage = run_stage(args, root)
        storage = Storage(root)
        data = np.frombuffer(storage.read_bytes("tokenized/shards/train-00000.bin"), dtype=np.uint16)
        vocab = storage.read_json("tokenized/manifest.json")["vocab_size"]
    torch.set_num_threads(args.threads)
    peer = peer_ms_per_iter(args, data, vocab, args.peer_iters) if args.peer_iters else None
    baseline = peer or NANOGPT_CPU_MS
    report = {
        **stage,
        "peer": "nanoGPT loop (from memory, same process)" if peer else "nanoGPT 67 ms/iter (FACTS.md)",
        "peer_ms_per_iter": baseline,
        "speedup_vs_peer": baseline / stage["ms_per_iter"],
        "targets": {"val_bpb_max": 2.72, "speedup_min": 1.0, "speedup_aim": 1.3},
    }
    print(json.dumps(report, indent=None if args.json else 2))


if __name__ == "__main__":
    main()

"""Benchmark: the checkpoints stage's trainer against nanoGPT's CPU baseline (shakespeare-char).

    python -m benchmarks.train --text ../shared/data/tinyshakespeare.txt --tokenizer byte \
        --n-layer 4 --n-head 4 --n-embd 128 --block-size 64 --batch-size 12 --max-iters 2000 --json

The text is split 90/10 by position, tokenized (bytes, or a BPE trained on the 90%), written as
shards + manifest into a temporary storage root, and trained with `assets.checkpoints.train.train`
itself: the measured code is the stage's.

The peer is nanoGPT's CPU baseline: config/train_shakespeare_char.py with its README's CPU flags
(--device=cpu --compile=False --eval_iters=20 --log_interval=1 --block_size=64 --batch_size=12
--n_layer=4 --n_head=4 --n_embd=128 --max_iters=2000 --lr_decay_iters=2000 --dropout=0.0), i.e.
bias False, AdamW lr 1e-3 -> 1e-4, warmup 100, beta2 0.99, clip 1.0, a fresh np.memmap per batch,
estimate_loss on train and val every 250 iterations, a checkpoint when val improves. It is
REIMPLEMENTED in
`NanoGPT` / `NanoGPTPeer` below (LABELLED PEER, not nanoGPT's source, which is not on this
machine). It runs in the same process with the same threads, interleaved with the stage in blocks
of --eval-interval iterations (it runs inside the stage's metrics callback, whose time the stage's
clock excludes), so load from other processes hits both alike. ms_per_iter is, for both, the mean
time of a training iteration (data fetch, forward, backward, optimizer step); validation and
checkpoint writes count only in the wall times. `--no-peer` compares with the 67 ms/iter measured
here earlier (FACTS.md). Prints JSON.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import tempfile
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from assets.checkpoints import train as trainer
from assets.checkpoints.runs import Run
from assets.core.params import TokenizeParams, TrainParams
from assets.core.settings import Params, Settings, SourcesFile
from assets.core.storage import Storage
from assets.tokenized.tokenizer import EOT, byte_tokenizer, train_bpe

NANOGPT_CPU_MS = 67.0  # FACTS.md: nanoGPT shakespeare-char CPU config, median ms/iter on these machines
PEER_LABEL = "nanoGPT CPU baseline (train_shakespeare_char + README CPU flags, dropout 0.0), model and loop reimplemented in benchmarks/train.py, not nanoGPT's source; same process, same threads, interleaved every eval interval"


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
    manifest = {"arm": "curated_graph", "vocab_size": tokenizer.get_vocab_size(), "eot_id": tokenizer.token_to_id(EOT), "dtype": "uint16", "shards": shards, "tokens": tokens}
    storage.write_json("tokenized/manifest.json", manifest)
    return manifest, len(parts["val"].encode()) / tokens["val"]  # bytes per validation token


def run_stage(args, root: str, on_record=None) -> dict:
    storage = Storage(root)
    started = time.perf_counter()
    manifest, bytes_per_token = write_shards(storage, open(args.text, encoding="utf-8").read(), args.tokenizer, args.vocab_size)
    prepared = time.perf_counter()
    p = TrainParams(
        n_layer=args.n_layer, n_head=args.n_head, n_embd=args.n_embd, block_size=args.block_size, batch_size=args.batch_size,
        max_iters=args.max_iters, learning_rate=1e-3, min_lr=1e-4, warmup_iters=100, beta2=0.99, weight_decay=0.1, grad_clip=1.0,
        eval_interval=args.eval_interval, eval_iters=args.eval_iters, checkpoint_interval=args.eval_interval, threads=args.threads,
        dropout=args.dropout, device="cpu",
    )  # fmt: skip  (nanoGPT's shakespeare-char settings; dropout is the stage's own choice)
    settings = Settings(params=Params(seed=1337, tokenize=TokenizeParams(), train=p), sources_file=SourcesFile(sources=[]), storage_root=root, params_path="-", sources_path="-")
    outside = [0.0]  # seconds spent in on_record (the peer's turns): not the stage's wall time

    def log(record: dict) -> None:
        if on_record:
            t0 = time.perf_counter()
            on_record(record)
            outside[0] += time.perf_counter() - t0

    train_started = time.perf_counter()
    result = trainer.train(settings, storage, Run("curated_graph", 0), log)
    wall = time.perf_counter() - train_started - outside[0]
    timed = [r for r in result["records"] if "ms_per_iter" in r]
    steps = [b["iter"] - a["iter"] for a, b in zip(result["records"], result["records"][1:])]
    step_s = sum(r["ms_per_iter"] * n for r, n in zip(timed, steps)) / 1000  # every record after the first follows one interval
    final = result["records"][-1]
    return {
        "ms_per_iter": 1000 * step_s / args.max_iters,
        "tokens_per_second": args.max_iters * args.batch_size * args.block_size / step_s,
        "val_loss": final["val_loss"],
        "val_bpb": final["val_loss"] / math.log(2) / bytes_per_token,
        "train_loss": final["train_loss"],
        "wall_s": wall,
        "prep_s": prepared - started,
        "parameters": result["parameters"],
        "dropout": args.dropout,
        "bytes_per_token": bytes_per_token,
    }


# ---- LABELLED PEER: nanoGPT (Karpathy) model.py and train.py, reimplemented for a side-by-side timing ----
class NanoLayerNorm(nn.Module):
    def __init__(self, d: int):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(d))

    def forward(self, x):
        return F.layer_norm(x, self.weight.shape, self.weight, None, 1e-5)


class NanoBlock(nn.Module):
    def __init__(self, d: int, h: int, dropout: float):
        super().__init__()
        self.h, self.dropout = h, dropout
        self.ln_1, self.ln_2 = NanoLayerNorm(d), NanoLayerNorm(d)
        self.c_attn, self.c_proj = nn.Linear(d, 3 * d, bias=False), nn.Linear(d, d, bias=False)
        self.c_fc, self.mlp_proj = nn.Linear(d, 4 * d, bias=False), nn.Linear(4 * d, d, bias=False)
        self.resid_dropout, self.mlp_dropout = nn.Dropout(dropout), nn.Dropout(dropout)
        self.gelu = nn.GELU()

    def forward(self, x):
        B, T, C = x.shape
        q, k, v = self.c_attn(self.ln_1(x)).split(C, dim=2)
        q, k, v = (t.view(B, T, self.h, C // self.h).transpose(1, 2) for t in (q, k, v))
        y = F.scaled_dot_product_attention(q, k, v, attn_mask=None, dropout_p=self.dropout if self.training else 0, is_causal=True)
        x = x + self.resid_dropout(self.c_proj(y.transpose(1, 2).contiguous().view(B, T, C)))
        return x + self.mlp_dropout(self.mlp_proj(self.gelu(self.c_fc(self.ln_2(x)))))


class NanoGPT(nn.Module):
    def __init__(self, vocab: int, block: int, n_layer: int, n_head: int, d: int, dropout: float = 0.2):
        super().__init__()
        self.wte, self.wpe, self.drop = nn.Embedding(vocab, d), nn.Embedding(block, d), nn.Dropout(dropout)
        self.h = nn.ModuleList(NanoBlock(d, n_head, dropout) for _ in range(n_layer))
        self.ln_f = NanoLayerNorm(d)
        self.lm_head = nn.Linear(d, vocab, bias=False)
        self.wte.weight = self.lm_head.weight
        for module in self.modules():
            if isinstance(module, (nn.Linear, nn.Embedding)):
                nn.init.normal_(module.weight, mean=0.0, std=0.02)
        for name, param in self.named_parameters():
            if name.endswith("c_proj.weight"):
                nn.init.normal_(param, mean=0.0, std=0.02 / math.sqrt(2 * n_layer))

    def forward(self, idx, targets):
        x = self.drop(self.wte(idx) + self.wpe(torch.arange(idx.shape[1])))
        for block in self.h:
            x = block(x)
        logits = self.lm_head(self.ln_f(x))
        return logits, F.cross_entropy(logits.view(-1, logits.size(-1)), targets.view(-1), ignore_index=-1)


class NanoGPTPeer:
    """nanoGPT's train.py loop (CPU, float32, no compile), advanced block by block."""

    def __init__(self, args, root: str, vocab: int):
        self.args, self.root, self.iter, self.best_val = args, root, 0, 1e9
        self.step_times: list[float] = []
        self.evaluated: set[int] = set()
        self.wall = 0.0
        self.val_loss = None
        t0 = time.perf_counter()
        with torch.random.fork_rng(devices=[]):  # the peer's RNG stream never touches the stage's
            torch.manual_seed(1337)
            self.model = NanoGPT(vocab, args.block_size, args.n_layer, args.n_head, args.n_embd, args.peer_dropout)
            params = [p for p in self.model.parameters() if p.requires_grad]
            groups = [{"params": [p for p in params if p.dim() >= 2], "weight_decay": 0.1}, {"params": [p for p in params if p.dim() < 2], "weight_decay": 0.0}]
            self.optimizer = torch.optim.AdamW(groups, lr=1e-3, betas=(0.9, 0.99))  # fused only on cuda in nanoGPT
            self.X, self.Y = self.get_batch("train")
            self.rng = torch.get_rng_state()
        self.wall += time.perf_counter() - t0

    def get_batch(self, split: str):
        data = np.memmap(os.path.join(self.root, f"tokenized/shards/{split}-00000.bin"), dtype=np.uint16, mode="r")
        ix = torch.randint(len(data) - self.args.block_size, (self.args.batch_size,))
        x = torch.stack([torch.from_numpy((data[i : i + self.args.block_size]).astype(np.int64)) for i in ix])
        y = torch.stack([torch.from_numpy((data[i + 1 : i + 1 + self.args.block_size]).astype(np.int64)) for i in ix])
        return x, y

    def get_lr(self, it: int) -> float:
        lr, min_lr, warmup, decay_iters = 1e-3, 1e-4, 100, self.args.max_iters
        if it < warmup:
            return lr * (it + 1) / (warmup + 1)
        if it > decay_iters:
            return min_lr
        return min_lr + 0.5 * (1.0 + math.cos(math.pi * (it - warmup) / max(1, decay_iters - warmup))) * (lr - min_lr)

    @torch.no_grad()
    def estimate_loss(self) -> dict:
        out = {}
        self.model.eval()
        for split in ("train", "val"):
            losses = torch.zeros(self.args.peer_eval_iters)
            for k in range(self.args.peer_eval_iters):
                X, Y = self.get_batch(split)
                losses[k] = self.model(X, Y)[1].item()
            out[split] = losses.mean().item()
        self.model.train()
        return out

    def advance(self, until: int) -> None:
        """Run nanoGPT's loop from self.iter up to `until` (exclusive), evaluating every eval_interval."""
        t0 = time.perf_counter()
        with torch.random.fork_rng(devices=[]):
            torch.set_rng_state(self.rng)
            while True:
                it = self.iter
                for group in self.optimizer.param_groups:
                    group["lr"] = self.get_lr(it)
                if it % self.args.eval_interval == 0 and it not in self.evaluated:
                    self.evaluated.add(it)
                    losses = self.estimate_loss()
                    self.val_loss = losses["val"]
                    if losses["val"] < self.best_val:
                        self.best_val = losses["val"]
                        if it > 0:
                            state = {"model": self.model.state_dict(), "optimizer": self.optimizer.state_dict(), "iter_num": it, "best_val_loss": self.best_val}
                            torch.save(state, os.path.join(self.root, "nanogpt-ckpt.pt"))
                if it >= until or it == self.args.max_iters:
                    break
                s0 = time.perf_counter()
                _, loss = self.model(self.X, self.Y)
                self.X, self.Y = self.get_batch("train")  # nanoGPT prefetches the next batch here
                loss.backward()
                torch.nn.utils.clip_grad_norm_(self.model.parameters(), 1.0)
                self.optimizer.step()
                self.optimizer.zero_grad(set_to_none=True)
                loss.item()  # nanoGPT's log_interval=1 read-out
                self.step_times.append(time.perf_counter() - s0)
                self.iter += 1
            self.rng = torch.get_rng_state()
        self.wall += time.perf_counter() - t0


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
    parser.add_argument("--eval-interval", type=int, default=250, help="validation (and checkpoint) every N iterations, nanoGPT's 250")
    parser.add_argument("--eval-iters", type=int, default=200)
    parser.add_argument("--dropout", type=float, default=0.0, help="the stage's dropout")
    parser.add_argument("--peer-dropout", type=float, default=0.0, help="nanoGPT CPU baseline: 0.0 (its GPU config: 0.2)")
    parser.add_argument("--peer-eval-iters", type=int, default=20, help="nanoGPT CPU baseline: 20")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--no-peer", action="store_true", help="skip the side-by-side peer; compare with 67 ms/iter (FACTS.md)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory() as root:
        peer = None
        blocks = []  # per block of eval_interval iterations: the stage's mean ms, then the peer's right after

        def on_record(record: dict) -> None:
            nonlocal peer
            if peer is None:  # the shards exist once the stage has started
                peer = NanoGPTPeer(args, root, Storage(root).read_json("tokenized/manifest.json")["vocab_size"])
            done = len(peer.step_times)
            peer.advance(record["iter"] + args.eval_interval)
            if "ms_per_iter" in record and len(peer.step_times) > done:
                blocks.append([round(record["ms_per_iter"], 1), round(1000 * float(np.mean(peer.step_times[done:])), 1)])

        stage = run_stage(args, root, None if args.no_peer else on_record)
    report = {**stage, "threads": torch.get_num_threads()}
    if peer:
        times = np.array(peer.step_times)
        report |= {
            "peer": PEER_LABEL,
            "peer_ms_per_iter": 1000 * float(times.mean()),
            "peer_ms_per_iter_median": 1000 * float(np.median(times)),
            "peer_tokens_per_second": args.batch_size * args.block_size / float(times.mean()),
            "peer_val_loss": peer.val_loss,
            "peer_val_bpb": peer.val_loss / math.log(2) / stage["bytes_per_token"],
            "peer_wall_s": peer.wall,
            "peer_dropout": args.peer_dropout,
            "peer_eval_iters": args.peer_eval_iters,
        }
    else:
        report |= {"peer": "nanoGPT 67 ms/iter median (FACTS.md, measured alone earlier)", "peer_ms_per_iter": NANOGPT_CPU_MS}
    report["speedup_vs_peer"] = report["peer_ms_per_iter"] / stage["ms_per_iter"]
    if peer:
        # adjacent blocks share the machine's load; their median ratio resists a burst of load in one block
        report["blocks_ms_ours_peer"] = blocks
        report["speedup_vs_peer_median_block"] = float(np.median([b[1] / b[0] for b in blocks])) if blocks else None
        report["wall_speedup_vs_peer"] = peer.wall / stage["wall_s"]
    report["load_avg_1m"] = [load_before[0], os.getloadavg()[0]]  # above ~2 (the cores) the timings are contended
    report["targets"] = {"val_bpb_max": 2.72, "speedup_min": 1.0, "speedup_aim": 1.3}
    print(json.dumps(report, indent=None if args.json else 2))


if __name__ == "__main__":
    main()

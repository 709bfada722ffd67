"""GPU check: train the gpt2-124m preset for a few hundred steps in bf16 on CUDA; print tokens/s and MFU.

    python -m benchmarks.gpu_check [--steps 300] [--compile] [--shards STORAGE_ROOT] [--json]

Uses the project's model and optimizer setup (assets.checkpoints). Tokens come from the curated
train shards under --shards when given, otherwise synthetic uniform random tokens (the speed of a
step does not depend on what the tokens say). MFU = achieved model FLOPs / (--peak-flops x GPUs),
FLOPs per token from GPT.flops_per_token (6N + 12 L H Q T). `--device cpu --steps 3` is a smoke run.
"""

from __future__ import annotations

import argparse
import json
import time
from types import SimpleNamespace

import numpy as np
import torch

from assets.checkpoints.model import GPT, PRESETS, GPTConfig
from assets.checkpoints.train import lr_at, make_optimizer


def batches(args, vocab: int, block: int):
    gen = torch.Generator().manual_seed(1337)
    if args.shards:
        from assets.checkpoints.data import TokenWindows
        from assets.core.storage import Storage

        from assets.tokenized.arms import DEFAULT
        from assets.tokenized.shards import read_manifest

        storage = Storage(args.shards)  # the house model's shards (tokenized/manifest.json is its manifest)
        windows = TokenWindows(storage, DEFAULT, read_manifest(storage, DEFAULT), "train", block)
        while True:
            yield windows.sample(args.batch_size, gen)
    while True:
        window = torch.randint(vocab, (args.batch_size, block + 1), generator=gen)
        yield window[:, :-1], window[:, 1:]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", default="gpt2-124m", choices=sorted(PRESETS))
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--warmup-steps", type=int, default=20, help="steps excluded from the timing (cuDNN autotune, compile)")
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--block-size", type=int, default=None, help="default: the preset's")
    parser.add_argument("--vocab-size", type=int, default=50304)
    parser.add_argument("--shards", help="storage root holding tokenized/ (default: synthetic tokens)")
    parser.add_argument("--compile", action="store_true", help="torch.compile the model")
    parser.add_argument("--device", default="cuda")
    parser.add_argument("--peak-flops", type=float, default=989e12, help="dense bf16 peak of one GPU (H100/H200: 989e12)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    if args.device.startswith("cuda") and not torch.cuda.is_available():
        build = f"CUDA {torch.version.cuda} build" if torch.version.cuda else "a CPU-only build"
        raise SystemExit(f"gpu_check: no CUDA device visible (torch {torch.__version__}, {build}): nothing measured. "
                         "Run it on a machine with a GPU, or `--device cpu --steps 3` for a smoke run (no MFU on CPU)")

    n_layer, n_head, n_embd, block = PRESETS[args.preset]
    block = args.block_size or block
    torch.manual_seed(1337)
    torch.backends.cuda.matmul.allow_tf32 = True
    vocab = args.vocab_size
    if args.shards:
        from assets.core.storage import Storage

        vocab = Storage(args.shards).read_json("tokenized/manifest.json")["vocab_size"]
    model = GPT(GPTConfig(vocab, block, n_layer, n_head, n_embd)).to(args.device)
    schedule = SimpleNamespace(learning_rate=6e-4, min_lr=6e-5, warmup_iters=min(100, args.steps // 10), max_iters=args.steps)
    optimizer = make_optimizer(model, SimpleNamespace(weight_decay=0.1, learning_rate=6e-4, beta2=0.95))
    step_model = torch.compile(model) if args.compile else model
    cuda = args.device.startswith("cuda")
    autocast = torch.autocast("cuda", dtype=torch.bfloat16) if cuda else torch.autocast("cpu", enabled=False)
    data = batches(args, vocab, block)
    losses, times = [], []
    for step in range(args.steps):
        started = time.perf_counter()
        for group in optimizer.param_groups:
            group["lr"] = lr_at(step, schedule)
        x, y = next(data)
        with autocast:
            _, loss = step_model(x.to(args.device, non_blocking=True), y.to(args.device, non_blocking=True))
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        if cuda:
            torch.cuda.synchronize()
        times.append(time.perf_counter() - started)
        losses.append(loss.item())
    timed = np.array(times[min(args.warmup_steps, len(times) - 1) :])
    tokens_per_s = args.batch_size * block / float(np.median(timed))
    report = {
        "device": torch.cuda.get_device_name() if cuda else args.device,
        "preset": args.preset,
        "parameters": model.num_params(),
        "batch_size": args.batch_size,
        "block_size": block,
        "compiled": args.compile,
        "steps": args.steps,
        "median_ms_per_step": 1000 * float(np.median(timed)),
        "tokens_per_second": tokens_per_s,
        "mfu": tokens_per_s * model.flops_per_token(block) / args.peak_flops if cuda else None,
        "first_loss": losses[0],
        "last_loss": losses[-1],
        "finite": bool(np.isfinite(losses).all()),
        "peak_memory_gib": torch.cuda.max_memory_allocated() / 2**30 if cuda else None,
    }
    print(json.dumps(report, indent=None if args.json else 2))


if __name__ == "__main__":
    main()

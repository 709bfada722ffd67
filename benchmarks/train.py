"""Benchmark: the checkpoints stage's trainer against nanoGPT's own train.py, interleaved.

    .venv-bench/bin/python -m benchmarks.train --text ../shared/data/tinyshakespeare.txt \
        --nanogpt ../nanogpt --max-iters 2000 --rounds 2 --threads 2 --json

The peer is nanoGPT itself: a checkout (`git clone https://github.com/karpathy/nanoGPT`) that
`--nanogpt` points at, run as `python <checkout>/train.py <checkout>/config/train_shakespeare_char.py`
with its README's CPU flags (--device=cpu --compile=False --eval_iters=20 --log_interval=1
--block_size=64 --batch_size=12 --n_layer=4 --n_head=4 --n_embd=128 --max_iters --lr_decay_iters
--dropout=0.0). Nothing of it is copied here and nothing is downloaded: its prepare.py would fetch
tinyshakespeare, so this writes the same char-level train.bin / val.bin / meta.pkl (sorted
characters of `--text`, 90/10 split by position) into a run folder whose data/shakespeare_char/
nanoGPT reads (cwd; configurator.py is linked there, as nanoGPT execs it from the cwd).

The stage trains on the very same token ids (shards + manifest in a temporary storage root) with
`assets.checkpoints.train.train` at the same config (AdamW 1e-3 -> 1e-4, warmup 100, beta2 0.99,
clip 1.0, weight decay 0.1, validation every 250 iterations on 20 batches, a checkpoint at each).
Each side runs in its own process with the same intra-op threads (OMP_NUM_THREADS), the sides
alternating ours, nanoGPT, ours, nanoGPT... for `--rounds` rounds, so load from other processes
hits both alike. Per iteration: nanoGPT's own printed `time` of every training iteration except
those that also evaluated (every eval_interval-th), the stage's ms_per_iter (training steps only);
tokens/s = batch x block / that. Also each child's CPU seconds (user + sys, start-up, evaluation
and checkpoints included) and wall seconds. Val bpb = val loss / ln 2 / bytes per token, where the
val loss is one evaluator's (`full_val_loss`) on both final models: every token of the val split
scored once, nanoGPT's model read from its ckpt.pt (--always_save_checkpoint=True) with its own
model.py, ours from its safetensors. Each side's own 20-batch estimate is kept beside it
(`val_bpb_own_estimate`): two samples of 15,360 tokens differ by about the gap they were once read
as (2.760 vs 2.7205). `--seed S`: round r trains both sides with seed S + r (nanoGPT's seed is
fixed in its train.py: the wrapper shifts torch.manual_seed), so rounds also give the seed spread.
`--clock cpu --threads 1`: both sides' per-iteration clock is their process's CPU time (nanoGPT's
train.py is run unchanged through runpy with time.time set to time.process_time, the stage's step
clock likewise), the measure to use on a shared machine, where wall time is mostly waiting.
Without `--nanogpt` the peer half is skipped and the JSON says why. Prints JSON.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import pickle
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

PROJECT = Path(__file__).resolve().parent.parent
NANOGPT_LINE = re.compile(r"^iter (\d+): loss ([\d.]+), time ([\d.]+)ms")
NANOGPT_EVAL = re.compile(r"^step (\d+): train loss ([\d.]+), val loss ([\d.]+)")
NANOGPT_SEED = 1337  # torch.manual_seed(1337 + seed_offset) in its train.py


def write_char_data(text: str, folder: Path) -> dict:
    """nanoGPT's shakespeare_char format (train.bin, val.bin uint16, meta.pkl) and the same ids
    as the stage's shards + manifest (folder/stage)."""
    chars = sorted(set(text))
    stoi = {c: i for i, c in enumerate(chars)}
    cut = int(len(text) * 0.9)
    parts = {"train": text[:cut], "val": text[cut:]}
    data = folder / "nanogpt" / "data" / "shakespeare_char"
    shards = folder / "stage" / "tokenized" / "shards"
    data.mkdir(parents=True)
    shards.mkdir(parents=True)
    manifest = {"arm": "curated_graph", "vocab_size": len(chars), "eot_id": None, "dtype": "uint16", "shards": [], "tokens": {}}
    for split, part in parts.items():
        ids = np.array([stoi[c] for c in part], dtype=np.uint16)
        ids.tofile(data / f"{split}.bin")
        ids.tofile(shards / f"{split}-00000.bin")
        manifest["shards"].append({"name": f"{split}-00000.bin", "split": split, "tokens": len(ids), "sha256": ""})
        manifest["tokens"][split] = len(ids)
    with open(data / "meta.pkl", "wb") as f:
        pickle.dump({"vocab_size": len(chars), "itos": dict(enumerate(chars)), "stoi": stoi}, f)
    (folder / "stage" / "tokenized" / "manifest.json").write_text(json.dumps(manifest))
    return {"vocab_size": len(chars), "bytes_per_token": len(parts["val"].encode()) / len(parts["val"]), "train_tokens": manifest["tokens"]["train"]}


def full_val_loss(model, ids: np.ndarray, block: int, batch: int = 64) -> float:
    """The one evaluator both sides' final models are scored by: mean next-token loss (nats) over
    the whole val split, cut into consecutive windows of `block` tokens (the last one shorter), each
    token scored once with the tokens before it in its window as context (0..block-1, as in a
    random window). float32, eval mode, no autocast. Each side's own figure is an estimate on 20
    batches of 12 random windows (nanoGPT: fresh ones each eval; the stage: a fixed set), 15,360 of
    the split's 111,539 targets, whose sampling noise (sd 0.021 bpb at 2,000 iterations) is of the
    order of the gap once read from them."""
    import torch
    import torch.nn.functional as F

    ids = torch.from_numpy(ids.astype(np.int64))
    whole = (len(ids) - 1) // block
    x, y = ids[: whole * block].view(whole, block), ids[1 : whole * block + 1].view(whole, block)
    batches = [(x[i : i + batch], y[i : i + batch]) for i in range(0, whole, batch)]
    if whole * block < len(ids) - 1:  # the split's last, shorter window
        batches.append((ids[whole * block : -1][None], ids[whole * block + 1 :][None]))
    total, count = 0.0, 0
    model.eval()
    with torch.no_grad():
        for xb, yb in batches:
            logits = model(xb, yb)[0].float()
            total += F.cross_entropy(logits.reshape(-1, logits.size(-1)), yb.reshape(-1), reduction="sum").item()
            count += yb.numel()
    if count != len(ids) - 1:
        raise AssertionError(f"scored {count} of {len(ids) - 1} val targets")
    return total / count


def score_stage(root: str, ids: np.ndarray, block: int, max_iters: int) -> float:
    from assets.checkpoints.runs import Run
    from assets.checkpoints.train import load_checkpoint
    from assets.core.storage import Storage

    storage, run = Storage(root), Run("curated_graph", 0)
    if (done := storage.read_json(f"{run.folder}/config.json")["iter"]) != max_iters:
        raise RuntimeError(f"{root}: the stage's checkpoint is at iteration {done}, not {max_iters}")
    return full_val_loss(load_checkpoint(storage, run), ids, block)


def score_nanogpt(checkout: Path, out_dir: str, ids: np.ndarray, block: int, max_iters: int) -> float:
    """nanoGPT's ckpt.pt (--always_save_checkpoint=True: written at every eval, the last after
    max_iters steps) into nanoGPT's own GPT class, imported from the checkout (never copied)."""
    import importlib.util

    import torch

    spec = importlib.util.spec_from_file_location("nanogpt_model", checkout / "model.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    ckpt = torch.load(Path(out_dir) / "ckpt.pt", map_location="cpu", weights_only=True)
    if ckpt["iter_num"] != max_iters:
        raise RuntimeError(f"{out_dir}/ckpt.pt is at iteration {ckpt['iter_num']}, not {max_iters} (max_iters must be a multiple of eval_interval)")
    with contextlib.redirect_stdout(sys.stderr):  # its constructor prints the parameter count; stdout is the report's
        model = module.GPT(module.GPTConfig(**ckpt["model_args"]))
    model.load_state_dict(ckpt["model"])
    return full_val_loss(model, ids, block)


def stage_child(args) -> None:
    """In the child process: train the stage on --stage-root and print one JSON line."""
    import torch

    from assets.checkpoints import train as trainer
    from assets.checkpoints.runs import Run
    from assets.core.params import TokenizeParams, TrainParams
    from assets.core.settings import Params, Settings, SourcesFile
    from assets.core.storage import Storage

    root = args.stage_root
    if args.clock == "cpu":
        time.perf_counter = time.process_time  # the trainer's step clock, as --clock says
    p = TrainParams(
        n_layer=args.n_layer, n_head=args.n_head, n_embd=args.n_embd, block_size=args.block_size, batch_size=args.batch_size,
        max_iters=args.max_iters, learning_rate=1e-3, min_lr=1e-4, warmup_iters=100, beta2=0.99, weight_decay=0.1, grad_clip=1.0,
        eval_interval=args.eval_interval, eval_iters=args.eval_iters, checkpoint_interval=args.eval_interval, threads=args.threads,
        dropout=0.0, device="cpu", cpu_bf16=args.cpu_bf16,
    )  # fmt: skip  (nanoGPT's train_shakespeare_char with its CPU flags)
    settings = Settings(params=Params(seed=args.seed, tokenize=TokenizeParams(), train=p), sources_file=SourcesFile(sources=[]), storage_root=root, params_path="-", sources_path="-")
    result = trainer.train(settings, Storage(root), Run("curated_graph", 0))
    records = result["records"]
    steps = [b["iter"] - a["iter"] for a, b in zip(records, records[1:])]
    step_s = sum(r["ms_per_iter"] * n for r, n in zip(records[1:], steps)) / 1000
    print(json.dumps({"ms_per_iter": 1000 * step_s / args.max_iters, "val_loss": records[-1]["val_loss"], "train_loss": records[-1]["train_loss"],
                      "parameters": result["parameters"], "threads": torch.get_num_threads()}))  # fmt: skip


def timed_child(command: list[str], cwd: str, threads: int) -> tuple[str, float, float]:
    """Run a child; its stdout, wall seconds and CPU seconds (user + sys of it and its children)."""
    env = {**os.environ, "OMP_NUM_THREADS": str(threads), "MKL_NUM_THREADS": str(threads), "PYTHONPATH": str(PROJECT)}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode:
        raise RuntimeError(f"{' '.join(command[:3])} ... failed ({done.returncode}):\n{done.stderr[-3000:]}")
    return done.stdout, wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def run_stage(args, folder: Path, bytes_per_token: float, seed: int, bf16: bool = False) -> dict:
    root = tempfile.mkdtemp(dir=folder)  # a fresh root each round: the trainer resumes from a trainer.pt it finds
    shutil.copytree(folder / "stage" / "tokenized", Path(root) / "tokenized")
    command = [sys.executable, "-m", "benchmarks.train", "--stage-root", root, *child_flags(args), f"--seed={seed}", *(["--cpu-bf16"] if bf16 else [])]
    out, wall, cpu = timed_child(command, str(PROJECT), args.threads)
    found = json.loads(out.strip().splitlines()[-1])
    full = score_stage(root, np.fromfile(folder / "stage" / "tokenized" / "shards" / "val-00000.bin", dtype=np.uint16), args.block_size, args.max_iters)
    return {**found, "seed": seed, "tokens_per_second": args.batch_size * args.block_size / (found["ms_per_iter"] / 1000),
            "val_loss_full": full, "val_bpb": full / math.log(2) / bytes_per_token,
            "val_bpb_own_estimate": found["val_loss"] / math.log(2) / bytes_per_token, "wall_s": wall, "cpu_s": cpu}  # fmt: skip


def nanogpt_command(args, checkout: Path, out_dir: str, seed: int = NANOGPT_SEED) -> list[str]:
    flags = dict(device="cpu", compile=False, eval_iters=args.eval_iters, log_interval=1, block_size=args.block_size, batch_size=args.batch_size,
                 n_layer=args.n_layer, n_head=args.n_head, n_embd=args.n_embd, max_iters=args.max_iters, lr_decay_iters=args.max_iters,
                 dropout=0.0, eval_interval=args.eval_interval, always_save_checkpoint=True, out_dir=out_dir)  # fmt: skip
    argv = [str(checkout / "train.py"), str(checkout / "config" / "train_shakespeare_char.py"), *(f"--{k}={v}" for k, v in flags.items())]
    patches = []
    if args.clock == "cpu":  # its own train.py, unchanged, with time.time reading this process's CPU clock
        patches.append("time.time = time.process_time")
    if seed != NANOGPT_SEED:  # its seed is fixed in train.py (torch.manual_seed(1337 + rank)), no config key: shift it
        patches.append(f"_seed = torch.manual_seed; torch.manual_seed = lambda s: _seed(s - {NANOGPT_SEED} + {seed})")
    if patches:
        run = f"import runpy, sys, time, torch; {'; '.join(patches)}; sys.argv = {argv!r}; sys.path.insert(0, {str(checkout)!r}); runpy.run_path(sys.argv[0], run_name='__main__')"
        return [sys.executable, "-c", run]
    return [sys.executable, *argv]


def run_nanogpt(args, folder: Path, bytes_per_token: float, seed: int) -> dict:
    checkout = Path(args.nanogpt).resolve()
    cwd = folder / "nanogpt"
    if not (cwd / "configurator.py").exists():
        (cwd / "configurator.py").symlink_to(checkout / "configurator.py")
    out_dir = tempfile.mkdtemp(dir=folder)
    out, wall, cpu = timed_child(nanogpt_command(args, checkout, out_dir, seed), str(cwd), args.threads)
    times, val = [], None
    for line in out.splitlines():
        if m := NANOGPT_LINE.match(line):
            if int(m.group(1)) % args.eval_interval:  # iterations that also evaluated are not a training step's time
                times.append(float(m.group(3)))
        elif m := NANOGPT_EVAL.match(line):
            val = float(m.group(3))  # its last one is after max_iters steps
    if not times or val is None:
        raise RuntimeError(f"nanoGPT's output had no 'iter N: ... time' or 'step N: ... val loss' lines:\n{out[-2000:]}")
    ms = float(np.mean(times))
    full = score_nanogpt(checkout, out_dir, np.fromfile(cwd / "data" / "shakespeare_char" / "val.bin", dtype=np.uint16), args.block_size, args.max_iters)
    return {"seed": seed, "ms_per_iter": ms, "median_ms_per_iter": float(np.median(times)), "tokens_per_second": args.batch_size * args.block_size / (ms / 1000),
            "val_loss": val, "val_loss_full": full, "val_bpb": full / math.log(2) / bytes_per_token, "val_bpb_own_estimate": val / math.log(2) / bytes_per_token,
            "wall_s": wall, "cpu_s": cpu}  # fmt: skip


def checkout_commit(checkout: str) -> str | None:
    done = subprocess.run(["git", "-C", checkout, "rev-parse", "HEAD"], capture_output=True, text=True)
    return done.stdout.strip() or None


def child_flags(args) -> list[str]:
    names = ("n_layer", "n_head", "n_embd", "block_size", "batch_size", "max_iters", "eval_interval", "eval_iters", "threads", "clock")  # --seed: per round
    return [f"--{n.replace('_', '-')}={getattr(args, n)}" for n in names]


def spread(values: list[float]) -> dict:
    return {"median": statistics.median(values), "mean": statistics.mean(values), "min": min(values), "max": max(values), "rounds": [round(v, 4) for v in values]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--text", help="the corpus (tinyshakespeare for nanoGPT's shakespeare_char)")
    parser.add_argument("--chars", type=int, default=0, help="use only the first N characters (0: all)")
    parser.add_argument("--nanogpt", help="a nanoGPT checkout; without it the peer half is skipped")
    parser.add_argument("--n-layer", type=int, default=4)
    parser.add_argument("--n-head", type=int, default=4)
    parser.add_argument("--n-embd", type=int, default=128)
    parser.add_argument("--block-size", type=int, default=64)
    parser.add_argument("--batch-size", type=int, default=12)
    parser.add_argument("--max-iters", type=int, default=2000)
    parser.add_argument("--eval-interval", type=int, default=250, help="nanoGPT's shakespeare_char: 250")
    parser.add_argument("--eval-iters", type=int, default=20, help="nanoGPT's CPU flags: 20")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=2, help="alternations ours, nanoGPT")
    parser.add_argument("--seed", type=int, default=NANOGPT_SEED, help="round r trains both sides with seed + r (nanoGPT's own: 1337)")
    parser.add_argument("--clock", choices=["wall", "cpu"], default="wall",
                        help="per-iteration clock of both sides; cpu (this process's CPU time, with --threads 1 only) is what a shared machine's load does not inflate")
    parser.add_argument("--bf16", action="store_true",
                        help="also run the stage with train.cpu_bf16 (bf16 autocast) in each round, against the same nanoGPT float32 runs")
    parser.add_argument("--cpu-bf16", action="store_true", help=argparse.SUPPRESS)  # the stage's child: train.cpu_bf16
    parser.add_argument("--stage-root", help=argparse.SUPPRESS)  # the stage's child process
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    if args.stage_root:
        return stage_child(args)
    if not args.text:
        parser.error("--text is required")
    if args.clock == "cpu" and args.threads != 1:
        parser.error("--clock cpu needs --threads 1 (a process's CPU time sums its threads, spinning included)")
    text = open(args.text, encoding="utf-8").read()
    text = text[: args.chars] if args.chars else text
    load_before = os.getloadavg()
    ours, ours_bf16, peer = [], [], []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        data = write_char_data(text, folder)
        for r in range(args.rounds):
            ours.append(run_stage(args, folder, data["bytes_per_token"], args.seed + r))
            if args.nanogpt:
                peer.append(run_nanogpt(args, folder, data["bytes_per_token"], args.seed + r))
            if args.bf16:
                ours_bf16.append(run_stage(args, folder, data["bytes_per_token"], args.seed + r, bf16=True))
    report = {"config": {k: v for k, v in vars(args).items() if k not in ("stage_root", "json", "cpu_bf16")}, "data": data, "ours": ours,
              "load_average_before": load_before, "load_average_after": os.getloadavg()}  # fmt: skip
    if ours_bf16:
        report["ours_bf16"] = ours_bf16
    if peer:
        report["nanogpt"] = peer
        report["nanogpt_commit"] = checkout_commit(args.nanogpt)
        report["nanogpt_command"] = " ".join(nanogpt_command(args, Path(args.nanogpt).resolve(), "<tmp>", args.seed))
        report["tokens_per_second_ratio"] = spread([a["tokens_per_second"] / b["tokens_per_second"] for a, b in zip(ours, peer)])
        report["cpu_seconds_ratio_peer_over_ours"] = spread([b["cpu_s"] / a["cpu_s"] for a, b in zip(ours, peer)])
        report["val_bpb"] = {"evaluator": "full_val_loss: every val token once, both final models, float32", "ours": spread([r["val_bpb"] for r in ours]),
                             "nanogpt": spread([r["val_bpb"] for r in peer]), "ours_minus_nanogpt": spread([a["val_bpb"] - b["val_bpb"] for a, b in zip(ours, peer)])}  # fmt: skip
        if ours_bf16:  # ours with bf16 autocast against nanoGPT's documented CPU config (float32)
            report["bf16_tokens_per_second_ratio"] = spread([a["tokens_per_second"] / b["tokens_per_second"] for a, b in zip(ours_bf16, peer)])
            report["bf16_cpu_seconds_ratio_peer_over_ours"] = spread([b["cpu_s"] / a["cpu_s"] for a, b in zip(ours_bf16, peer)])
            report["val_bpb"]["ours_bf16"] = spread([r["val_bpb"] for r in ours_bf16])
    else:
        report["peer_skipped"] = "no --nanogpt checkout given: nanoGPT's half did not run (nothing to compare with)"
        print(report["peer_skipped"], file=sys.stderr)
    print(json.dumps(report, indent=2) if args.json else json.dumps(report))


if __name__ == "__main__":
    main()

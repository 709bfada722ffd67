"""Checkpoints stage: train the GPT on an arm's shards; write checkpoints/<arm>/s<k>/ with
model.safetensors, config.json, trainer.pt (everything needed to resume exactly) and metrics.jsonl.

A run (runs.py) is one arm of the ablation and one seed replicate: every arm trains the same model
with the same recipe and token budget (train.max_iters steps of the same size), only the data and
the seed differ. Dagster-free; `log` receives each metrics record.
Data-parallel when launched by torchrun (see worker.py): every rank draws the same global batch
from the seed and takes its own micro-batches, so the step equals the single-process step.
"""

from __future__ import annotations

import json
import math
import os
import tempfile
import time
from contextlib import nullcontext
from typing import Callable, Optional, Sequence

import numpy as np
import pandas as pd
import torch
import torch.distributed as dist
from safetensors.torch import load_model, save_model

from assets.checkpoints import dp, exposure, finetune
from assets.checkpoints.data import TokenWindows, annealing_windows
from assets.checkpoints.model import GPT, PRESETS, GPTConfig
from assets.checkpoints.runs import Run, runs_of
from assets.core import resume as resumable
from assets.core.progress import progress
from assets.core.settings import Settings
from assets.core.storage import Storage
from assets.tokenized.arms import ARMS
from assets.tokenized.shards import read_manifest


def model_config(p, vocab_size: int) -> GPTConfig:
    n_layer, n_head, n_embd, block = PRESETS[p.preset] if p.preset else (p.n_layer, p.n_head, p.n_embd, p.block_size)
    return GPTConfig(vocab_size, block, n_layer, n_head, n_embd, p.dropout, p.rope, p.swiglu)


def lr_at(it: int, p) -> float:
    if it < p.warmup_iters:
        return p.learning_rate * (it + 1) / p.warmup_iters
    progress = (it - p.warmup_iters) / max(1, p.max_iters - p.warmup_iters)
    return p.min_lr + 0.5 * (1 + math.cos(math.pi * min(1.0, progress))) * (p.learning_rate - p.min_lr)


def make_optimizer(model: GPT, p) -> torch.optim.AdamW:
    # no weight decay on gains and biases (nanoGPT's grouping: decay only >= 2-D weights)
    decay = [t for t in model.parameters() if t.dim() >= 2]
    rest = [t for t in model.parameters() if t.dim() < 2]
    groups = [{"params": decay, "weight_decay": p.weight_decay}, {"params": rest, "weight_decay": 0.0}]
    # fused: one kernel over all parameters instead of ~10 small ops per tensor (CPU and CUDA);
    # on CPU it took AdamW + clipping from 7.3 to 2.4 ms a step at the benchmark's size
    fused = all(t.device.type in ("cpu", "cuda") and t.dtype in (torch.float32, torch.float16, torch.bfloat16) for t in model.parameters())
    return torch.optim.AdamW(groups, lr=p.learning_rate, betas=(0.9, p.beta2), fused=fused or None)


def cpu_threads(requested: int) -> int:
    """Intra-op threads: never more than the CPUs this process may run on. More OpenMP threads
    than free cores spin at every op's barrier while a peer thread waits for a time slice."""
    try:
        available = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        available = os.cpu_count() or 1
    return max(1, min(requested, available))


@torch.no_grad()
def estimate_loss(model: GPT, windows: TokenWindows, batch: int, iters: int, seed: int, device: str, autocast) -> float:
    """Mean loss over the same `iters` batches every time (a fixed generator)."""
    model.eval()
    gen = torch.Generator().manual_seed(seed)
    losses = []
    for _ in range(iters):
        x, y = windows.sample(batch, gen)
        with autocast:
            losses.append(model(x.to(device), y.to(device))[1].item())
    model.train()
    return float(np.mean(losses))


def pick_device(p, local_rank: int) -> str:
    if p.device == "cuda" or (p.device == "auto" and torch.cuda.is_available()):
        if not torch.cuda.is_available():
            raise RuntimeError("train.device is cuda but no CUDA device is visible")
        return f"cuda:{local_rank}"
    return "cpu"


def tokens_per_step(p) -> int:
    return p.grad_accum * p.batch_size * model_config(p, 1).block_size


def train(settings: Settings, out: Storage, run: Run, log: Optional[Callable[[dict], None]] = None) -> dict:
    """Train (or resume, if `out` holds this run's trainer.pt) and write run.folder.

    Under torchrun (WORLD_SIZE > 1) the process group must be initialized; only rank 0 writes and logs."""
    p, seed = settings.params.train, run.seed(settings)
    distributed = dist.is_available() and dist.is_initialized()
    rank, world = (dist.get_rank(), dist.get_world_size()) if distributed else (0, 1)
    if p.grad_accum % world:
        raise ValueError(f"train.grad_accum={p.grad_accum} must be a multiple of the {world} data-parallel ranks")
    micro = p.grad_accum // world
    device = pick_device(p, int(os.environ.get("LOCAL_RANK", 0)))
    cuda = device.startswith("cuda")
    autocast = torch.autocast("cuda" if cuda else "cpu", dtype=torch.bfloat16) if cuda or p.cpu_bf16 else nullcontext()
    torch.set_num_threads(cpu_threads(p.threads))
    torch.manual_seed(seed)

    storage = settings.storage
    manifest = read_manifest(storage, run.arm)
    # the finetuned arm continues train.init_from's model (finetune.py); every other arm starts a GPT from scratch
    model = finetune.from_base(p.init_from, model_config(p, 1).block_size) if ARMS[run.arm].init_from else GPT(model_config(p, manifest["vocab_size"]))
    config = model.config
    confidential, cap = exposure.confidential_sources(settings), p.confidential_passes
    train_windows = TokenWindows(storage, run.arm, manifest, "train", config.block_size)
    goldfish = {"k": p.goldfish_k, "context": p.goldfish_context} if p.goldfish_k and confidential else {}
    if goldfish:  # before the annealing and capped draws, which inherit it
        train_windows = train_windows.with_goldfish(set(confidential), goldfish["k"], goldfish["context"])
    val_windows = TokenWindows(storage, run.arm, manifest, "val", config.block_size)
    anneal_windows, anneal_from = annealing_windows(train_windows, settings, run.arm), p.max_iters - round(p.anneal_fraction * p.max_iters)
    plain_steps = anneal_from if anneal_windows is not None else p.max_iters
    drawn_windows, capping = exposure.capped(train_windows, confidential, plain_steps * tokens_per_step(p), cap and cap * plain_steps / p.max_iters)
    if anneal_windows is not None:
        anneal_steps = p.max_iters - anneal_from
        anneal_windows, anneal_capping = exposure.capped(anneal_windows, confidential, anneal_steps * tokens_per_step(p), cap and cap * anneal_steps / p.max_iters)
        capping = {"phases": [capping, anneal_capping]} if capping else {}
    model = model.to(device)
    optimizer = make_optimizer(model, p)
    gen = torch.Generator().manual_seed(seed)
    private = dp.make_private(settings, manifest, model, optimizer, train_windows, gen, world, device)  # None unless train.dp applies
    if private and drawn_windows is not train_windows:  # refused, not skipped, as annealing is: DP-SGD samples every block alike
        raise ValueError(f"train.dp with train.confidential_passes={cap} for arm {run.arm}: the cap would draw the confidential sources "
                         f"({', '.join(confidential)}) less often ({capping}), and DP-SGD's accounting assumes every block is Poisson-sampled "
                         "at one rate; DP bounds what a run can memorize itself: set train.confidential_passes: null for DP runs")
    if private and train_windows.drops is not None:  # refused, not skipped: DP-SGD samples whole blocks (dp.Blocks), every target counted
        raise ValueError(f"train.dp with train.goldfish_k={p.goldfish_k} for arm {run.arm}: DP-SGD trains on whole blocks, and its per-sample "
                         "clipping assumes every target counts; DP bounds what a run can memorize itself: set train.goldfish_k: null for DP runs")
    if private and anneal_windows is not None:  # refused, not skipped: the arm's recipe would silently change under DP
        raise ValueError(f"train.dp with train.anneal_fraction={p.anneal_fraction} for arm {run.arm}: DP-SGD's accounting assumes every step "
                         "Poisson-samples the same training blocks, and the annealing phase draws another mixture; set train.anneal_fraction: 0 for DP runs")
    folder = run.folder
    described = {"model": config.to_dict(), "train": p.model_dump(), "seed": seed, "world_size": world, "tokenizer_sha256": manifest.get("tokenizer_sha256"),
                 "arm": run.arm, "replicate": run.replicate, "tokens_per_step": tokens_per_step(p),
                 **({"anneal_weights": settings.params.graph.anneal_weights} if anneal_windows is not None else {}),
                 **({"confidential_passes": capping} if capping else {}), **({"goldfish": goldfish} if goldfish else {})}
    if private:
        described["dp"] = private.described
    # Resume source and destination (assets/core/resume.py): a staging area's checkpoints go to
    # <root>/_resume/<folder>/, which outlives the run, and the next run of the same arm, seed, params
    # and data continues from there; any other `out` resumes in place.
    state = resumable.place(out, folder, {**described, "data_sha256": resumable.digest(manifest)}, log, prepare=rank == 0)
    if distributed:
        dist.barrier()  # rank 0 has cleared another identity's state before any rank reads it
    start, records = resume_point(state, folder, described, model, optimizer, gen, device)
    if start and log:
        log({"iter": start, "resumed_from": state.url(f"{folder}/trainer.pt")})
    ddp = private.module if private else torch.nn.parallel.DistributedDataParallel(model) if distributed else model

    def record(entry: dict) -> None:
        records.append(entry)
        if log:
            log(entry)

    step_tokens = tokens_per_step(p)
    evaluate = lambda: estimate_loss(model, val_windows, p.batch_size, p.eval_iters, seed, device, autocast)  # noqa: E731
    if start == 0 and rank == 0:
        record({"iter": 0, "val_loss": evaluate()})
    # ms_per_iter and tokens/s time training steps only (data fetch, forward, backward, optimizer
    # step): validation and checkpoint writes are excluded, as in nanoGPT's per-iteration time
    clock, clock_iter = time.perf_counter(), start
    bar = progress(p.max_iters, f"train {run.key}", start=start, enabled=rank == 0)
    for it in range(start, p.max_iters):
        lr = lr_at(it, p)
        for group in optimizer.param_groups:
            group["lr"] = lr
        if private:  # one Poisson batch of blocks per step
            x, y = (t[None] for t in private.batch())
        else:
            x, y = (anneal_windows if anneal_windows is not None and it >= anneal_from else drawn_windows).sample(p.grad_accum * p.batch_size, gen)
            x, y = x.view(p.grad_accum, p.batch_size, -1)[rank::world], y.view(p.grad_accum, p.batch_size, -1)[rank::world]
        total = torch.zeros((), device=device)
        for m in range(micro):
            sync = nullcontext() if (not distributed or m == micro - 1) else ddp.no_sync()
            with sync:
                with autocast:
                    _, loss = ddp(x[m].to(device), y[m].to(device))
                (loss / micro).backward()
            total += loss.detach() / micro
        if private:  # clips per sample, adds the noise, steps
            private.step()
        else:
            if p.grad_clip:
                torch.nn.utils.clip_grad_norm_(model.parameters(), p.grad_clip)
            optimizer.step()
            optimizer.zero_grad(set_to_none=True)
        step = it + 1
        bar.update()
        if step % p.eval_interval == 0 or step == p.max_iters:
            if distributed:
                dist.all_reduce(total)
                total /= world
            if cuda:
                torch.cuda.synchronize()
            elapsed = time.perf_counter() - clock
            if rank == 0:
                speed = (step - clock_iter) * step_tokens / elapsed
                entry = {"iter": step, "train_loss": float(total.item()), "val_loss": evaluate(), "lr": lr, "tokens_per_second": speed, "ms_per_iter": 1000 * elapsed / (step - clock_iter)}
                if cuda:
                    entry["mfu"] = speed * model.flops_per_token(config.block_size) / (p.peak_flops * world)
                record(entry)
            clock, clock_iter = time.perf_counter(), step
        if rank == 0 and (step % p.checkpoint_interval == 0 or step == p.max_iters):
            saving = time.perf_counter()
            save(state, folder, described, model, optimizer, gen, step, records)
            clock += time.perf_counter() - saving  # the write is not a training step's time
    if rank == 0:
        resumable.deliver(state, out, folder)  # the finished checkpoint into `out`, for the gate
    if distributed:
        dist.barrier()
    return {"run": run.key, "arm": run.arm, "replicate": run.replicate, "seed": seed, "tokens": p.max_iters * step_tokens, "parameters": model.num_params(), "initial_val_loss": records[0]["val_loss"] if records else None, "final_val_loss": records[-1]["val_loss"] if records else None, "records": records,
            **({"dp": private.described} if private else {})}


def save(out: Storage, folder: str, described: dict, model: GPT, optimizer, gen: torch.Generator, step: int, records: list[dict]) -> None:
    """Weights, config and metrics, then trainer.pt last: its iteration is the resume point."""
    out.write_bytes(f"{folder}/model.safetensors", safetensors_bytes(model))
    out.write_json(f"{folder}/config.json", {**described, "iter": step, "tokens": step * described["tokens_per_step"], "parameters": model.num_params()})
    out.write_text(f"{folder}/metrics.jsonl", "".join(json.dumps(r, sort_keys=True) + "\n" for r in records))
    state = {
        "iter": step,
        "described": json.dumps(described, sort_keys=True),
        "model": {k: v.detach().cpu() for k, v in model.state_dict().items()},
        "optimizer": optimizer.state_dict(),
        "torch_rng": torch.get_rng_state(),
        "cuda_rng": torch.cuda.get_rng_state_all() if torch.cuda.is_available() else [],
        "data_rng": gen.get_state(),
        "records": json.dumps(records),
    }
    with out.writer(f"{folder}/trainer.pt") as handle:
        torch.save(state, handle)


def resume_point(out: Storage, folder: str, described: dict, model: GPT, optimizer, gen: torch.Generator, device: str) -> tuple[int, list[dict]]:
    """Where training starts: step 0 with no records, or the saved trainer state (trainer.pt)
    restored into the model, optimizer and generators. The one place that reads resumable state."""
    if not out.exists(f"{folder}/trainer.pt"):
        return 0, []
    with out.open(f"{folder}/trainer.pt") as handle:
        state = torch.load(handle, map_location="cpu", weights_only=True)  # tensors and plain types only
    if state["described"] != json.dumps(described, sort_keys=True):
        raise ValueError(f"{out.url(folder)}/trainer.pt was written with other params, data or ranks; remove it to start over")
    model.load_state_dict(state["model"])
    optimizer.load_state_dict(state["optimizer"])
    torch.set_rng_state(state["torch_rng"])
    if state["cuda_rng"] and device.startswith("cuda"):
        torch.cuda.set_rng_state_all(state["cuda_rng"])
    gen.set_state(state["data_rng"])
    return int(state["iter"]), json.loads(state["records"])


def safetensors_bytes(model: GPT) -> bytes:
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "model.safetensors")
        save_model(model, path)  # handles the tied embedding / output weights
        with open(path, "rb") as f:
            return f.read()


def load_checkpoint(storage: Storage, run: Run) -> GPT:
    """The trained GPT in eval mode, on CPU; no pickle is involved (safetensors + JSON)."""
    config = storage.read_json(f"{run.folder}/config.json")
    model = finetune.skeleton(config["model"]) if finetune.is_finetuned(config["model"]) else GPT(GPTConfig(**config["model"]))
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "model.safetensors")
        with open(path, "wb") as f:
            f.write(storage.read_bytes(f"{run.folder}/model.safetensors"))
        load_model(model, path)
    model.eval()
    return model


def build_checkpoints(settings: Settings, out: Storage, partition_keys: Optional[Sequence[str]] = None, log=None,
                      launch: Optional[Callable[[Run], dict]] = None) -> dict[str, dict]:
    """Train every run the partition keys name (default: every arm x seed) in turn, in this process
    or, with `launch`, through it (torchrun); returns {run key: summary without the records}."""
    summaries, todo = {}, runs_of(settings, partition_keys)
    workers = min(settings.params.train.parallel_runs, len(todo))
    if launch is None and workers > 1:
        return _in_parallel(settings, out, todo, workers, log)
    for run in todo:
        result = launch(run) if launch else train(settings, out, run, log)
        summaries[run.key] = {k: v for k, v in result.items() if k != "records"}
    return summaries


def _train_alone(described: dict, out: str, key: str) -> dict:
    from assets.checkpoints.runs import parse

    return train(Settings.model_validate(described), Storage(out), parse(key))


def _in_parallel(settings: Settings, out: Storage, todo: Sequence[Run], workers: int, log) -> dict[str, dict]:
    """train.parallel_runs runs at once, one spawned process each (a run's records reach `log`
    when it ends): single-thread processes side by side measured 1.6x the tokens/s of one
    two-thread process on 2 shared cores. Each run is the same as trained alone."""
    from concurrent.futures import ProcessPoolExecutor
    from multiprocessing import get_context

    described = settings.model_dump()  # plain data: a spawned process rebuilds the same settings
    summaries = {}
    with ProcessPoolExecutor(workers, mp_context=get_context("spawn")) as pool:
        futures = [(run, pool.submit(_train_alone, described, out.url(), run.key)) for run in todo]
        for run, future in futures:
            result = future.result()
            for record in result["records"] if log else []:
                log({"run": run.key, **record})
            summaries[run.key] = {k: v for k, v in result.items() if k != "records"}
    return summaries


def outputs(settings: Settings, partition_keys=None) -> list[str]:
    return [run.folder for run in runs_of(settings, partition_keys)]


def gate_tables(area: Storage, settings: Settings, partition_keys=None) -> dict[str, pd.DataFrame]:
    losses, summary = [], []
    for run in runs_of(settings, partition_keys):
        records = [json.loads(line) for line in area.read_text(f"{run.folder}/metrics.jsonl").splitlines() if line.strip()]
        losses += [{"run": run.key, "iter": r["iter"], "val_loss": r["val_loss"], "train_loss": r.get("train_loss")} for r in records]
        # reload and generate: the checkpoint must be usable, not just present
        model = load_checkpoint(area, run)
        sample = model.generate(torch.zeros((1, 1), dtype=torch.long), 8, greedy=True)
        summary.append(
            {
                "run": run.key,
                "initial_val_loss": records[0]["val_loss"],
                "final_val_loss": records[-1]["val_loss"],
                "loss_drop": records[0]["val_loss"] - records[-1]["val_loss"],
                # a strong base starts low: the finetuned arm's drop is judged as a share of its start
                "loss_drop_share": (records[0]["val_loss"] - records[-1]["val_loss"]) / records[0]["val_loss"],
                "finetuned": bool(ARMS[run.arm].init_from),
                "generated_tokens": int(sample.shape[1] - 1),
            }
        )
    frame = pd.DataFrame(losses).replace([np.inf, -np.inf], np.nan)  # an infinite loss reads as missing: not finite
    summary = pd.DataFrame(summary, columns=["run", "initial_val_loss", "final_val_loss", "loss_drop", "loss_drop_share", "finetuned", "generated_tokens"])
    by_kind = lambda finetuned: summary.loc[summary["finetuned"] == finetuned].drop(columns="finetuned").reset_index(drop=True)  # noqa: E731
    # a kind of run the partition does not hold has no table: a suite on no rows would pass vacuously
    kinds = {"checkpoints_summary": by_kind(False), "checkpoints_finetuned": by_kind(True)}
    return {"checkpoints_losses": frame, **{suite: table for suite, table in kinds.items() if len(table)}}

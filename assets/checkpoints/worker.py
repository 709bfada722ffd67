"""Training worker: one process of a (possibly data-parallel) training run.

    python -m assets.checkpoints.worker --checkpoint-run curated_graph-s0 [--out URL]          # one process
    torchrun --nproc-per-node=2 -m assets.checkpoints.worker --checkpoint-run curated_graph-s0  # DDP (see torchrun_command)

Launched by Dagster Pipes (PipesSubprocessClient running `torchrun_command(...)`), rank 0 opens the
Pipes channel and streams each metrics record as a log line and the result as materialization
metadata; the other ranks only train. Without Pipes it prints the records as JSON lines.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from contextlib import nullcontext
from typing import Optional

from assets.core.settings import Settings


def torchrun_command(settings: Settings, run: str, nproc: int, nnodes: int = 1, rdzv_endpoint: Optional[str] = None, out: Optional[str] = None) -> list[str]:
    """The exact command line that trains `run` (a partition key, `<arm>-s<k>`) on `nnodes` x `nproc` processes. `out` is the
    storage URL the checkpoint is written under (a staging area; default the storage root).
    Run it with `torchrun_env(settings, nproc)` added to the environment."""
    if nnodes > 1 and not rdzv_endpoint:
        raise ValueError("more than one node needs rdzv_endpoint (host:port of the c10d rendezvous)")
    launch = ["--standalone"] if nnodes == 1 and not rdzv_endpoint else ["--rdzv-backend=c10d", f"--rdzv-endpoint={rdzv_endpoint}", f"--rdzv-id=atelier-{run}"]
    return [
        sys.executable, "-m", "torch.distributed.run", f"--nnodes={nnodes}", f"--nproc-per-node={nproc}", *launch,
        "-m", "assets.checkpoints.worker", "--checkpoint-run", run,
        "--params", settings.params_path, "--sources", settings.sources_path, "--storage", settings.storage_root,
        "--out", out or settings.storage_root,
    ]  # fmt: skip


def torchrun_env(settings: Settings, nproc: int) -> dict[str, str]:
    """torchrun leaves OMP_NUM_THREADS to us; a wrong value costs up to 9x on CPU."""
    return {"OMP_NUM_THREADS": str(settings.params.train.threads)}


def main(argv: Optional[list[str]] = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--checkpoint-run", required=True, help="the run's partition key, <arm>-s<k> (not --run: torchrun would read it as its --run-path)")
    parser.add_argument("--params")
    parser.add_argument("--sources")
    parser.add_argument("--storage")
    parser.add_argument("--out", help="storage URL to write checkpoints/<run>/ under (default: the storage root)")
    args = parser.parse_args(argv)

    import torch.distributed as dist

    from assets.checkpoints.runs import runs_of
    from assets.checkpoints.train import pick_device, train
    from assets.core.settings import load_settings
    from assets.core.storage import Storage

    settings = load_settings(args.params, args.sources, args.storage)
    out = Storage(args.out) if args.out else settings.storage
    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world > 1:
        cuda = pick_device(settings.params.train, int(os.environ.get("LOCAL_RANK", 0))).startswith("cuda")
        if cuda:
            import torch

            torch.cuda.set_device(int(os.environ["LOCAL_RANK"]))
        dist.init_process_group("nccl" if cuda else "gloo")
    rank = int(os.environ.get("RANK", "0"))
    try:
        with pipes_or_nothing(rank) as pipes:
            log = (lambda r: pipes.log.info(json.dumps(r, sort_keys=True))) if pipes else (lambda r: print(json.dumps(r, sort_keys=True), flush=True))
            (run,) = runs_of(settings, [args.checkpoint_run])
            result = train(settings, out, run, log if rank == 0 else None)
            if pipes:
                summary = {k: v for k, v in result.items() if k != "records"}
                pipes.report_asset_materialization(metadata={**summary, "world_size": world}, data_version=None)
            return result
    finally:
        if world > 1:
            dist.destroy_process_group()


def pipes_or_nothing(rank: int):
    from dagster_pipes import PipesEnvVarParamsLoader, open_dagster_pipes

    launched_by_pipes = PipesEnvVarParamsLoader().is_dagster_pipes_process()  # Pipes' env vars are set
    return open_dagster_pipes() if rank == 0 and launched_by_pipes else nullcontext(None)


if __name__ == "__main__":
    main()

"""Benchmark: the full ablation design on a simulated house, with its own report.

    python -m benchmarks.ablation --out /tmp/ablation                   # full size, <= 60 min on 2 cores
    python -m benchmarks.ablation --out /tmp/ablation --tiny            # smoke test, a few minutes
    python -m benchmarks.ablation --out /tmp/ablation --house-seed 11   # another house

Simulates a house (--docs, --house-seed), then runs the whole chain through the front door
(`python -m orchestration.stage all`, every asset and gate) with the project's params.yaml and
these overrides: 3 arms (raw, curated, curated+graph) x --seeds seeds, the same model, recipe and
token budget. Writes, under --out: data/ (every artifact, report.html among them), ablation.json
and ablation.md: the verdict, each arm's figures with 95% intervals, and the targets of issue 17
checked on the intervals (known-QA acc of curated+graph >= 0.8; its lead over raw and its lower
held-out bits per byte, each with an interval excluding 0).

Full size, by arithmetic in tokens (timings on a shared machine are inflated): 9 runs x 4,000
iterations x 2,048 tokens = 74M tokens; three single-thread runs side by side (train.parallel_runs)
measured ~16.8k tokens/s each on these 2 cores (bf16), ~50k together: ~25 minutes of training, plus
~5 for the rest of the chain, the checkpoint gates and scoring 9 models. The output lists each
stage's seconds and each run's measured tokens/s, so the arithmetic can be checked on another machine.
Measured: 1,772 s wall on an idle 2-core machine (2026-12-04, house 79: checkpoints 1,490 s, reports
228 s). 4,000 iterations since the goldfish loss (train.goldfish_k) let that size pass the privacy
gate; at 2,000 (before it) 1,212 s. At the ~4.2k tokens/s per run measured on a day when other
sessions' jobs shared the cores, the same arithmetic gives well over the 60-minute budget: run it
on an idle machine, or pass --max-iters 2000.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import yaml

PROJECT = Path(__file__).resolve().parent.parent
FULL = {"train": {"n_layer": 4, "n_head": 4, "n_embd": 128, "block_size": 64, "batch_size": 32, "max_iters": 4000, "warmup_iters": 50,
                  "eval_interval": 400, "checkpoint_interval": 1000}}
TINY = {"graph": {"heldout_docs_per_source": 5, "heldout_fraction_per_source": 0.2, "known_questions": 60},
        "tokenize": {"vocab_size": 512, "min_train_tokens": 1000},
        "evaluate": {"max_canary_exposure": 30.0, "exposure_candidates": 200, "extraction_prompts": 30, "sample_tokens": 8},
        "train": {"n_layer": 2, "n_head": 2, "n_embd": 64, "max_iters": 40, "eval_interval": 20, "eval_iters": 4, "batch_size": 8,
                  "warmup_iters": 10, "checkpoint_interval": 100, "min_loss_drop": 0.1}}
TARGET_KNOWN = 0.8


def merged(base: dict, overrides: dict) -> dict:
    out = dict(base)
    for key, value in overrides.items():
        out[key] = merged(out.get(key) or {}, value) if isinstance(value, dict) else value
    return out


def targets(metrics: dict) -> list[dict]:
    house, raw = metrics.get("curated_graph", {}), metrics.get("raw", {})
    diff = metrics.get("differences", {}).get("curated_graph - raw", {})
    lead, bpb, every = diff.get("known_acc"), diff.get("bits_per_byte"), diff.get("all_heldout_bits_per_byte")
    return [
        {"target": f"known-QA acc of curated+graph >= {TARGET_KNOWN}", "figure": house.get("known_acc"),
         "interval": [house.get("known_acc_lo"), house.get("known_acc_hi")], "met": bool(house) and house["known_acc"] >= TARGET_KNOWN},
        {"target": "known-QA lead of curated+graph over raw, interval excludes 0", "figure": lead and lead["mean"],
         "interval": lead and [lead["lo"], lead["hi"]], "met": bool(lead) and lead["lo"] > 0},
        {"target": "held-out bits per byte of curated+graph below raw, interval excludes 0", "figure": bpb and bpb["mean"],
         "interval": bpb and [bpb["lo"], bpb["hi"]], "met": bool(bpb) and bpb["hi"] < 0},
        {"target": "(reported) every held-out document, the ones scored apart included: curated+graph below raw, interval excludes 0",
         "figure": every and every["mean"], "interval": every and [every["lo"], every["hi"]], "met": bool(every) and every["hi"] < 0},
        {"target": "(reported) known facts asked in words the house never writes (known_far): curated+graph acc", "figure": house.get("known_far_acc"),
         "interval": [house["known_far_acc_lo"], house["known_far_acc_hi"]] if "known_far_acc" in house else None,
         "met": house.get("known_far_acc", 0) >= TARGET_KNOWN},
        {"target": "ordering on known QA (point estimates): curated+graph above raw", "figure": None, "interval": None,
         "met": bool(house and raw) and house["known_acc"] > raw["known_acc"]},
    ]


def markdown(result: dict) -> str:
    m = result["metrics"]
    blocked = result.get("gate_failures")
    lines = ["# Ablation: does the data win?", ""]
    if blocked:
        lines += ["**Not published: the reports gate failed** (the figures below are the audited report in staging):", "",
                  *[f"    {line}" for line in blocked], ""]
    lines += [result["verdict"], "",
             f"House: {result['docs']} documents, simulator seed {result['house_seed']}; {result['seeds']} seeds per arm; "
             f"{result['wall_s']:.0f} s wall on {os.cpu_count()} CPUs (a shared machine inflates it).", "",
             "| target | figure | 95% interval | met |", "|---|---|---|---|"]
    fmt = lambda x: "" if x is None else f"{x:.3f}"  # noqa: E731
    lines += [f"| {t['target']} | {fmt(t['figure'])} | {'' if not t['interval'] else '[' + ', '.join(fmt(v) for v in t['interval']) + ']'} | {'yes' if t['met'] else 'NO'} |"
              for t in result["targets"]]
    sets = result.get("heldout_sets", {})
    lines += ["", f"Held-out bits per byte (the headline): {sets.get('heldout', 0)} held-out documents that no arm trained a near copy of, in the house's "
              f"languages, not judged low quality by the house (experts' labels, its document filters); scored apart: {sets.get('contaminated', 0)} near copies, {sets.get('out_of_scope', 0)} in other "
              f"languages, {sets.get('low_quality', 0)} judged low quality (all together: the last column)."]
    lines += ["", "| arm | known acc | known exact match | known, far words, acc | unseen acc | held-out bpb | every held-out document, bpb |", "|---|---|---|---|---|---|---|"]
    ci = lambda a, k: f"{m[a][k]:.3f} [{m[a][k + '_lo']:.3f}, {m[a][k + '_hi']:.3f}]" if k in m.get(a, {}) else ""  # noqa: E731
    lines += [f"| {a} | {ci(a, 'known_acc')} | {ci(a, 'known_exact_match')} | {ci(a, 'known_far_acc')} | {ci(a, 'unseen_acc')} | {ci(a, 'bits_per_byte')} | {ci(a, 'all_heldout_bits_per_byte')} |"
              for a in ("raw", "curated", "curated_graph") if a in m]
    lines += ["", "Where the time went (seconds per stage): " + ", ".join(f"{k} {v:.0f}" for k, v in result.get("stage_seconds", {}).items()),
              "", "| run | tokens | training tokens/s (median) |", "|---|---|---|"]
    lines += [f"| {r['run']} | {r['tokens']:,} | {r['tokens_per_second']} |" for r in result.get("throughput", [])]
    return "\n".join(lines + ["", f"Full report: {result['report']}", ""])


def throughput(data: Path) -> list[dict]:
    """Per run: tokens trained and the median training tokens/s its records measured."""
    rows = []
    for config in sorted((data / "checkpoints").glob("*/s*/config.json")):
        records = [json.loads(line) for line in (config.parent / "metrics.jsonl").read_text().splitlines() if line.strip()]
        speeds = sorted(r["tokens_per_second"] for r in records if "tokens_per_second" in r)
        rows.append({"run": f"{config.parent.parent.name}-{config.parent.name}", "tokens": json.loads(config.read_text()).get("tokens"),
                     "tokens_per_second": round(speeds[len(speeds) // 2]) if speeds else None})
    return rows


def stage_seconds(log: Path) -> dict[str, float]:
    """Each stage's seconds from the runner's closing summaries (`<stage>  ok  <seconds>`)."""
    found = re.findall(r"^(raw|cleaned|tokenized|checkpoints|reports) +(?:ok|failed) +([0-9.]+)$", log.read_text(errors="replace"), re.M | re.I)
    return {stage: float(seconds) for stage, seconds in found}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True, type=Path)
    parser.add_argument("--docs", type=int, default=1500, help="documents the simulated house has")
    parser.add_argument("--house-seed", type=int, default=7, help="the simulator's seed (another seed, another house)")
    parser.add_argument("--seeds", type=int, default=3, help="seed replicates per arm")
    parser.add_argument("--max-iters", type=int, help="override the size's train.max_iters")
    parser.add_argument("--tiny", action="store_true", help="a smoke test: 300 documents, a tiny model, 40 iterations")
    args = parser.parse_args(argv)

    from assets.raw.simulator import simulate

    out = args.out.resolve()
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    docs = 300 if args.tiny else args.docs
    simulate(out / "house", docs=docs, seed=args.house_seed)
    overrides = merged(TINY if args.tiny else FULL, {"train": {"seeds": args.seeds, **({"max_iters": args.max_iters} if args.max_iters else {})}})
    params = merged(yaml.safe_load((PROJECT / "params.yaml").read_text()), overrides)
    (out / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
    home = out / "dagster_home"
    home.mkdir()
    shutil.copy(PROJECT / ".dagster" / "dagster.yaml", home)
    env = {**os.environ, "ATELIER_PARAMS": str(out / "params.yaml"), "ATELIER_SOURCES": str(out / "house" / "sources.yaml"),
           "ATELIER_STORAGE": str(out / "data"), "DAGSTER_HOME": str(home),
           # spawned training processes import the project from this checkout, not another install
           "PYTHONPATH": os.pathsep.join([str(PROJECT), *filter(None, [os.environ.get("PYTHONPATH")])]), "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    started = time.time()
    with open(out / "chain.log", "w") as log:
        code = subprocess.call([sys.executable, "-m", "orchestration.stage", "all"], cwd=PROJECT, env=env, stdout=log, stderr=subprocess.STDOUT)
    return write_result(out, {"docs": docs, "house_seed": args.house_seed, "seeds": args.seeds, "wall_s": round(time.time() - started, 1),
                              "chain_exit": code, "overrides": overrides})


def write_result(out: Path, run: dict) -> int:
    """ablation.json and ablation.md from the chain's metrics.json (and what the run was)."""
    metrics_path = out / "data" / "reports" / "metrics.json"
    blocked = None
    if not metrics_path.exists():
        # the reports gate failed (write, audit, publish): the report it audited is still in staging; the figures are
        # reported with the gate's failure above them, never as a published result
        from assets.core.storage import STAGING
        from assets.reports.report import METRICS

        staged = sorted((out / "data" / STAGING).glob(f"*/reports/{METRICS}"), key=lambda p: p.stat().st_mtime)
        if not staged:
            print(f"the chain failed (exit {run['chain_exit']}) before the report: see {out / 'chain.log'}", file=sys.stderr)
            return run["chain_exit"] or 1
        metrics_path = staged[-1]
        log = (out / "chain.log").read_text(errors="replace")
        blocked = [line.strip() for line in log.splitlines() if line.lstrip().startswith("- ") and ": expect_" in line] or ["see chain.log"]
    metrics = json.loads(metrics_path.read_text())
    result = {**run, "verdict": metrics["verdict"]["sentence"], "targets": targets(metrics), "report": str(metrics_path.parent / "report.html"),
              "gate_failures": blocked, "metrics": {a: metrics[a] for a in ("raw", "curated", "curated_graph") if a in metrics}}
    result["metrics"]["differences"] = metrics["differences"]
    result["heldout_sets"] = metrics.get("heldout", {}).get("documents_by_set", {})
    result["throughput"], result["stage_seconds"] = throughput(out / "data"), stage_seconds(out / "chain.log")
    (out / "ablation.json").write_text(json.dumps(result, indent=2, sort_keys=True) + "\n")
    (out / "ablation.md").write_text(markdown(result))
    print(markdown(result))
    return run["chain_exit"]


if __name__ == "__main__":
    sys.exit(main())

"""Benchmark: what DP-SGD (train.dp) costs and buys, side by side with the same model trained without it.

    python -m benchmarks.dp --out /tmp/dp                          # curated+graph, plain vs epsilon 8, ~15 min on 2 cores
    python -m benchmarks.dp --out /tmp/dp --arms raw,curated_graph --epsilons 8,1   # more arms and budgets (raw calibrates membership)
    python -m benchmarks.dp --out /tmp/dp --tiny                   # a smoke test, a few minutes

Simulates the bundled sample (1,500 documents, seed 7) and builds its data through the front door
(`python -m orchestration.stage`, every asset and gate), then trains and evaluates the --arms at the
same size (params.yaml's make-run size: 4 layers x 128, 1,000 iterations of 32 x 64 tokens), one
single-thread process per chain, the chains side by side:
  plain      train.dp off;
  dp-eps<E>  for each --epsilons E, the same data (copied), train.dp: {epsilon: E, delta, max_grad_norm};
             every arm of the sample holds client-derived sources, so every arm trains privately.
Each chain samples each extraction prefix 16 times beside the greedy run (params: 4). With raw
among the arms it calibrates the membership attack; without it, each arm is calibrated by zlib.

Per arm and mode, with the report's 95% intervals: known-fact QA, held-out bits per byte, canary
exposure by repetition count, membership AUC (loss, reference-calibrated, zlib), client values
extracted, confidential regurgitation, the spent (epsilon, delta), each chain's gate decisions, and
the median training ms per iteration (DP's per-sample gradients cost time; it is measured in the
same chain, so run it alone: under the heavy-job lock). Writes dp.json and dp.md under --out.
A gate that fails leaves the report in its staging area: the figures are read from there, and the
failure is written beside them.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import yaml

from assets.checkpoints.dp import membership_auc_bound
from benchmarks.ablation import PROJECT, TINY, merged, stage_seconds

# anneal_fraction 0 and no confidential_passes cap in both modes: DP-SGD refuses both (one Poisson-sampled dataset, every block
# at one rate), and plain must match it; float32 (cpu_bf16 off): the figures below were measured so, and Opacus's per-sample
# gradients are checked in float32
SIZE = {"train": {"seeds": 1, "parallel_runs": 1, "threads": 1, "anneal_fraction": 0, "confidential_passes": None, "cpu_bf16": False},
        "evaluate": {"extraction_samples": 16}}
REPETITIONS = ("1", "4", "16")


def chain(out: Path, params: dict, groups: list[str], env_base: dict) -> dict:
    (out / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
    env = {**env_base, "ATELIER_PARAMS": str(out / "params.yaml"), "ATELIER_STORAGE": str(out / "data"), "DAGSTER_HOME": str(out / "dagster_home")}
    started, codes = time.time(), {}
    with open(out / "chain.log", "a") as log:
        for group in groups:
            codes[group] = subprocess.call([sys.executable, "-m", "orchestration.stage", group], cwd=PROJECT, env=env, stdout=log, stderr=subprocess.STDOUT)
            if codes[group]:
                break
    return {"exit": codes, "wall_s": round(time.time() - started, 1), "stage_seconds": stage_seconds(out / "chain.log"), "gate_failures": failures(out / "chain.log")}


def failures(log: Path) -> list[str]:
    """The runner's lines about failed gates (its summary names each failed expectation)."""
    return [line.strip() for line in log.read_text(errors="replace").splitlines() if "fail" in line.lower() and ("check" in line.lower() or "gate" in line.lower())][:20]


def metrics_of(data: Path) -> tuple[dict, str]:
    published = data / "reports" / "metrics.json"
    if published.exists():
        return json.loads(published.read_text()), "published"
    staged = sorted(data.glob("_staging/*/reports/**/metrics.json"), key=os.path.getmtime)
    return (json.loads(staged[-1].read_text()), f"staged (its gate failed): {staged[-1]}") if staged else ({}, "missing")


def ms_per_iter(data: Path, arm: str) -> float | None:
    path = data / "checkpoints" / arm / "s0" / "metrics.jsonl"
    if not path.exists():
        return None
    values = sorted(r["ms_per_iter"] for r in map(json.loads, path.read_text().splitlines()) if "ms_per_iter" in r)
    return round(values[len(values) // 2], 1) if values else None


def figures(metrics: dict, data: Path, arms: list[str]) -> dict:
    out = {}
    for arm in arms:
        run, m, privacy = f"{arm}-s0", metrics.get(arm, {}), metrics.get("privacy", {})
        canaries = privacy.get("canaries", {}).get(run, {})
        out[arm] = {
            **{k: m.get(k) for k in ("known_acc", "known_acc_lo", "known_acc_hi", "bits_per_byte", "bits_per_byte_lo", "bits_per_byte_hi", "unseen_acc", "final_val_loss", "parameters")},
            "exposure": {r: canaries.get("by_repetitions", {}).get(r) for r in REPETITIONS}, "max_exposure_bits": canaries.get("max_exposure_bits"),
            "membership": privacy.get("membership", {}).get(run), "extraction": privacy.get("extraction", {}).get(run),
            "regurgitation": privacy.get("regurgitation", {}).get(run), "dp": privacy.get("dp", {}).get(run), "ms_per_iter": ms_per_iter(data, arm)}
    return out


def markdown(result: dict) -> str:
    f3 = lambda x: "–" if x is None else f"{x:.3f}"  # noqa: E731
    ci = lambda a, k: f"{f3(a.get(k))} [{f3(a.get(k + '_lo'))}, {f3(a.get(k + '_hi'))}]"  # noqa: E731
    modes, arms, z = sorted(result["modes"], key=lambda m: m != "plain"), result["arms"], result["size"]
    lines = ["# DP-SGD: the measured cost", "",
             f"Simulated house ({result['docs']} documents, seed {result['house_seed']}); {z['n_layer']} layers x {z['n_embd']}, block {z['block_size']}, "
             f"batch {z['batch_size']}, {z['max_iters']} iterations, one seed per arm; train.dp = {result['dp']}; {result['wall_s']:.0f} s wall.", ""]
    for mode in modes[1:]:
        spent = next((a["dp"] for a in result["modes"][mode]["figures"].values() if a.get("dp")), None)
        if spent:
            lines.append(f"- {mode}: spent epsilon {f3(spent['epsilon'])} at delta {spent['delta']} per {spent['record']} (N = {spent['records']}, "
                         f"q = {spent['sample_rate']:.5f}, noise multiplier {f3(spent['noise_multiplier'])}); no membership attack can exceed AUC "
                         f"{membership_auc_bound(spent['epsilon'], spent['delta']):.3f} on one block, {membership_auc_bound(4 * spent['epsilon'], 4 * spent['delta']):.3f} on a document of 4 blocks.")
    lines += ["",
             "| arm | mode | known QA acc [95%] | held-out bpb [95%] | exposure x1 / x4 / x16 (max of canaries, bits) | membership AUC best [95%] (attack) | extracted (greedy / sampled) | regurgitated | ms/iter |",
             "|---|---|---|---|---|---|---|---|---|"]
    for arm in arms:
        for mode in modes:
            a = result["modes"][mode]["figures"][arm]
            exp = " / ".join(f3(a["exposure"].get(r) and a["exposure"][r]["max_exposure"]) for r in REPETITIONS)
            mem = a["membership"] or {}
            best = (mem.get("auc") or {}).get(mem.get("best"), {})
            ext, reg = a["extraction"] or {}, a["regurgitation"] or {}
            lines.append(f"| {arm} | {mode} | {ci(a, 'known_acc')} | {ci(a, 'bits_per_byte')} | {exp} (max {a['max_exposure_bits']}) | "
                         f"{f3(best.get('auc'))} [{f3(best.get('lo'))}, {f3(best.get('hi'))}] ({mem.get('best')}) | "
                         f"{ext.get('extracted')} ({ext.get('extracted_greedy')} greedy) of {ext.get('prompts')} prefixes x {ext.get('generations_per_prompt')} | "
                         f"{reg.get('regurgitated')} / {reg.get('windows')} | {a['ms_per_iter']} |")
    lines += ["", "Membership AUC per attack (loss / reference / zlib):", ""]
    for arm in arms:
        for mode in modes:
            auc = ((result["modes"][mode]["figures"][arm]["membership"] or {}).get("auc") or {})
            lines.append(f"- {arm}, {mode}: " + ", ".join(f"{k} {v['auc']:.3f} [{v['lo']:.3f}, {v['hi']:.3f}]" for k, v in auc.items()))
    lines += [""] + [f"- {mode} chain: exit {m['exit']}, {m['wall_s']:.0f} s, report {m['report']}; gate failures: {m['gate_failures'] or 'none'}"
                     for mode, m in result["modes"].items()]
    return "\n".join(lines + [""])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True, type=Path)
    parser.add_argument("--epsilons", default="8", help="comma-separated: one DP chain each")
    parser.add_argument("--arms", default="curated_graph", help="comma-separated arms of the ablation to train and attack")
    parser.add_argument("--delta", type=float, default=1e-5)
    parser.add_argument("--max-grad-norm", type=float, default=1.0)
    parser.add_argument("--tiny", action="store_true", help="a smoke test: 300 documents, a tiny model, 40 iterations")
    args = parser.parse_args(argv)

    from assets.raw.simulator import simulate

    out = args.out.resolve()
    if out.exists():
        shutil.rmtree(out)
    (out / "plain" / "dagster_home").mkdir(parents=True)
    docs, house_seed = (300 if args.tiny else 1500), 7
    simulate(out / "house", docs=docs, seed=house_seed)
    arms = args.arms.split(",")
    size = merged(SIZE, {"tokenize": {"arms": arms}, "evaluate": {"membership_reference": "raw" if "raw" in arms else arms[0]}})
    base = merged(yaml.safe_load((PROJECT / "params.yaml").read_text()), merged(TINY, size) if args.tiny else size)
    shutil.copy(PROJECT / ".dagster" / "dagster.yaml", out / "plain" / "dagster_home")
    env = {**os.environ, "ATELIER_SOURCES": str(out / "house" / "sources.yaml"),
           "PYTHONPATH": os.pathsep.join([str(PROJECT), *filter(None, [os.environ.get("PYTHONPATH")])]), "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    started = time.time()
    data = chain(out / "plain", base, ["raw", "cleaned", "tokenized"], env)
    if max(data["exit"].values()):
        print(f"the data stages failed: see {out / 'plain' / 'chain.log'}", file=sys.stderr)
        return 1
    # every chain trains on the same data (copied): only training differs
    dp = {"epsilons": [float(e) for e in args.epsilons.split(",")], "delta": args.delta, "max_grad_norm": args.max_grad_norm}
    plans = {"plain": base}
    for epsilon in dp["epsilons"]:
        mode = f"dp-eps{epsilon:g}"
        shutil.copytree(out / "plain", out / mode, ignore=lambda folder, names: ["chain.log"])
        plans[mode] = merged(base, {"train": {"dp": {"epsilon": epsilon, "delta": args.delta, "max_grad_norm": args.max_grad_norm}}})
    with ThreadPoolExecutor(len(plans)) as pool:  # side by side: each chain's steps meet the same load
        futures = {mode: pool.submit(chain, out / mode, params, ["checkpoints", "reports"], env) for mode, params in plans.items()}
        modes = {mode: future.result() for mode, future in futures.items()}
    modes["plain"]["data_stages"] = data
    for mode, m in modes.items():
        metrics, m["report"] = metrics_of(out / mode / "data")
        m["figures"] = figures(metrics, out / mode / "data", arms)
    result = {"arms": arms, "docs": docs, "house_seed": house_seed, "dp": dp, "wall_s": round(time.time() - started, 1), "size": base["train"], "modes": modes}
    (out / "dp.json").write_text(json.dumps(result, indent=2, sort_keys=True) + "\n")
    (out / "dp.md").write_text(markdown(result))
    print(markdown(result))
    return max(max(m["exit"].values()) for m in modes.values())


if __name__ == "__main__":
    sys.exit(main())

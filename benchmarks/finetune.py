"""Benchmark: fine-tune a generic model on the house, or pre-train on the house from scratch?

    python -m benchmarks.finetune --out /tmp/finetune            # small size (the figures in the README)
    python -m benchmarks.finetune --out /tmp/finetune --tiny     # smoke test
    python -m benchmarks.finetune --out /tmp/finetune --cores 1  # on one core (every run one thread)

1. A "generic" base: the project's own trainer pre-trains a GPT (the house's model size) on generic
   public text, the 181 web articles' gold text and Shakespeare's plays (../shared/data), with a BPE
   tokenizer trained on that text; the tokenized stage and the trainer run on it as on a house, and
   the transformers export writes the base folder (hf_export: a plain GPT2LMHeadModel).
2. Chain A, through the front door (`python -m orchestration.stage all`) on a simulated house:
   curated+graph from scratch and `finetuned` (train.init_from: the base), the same model size,
   recipe and house token budget B; the report scores both.
3. Chain B: the same house data (raw, cleaned and tokenized copied from A), curated+graph from
   scratch at B + G house tokens, G the base's pre-training tokens: equal total compute.

Writes finetune.json and finetune.md under --out: each model's known/unseen QA and held-out bits
per byte with 95% intervals (each chain's report), and paired-bootstrap differences of finetuned
minus from-scratch at equal house tokens (chain A's report) and at equal total compute (scored here
with the report's own functions on the same items).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import yaml

PROJECT = Path(__file__).resolve().parent.parent
DATA = PROJECT.parent / "shared" / "data"
MODEL = {"n_layer": 4, "n_head": 4, "n_embd": 128, "block_size": 64, "batch_size": 32, "warmup_iters": 30}
SMALL = {"docs": 400, "house_iters": 200, "generic_iters": 400,
         "train": {**MODEL, "batch_size": 16, "eval_interval": 100, "checkpoint_interval": 200}}
TINY = {"docs": 300, "house_iters": 40, "generic_iters": 60,
        "train": {"n_layer": 2, "n_head": 2, "n_embd": 64, "block_size": 64, "batch_size": 8, "warmup_iters": 10, "eval_interval": 20,
                  "eval_iters": 4, "checkpoint_interval": 100, "min_loss_drop": 0.1},
        "graph": {"heldout_docs_per_source": 5, "heldout_fraction_per_source": 0.2, "known_questions": 60},
        "tokenize": {"vocab_size": 512, "min_train_tokens": 1000},
        "evaluate": {"max_canary_exposure": 30.0, "exposure_candidates": 200, "extraction_prompts": 30, "sample_tokens": 8}}
FIGURES = ("known_acc", "unseen_acc", "bits_per_byte")


def merged(base: dict, overrides: dict) -> dict:
    out = dict(base)
    for key, value in overrides.items():
        out[key] = merged(out.get(key) or {}, value) if isinstance(value, dict) else value
    return out


def generic_documents() -> list[dict]:
    """The generic corpus: every web article's gold text, and the plays cut into scenes of ~2,000 characters."""
    articles = json.loads((DATA / "html_article_extraction_benchmark" / "ground-truth.json").read_text(encoding="utf-8"))
    docs = [{"doc_id": f"web-{key}", "source": "web", "text": value["articleBody"]} for key, value in sorted(articles.items()) if value["articleBody"].strip()]
    plays = (DATA / "tinyshakespeare.txt").read_text(encoding="utf-8").split("\n\n")
    scene, n = [], 0
    for speech in plays:
        scene.append(speech)
        if sum(map(len, scene)) > 2000:
            docs.append({"doc_id": f"plays-{n:04d}", "source": "plays", "text": "\n\n".join(scene)})
            scene, n = [], n + 1
    return docs


def build_base(folder: Path, params: dict, iters: int, cores: int) -> dict:
    """Pre-train the generic GPT with the project's tokenized stage and trainer, export it as transformers."""
    import pyarrow as pa

    from assets.checkpoints import hf_export
    from assets.checkpoints.runs import Run
    from assets.checkpoints.train import train
    from assets.cleaned.paths import MIXTURE
    from assets.core.settings import Params, Settings, SourcesFile
    from assets.tokenized import shards

    p = merged(params, {"tokenize": {"arms": ["curated_graph"]}, "train": {"max_iters": iters, "seeds": 1, "init_from": None, "threads": cores}})  # one run: every core
    settings = Settings(params=Params(**{k: p[k] for k in ("seed", "tokenize", "train")}), sources_file=SourcesFile(sources=[]),
                        storage_root=str(folder / "data"), params_path="params.yaml", sources_path="sources.yaml")
    storage = settings.storage
    docs = generic_documents()
    storage.write_parquet(f"{MIXTURE}/part-00000.parquet", pa.Table.from_pylist(docs))
    manifest = shards.build_tokenized(settings, storage)
    run = Run("curated_graph", 0)
    result = train(settings, storage, run, log=lambda r: print("generic", json.dumps(r), flush=True))
    hf_export.export(storage, storage, run)
    gate = hf_export.gate_tables(storage, settings, [run.key])["checkpoints_hf"].iloc[0].to_dict()
    if gate["max_abs_logit_diff"] > hf_export.MAX_LOGIT_DIFF or gate["greedy_mismatches"]:
        raise RuntimeError(f"the generic base's export does not reproduce it: {gate}")
    base = folder / "generic-base"
    shutil.copytree(storage.path(hf_export.hf_dir(run)), base)
    return {"folder": str(base), "documents": len(docs), "bytes": sum(len(d["text"].encode()) for d in docs),
            "corpus_tokens": manifest["tokens"], "tokens": result["tokens"], "final_val_loss": result["final_val_loss"], "export_gate": gate}


def chain(out: Path, params: dict, house: Path, groups: list[str]) -> int:
    (out / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
    home = out / "dagster_home"
    home.mkdir(exist_ok=True)
    shutil.copy(PROJECT / ".dagster" / "dagster.yaml", home)
    env = {**os.environ, "ATELIER_PARAMS": str(out / "params.yaml"), "ATELIER_SOURCES": str(house / "sources.yaml"),
           "ATELIER_STORAGE": str(out / "data"), "DAGSTER_HOME": str(home), "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    with open(out / "chain.log", "a") as log:
        for group in groups:
            code = subprocess.call([sys.executable, "-m", "orchestration.stage", group], cwd=PROJECT, env=env, stdout=log, stderr=subprocess.STDOUT)
            if code:
                raise SystemExit(f"chain {out.name}: stage {group} failed (exit {code}): see {out / 'chain.log'}")
    return 0


def item_scores(out: Path, arm: str) -> dict:
    """Per item, as the report scores them: QA acc per question (its qa_<run>.csv) and nats per
    held-out document (the report's scorer on its held-out texts), seed 0."""
    import pandas as pd

    from assets.checkpoints.runs import Run
    from assets.checkpoints.train import load_checkpoint
    from assets.core.storage import Storage
    from assets.reports.bpb import score_documents
    from assets.reports.heldout import independent_texts
    from assets.tokenized.shards import load_tokenizer, read_manifest

    storage = Storage(str(out / "data"))
    run = Run(arm, 0)
    qa = pd.read_csv(out / "data" / "reports" / "plots" / f"qa_{run.key}.csv").sort_values("id")
    params = yaml.safe_load((out / "params.yaml").read_text())
    texts = independent_texts(storage, params["evaluate"]["max_heldout_docs_per_source"])
    texts = texts.loc[texts["set"] == "heldout"]
    nll, n_bytes, _ = score_documents(load_checkpoint(storage, run), load_tokenizer(storage, arm), texts["text"].tolist(), read_manifest(storage, arm)["eot_id"])
    return {"qa": qa, "nll": nll, "bytes": n_bytes, "doc_ids": texts["doc_id"].tolist()}


def paired(a: dict, b: dict, seed: int) -> dict:
    """a minus b: known/unseen acc and held-out bits per byte, paired bootstrap over the same items."""
    from assets.reports.intervals import Bootstrap, Scores

    if a["doc_ids"] != b["doc_ids"] or a["qa"]["id"].tolist() != b["qa"]["id"].tolist():
        raise ValueError("the two models were not scored on the same items")
    out = {}
    for s in ("known", "unseen"):
        ia, ib = a["qa"].loc[a["qa"]["set"] == s, "acc"].to_numpy(), b["qa"].loc[b["qa"]["set"] == s, "acc"].to_numpy()
        out[f"{s}_acc"] = Bootstrap(len(ia), seed).difference(Scores.of(ia), Scores.of(ib))
    out["bits_per_byte"] = Bootstrap(len(a["nll"]), seed).difference(Scores.of(a["nll"] / math.log(2), a["bytes"]), Scores.of(b["nll"] / math.log(2), b["bytes"]))
    return out


def markdown(result: dict) -> str:
    ci = lambda m, k: f"{m[k]:.3f} [{m[k + '_lo']:.3f}, {m[k + '_hi']:.3f}]" if k in m else ""  # noqa: E731
    d = lambda x: f"{x['mean']:+.3f} [{x['lo']:+.3f}, {x['hi']:+.3f}]"  # noqa: E731
    g, b = result["base"], result["house_tokens"]
    lines = ["# Fine-tune a generic model, or pre-train on the house?", "",
             f"Generic base: {g['documents']} documents of web articles and plays ({g['bytes']:,} bytes), pre-trained {g['tokens']:,} tokens "
             f"(its own BPE tokenizer), exported as transformers (logit difference {g['export_gate']['max_abs_logit_diff']:.1e}). "
             f"House: {result['docs']} simulated documents; house budget {b:,} training tokens; equal total compute {b + g['tokens']:,}. "
             f"{result['wall_s']:.0f} s wall on {result['cores']} of the {os.cpu_count()} CPUs of a shared machine.", "",
             f"The house training corpus is {result['house_corpus_tokens']['curated_graph']:,} tokens in the house tokenizer and "
             f"{result['house_corpus_tokens']['finetuned']:,} in the base's: at equal house tokens the finetuned arm reads "
             f"{result['house_corpus_tokens']['curated_graph'] / result['house_corpus_tokens']['finetuned']:.2f}x the house text the from-scratch arm reads "
             "(bits per byte compares them on the same bytes).", "",
             "| model | house tokens | total tokens | known acc | unseen acc | held-out bpb |", "|---|---|---|---|---|---|"]
    for name, row in result["models"].items():
        lines.append(f"| {name} | {row['house_tokens']:,} | {row['total_tokens']:,} | " + " | ".join(ci(row["metrics"], k) for k in FIGURES) + " |")
    lines += ["", "| finetuned minus from scratch (paired bootstrap, 95%) | known acc | unseen acc | held-out bpb |", "|---|---|---|---|"]
    for name, diff in result["differences"].items():
        lines.append(f"| {name} | " + " | ".join(d(diff[k]) if k in diff else "" for k in FIGURES) + " |")
    return "\n".join(lines + ["", f"Reports: {result['reports']}", ""])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True, type=Path)
    parser.add_argument("--house-seed", type=int, default=7)
    parser.add_argument("--tiny", action="store_true")
    parser.add_argument("--cores", type=int, default=2, help="cores to use: a single run trains on all of them, chain A's two runs side by side on one each")
    parser.add_argument("--resume", action="store_true", help="keep --out's finished steps (the base, each chain whose report exists)")
    args = parser.parse_args(argv)
    os.environ["OMP_NUM_THREADS"] = os.environ["RAYON_NUM_THREADS"] = str(args.cores)  # the chains' stages (scoring, tokenizing) too
    import torch

    from assets.raw.simulator import simulate

    torch.set_num_threads(args.cores)

    size = TINY if args.tiny else SMALL
    out = args.out.resolve()
    if out.exists() and not args.resume:
        shutil.rmtree(out)
    out.mkdir(parents=True, exist_ok=True)
    started = time.time()
    params = merged(yaml.safe_load((PROJECT / "params.yaml").read_text()), {k: v for k, v in size.items() if isinstance(v, dict)})
    params = merged(params, {"train": {"seeds": 1, "threads": 1, "parallel_runs": args.cores}, "clean": {"workers": min(args.cores, params["clean"]["workers"])}})
    done = lambda folder: (folder / "data" / "reports" / "metrics.json").exists()  # noqa: E731
    if not (out / "base.json").exists():
        shutil.rmtree(out / "generic", ignore_errors=True)
        (out / "base.json").write_text(json.dumps(build_base(out / "generic", params, size["generic_iters"], args.cores), default=str))
    base = json.loads((out / "base.json").read_text())

    a, b = out / "equal_house_tokens", out / "equal_compute"
    if not done(a):
        for folder in (out / "house", a):
            shutil.rmtree(folder, ignore_errors=True)
        simulate(out / "house", docs=size["docs"], seed=args.house_seed)
        a.mkdir()
        chain(a, merged(params, {"tokenize": {"arms": ["curated_graph"]}, "train": {"max_iters": size["house_iters"], "init_from": base["folder"]}}),
              out / "house", ["all"])
    tokens_per_step = params["train"]["batch_size"] * params["train"]["block_size"] * params["train"].get("grad_accum", 1)
    house_tokens = size["house_iters"] * tokens_per_step
    compute_iters = size["house_iters"] + math.ceil(base["tokens"] / tokens_per_step)
    if not done(b):
        shutil.rmtree(b, ignore_errors=True)
        (b / "data").mkdir(parents=True)
        for stage in ("raw", "cleaned", "tokenized"):
            shutil.copytree(a / "data" / stage, b / "data" / stage)
        chain(b, merged(params, {"tokenize": {"arms": ["curated_graph"]}, "train": {"max_iters": compute_iters, "init_from": None, "threads": args.cores}}), out / "house",
              ["checkpoints", "reports"])

    ma, mb = (json.loads((x / "data" / "reports" / "metrics.json").read_text()) for x in (a, b))
    models = {"from scratch, equal house tokens": {"house_tokens": house_tokens, "total_tokens": house_tokens, "metrics": ma["curated_graph"]},
              "finetuned (generic base + house)": {"house_tokens": house_tokens, "total_tokens": house_tokens + base["tokens"], "metrics": ma["finetuned"]},
              "from scratch, equal total compute": {"house_tokens": compute_iters * tokens_per_step, "total_tokens": compute_iters * tokens_per_step, "metrics": mb["curated_graph"]}}
    at_compute = paired(item_scores(a, "finetuned"), item_scores(b, "curated_graph"), params["seed"])
    # the same house documents in each tokenizer: equal house tokens are not equal house text
    from assets.core.storage import Storage
    from assets.tokenized.arms import ARMS

    corpus = {arm: Storage(str(a / "data")).read_json(ARMS[arm].manifest)["tokens"]["train"] for arm in ("curated_graph", "finetuned")}
    result = {"docs": size["docs"], "house_seed": args.house_seed, "cores": args.cores, "base": base, "house_tokens": house_tokens, "models": models, "house_corpus_tokens": corpus,
              "differences": {"at equal house tokens (chain A's report)": ma["differences"]["finetuned - curated_graph"],
                              "at equal total compute": at_compute},
              "wall_s": round(time.time() - started, 1), "reports": [str(x / "data" / "reports" / "report.html") for x in (a, b)]}
    (out / "finetune.json").write_text(json.dumps(result, indent=2, sort_keys=True, default=str) + "\n")
    (out / "finetune.md").write_text(markdown(result))
    print(markdown(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Benchmark: the tokenized stage against a bare `encode_batch` and datatrove's DocumentTokenizer.

    python -m assets.raw.simulator --out /tmp/bench200k --docs 200000      # once
    flock /tmp/bench.lock .venv-bench/bin/python -m benchmarks.tokenize_stage \\
        --house /tmp/bench200k --work /tmp/tokbench --json

Input, prepared untimed: with --house, a simulated archive, ingested into --work if it is not
already, and its train-rights documents (raw text, one row per document, copies 1) written as a
mixture in 8 equal Parquet files; with --mixture-from, a storage root holding cleaned/mixture;
else --docs generated documents. Then, side by side in one process tree, same texts, same
tokenizer (the stage's), same machine (every core: `nproc` is reported):
- stage: `build_tokenized` (ablation off) from the Parquet mixture to published shards, lineage
  and manifest: split, tokenizer training, encoding, writing. `stage_tokenize` is the same run
  without the tokenizer training (split + encode + shards + manifest), the part the other two do.
  One process; `encode_batch` on every core (rayon), 10,000 rows a call as the bare side.
- bare: `Tokenizer.encode_batch` over the texts already in memory, 10,000 per call (datatrove's
  batch), counting tokens only: no reading, no ids to Python, no writing. One process, every core.
- datatrove 0.10.1 (needs .venv-bench): ParquetReader + DocumentTokenizer (eos token, no
  shuffling: the stage does not shuffle) from the same Parquet files through LocalPipelineExecutor,
  with 1 task (one process, rayon on every core, as the stage; --datatrove-tasks 1,2 adds 2 tasks on
  2 workers); and its DocumentTokenizer step alone on documents already in memory (no reading). The
  target is the fastest of them.
Contenders run interleaved for --rounds rounds (default 2; the machine is shared and rayon suffers
badly from a busy core) and each reports its best round, all rounds listed. Token counts include
one end-of-text per document everywhere and must agree. Then checks: the
manifest's hashes match the shards, ids below the vocabulary, a validation document decodes back
to its corpus text, and (from round 2; with one round, unless --no-second-run) a second clean run gives identical shards.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import yaml

from assets.cleaned.paths import MIXTURE
from assets.tokenized.arms import ARMS, DEFAULT
from assets.core.params import TokenizeParams
from assets.core.settings import Params, Settings, SourcesFile
from assets.core.storage import Storage
from assets.tokenized import shards
from assets.tokenized.tokenizer import EOT

PROJECT = Path(__file__).resolve().parent.parent
BARE_BATCH = 10_000
WORDS = ("silk wool linen atelier seam pleat collar cuff hem lining tweed velvet cashmere satin tailor drape "
         "the a of and to in with for on by client prefers autumn collection fitting jacket coat dress").split()  # fmt: skip


def generate(storage: Storage, docs: int, seed: int = 0) -> None:
    rng = random.Random(seed)
    per_file = 20_000
    for part in range(0, docs, per_file):
        rows = []
        for i in range(part, min(docs, part + per_file)):
            text = " ".join(rng.choice(WORDS) for _ in range(rng.randint(40, 160)))
            rows.append({"doc_id": f"doc-{i:07d}", "source": f"src{i % 5}", "kind": "text", "text": text, "rights": "train", "uri": "gen", "line": i, "synthetic": False, "copies": 1})
        storage.write_parquet(f"{MIXTURE}/part-{part // per_file:05d}.parquet", pa.Table.from_pylist(rows))


def from_house(house: Path, work: Path, limit: int | None, files: int = 8) -> str:
    """The archive's train-rights documents as a mixture (one row per document, copy 0 of 1)."""
    import pyarrow.compute as pc

    from assets.core.settings import load_settings
    from assets.raw.ingest import build_raw, documents_dir

    settings = load_settings(PROJECT / "params.yaml", house / "sources.yaml", str(work / "raw"))
    if not settings.storage.exists("raw/documents"):
        build_raw(settings, settings.storage)
    tables = [settings.storage.read_parquet(documents_dir(s.name), columns=["doc_id", "source", "kind", "text", "uri", "line", "rights"]) for s in settings.sources if s.rights == "train"]
    table = pa.concat_tables(tables)
    table = table.filter(pc.greater(pc.utf8_length(table["text"]), 0)).sort_by("doc_id")
    if limit:
        table = table.slice(0, limit)
    n = len(table)
    table = table.append_column("synthetic", pa.array(np.zeros(n, dtype=bool))).append_column("copies", pa.array(np.ones(n, dtype=np.int64))).append_column("copy", pa.array(np.zeros(n, dtype=np.int64)))
    root = work / "mixture"
    shutil.rmtree(root, ignore_errors=True)
    per = -(-n // files)
    for i in range(files):
        Storage(str(root)).write_parquet(f"{MIXTURE}/part-{i:05d}.parquet", table.slice(i * per, per))
    return str(root)


def settings_at(root: str, vocab_size: int) -> Settings:
    params = Params(tokenize=TokenizeParams(vocab_size=vocab_size, arms=["curated_graph"]))
    return Settings(params=params, sources_file=SourcesFile(sources=[]), storage_root=root, params_path="-", sources_path="-")


def run_stage(source_root: str, out_root: str, vocab_size: int) -> tuple[dict, float, float]:
    """build_tokenized's steps, timed: (manifest, whole stage seconds, seconds without training)."""
    settings, out = settings_at(source_root, vocab_size), Storage(out_root)
    started = time.perf_counter()
    arm = ARMS[DEFAULT]  # the house model's arm: the whole mixture (its synthetic rows included; none here)
    splits = shards.decide_splits(settings.storage, arm, settings.params.tokenize.val_fraction)
    split_s = time.perf_counter() - started
    training = time.perf_counter()
    tokenizer = shards.train_tokenizer(settings, settings.storage, splits)
    out.write_text(shards.TOKENIZER, tokenizer.to_str())
    encode_started = time.perf_counter()
    manifest = shards.tokenize_corpus(settings, settings.storage, out, tokenizer, arm, splits)
    done = time.perf_counter()
    return manifest, done - started, split_s + done - encode_started


def bare_encode(texts: list[str], tokenizer) -> tuple[int, float]:
    started = time.perf_counter()
    tokens = 0
    for i in range(0, len(texts), BARE_BATCH):
        tokens += sum(len(e) + 1 for e in tokenizer.encode_batch(texts[i : i + BARE_BATCH], add_special_tokens=False))
    return tokens, time.perf_counter() - started


def _datatrove_tokens(folder: str) -> int:
    return sum(os.path.getsize(os.path.join(folder, f)) for f in os.listdir(folder) if f.endswith(".ds")) // 2


def datatrove_runs(source_root: str, texts: list[dict], tokenizer_path: str, workdir: str, task_counts: list[int]) -> dict:
    try:
        from datatrove.data import Document
        from datatrove.executor import LocalPipelineExecutor
        from datatrove.pipeline.readers import ParquetReader
        from datatrove.pipeline.tokens import DocumentTokenizer
    except ImportError as exc:
        return {"skipped": f"datatrove not importable here ({exc}); run with .venv-bench/bin/python"}

    def step(out: str) -> DocumentTokenizer:
        return DocumentTokenizer(output_folder=out, tokenizer_name_or_path=tokenizer_path, eos_token=EOT, shuffle_documents=False, save_filename="dt")

    runs = {}
    for tasks in task_counts:
        out = f"{workdir}/pipeline-{tasks}"
        reader = ParquetReader(Storage(source_root).path(MIXTURE), text_key="text", id_key="doc_id", glob_pattern="*.parquet")
        executor = LocalPipelineExecutor(pipeline=[reader, step(out)], tasks=tasks, workers=tasks, logging_dir=f"{workdir}/logs-{tasks}")
        started = time.perf_counter()
        executor.run()
        elapsed = time.perf_counter() - started
        runs[f"pipeline_from_parquet_{tasks}_tasks"] = {"processes": tasks, "seconds": elapsed, "tokens": _datatrove_tokens(out)}
    out = f"{workdir}/step"
    documents = [Document(text=r["text"], id=r["doc_id"]) for r in texts]
    started = time.perf_counter()
    result = step(out).run(iter(documents), rank=0, world_size=1)
    for _ in result or ():  # a generator in some datatrove versions
        pass
    runs["tokenizer_step_in_memory"] = {"processes": 1, "seconds": time.perf_counter() - started, "tokens": _datatrove_tokens(out)}
    for run in runs.values():
        run["tokens_per_s"] = run["tokens"] / run["seconds"]
    return runs


def checks(root: str, manifest: dict, again: dict | None, source: Storage) -> dict:
    storage = Storage(root)
    hashes_ok, max_id = True, 0
    for shard in manifest["shards"]:
        data = storage.read_bytes(f"{shards.SHARDS}/{shard['name']}")
        hashes_ok &= hashlib.sha256(data).hexdigest() == shard["sha256"]
        max_id = max(max_id, int(np.frombuffer(data, dtype=manifest["dtype"]).max()))
    val = next(s for s in manifest["shards"] if s["split"] == "val")
    doc = storage.read_parquet(f"{shards.SHARDS}/{val['docs']}").to_pylist()[0]
    ids = shards.read_shard(storage, manifest, val["name"])[doc["offset"] : doc["offset"] + doc["tokens"] - 1]
    corpus = dict(zip(*source.read_parquet(MIXTURE, columns=["doc_id", "text"]).to_pydict().values()))
    return {
        "hashes_match": hashes_ok,
        "ids_below_vocab": max_id < manifest["vocab_size"],
        "val_doc_decodes_to_corpus_text": shards.load_tokenizer(storage).decode(ids.tolist(), skip_special_tokens=False) == corpus[doc["doc_id"]],
        "two_runs_identical": None if again is None else [s["sha256"] for s in manifest["shards"]] == [s["sha256"] for s in again["shards"]],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--house", type=Path, help="a simulated archive (assets.raw.simulator --out)")
    parser.add_argument("--work", type=Path, help="with --house: where to ingest it and write the mixture (kept between runs)")
    parser.add_argument("--docs", type=int, default=None, help="at most this many documents (default: all of --house; 200,000 generated)")
    parser.add_argument("--mixture-from", help="storage root with cleaned/mixture")
    parser.add_argument("--vocab-size", type=int, default=yaml.safe_load((PROJECT / "params.yaml").read_text())["tokenize"]["vocab_size"], help="default: params.yaml's")
    parser.add_argument("--datatrove-tasks", default="1", help="comma-separated task counts for datatrove's pipeline (2: two processes)")
    parser.add_argument("--rounds", type=int, default=2, help="interleaved rounds; each contender reports its best (round 2's stage output is the determinism check)")
    parser.add_argument("--no-second-run", action="store_true", help="with --rounds 1: skip the (untimed) second run that checks determinism")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        if args.house:
            source = from_house(args.house, args.work or Path(tmp), args.docs)
        elif args.mixture_from:
            source = args.mixture_from
        else:
            source = f"{tmp}/source"
            generate(Storage(source), args.docs or 200_000)
        rows = Storage(source).read_parquet(MIXTURE, columns=["doc_id", "text"]).to_pylist()  # untimed: the in-memory sides' input
        best: dict = {}
        runs: list[dict] = []
        for round_ in range(args.rounds):  # contenders interleaved; each keeps its best round
            manifest_r, stage_s, tokenize_s = run_stage(source, f"{tmp}/stage-{round_}", args.vocab_size)
            runs.append(manifest_r)
            tokenizer_path = Storage(f"{tmp}/stage-0").path(shards.TOKENIZER)  # every side uses round 0's tokenizer
            bare_tokens, bare_s = bare_encode([r["text"] for r in rows], shards.load_tokenizer(Storage(f"{tmp}/stage-0")))
            dt = datatrove_runs(source, rows, tokenizer_path, f"{tmp}/dt-{round_}", [int(t) for t in args.datatrove_tasks.split(",")])
            times = {"stage": stage_s, "stage_tokenize": tokenize_s, "bare": bare_s, **{k: v["seconds"] for k, v in dt.items() if isinstance(v, dict)}}
            print(json.dumps({"round": round_, "seconds": times}), file=sys.stderr, flush=True)
            for k, v in times.items():
                best.setdefault(k, []).append(v)
        del rows
        manifest = runs[0]
        again = runs[1] if len(runs) > 1 else (None if args.no_second_run else run_stage(source, f"{tmp}/b", args.vocab_size)[0])
        stage_s, tokenize_s, bare_s = min(best["stage"]), min(best["stage_tokenize"]), min(best["bare"])
        for k, v in dt.items():
            if isinstance(v, dict):
                v["seconds"] = min(best[k])
                v["rounds_seconds"] = best[k]
                v["tokens_per_s"] = v["tokens"] / v["seconds"]
        written = manifest["tokens"]["train"] + manifest["tokens"]["val"]
        bare_rate = bare_tokens / bare_s
        best_dt = max((r for r in dt.values() if isinstance(r, dict)), key=lambda r: r["tokens_per_s"], default=None)
        report = {
            "documents": sum(manifest["documents"].values()),
            "tokens": written,  # each document once (copies 1) plus its end-of-text token
            "tokens_agree": written == bare_tokens and all(r["tokens"] == written for r in dt.values() if isinstance(r, dict)),
            "cores": os.cpu_count(),
            "vocab_size": manifest["vocab_size"],
            "tokenizer_train_chars": TokenizeParams().tokenizer_train_chars,
            "rounds": args.rounds,
            "stage": {"processes": 1, "threads": "rayon, every core", "seconds": stage_s, "rounds_seconds": best["stage"], "tokens_per_s": written / stage_s},
            "stage_tokenize": {"processes": 1, "seconds": tokenize_s, "rounds_seconds": best["stage_tokenize"], "tokens_per_s": written / tokenize_s, "note": "the stage without tokenizer training"},
            "bare_encode_batch": {"processes": 1, "threads": "rayon, every core", "batch": BARE_BATCH, "seconds": bare_s, "rounds_seconds": best["bare"], "tokens_per_s": bare_rate},
            "datatrove": dt,
            "ratios": {
                "stage_vs_bare": written / stage_s / bare_rate,
                "stage_tokenize_vs_bare": written / tokenize_s / bare_rate,
                **({"stage_vs_best_datatrove": written / stage_s / best_dt["tokens_per_s"], "stage_tokenize_vs_best_datatrove": written / tokenize_s / best_dt["tokens_per_s"]} if best_dt else {}),
            },
            "checks": checks(f"{tmp}/stage-0", manifest, again, Storage(source)),
        }
    print(json.dumps(report, indent=None if args.json else 2))


if __name__ == "__main__":
    main()

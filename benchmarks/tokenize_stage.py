"""Benchmark: the tokenized stage against a bare `encode_batch` and datatrove's DocumentTokenizer.

    python -m benchmarks.tokenize_stage --docs 200000 --json

Writes a generated mixture (or reads --mixture-from, a storage root holding cleaned/mixture) and,
side by side in one run: the whole stage (tokenizer training + encoding + shards + manifest), its
encode-and-write pass alone, a bare `Tokenizer.encode_batch` over the same texts with the same
tokenizer, and, when importable (.venv-bench), datatrove's DocumentTokenizer with that tokenizer.
Then checks: manifest hashes match the shards, ids below the vocabulary, a validation document
decodes back to its corpus text, and a second clean run gives identical shard hashes.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import tempfile
import time

import numpy as np
import pyarrow as pa

from assets.cleaned.paths import MIXTURE
from assets.core.params import TokenizeParams
from assets.core.settings import Params, Settings, SourcesFile
from assets.core.storage import Storage
from assets.tokenized import shards

WORDS = ("silk wool linen atelier seam pleat collar cuff hem lining tweed velvet cashmere satin tailor drape "
         "the a of and to in with for on by client prefers autumn collection fitting jacket coat dress").split()  # fmt: skip


def generate(storage: Storage, docs: int, seed: int = 0) -> None:
    rng = random.Random(seed)
    per_file = 20_000
    for part in range(0, docs, per_file):
        rows = []
        for i in range(part, min(docs, part + per_file)):
            text = " ".join(rng.choice(WORDS) for _ in range(rng.randint(40, 160)))
            rows.append({"doc_id": f"doc-{i:07d}", "source": f"src{i % 5}", "kind": "text", "text": text, "rights": "train", "uri": "gen", "line": i, "synthetic": False, "copies": 1 + (i % 4 == 0)})
        storage.write_parquet(f"{MIXTURE}/part-{part // per_file:05d}.parquet", pa.Table.from_pylist(rows))


def settings_at(root: str, vocab_size: int) -> Settings:
    params = Params(tokenize=TokenizeParams(vocab_size=vocab_size, ablation_raw=False))
    return Settings(params=params, sources_file=SourcesFile(sources=[]), storage_root=root, params_path="-", sources_path="-")


def run_stage(source_root: str, out_root: str, vocab_size: int) -> tuple[dict, float, float]:
    settings, out = settings_at(source_root, vocab_size), Storage(out_root)
    started = time.perf_counter()
    splits = shards.decide_splits(settings.storage, MIXTURE, settings.params.tokenize.val_fraction)
    tokenizer = shards.train_tokenizer(settings, settings.storage, splits)
    out.write_text(shards.TOKENIZER, tokenizer.to_str())
    encode_started = time.perf_counter()
    manifest = shards.tokenize_corpus(settings, settings.storage, out, tokenizer, MIXTURE, splits, "curated")
    done = time.perf_counter()
    return manifest, done - started, done - encode_started


def bare_encode(storage: Storage, tokenizer) -> tuple[int, float]:
    texts = storage.read_parquet(MIXTURE, columns=["text"]).column("text").to_pylist()
    started = time.perf_counter()
    tokens = sum(len(e.ids) + 1 for e in tokenizer.encode_batch(texts, add_special_tokens=False))
    return tokens, time.perf_counter() - started


def datatrove_rate(storage: Storage, tokenizer_path: str, workdir: str) -> dict:
    try:
        from datatrove.data import Document
        from datatrove.pipeline.tokens import DocumentTokenizer
    except ImportError as exc:
        return {"skipped": f"datatrove not importable here ({exc}); run with .venv-bench/bin/python"}
    texts = storage.read_parquet(MIXTURE, columns=["doc_id", "text"]).to_pylist()
    step = DocumentTokenizer(output_folder=workdir, tokenizer_name_or_path=tokenizer_path, eos_token="<|endoftext|>", shuffle_documents=False, save_filename="dt")
    started = time.perf_counter()
    pipeline = step.run((Document(text=r["text"], id=r["doc_id"]) for r in texts), rank=0, world_size=1)
    for _ in pipeline or ():  # a generator in some datatrove versions
        pass
    elapsed = time.perf_counter() - started
    return {"seconds": elapsed}


def checks(root: str, manifest: dict, again: dict, source: Storage) -> dict:
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
        "val_doc_decodes_to_corpus_text": shards.load_tokenizer(storage).decode(ids.tolist()) == corpus[doc["doc_id"]],
        "two_runs_identical": [s["sha256"] for s in manifest["shards"]] == [s["sha256"] for s in again["shards"]],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=200_000)
    parser.add_argument("--mixture-from", help="storage root with cleaned/mixture (default: generate --docs documents)")
    parser.add_argument("--vocab-size", type=int, default=1024)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        source = args.mixture_from or f"{tmp}/source"
        if not args.mixture_from:
            generate(Storage(source), args.docs)
        manifest, stage_s, encode_s = run_stage(source, f"{tmp}/a", args.vocab_size)
        tokenizer = shards.load_tokenizer(Storage(f"{tmp}/a"))
        bare_tokens, bare_s = bare_encode(Storage(source), tokenizer)
        dt = datatrove_rate(Storage(source), Storage(f"{tmp}/a").path(shards.TOKENIZER), f"{tmp}/dt")
        again, _, _ = run_stage(source, f"{tmp}/b", args.vocab_size)
        written = manifest["tokens"]["train"] + manifest["tokens"]["val"]
        report = {
            "documents": sum(manifest["documents"].values()),
            "tokens_written": written,  # training documents are written `copies` times
            "tokens_encoded_bare": bare_tokens,
            "stage_tokens_per_s": written / stage_s,
            "stage_encode_pass_tokens_per_s": bare_tokens / encode_s,
            "bare_encode_batch_tokens_per_s": bare_tokens / bare_s,
            "encode_pass_vs_bare": (bare_tokens / encode_s) / (bare_tokens / bare_s),
            "whole_stage_vs_bare": (bare_tokens / stage_s) / (bare_tokens / bare_s),
            "datatrove": {**dt, **({"tokens_per_s": bare_tokens / dt["seconds"], "stage_encode_pass_vs_datatrove": dt["seconds"] / encode_s} if "seconds" in dt else {})},
            "checks": checks(f"{tmp}/a", manifest, again, Storage(source)),
        }
    print(json.dumps(report, indent=None if args.json else 2))


if __name__ == "__main__":
    main()

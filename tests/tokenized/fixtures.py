"""A small generated mixture and raw recipe, written where the cleaned stage writes them."""

from __future__ import annotations

import random

import pyarrow as pa

from assets.cleaned.paths import MIXTURE, RAW_RECIPE
from assets.core.params import TokenizeParams, TrainParams
from assets.core.settings import Params, Settings, SourcesFile
from assets.core.storage import Storage

WORDS = "silk wool linen atelier seam pleat collar cuff hem lining tweed velvet cashmere satin tailor drape".split()


def sentence(rng: random.Random) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(rng.randint(6, 14))).capitalize() + "."


def documents(n: int, seed: int, sources=("catalog", "press", "notes")) -> list[dict]:
    rng = random.Random(seed)
    docs = []
    for i in range(n):
        text = " ".join(sentence(rng) for _ in range(rng.randint(2, 6)))
        if i % 7 == 0:
            text += " Write to <EMAIL> or call <PHONE>."
        docs.append({"doc_id": f"d{i:05d}", "source": sources[i % len(sources)], "kind": "text", "text": text, "rights": "train", "uri": f"file:///landing/{i % 3}.jsonl", "line": i})
    return docs


def write_corpora(storage: Storage, n: int = 300, seed: int = 0) -> None:
    docs = documents(n, seed)
    # as cleaned/mixture writes it: one row per copy, sorted by (doc_id, copy); every 10th document left out
    weighted = [{**d, "synthetic": False, "copies": 1 + (i % 3 == 0)} for i, d in enumerate(docs) if i % 10 != 9]
    weighted.append({**documents(1, 99)[0], "doc_id": "syn00001", "source": "synthetic", "synthetic": True, "copies": 2})
    mixture = [{**d, "copy": k} for d in weighted for k in range(d["copies"])]
    storage.write_parquet(f"{MIXTURE}/part-00000.parquet", pa.Table.from_pylist(mixture))
    raw = [{**d, "text": d["text"] + " Click here to subscribe!"} for d in docs]
    storage.write_parquet(f"{RAW_RECIPE}/part-00000.parquet", pa.Table.from_pylist(raw))


def settings_for(root, tokenize: dict | None = None, train: dict | None = None, seed: int = 1337) -> Settings:
    params = Params(seed=seed, tokenize=TokenizeParams(**{"vocab_size": 400, "shard_tokens": 4096, "min_train_tokens": 1000, **(tokenize or {})}), train=TrainParams(**(train or {})))
    return Settings(params=params, sources_file=SourcesFile(sources=[]), storage_root=str(root), params_path="params.yaml", sources_path="sources.yaml")


def tokenized_house(root, n: int):
    """`root` with n documents' corpora written and the tokenized stage built on them (what the
    trainer's tests start from)."""
    from assets.tokenized import shards

    settings = settings_for(root)
    write_corpora(settings.storage, n=n)
    shards.build_tokenized(settings, settings.storage)
    return root

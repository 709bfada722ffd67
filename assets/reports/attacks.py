"""The privacy audit of one run beyond canaries and extraction: membership inference on its
client-derived documents and verbatim regurgitation of its confidential ones; and, for the
report, the memorization curve (canary exposure by repetition count, with the model's size) and
what redaction left of the planted values in the cleaned corpus.
"""

from __future__ import annotations

import pandas as pd

from assets.checkpoints.exposure import confidential_sources
from assets.checkpoints.runs import Run
from assets.checkpoints.train import load_checkpoint
from assets.cleaned.paths import CORPUS
from assets.core.settings import Settings
from assets.reports.membership import client_sources, membership, split_documents
from assets.reports.redaction import corpus_recall
from assets.reports.regurgitation import regurgitation
from assets.tokenized.arms import ARMS
from assets.tokenized.shards import load_tokenizer, read_manifest


def _reference(settings: Settings, arm: str):
    """The calibrating model with its own tokenizer and end token (seed 0 of
    evaluate.membership_reference), or None for that arm itself or when it was not trained."""
    name = settings.params.evaluate.membership_reference
    if name not in ARMS:
        raise ValueError(f"params evaluate.membership_reference: unknown arm {name!r}; expected one of {list(ARMS)}")
    if name == arm:
        return None
    run = Run(name, 0)
    if not settings.storage.exists(f"{run.folder}/model.safetensors") or not settings.storage.exists(ARMS[name].manifest):
        return None  # not trained, or its shards are gone (the integrity gate names it)
    key = (settings.storage.url(run.folder), run.key)
    if key not in _REFERENCES:  # scored once per report, not once per run
        _REFERENCES.clear()
        _REFERENCES[key] = (load_checkpoint(settings.storage, run), load_tokenizer(settings.storage, name),
                            read_manifest(settings.storage, name)["eot_id"])
    return _REFERENCES[key]


_REFERENCES: dict = {}


def run_attacks(settings: Settings, run: Run, model, tokenizer, eot: int) -> dict:
    storage, p, seed = settings.storage, settings.params.evaluate, settings.params.seed
    clients = split_documents(storage, run.arm, client_sources(settings))
    reference = _reference(settings, run.arm)
    member = membership(model, tokenizer, eot, clients, p.membership_docs, seed, reference)
    member["reference"] = p.membership_reference if reference is not None else None
    sources = confidential_sources(settings)
    confidential = split_documents(storage, run.arm, sources)
    trained = confidential.loc[confidential["split"] == "train"]
    regurgitated = regurgitation(model, tokenizer, eot, trained, p.regurgitation_prefix_tokens, p.regurgitation_tokens, p.regurgitation_samples, seed)
    return {"membership": member, "regurgitation": {**regurgitated, **confidential_training(storage, run), "sources": sources}}


def confidential_training(storage, run: Run) -> dict:
    """How the run trained on its confidential tokens: passes over them before and after
    train.confidential_passes (assets/checkpoints/exposure.py), summed over its phases, and the
    goldfish loss's k (assets/checkpoints/goldfish.py), each as the run recorded applying it; {} when neither applied."""
    config = storage.read_json(f"{run.folder}/config.json")
    capping = config.get("confidential_passes") or {}
    phases = capping.get("phases", [capping] if capping else [])
    out = {"passes": round(sum(ph["passes"] for ph in phases), 2), "passes_uncapped": round(sum(ph["passes_uncapped"] for ph in phases), 2)} if phases else {}
    goldfish = config.get("goldfish")
    return {**out, "goldfish_k": goldfish["k"]} if goldfish else out


def memorization_curve(results: dict) -> list[dict]:
    """One row per run and repetition count: canary exposure beside the model's size."""
    rows = []
    for run, r in sorted(results.items()):
        c = r["canaries"]
        for reps, v in sorted(c.get("by_repetitions", {}).items(), key=lambda kv: int(kv[0])):
            rows.append({"run": run.key, "arm": run.arm, "parameters": r["parameters"], "repetitions": int(reps),
                         "mean_exposure": round(v["mean_exposure"], 3), "max_exposure": round(v["max_exposure"], 3),
                         "max_possible": c.get("max_exposure_bits"), "greedy_extracted": v["greedy_extracted"]})
    return rows


def redaction_in_corpus(settings: Settings, truth: pd.DataFrame) -> list[dict]:
    """Per planted type: values of consenting clients left nowhere in the cleaned corpus."""
    if not len(truth) or not settings.storage.parquet_files(CORPUS):
        return []
    storage, p = settings.storage, settings.params.evaluate
    texts = storage.read_parquet(CORPUS, columns=["text"]).column("text").to_pylist()
    opted = set(settings.sources_file.consent.opted_out)
    table = corpus_recall(truth, texts, opted)
    table["target"] = [p.min_name_recall if t == "PERSON" else p.min_redaction_recall for t in table["type"]]
    table["meets_target"] = table["rate"] >= table["target"]
    return table.to_dict("records")


"""Loss-based membership inference on client-derived documents (Yeom et al. 2018; calibrated as
Carlini et al. 2022, "Membership Inference Attacks From First Principles", do with a reference).

Members: documents of the sources with `pii: client` that the arm trained on (its train shards'
document tables). Non-members: documents of the same sources that the arm held out as its own
validation split, drawn like the members and never trained on. The attacker's score is the
model's mean loss per token (lower: member), calibrated three ways: raw loss, loss minus a
reference model's loss on the same text (evaluate.membership_reference, an arm; Carlini et al.'s
offline reference), and loss over zlib bits per byte (Carlini et al. 2021, for when no reference
is at hand). The AUC of each, with a bootstrap 95% interval (members and non-members resampled
apart); the gate looks at the best of them, as an attacker would.
"""

from __future__ import annotations

import hashlib
import zlib

import numpy as np
import pandas as pd

from assets.core.storage import Storage
from assets.reports.bpb import score_documents
from assets.tokenized.arms import ARMS

DRAWS = 1000


def client_sources(settings) -> list[str]:
    return sorted(s.name for s in settings.sources if s.pii == "client")


def split_documents(storage: Storage, arm: str, sources: list[str]) -> pd.DataFrame:
    """split (train | val), doc_id, source, text for the arm's documents of `sources`."""
    spec = ARMS[arm]
    if not sources:
        return pd.DataFrame(columns=["split", "doc_id", "source", "text"])
    manifest = storage.read_json(spec.manifest)
    frames = []
    for shard in manifest["shards"]:
        if shard.get("docs"):
            docs = storage.read_parquet(f"{spec.shards}/{shard['docs']}", columns=["doc_id", "source"]).to_pandas()
            frames.append(docs.loc[docs["source"].isin(sources)].assign(split=shard["split"]))
    if not frames:
        return pd.DataFrame(columns=["split", "doc_id", "source", "text"])
    docs = pd.concat(frames, ignore_index=True).drop_duplicates(["split", "doc_id"])
    corpus = storage.read_parquet(spec.corpus, columns=["doc_id", "text"]).to_pandas().drop_duplicates("doc_id")
    docs = docs.merge(corpus, on="doc_id", how="inner")
    return docs.loc[docs["text"].str.strip() != ""].sort_values(["split", "doc_id"]).reset_index(drop=True)


def _sample(docs: pd.DataFrame, n: int, seed: int) -> pd.DataFrame:
    rank = docs["doc_id"].map(lambda d: hashlib.sha256(f"{seed}:{d}".encode()).digest())
    return docs.assign(_rank=rank).sort_values("_rank").head(n).drop(columns="_rank").sort_values("doc_id")


def zlib_bits_per_byte(texts: list[str]) -> np.ndarray:
    return np.array([8 * len(zlib.compress(t.encode("utf-8"), 9)) / max(1, len(t.encode("utf-8"))) for t in texts])


def auc_interval(member: np.ndarray, other: np.ndarray, seed: int) -> dict:
    """AUC of "member scores higher" (Mann-Whitney: ties count half) with a bootstrap 95%
    interval; pairwise wins are computed once, each draw resamples rows and columns."""
    wins = (member[:, None] > other[None, :]) + 0.5 * (member[:, None] == other[None, :])
    rng = np.random.default_rng(seed)
    rows = rng.integers(0, len(member), (DRAWS, len(member)))
    cols = rng.integers(0, len(other), (DRAWS, len(other)))
    row_counts = np.stack([np.bincount(r, minlength=len(member)) for r in rows])
    col_counts = np.stack([np.bincount(c, minlength=len(other)) for c in cols])
    draws = np.einsum("dm,mn,dn->d", row_counts, wins, col_counts) / (len(member) * len(other))
    lo, hi = np.percentile(draws, [2.5, 97.5])
    return {"auc": round(float(wins.mean()), 4), "lo": round(float(lo), 4), "hi": round(float(hi), 4)}


def membership(model, tokenizer, eot: int, docs: pd.DataFrame, n: int, seed: int, reference=None) -> dict:
    """docs: split_documents(); reference: (model, tokenizer, eot) calibrating the loss, or None.
    The calibrated score is the log-likelihood ratio of the whole document (total nll, not per
    token), so a reference with another tokenizer (the finetuned arm's base) scores the same text."""
    members = _sample(docs.loc[docs["split"] == "train"], n, seed)
    others = _sample(docs.loc[docs["split"] == "val"], n, seed)
    summary = {"members": len(members), "non_members": len(others), "sources": sorted(set(docs["source"]))}
    if len(members) < 5 or len(others) < 5:
        return {**summary, "best_auc": None, "best_auc_lo": None, "note": "fewer than 5 client-derived documents on one side: no attack (the split is too small)"}
    texts = members["text"].tolist() + others["text"].tolist()
    nll, _, tokens = score_documents(model, tokenizer, texts, eot)
    loss = nll / np.maximum(tokens, 1)
    m = len(members)
    scores = {"loss": -loss, "zlib": -loss / zlib_bits_per_byte(texts)}
    if reference is not None:
        ref_model, ref_tokenizer, ref_eot = reference
        scores["reference"] = -(nll - score_documents(ref_model, ref_tokenizer, texts, ref_eot)[0])
    aucs = {k: auc_interval(v[:m], v[m:], seed) for k, v in scores.items()}
    best = max(aucs, key=lambda k: aucs[k]["auc"])
    # the gate reads the lowest AUC the data allow (the best 95% lower bound): with a few dozen
    # documents a point estimate of 0.7 is as likely chance as leakage
    return {**summary, "auc": aucs, "best": best, "best_auc": aucs[best]["auc"], "best_auc_lo": max(a["lo"] for a in aucs.values()),
            "mean_loss": {"members": round(float(loss[:m].mean()), 4), "non_members": round(float(loss[m:].mean()), 4)}}

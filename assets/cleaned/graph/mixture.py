"""The training mixture: curated corpus + synthetic documents, weighted and capped.

- weight per "source/kind", source, kind or personal-data class "pii:none|possible|client" (params
  graph.weights, most specific first, unlisted = 1; the class holds for any house: pii:none is the
  house's own prose, the others client-derived text; generated documents have no class): a
  document appears floor(w) times, plus once more with probability frac(w), decided by a seeded
  hash of its id, so 0 drops a source, 0.5 keeps a stable half and 2.0 doubles it;
- the synthetic share of tokens is capped (graph.synthetic_cap): synthetic copies are taken in
  seeded-hash order until the next one would pass the cap;
- a last guard drops any document that is a held-out evaluation document or states a held-out
  fact's answer sentence (decontamination upstream works on 13-grams; this is the exact check).
Tokens are approximated as UTF-8 bytes / 4. One row per copy: `copy` numbers them from 0.
"""

from __future__ import annotations

import math
import re
from typing import Optional, Sequence

import pandas as pd
import pyarrow as pa

from assets.core.settings import Settings
from assets.core.storage import Storage
from assets.cleaned.schema import CORPUS_SCHEMA
from assets.cleaned.graph.evalsets import heldout_doc_ids, read_questions
from assets.cleaned.graph.paths import CORPUS, MIXTURE, MIXTURE_PLOT, MIXTURE_TABLE, SYNTHETIC
from assets.cleaned.canaries import SOURCE as CANARY_SOURCE, plant_canaries
from assets.cleaned.graph.report import bar_charts
from assets.core.markdown import markdown_table
from assets.cleaned.graph.verbalize import stable_int

MIXTURE_SCHEMA = (
    CORPUS_SCHEMA.append(pa.field("synthetic", pa.bool_()))
    .append(pa.field("weight", pa.float64()))
    .append(pa.field("copies", pa.int64()))
    .append(pa.field("copy", pa.int64()))
)
UNIT = 2.0**-64  # stable_int returns 64 bits: times UNIT, a uniform draw in [0, 1)


def tokens(text: pd.Series) -> pd.Series:
    return text.str.encode("utf-8").str.len() / 4.0


def _flat(text: str) -> str:
    return " ".join(text.split()).casefold()


def fact_matcher(sentences: list[str]):
    """A regex that finds any of the sentences, whitespace- and case-insensitively."""
    forms = sorted({_flat(s) for s in sentences if s.strip()}, key=lambda s: (-len(s), s))
    return re.compile("|".join(re.escape(f) for f in forms)) if forms else None


def states_fact(texts: pd.Series, matcher) -> pd.Series:
    if matcher is None:
        return pd.Series(False, index=texts.index)
    return texts.map(lambda t: matcher.search(_flat(t)) is not None)


PII_KEYS = {f"pii:{c}" for c in ("none", "possible", "client")}


def weight_of(weights: dict[str, float], source: str, kind: str, pii: Optional[str] = None) -> float:
    """The most specific entry: "source/kind", then the source, the kind, the "pii:<class>"; else 1."""
    for key in (f"{source}/{kind}", source, kind, f"pii:{pii}"):
        if key in weights:
            return float(weights[key])
    return 1.0


def weights_of(weights: dict[str, float], docs: pd.DataFrame) -> list[float]:
    """Each document's weight; a class key weighs the house's documents only (generated ones have no class)."""
    pii = docs["pii"].where(~docs["synthetic"].astype(bool), None) if "pii" in docs else [None] * len(docs)
    return [weight_of(weights, s, k, c) for s, k, c in zip(docs["source"], docs["kind"], pii)]


def check_weight_keys(weights: dict[str, float], docs: pd.DataFrame, source_names: list[str], key: str = "graph.weights") -> None:
    """A weight that matches nothing is a typo, not a no-op."""
    known = set(source_names) | {"synthetic", "verbalized", "dialogue", "qa"} | set(docs["source"]) | set(docs["kind"]) | PII_KEYS
    known |= {f"{s}/{k}" for s, k in zip(docs["source"], docs["kind"])}
    unknown = sorted(set(weights) - known)
    if unknown:
        raise ValueError(f"params {key}: {unknown} match no source, kind or source/kind of the mixture (known: {sorted(known)})")


def mix(docs: pd.DataFrame, weights: dict[str, float], cap: float, seed: int) -> pd.DataFrame:
    """`docs` (corpus schema + synthetic) -> one row per copy, with weight, copies, copy."""
    docs = docs.assign(weight=weights_of(weights, docs))
    if not docs["weight"].map(math.isfinite).all() or (docs["weight"] < 0).any():
        raise ValueError(f"params graph.weights: weights must be finite and >= 0, got {sorted(set(weights.items()))}")
    draws = [stable_int(seed, "mixture", d) * UNIT for d in docs["doc_id"]]
    docs["copies"] = [math.floor(w) + (1 if u < w - math.floor(w) else 0) for w, u in zip(docs["weight"], draws)]
    rows = docs.loc[docs["copies"] > 0]
    rows = rows.loc[rows.index.repeat(rows["copies"])].copy()
    rows["copy"] = rows.groupby(level=0).cumcount()
    rows = rows.reset_index(drop=True)
    rows["_tokens"] = tokens(rows["text"])

    real = rows.loc[~rows["synthetic"]]
    budget = cap / (1.0 - cap) * real["_tokens"].sum()  # synthetic tokens allowed beside the real ones
    synthetic = rows.loc[rows["synthetic"]].copy()
    synthetic["_order"] = [stable_int(seed, "cap", d, c) for d, c in zip(synthetic["doc_id"], synthetic["copy"])]
    synthetic = synthetic.sort_values(["_order", "doc_id", "copy"])
    synthetic = synthetic.loc[synthetic["_tokens"].cumsum() <= budget]
    # Copies numbered again: a capped document keeps copies 0..k-1.
    mixed = pd.concat([real, synthetic.drop(columns=["_order"])]).sort_values(["doc_id", "copy"])
    mixed["copies"] = mixed.groupby("doc_id")["doc_id"].transform("size")
    mixed["copy"] = mixed.groupby("doc_id").cumcount()
    return mixed.drop(columns=["_tokens"]).reset_index(drop=True)


def summary(docs_in: pd.DataFrame, removed: pd.DataFrame, mixed: pd.DataFrame) -> list[dict]:
    """Per source and kind: documents in, removed by the guard, rows in the mixture, tokens, share."""
    keys = ["source", "kind", "synthetic"]
    weights = docs_in.groupby(keys)["weight"].first()
    total = float(tokens(mixed["text"]).sum()) or 1.0
    inn = docs_in.groupby(keys).size().rename("documents_in")
    out = removed.groupby(keys).size().rename("removed_heldout")
    rows = mixed.assign(_tokens=tokens(mixed["text"])).groupby(keys).agg(rows=("doc_id", "size"), tokens=("_tokens", "sum"))
    table = pd.concat([inn, out, rows, weights], axis=1).fillna(0).reset_index().sort_values(keys)
    return [
        {"source": r.source, "kind": r.kind, "synthetic": bool(r.synthetic), "documents_in": int(r.documents_in),
         "removed_heldout": int(r.removed_heldout), "weight": float(r.weight), "rows": int(r.rows),
         "tokens": round(float(r.tokens)), "share": round(float(r.tokens) / total, 4)}
        for r in table.itertuples(index=False)
    ]


def load_inputs(storage: Storage) -> pd.DataFrame:
    corpus = storage.read_parquet(CORPUS).to_pandas().reindex(columns=CORPUS_SCHEMA.names).assign(synthetic=False)
    synthetic = storage.read_parquet(SYNTHETIC, columns=CORPUS_SCHEMA.names + ["synthetic"]).to_pandas()
    docs = pd.concat([corpus, synthetic], ignore_index=True)
    return docs.sort_values("doc_id", kind="stable").reset_index(drop=True)


def build_mixture(settings: Settings, out: Storage, partition_keys: Optional[Sequence[str]] = None) -> dict:
    """Reads the published cleaned/corpus, cleaned/synthetic and cleaned/evalsets; writes
    cleaned/mixture/part-00000.parquet, mixture.json (the table) and mixture.png."""
    p, storage = settings.params.graph, settings.storage
    docs = load_inputs(storage)
    check_weight_keys(p.weights, docs, [source.name for source in settings.sources])
    check_weight_keys(p.anneal_weights, docs, [source.name for source in settings.sources], "graph.anneal_weights")
    docs["weight"] = weights_of(p.weights, docs)
    heldout = docs["doc_id"].isin(heldout_doc_ids(storage)) | states_fact(docs["text"], fact_matcher(read_questions(storage, "unseen")["answer_sentence"].tolist()))
    mixed = mix(docs.loc[~heldout], p.weights, p.synthetic_cap, settings.params.seed)
    # Canaries are probes for the privacy evaluation, not training content: planted after the
    # mix, outside the weights and the synthetic cap (the gate measures the share without them).
    mixed = plant_canaries(mixed, settings)
    out.write_parquet(f"{MIXTURE}/part-00000.parquet", pa.Table.from_pandas(mixed.reindex(columns=MIXTURE_SCHEMA.names), schema=MIXTURE_SCHEMA, preserve_index=False))
    table = summary(docs, docs.loc[heldout], mixed)
    content = mixed.loc[mixed["source"] != CANARY_SOURCE]
    synthetic_tokens = float(tokens(content.loc[content["synthetic"].astype(bool), "text"]).sum())
    all_tokens = float(tokens(content["text"]).sum())
    totals = {"rows": len(mixed), "tokens": round(all_tokens), "synthetic_share": round(synthetic_tokens / all_tokens, 4) if all_tokens else 0.0,
              "synthetic_cap": p.synthetic_cap, "removed_heldout": int(heldout.sum()), "token_measure": "utf-8 bytes / 4"}
    out.write_json(MIXTURE_TABLE, {"totals": totals, "by_source_kind": table})
    shares = {f"{r['source']}/{r['kind']}": r["share"] for r in table}
    out.write_bytes(MIXTURE_PLOT, bar_charts([("share of mixture tokens", shares)]))
    return {**totals, "mixture_md": markdown_table(table), "plot": MIXTURE_PLOT}


def outputs(settings: Settings, partition_keys=None) -> list[str]:
    return [MIXTURE]


def gate_tables(area: Storage, settings: Settings, partition_keys=None) -> dict[str, pd.DataFrame]:
    mixed = area.read_parquet(MIXTURE, columns=["doc_id", "source", "kind", "text", "synthetic"]).to_pandas()
    mixed = mixed.loc[mixed["source"] != CANARY_SOURCE]  # probes, outside the cap (see build_mixture)
    mixed["tokens"] = tokens(mixed["text"])
    questions = read_questions(settings.storage)
    mixed["states_heldout_fact"] = states_fact(mixed["text"], fact_matcher(questions.loc[questions["set"] == "unseen", "answer_sentence"].tolist()))
    # the known sets' questions must be new to the model: no training text holds one of their prompts
    mixed["uses_heldout_phrasing"] = states_fact(mixed["text"], fact_matcher(questions.loc[questions["set"] != "unseen", "prompt"].tolist()))
    mixed["heldout_document"] = mixed["doc_id"].isin(heldout_doc_ids(settings.storage))
    table = mixed.groupby(["source", "kind", "synthetic"]).agg(
        rows=("doc_id", "size"), tokens=("tokens", "sum"),
        heldout_fact_rows=("states_heldout_fact", "sum"), heldout_document_rows=("heldout_document", "sum"),
        heldout_phrasing_rows=("uses_heldout_phrasing", "sum"),
    ).reset_index()
    total = table["tokens"].sum()
    table["share"] = table["tokens"] / total if total else 0.0
    table["synthetic_share"] = float(table.loc[table["synthetic"], "tokens"].sum() / total) if total else 0.0
    return {"cleaned_mixture": table}


def gate_parameters(settings: Settings) -> dict[str, float]:
    return {"max_synthetic_share": settings.params.graph.synthetic_cap}

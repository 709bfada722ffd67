"""Evaluation sets from the graph, chosen before the corpus is curated so they stay unseen.

- Cloze questions on held-out product facts: the prompt, the correct completion and distractors
  of the same node type (never another true object of the same subject and relation). Held-out
  facts are never verbalized, and `eval_texts` hands their answer sentences to decontamination.
- Held-out documents per source for bits-per-byte: a seeded sample of raw documents of each
  training source without personal data (raw client text must not leave the privacy step).
"""

from __future__ import annotations

import math
import random
from typing import Optional, Sequence

import pandas as pd
import pyarrow as pa

from assets.core.settings import Settings
from assets.core.storage import Storage
from assets.cleaned.curate import CORPUS_SCHEMA
from assets.cleaned.graph.graph import asked_nodes, read_graph
from assets.cleaned.graph.inputs import load_raw
from assets.cleaned.graph.paths import HELDOUT_DOCS, QA, QUESTIONS
from assets.cleaned.graph.report import markdown_table
from assets.cleaned.graph.verbalize import cloze, fact_table, noun_phrase, stable_int

QUESTION_SCHEMA = pa.schema(
    [
        ("id", pa.string()),
        ("prompt", pa.string()),
        ("answer", pa.string()),
        ("distractors", pa.list_(pa.string())),
        ("edge_id", pa.string()),
        ("relation", pa.string()),
        ("node_type", pa.string()),  # the answer's node type, shared by the distractors
        ("src", pa.string()),
        ("dst", pa.string()),
        ("answer_sentence", pa.string()),
    ]
)


def questions(nodes: pd.DataFrame, edges: pd.DataFrame, fraction: float, n_distractors: int, seed: int) -> tuple[pd.DataFrame, dict]:
    facts = fact_table(nodes, edges)
    names = nodes["name"].str.casefold().value_counts()
    truths = facts.groupby(["src", "relation"])["dst"].agg(set).to_dict()
    pools = {kind: sorted(group["id"]) for kind, group in nodes.groupby("type")}
    # A subject whose name another node shares would make the prompt ambiguous; a fact needs
    # enough wrong objects of its type to draw the distractors from.
    enough = [len(pools[t]) - len(truths[(s, r)]) >= n_distractors for s, r, t in zip(facts["src"], facts["relation"], facts["dst_type"])]
    eligible = facts.loc[facts["src_asked"] & facts["src_name"].str.casefold().map(names).eq(1) & pd.Series(enough, index=facts.index)]
    ranked = sorted(eligible.itertuples(index=False), key=lambda f: (stable_int(seed, "heldout", f.edge_id), f.edge_id))
    chosen = ranked[: round(fraction * len(ranked))]
    node_name = nodes.drop_duplicates("id").set_index("id")["name"]
    rows = []
    for f in chosen:
        candidates = [n for n in pools[f.dst_type] if n not in truths[(f.src, f.relation)]]
        picks = random.Random(stable_int(seed, "distractors", f.edge_id)).sample(candidates, n_distractors)
        prompt, answer = cloze(f.relation, f.src_np, f.dst_np)
        distractors = [cloze(f.relation, f.src_np, noun_phrase(f.dst_type, node_name[p]))[1] for p in picks]
        rows.append({"id": f"q-{f.edge_id}", "prompt": prompt, "answer": answer, "distractors": distractors,
                     "edge_id": f.edge_id, "relation": f.relation, "node_type": f.dst_type, "src": f.src,
                     "dst": f.dst, "answer_sentence": prompt + answer + "."})
    table = pd.DataFrame(rows, columns=QUESTION_SCHEMA.names).sort_values("id").reset_index(drop=True)
    return table, {"eligible_facts": len(ranked), "heldout_facts": len(chosen)}


def heldout_documents(raw: pd.DataFrame, per_source: int, seed: int) -> pd.DataFrame:
    eligible = raw.loc[(raw["rights"] == "train") & (raw["pii"] == "none") & (raw["text"].str.strip() != "")]
    eligible = eligible.assign(_rank=[stable_int(seed, "heldout-doc", d) for d in eligible["doc_id"]])
    picked = eligible.sort_values(["source", "_rank", "doc_id"]).groupby("source", sort=True).head(per_source)
    return picked.assign(lang=picked["language"].fillna("und")).reindex(columns=CORPUS_SCHEMA.names).sort_values("doc_id").reset_index(drop=True)


def prepared(settings: Settings, docs: pd.DataFrame) -> pd.DataFrame:
    """Held-out documents as the model should read them: main text extracted from HTML, Unicode
    repaired, whitespace tidied (curation's preparation steps). Both recipes are scored on this
    text, so markup does not favour the recipe that trained on markup."""
    from assets.cleaned.curate import preparation_steps
    from assets.cleaned.steps import run_steps
    from assets.core.ledger import Ledger

    kept = run_steps(docs, preparation_steps(settings), Ledger())
    return kept.reindex(columns=CORPUS_SCHEMA.names).sort_values("doc_id").reset_index(drop=True)


def build_evalsets(settings: Settings, out: Storage, partition_keys: Optional[Sequence[str]] = None) -> dict:
    """Reads the published graph and raw documents; writes cleaned/evalsets/qa/questions.parquet
    and cleaned/evalsets/heldout/part-00000.parquet (corpus schema)."""
    p = settings.params.graph
    nodes, edges = read_graph(settings.storage)
    table, counts = questions(nodes, edges, p.heldout_fraction, p.n_distractors, settings.params.seed)
    docs = heldout_documents(load_raw(settings), p.heldout_docs_per_source, settings.params.seed)
    docs = prepared(settings, docs)
    out.write_parquet(QUESTIONS, pa.Table.from_pandas(table, schema=QUESTION_SCHEMA, preserve_index=False))
    out.write_parquet(f"{HELDOUT_DOCS}/part-00000.parquet", pa.Table.from_pandas(docs, schema=CORPUS_SCHEMA, preserve_index=False))
    by_relation = table["relation"].value_counts().sort_index()
    return {
        "questions": len(table),
        **counts,
        "heldout_documents": len(docs),
        "questions_by_relation_md": markdown_table([{"relation": k, "questions": int(v)} for k, v in by_relation.items()]),
        "heldout_documents_md": markdown_table([{"source": k, "documents": int(v)} for k, v in docs["source"].value_counts().sort_index().items()]),
    }


def outputs(settings: Settings, partition_keys=None) -> list[str]:
    return [QA, HELDOUT_DOCS]


def read_questions(storage: Storage) -> pd.DataFrame:
    return storage.read_parquet(QUESTIONS).to_pandas()


def heldout_edge_ids(storage: Storage) -> set[str]:
    return set(read_questions(storage)["edge_id"])


def heldout_doc_ids(storage: Storage) -> set[str]:
    return set(storage.read_parquet(HELDOUT_DOCS, columns=["doc_id"]).column("doc_id").to_pylist())


def eval_texts(storage: Storage, documents: bool = True) -> list[str]:
    """What decontamination must keep out of training: each question's answer sentence and
    (unless `documents` is False) the held-out documents' texts."""
    texts = read_questions(storage)["answer_sentence"].tolist()
    if documents:
        texts += storage.read_parquet(HELDOUT_DOCS, columns=["text"]).column("text").to_pylist()
    return texts


def gate_tables(area: Storage, settings: Settings, partition_keys=None) -> dict[str, pd.DataFrame]:
    table = read_questions(area)
    check = table[["id", "prompt", "answer", "node_type"]].copy()
    check["answer_in_distractors"] = [a in set(d) for a, d in zip(table["answer"], table["distractors"])]
    check["distractor_count"] = [len(set(d)) for d in table["distractors"]]
    return {"cleaned_evalsets": check}


def gate_parameters(settings: Settings) -> dict[str, float]:
    p = settings.params.graph  # sizes relative to what the sources map: no catalog, no question required
    return {"min_questions": math.ceil(p.min_questions_per_entity * asked_nodes(settings.storage)), "n_distractors": p.n_distractors}

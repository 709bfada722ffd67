"""Evaluation sets from the graph, chosen before the corpus is curated, the same for every arm.

- Knowledge questions on product facts, as cloze prompts with the correct completion and
  distractors of the same node type (never another true object of the same subject and relation),
  in two sets:
  - `unseen`: held-out facts, never verbalized, their answer sentences handed to decontamination
    by `eval_texts`: does the model infer what the corpus never states?
  - `known`: facts the corpus states (verbalized, and declared by house documents), asked in a
    phrasing no training document uses, one of the house's held-out phrasings (phrasings.py):
    does the model know the house?
  - `known_far`: the same facts in words no generator writes (phrasings.FAR), reported beside.
- Held-out documents for bits per byte: a seeded sample of each training source's documents
  without personal data (raw client text must not leave the privacy step), at most
  graph.heldout_fraction_per_source of a source and graph.heldout_docs_per_source documents, so
  no source is emptied: a source too small to spare one document gives none, and
  heldout_sources.json says so. Sources (or kinds) in graph.heldout_exclude give none either.
  Held-out documents the house judges low quality are listed in heldout_low_quality.json (doc
  id -> why): those its experts labelled so (a labelstudio source's negative judgements: spam,
  empty marketing copy) and those its own document filters reject (curation's web heuristics,
  on their kinds, with their thresholds: clean.filter_kinds). The report scores them apart,
  since the headline bits per byte measures the text the house wants written, not how well a
  model reproduces what it calls junk: on the sample, 5 expert-labelled documents were the whole
  held-out gap between raw and curated+graph (0.40 vs 2.35 bits per byte on their source); on
  house seed 53, one held-out spam page ("Buy cheap designer handbags ...", 290 bytes, which
  Gopher's quality filter removes: under 50 words) turned curated+graph's lead of -0.061
  [-0.088, -0.033] bits per byte into +0.024 [-0.081, +0.236] (7.4 bits per byte against raw's
  0.40: raw trained on its templated siblings). The choice is made here, before any arm exists,
  by the same rules for every arm; every held-out document together is reported beside it.
"""

from __future__ import annotations

import math
import random
from typing import Optional, Sequence

import pandas as pd
import pyarrow as pa

from assets.core.settings import Settings
from assets.core.storage import Storage
from assets.cleaned.schema import CORPUS_SCHEMA
from assets.cleaned.graph.graph import asked_nodes, read_graph
from assets.cleaned.graph.inputs import load_raw
from assets.cleaned.graph.paths import HELDOUT_DOCS, HELDOUT_LOW, HELDOUT_SOURCES, QA, QUESTIONS
from assets.cleaned.graph.phrasings import prompt, question_frame
from assets.core.markdown import markdown_table
from assets.cleaned.graph.verbalize import fact_table, noun_phrase, stable_int

SETS = ("known", "unseen", "known_far")
ID_PREFIX = {"known": "k", "unseen": "u", "known_far": "f"}

QUESTION_SCHEMA = pa.schema(
    [
        ("id", pa.string()),
        ("set", pa.string()),  # known | unseen | known_far
        ("prompt", pa.string()),
        ("phrasing", pa.string()),  # the prompt's frame, "{s} owes its finish to": the report scores each apart
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


def questions(nodes: pd.DataFrame, edges: pd.DataFrame, fraction: float, n_distractors: int, seed: int, known: int = 0) -> tuple[pd.DataFrame, dict]:
    """`fraction` of the eligible product facts held out (`unseen`), and `known` of the others
    (a seeded choice) asked in a held-out phrasing, and again in a far one (`known_far`)."""
    facts = fact_table(nodes, edges)
    names = nodes["name"].str.casefold().value_counts()
    truths = facts.groupby(["src", "relation"])["dst"].agg(set).to_dict()
    pools = {kind: sorted(group["id"]) for kind, group in nodes.groupby("type")}
    # A subject whose name another node shares would make the prompt ambiguous; a fact needs
    # enough wrong objects of its type to draw the distractors from.
    enough = [len(pools[t]) - len(truths[(s, r)]) >= n_distractors for s, r, t in zip(facts["src"], facts["relation"], facts["dst_type"])]
    eligible = facts.loc[facts["src_asked"] & facts["src_name"].str.casefold().map(names).eq(1) & pd.Series(enough, index=facts.index)]
    ranked = sorted(eligible.itertuples(index=False), key=lambda f: (stable_int(seed, "heldout", f.edge_id), f.edge_id))
    held = round(fraction * len(ranked))
    unseen, rest = ranked[:held], ranked[held:]
    stated = sorted(rest, key=lambda f: (stable_int(seed, "known", f.edge_id), f.edge_id))[:known]
    node_name = nodes.drop_duplicates("id").set_index("id")["name"]
    rows = []
    for kind, chosen in (("unseen", unseen), ("known", stated), ("known_far", stated)):
        for f in chosen:
            candidates = [n for n in pools[f.dst_type] if n not in truths[(f.src, f.relation)]]
            picks = random.Random(stable_int(seed, "distractors", f.edge_id)).sample(candidates, n_distractors)
            wrong = [noun_phrase(f.dst_type, node_name[p]) for p in picks]
            frame = question_frame(kind, f.relation, f.edge_id, seed)  # unseen: the cloze form, a training phrasing
            asked = prompt(frame, f.src_np)
            rows.append({"id": f"{ID_PREFIX[kind]}-{f.edge_id}", "set": kind, "prompt": asked, "phrasing": frame, "answer": " " + f.dst_np,
                         "distractors": [" " + w for w in wrong], "edge_id": f.edge_id, "relation": f.relation, "node_type": f.dst_type,
                         "src": f.src, "dst": f.dst, "answer_sentence": asked + " " + f.dst_np + "."})
    table = pd.DataFrame(rows, columns=QUESTION_SCHEMA.names).sort_values("id").reset_index(drop=True)
    return table, {"eligible_facts": len(ranked), "heldout_facts": len(unseen), "known_facts": len(stated)}


def judged_low_quality(raw: pd.DataFrame, settings: Settings) -> set[str]:
    """Doc ids of labelstudio sources' documents whose expert label is negative."""
    from assets.cleaned.privacy.gazetteer import parse_meta
    from assets.cleaned.privacy.quality import expert_label, is_good

    sources = {s.name for s in settings.sources if s.format == "labelstudio"}
    judged = set()
    for row in raw.loc[raw["source"].isin(sources)].itertuples(index=False):
        label = expert_label(parse_meta(row.meta, f"annotation {row.doc_id} ({row.source} {row.uri}:{row.line})"))
        if label is not None and not is_good(label, settings.params.privacy):
            judged.add(row.doc_id)
    return judged


def filtered_low_quality(docs: pd.DataFrame, settings: Settings) -> dict[str, str]:
    """Held-out documents (prepared) that curation's document filters would remove: doc id ->
    the filter's rule, e.g. "gopher_quality.gopher_short_doc"."""
    from assets.cleaned.pipeline import FILTERS, filter_steps  # lazy: the pipeline imports the privacy context
    from assets.cleaned.steps import run_steps
    from assets.core.ledger import Ledger

    p = settings.params.clean
    steps = [step for name, make in FILTERS for step in filter_steps(name, getattr(p, name), make, p.filter_kinds)]
    removals: list[pd.DataFrame] = []
    run_steps(docs, steps, Ledger(), removals)  # a document leaves at the first filter that rejects it, in pipeline order
    return {doc_id: reason for frame in removals for doc_id, reason in zip(frame["doc_id"], frame["reason"])}


def heldout_documents(raw: pd.DataFrame, fraction: float, cap: int, seed: int, exclude: Sequence[str] = ()) -> tuple[pd.DataFrame, list[dict]]:
    """(documents, one row per training source: eligible, held_out, why none). A source gives
    floor(fraction x eligible) documents, at most `cap`, in a seeded order of doc ids."""
    trainable = raw.loc[raw["rights"] == "train"]
    eligible = trainable.loc[(trainable["pii"] == "none") & (trainable["text"].str.strip() != "")]
    eligible = eligible.assign(_rank=[stable_int(seed, "heldout-doc", d) for d in eligible["doc_id"]]).sort_values(["source", "_rank", "doc_id"])
    excluded = set(exclude)
    picked, table = [], []
    for source in sorted(set(trainable["source"])):
        docs = eligible.loc[eligible["source"] == source]
        kinds = set(docs["kind"].dropna()) if "kind" in docs else set()
        if source in excluded or (kinds and kinds <= excluded):
            take, why = 0, "excluded by params graph.heldout_exclude"
        elif not len(docs):
            take, why = 0, "no document without personal data"
        else:
            take = min(cap, int(fraction * len(docs)))
            why = f"too small to spare a document ({fraction:.0%} of {len(docs)} is under one)" if take == 0 else ""
        picked.append(docs.head(take))
        table.append({"source": source, "eligible": len(docs), "held_out": take, "note": why})
    chosen = pd.concat(picked) if picked else eligible.head(0)
    docs = chosen.assign(lang=chosen["language"].fillna("und")).reindex(columns=CORPUS_SCHEMA.names).sort_values("doc_id").reset_index(drop=True)
    return docs, table


def prepared(settings: Settings, docs: pd.DataFrame) -> pd.DataFrame:
    """Held-out documents as the model should read them: main text extracted from HTML, Unicode
    repaired, whitespace tidied (curation's preparation steps). Every arm is scored on this
    text, so markup does not favour the arm that trained on markup."""
    from assets.cleaned.preparation import preparation_steps
    from assets.cleaned.steps import run_steps
    from assets.core.ledger import Ledger

    kept = run_steps(docs, preparation_steps(settings), Ledger())
    return kept.reindex(columns=CORPUS_SCHEMA.names).sort_values("doc_id").reset_index(drop=True)


def build_evalsets(settings: Settings, out: Storage, partition_keys: Optional[Sequence[str]] = None) -> dict:
    """Reads the published graph and raw documents; writes cleaned/evalsets/qa/questions.parquet
    and cleaned/evalsets/heldout/part-00000.parquet (corpus schema)."""
    p = settings.params.graph
    nodes, edges = read_graph(settings.storage)
    table, counts = questions(nodes, edges, p.heldout_fraction, p.n_distractors, settings.params.seed, p.known_questions)
    raw = load_raw(settings)
    docs, by_source = heldout_documents(raw, p.heldout_fraction_per_source, p.heldout_docs_per_source, settings.params.seed, p.heldout_exclude)
    judged = judged_low_quality(raw, settings) & set(docs["doc_id"])
    docs = prepared(settings, docs)
    low = {**filtered_low_quality(docs, settings), **{d: "expert label" for d in judged}}
    low = dict(sorted(low.items()))
    out.write_parquet(QUESTIONS, pa.Table.from_pandas(table, schema=QUESTION_SCHEMA, preserve_index=False))
    out.write_parquet(f"{HELDOUT_DOCS}/part-00000.parquet", pa.Table.from_pandas(docs, schema=CORPUS_SCHEMA, preserve_index=False))
    out.write_json(HELDOUT_SOURCES, by_source)
    out.write_json(HELDOUT_LOW, low)
    by_relation = table.groupby(["set", "relation"]).size().sort_index()
    return {
        "questions": len(table),
        **{f"{name}_questions": int((table["set"] == name).sum()) for name in SETS},
        **counts,
        "heldout_documents": len(docs),
        "heldout_low_quality": len(low),
        "questions_by_relation_md": markdown_table([{"set": k, "relation": r, "questions": int(v)} for (k, r), v in by_relation.items()]),
        "heldout_documents_md": markdown_table(by_source),
    }


def outputs(settings: Settings, partition_keys=None) -> list[str]:
    return [QA, HELDOUT_DOCS, HELDOUT_SOURCES, HELDOUT_LOW]


def read_questions(storage: Storage, which: Optional[str] = None) -> pd.DataFrame:
    """The questions (both sets, or `which` of SETS)."""
    table = storage.read_parquet(QUESTIONS).to_pandas()
    return table if which is None else table.loc[table["set"] == which].reset_index(drop=True)


def read_heldout_documents(storage: Storage, columns: Optional[list[str]] = None) -> pd.DataFrame:
    return storage.read_parquet(HELDOUT_DOCS, columns=columns).to_pandas()


def read_heldout_sources(storage: Storage) -> list[dict]:
    return storage.read_json(HELDOUT_SOURCES)


def heldout_edge_ids(storage: Storage) -> set[str]:
    """The facts never stated in training: the `unseen` set's."""
    return set(read_questions(storage, "unseen")["edge_id"])


def heldout_low_quality_ids(storage: Storage) -> set[str]:
    """Held-out documents the house judges low quality: its experts' labels and its document
    filters (heldout_low_quality.json maps each to why; an older evalsets wrote a list of ids)."""
    return set(storage.read_json(HELDOUT_LOW)) if storage.exists(HELDOUT_LOW) else set()


def heldout_doc_ids(storage: Storage) -> set[str]:
    return set(storage.read_parquet(HELDOUT_DOCS, columns=["doc_id"]).column("doc_id").to_pylist())


def eval_texts(storage: Storage, documents: bool = True) -> list[str]:
    """What decontamination must keep out of training: each unseen question's answer sentence and
    (unless `documents` is False) the held-out documents' texts."""
    texts = read_questions(storage, "unseen")["answer_sentence"].tolist()
    if documents:
        texts += storage.read_parquet(HELDOUT_DOCS, columns=["text"]).column("text").to_pylist()
    return texts


def gate_tables(area: Storage, settings: Settings, partition_keys=None) -> dict[str, pd.DataFrame]:
    table = read_questions(area)
    check = table[["id", "set", "prompt", "answer", "node_type"]].copy()
    check["answer_in_distractors"] = [a in set(d) for a, d in zip(table["answer"], table["distractors"])]
    check["distractor_count"] = [len(set(d)) for d in table["distractors"]]
    return {"cleaned_evalsets": check}


def gate_parameters(settings: Settings) -> dict[str, float]:
    p = settings.params.graph  # sizes relative to what the sources map: no catalog, no question required
    return {"min_questions": math.ceil(p.min_questions_per_entity * asked_nodes(settings.storage)), "n_distractors": p.n_distractors}

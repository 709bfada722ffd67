"""Cleaned stage: raw documents -> `cleaned/corpus/`, `cleaned/evalsets/documents/` and
`cleaned/ledger.json`. Dagster-free.

Raw Parquet is read in Arrow batches; `workers` processes run the per-document steps on them
(at most 2 batches per worker in flight, so memory stays bounded whatever the archive's size);
survivors are spilled to local Parquet with their dedup keys kept in memory (a hash and a MinHash
signature: 0.5 KB a document). Deduplication then runs once across all sources, and DuckDB
writes the corpus sorted by doc_id (spilling its sort to disk past `memory_limit`).

Each document leaves at the first step that removes it, with that step's rule as the reason, so
the ledger's funnel reads top to bottom.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections import deque
from multiprocessing import get_context
from typing import Iterable, Iterator, Optional, Sequence

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from assets.core.ledger import Ledger
from assets.core.settings import Settings
from assets.core.storage import Storage
from assets.cleaned.dedup import MinHasher, Texts, exact_duplicates, near_duplicates, spilled_texts
from assets.cleaned.extract import extract_step
from assets.cleaned.filters.c4 import c4_step
from assets.cleaned.filters.fineweb import fineweb_step
from assets.cleaned.filters.gopher import gopher_quality_step, gopher_repetition_step
from assets.cleaned.language import language_step
from assets.cleaned.normalize import content_hash, normalize_step
from assets.cleaned.steps import Step, only_kinds, run_steps
from assets.raw.ingest import documents_dir, read_quarantine
from assets.cleaned.paths import CORPUS, EVAL_DOCUMENTS as EVAL_DOCS, LEDGER, RAW_RECIPE

# `assets.cleaned.privacy` is imported inside the functions that use it, never here: a spawned
# worker imports this module, and privacy's imports (spaCy's French lexicon, presidio, sklearn:
# ~9 s) would be paid by every worker even when it runs no privacy step (tests/cleaned/test_worker_imports.py).

CORPUS_SCHEMA = pa.schema(
    [
        ("doc_id", pa.string()),
        ("source", pa.string()),
        ("kind", pa.string()),
        ("text", pa.string()),
        ("lang", pa.string()),
        ("rights", pa.string()),
        ("pii", pa.string()),
        ("client_id", pa.string()),
        ("uri", pa.string()),
        ("line", pa.int64()),
        ("pii_redacted", pa.int64()),  # spans replaced by placeholders (lineage)
        ("quality_score", pa.float64()),  # the expert quality model's P(good)
    ]
)
RIGHTS_RANK = {"train": 0, "eval_only": 1, "none": 2}  # broadest rights first (dedup keep rule)
ROW_GROUP = 10_000  # fixed row groups: same rows, same bytes
SORT_MEMORY = "1GB"


# -- the ordered step lists ------------------------------------------------------------------
def rights_step(docs: pd.DataFrame) -> tuple[pd.DataFrame, pd.Series]:
    return docs, pd.Series(np.where(docs["rights"] == "none", "rights_none", None), index=docs.index, dtype=object)


def preparation_steps(settings: Settings) -> list[Step]:
    """Before evaluation-only documents are routed out: rights, extraction, normalization."""
    p = settings.params.clean
    html = frozenset(s.name for s in settings.sources if s.format == "html")
    steps: list[Step] = [rights_step]
    if p.extract_html:
        steps.append(extract_step(html))
    steps.append(normalize_step(p.fix_unicode, p.min_chars))
    return steps


def curation_steps(settings: Settings, context: Optional[dict] = None) -> list[Step]:
    """Per-document steps on training documents, in order: language, the web heuristics (on
    `clean.filter_kinds` only), then privacy (consent, PII redaction, expert quality,
    decontamination) once the cheap filters have thinned the batch and before dedup, so that a
    redacted text is what gets hashed. `context` (see privacy_context) carries what the privacy
    steps learned from the whole archive."""
    p = settings.params.clean
    web = frozenset(p.filter_kinds)
    steps: list[Step] = []
    if p.language.enabled:
        steps.append(language_step(p.language, {s.name: s.language for s in settings.sources}))
    if p.gopher_repetition.enabled:
        steps.append(only_kinds(gopher_repetition_step(p.gopher_repetition), web))
    if p.gopher_quality.enabled:
        steps.append(only_kinds(gopher_quality_step(p.gopher_quality), web))
    if p.c4.enabled:
        steps.append(only_kinds(c4_step(p.c4), web))
    if p.fineweb.enabled:
        steps.append(only_kinds(fineweb_step(p.fineweb), web))
    if context is not None:
        from assets.cleaned import privacy  # lazy: see the note at the top of this module

        steps += privacy_steps(settings, context)
        if context.get("quality_model") is not None:
            steps.append(privacy.expert_quality_step(settings, context["quality_model"]))
        steps.append(privacy.decontamination_step(settings, context["eval_texts"]))
    return steps


def privacy_steps(settings: Settings, context: dict) -> list[Step]:
    """What every document that leaves this stage goes through, training or evaluation, curated
    or raw recipe: no opted-out client, no personal data."""
    from assets.cleaned import privacy  # lazy: see the note at the top of this module

    return [privacy.consent_step(settings, context["gazetteer"]), privacy.redaction_step(settings, context["gazetteer"])]


def heldout_step(doc_ids: frozenset[str]) -> Step:
    """Documents the evaluation sets hold out for bits per byte never reach training."""

    def step(docs: pd.DataFrame) -> tuple[pd.DataFrame, pd.Series]:
        return docs, pd.Series(np.where(docs["doc_id"].isin(doc_ids), "heldout_eval", None), index=docs.index, dtype=object)

    return step


def load_raw(settings: Settings) -> pd.DataFrame:
    storage = settings.storage
    frames = [storage.read_parquet(documents_dir(s.name)).to_pandas() for s in settings.sources if storage.parquet_files(documents_dir(s.name))]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=["doc_id", "source", "kind", "text", "client_id", "meta", "format"])


def privacy_context(settings: Settings) -> dict:
    """What the privacy steps learn from the whole archive before any batch runs: the gazetteer
    (clients from the CRM, catalog terms), the expert quality model (from the Label Studio
    annotations; none if the house has no annotated source) and the evaluation texts."""
    from assets.cleaned import privacy  # lazy: see the note at the top of this module
    from assets.cleaned.graph import evalsets

    raw = load_raw(settings)
    context: dict = {"gazetteer": privacy.build_gazetteer(raw), "quality_model": None, "quality_metrics": None}
    if any(s.format == "labelstudio" for s in settings.sources):
        model, metrics = privacy.train_quality_model(privacy.annotations_from_raw(raw, settings), settings.params.seed, settings.params.privacy)
        context.update(quality_model=model, quality_metrics=metrics)
    from assets.cleaned.graph.paths import QA

    storage = settings.storage
    if not storage.exists(QA):
        raise RuntimeError(f"cleaned: the evaluation sets ({storage.url(QA)}) are not published; materialize cleaned_evalsets first "
                           "(curation decontaminates against them)")
    context["eval_texts"] = evalsets.eval_texts(storage)
    context["heldout_ids"] = frozenset(evalsets.heldout_doc_ids(storage))
    return context


# -- reading ----------------------------------------------------------------------------------
def raw_batches(settings: Settings, batch_size: int, partition_keys: Optional[Sequence[str]] = None) -> Iterator[pa.RecordBatch]:
    storage = settings.storage
    names = list(partition_keys) if partition_keys else [s.name for s in settings.sources]
    for name in names:
        for path in storage.parquet_files(documents_dir(name)):
            with storage.open(path) as handle:
                yield from pq.ParquetFile(handle).iter_batches(batch_size=batch_size)


# -- one batch, in a worker -------------------------------------------------------------------
_STATE: dict = {}


def _init(settings: Settings, context: Optional[dict], spill: str) -> None:
    prepare = preparation_steps(settings)
    if context is not None:
        prepare.insert(1, heldout_step(context["heldout_ids"]))
    _STATE.update(settings=settings, spill=spill, prepare=prepare, curate=curation_steps(settings, context),
                  private=privacy_steps(settings, context) if context is not None else [],
                  hasher=MinHasher.from_params(settings.params.clean.dedup))


def _spill(table: pa.Table, kind: str) -> str:
    path = os.path.join(_STATE["spill"], f"{kind}-{uuid.uuid4().hex}.parquet")
    pq.write_table(table, path)
    return path


def _as_corpus(docs: pd.DataFrame) -> pa.Table:
    return pa.Table.from_pandas(docs.reindex(columns=CORPUS_SCHEMA.names), schema=CORPUS_SCHEMA, preserve_index=False)


def process_batch(batch: pa.RecordBatch) -> dict:
    """Steps on one batch. Returns the removals, and where the survivors and eval documents
    were spilled, with the survivors' dedup keys."""
    settings: Settings = _STATE["settings"]
    ledger = Ledger()
    docs = batch.to_pandas()
    docs["lang"] = docs["language"].fillna("und")
    docs = run_steps(docs, _STATE["prepare"], ledger)
    evaluation = run_steps(docs.loc[docs["rights"] == "eval_only"], _STATE["private"], ledger)
    for source, count in evaluation["source"].value_counts().items():
        ledger.removed(source, "eval_only", int(count))  # held out for evaluation, never trained on
    docs = run_steps(docs.loc[docs["rights"] != "eval_only"], _STATE["curate"], ledger)
    removed = [(s, r, n) for s, book in ledger.books.items() for r, n in book.removed.items()]
    result = {"removed": removed, "eval": _spill(_as_corpus(evaluation), "eval") if len(evaluation) else None, "spill": None}
    if len(docs):
        result["spill"] = _spill(_as_corpus(docs), "corpus")
        dedup = settings.params.clean.dedup
        result["keys"] = pd.DataFrame({"doc_id": docs["doc_id"].to_numpy(), "source": docs["source"].to_numpy(),
                                       "rights": docs["rights"].to_numpy(),
                                       "hash": [content_hash(t) for t in docs["text"]] if dedup.exact else None})
        result["signature"] = _STATE["hasher"].signatures(list(docs["text"])) if dedup.minhash else None
    return result


def _run_batches(settings: Settings, batches: Iterable[pa.RecordBatch], context: Optional[dict], spill: str) -> Iterator[dict]:
    workers = settings.params.clean.workers
    if workers == 1:
        _init(settings, context, spill)
        yield from map(process_batch, batches)
        return
    with get_context(settings.params.clean.start_method).Pool(workers, initializer=_init, initargs=(settings, context, spill)) as pool:
        pending: deque = deque()
        for batch in batches:
            pending.append(pool.apply_async(process_batch, (batch,)))
            if len(pending) >= 2 * workers:  # bounded: never read far ahead of the workers
                yield pending.popleft().get()
        while pending:
            yield pending.popleft().get()


# -- dedup and writing ------------------------------------------------------------------------
def deduplicate(settings: Settings, keys: pd.DataFrame, signature: Optional[np.ndarray], texts: Optional[Texts] = None) -> pd.Series:
    """Removal reason (or None) per row of `keys`, across all sources (`texts`: row -> text, to
    verify near-duplicate candidates by exact Jaccard)."""
    dedup = settings.params.clean.dedup
    order = {s.name: i for i, s in enumerate(settings.sources)}
    rank = keys.assign(_r=keys["rights"].map(RIGHTS_RANK), _s=keys["source"].map(order))
    ranked = rank.sort_values(["_r", "_s", "doc_id"], kind="stable").index.to_numpy()
    reasons = pd.Series(None, index=keys.index, dtype=object)
    alive = ranked
    if dedup.exact:
        dup = exact_duplicates(keys["hash"].iloc[alive].reset_index(drop=True))
        reasons.iloc[alive[dup]] = "exact_duplicate"
        alive = alive[~dup]
    if dedup.minhash and len(alive):
        verify = (lambda rows: texts(alive[rows])) if texts is not None else None
        dup = near_duplicates(signature[alive], MinHasher.from_params(dedup), dedup.verify_threshold, verify)
        reasons.iloc[alive[dup]] = "near_duplicate"
    return reasons


def write_sorted(out: Storage, rel: str, files: list[str], dropped: Sequence[str], spill: str) -> int:
    """The spilled rows minus `dropped`, sorted by doc_id, as one Parquet file (atomic)."""
    import duckdb

    con = duckdb.connect()
    con.execute(f"SET threads TO 2; SET memory_limit = '{SORT_MEMORY}'; SET temp_directory = '{spill}/duckdb'")
    con.register("dropped", pa.table({"doc_id": pa.array(list(dropped), pa.string())}))
    rows = 0
    with out.writer(rel) as handle, pq.ParquetWriter(handle, CORPUS_SCHEMA, compression="zstd") as writer:
        if files:
            paths = ", ".join("'" + f.replace("'", "''") + "'" for f in files)  # our own temp files
            query = (f"SELECT {', '.join(CORPUS_SCHEMA.names)} FROM read_parquet([{paths}]) "
                     "WHERE doc_id NOT IN (SELECT doc_id FROM dropped) ORDER BY doc_id")
            reader = con.sql(query).to_arrow_reader(ROW_GROUP)
            buffered: list[pa.RecordBatch] = []
            for batch in reader:
                buffered.append(batch)
                table = pa.Table.from_batches(buffered, schema=CORPUS_SCHEMA)
                while len(table) >= ROW_GROUP:
                    writer.write_table(table.slice(0, ROW_GROUP), row_group_size=ROW_GROUP)
                    rows, table = rows + ROW_GROUP, table.slice(ROW_GROUP)
                buffered = table.to_batches()
            rest = pa.Table.from_batches(buffered, schema=CORPUS_SCHEMA)
            if len(rest):
                writer.write_table(rest, row_group_size=ROW_GROUP)
                rows += len(rest)
    con.close()
    return rows


def build_cleaned(settings: Settings, out: Storage, partition_keys: Optional[Sequence[str]] = None,
                  context: Optional[dict] = None) -> dict:
    """Writes CORPUS, EVAL_DOCUMENTS and LEDGER to `out`; returns metadata (ledger, counts)."""
    ledger = Ledger()
    names = list(partition_keys) if partition_keys else [s.name for s in settings.sources]
    for name in names:
        for record in read_quarantine(settings.storage, name):
            ledger.quarantined(name, record["reason"])
    from assets.cleaned.graph.inputs import read_row_quarantine

    rows = read_row_quarantine(settings.storage)  # the graph's quarantined table rows, counted apart
    for (source, reason), count in rows.loc[rows["source"].isin(names)].groupby(["source", "reason"]).size().items():
        ledger.graph_row_quarantined(source, reason, int(count))
    spill = tempfile.mkdtemp(prefix="atelier-clean-")
    try:
        corpus_files, eval_files, keys, signatures = [], [], [], []

        def counted(batches):
            for batch in batches:
                for source, count in pd.Series(batch.column("source").to_pylist()).value_counts().items():
                    ledger.arrived(source, int(count))
                yield batch

        batches = counted(raw_batches(settings, settings.params.clean.batch_size, partition_keys))
        for result in _run_batches(settings, batches, context, spill):
            for source, reason, count in result["removed"]:
                ledger.removed(source, reason, count)
            if result["eval"]:
                eval_files.append(result["eval"])
            if result["spill"]:
                corpus_files.append(result["spill"])
                keys.append(result["keys"])
                signatures.append(result["signature"])
        keys_table = pd.concat(keys, ignore_index=True) if keys else pd.DataFrame(columns=["doc_id", "source", "rights", "hash"])
        signature = np.concatenate(signatures) if keys and settings.params.clean.dedup.minhash else None
        texts = spilled_texts(corpus_files, [len(k) for k in keys])
        reasons = deduplicate(settings, keys_table, signature, texts) if len(keys_table) else pd.Series(dtype=object)
        dropped = reasons.notna()
        for (source, reason), count in keys_table.loc[dropped].groupby(["source", reasons[dropped]]).size().items():
            ledger.removed(source, reason, int(count))
        for source, count in keys_table.loc[~dropped, "source"].value_counts().items():
            ledger.kept(source, int(count))
        rows = write_sorted(out, f"{CORPUS}/part-00000.parquet", corpus_files, keys_table.loc[dropped, "doc_id"].tolist(), spill)
        write_sorted(out, f"{EVAL_DOCS}/part-00000.parquet", eval_files, [], spill)
    finally:
        shutil.rmtree(spill, ignore_errors=True)
    books = ledger.as_dict()
    if rows != books["kept"]:
        raise RuntimeError(f"cleaned: corpus has {rows} rows but the ledger kept {books['kept']}")
    out.write_json(LEDGER, books)
    return {"ledger": books, "corpus_documents": rows}


def build_raw_recipe(settings: Settings, out: Storage, steps: Sequence[Step] = ()) -> dict:
    """Ablation recipe `raw`: every training-rights document with only `steps` applied (the lead
    passes the consent and PII steps), no extraction, language, quality or dedup. Writes RAW_RECIPE."""
    ledger = Ledger()
    spill = tempfile.mkdtemp(prefix="atelier-raw-recipe-")
    _STATE["spill"] = spill
    try:
        files = []
        for batch in raw_batches(settings, settings.params.clean.batch_size):
            docs = batch.to_pandas()
            for source, count in docs["source"].value_counts().items():
                ledger.arrived(source, int(count))
            docs["lang"] = docs["language"].fillna("und")
            docs = run_steps(docs, [rights_train_only, non_empty, *steps], ledger)
            for source, count in docs["source"].value_counts().items():
                ledger.kept(source, int(count))
            if len(docs):
                files.append(_spill(_as_corpus(docs), "raw"))
        rows = write_sorted(out, f"{RAW_RECIPE}/part-00000.parquet", files, [], spill)
    finally:
        shutil.rmtree(spill, ignore_errors=True)
    return {"ledger": ledger.as_dict(), "documents": rows}


def rights_train_only(docs: pd.DataFrame) -> tuple[pd.DataFrame, pd.Series]:
    reasons = docs["rights"].map(lambda r: None if r == "train" else f"rights_{r}")
    return docs, reasons.astype(object)


def non_empty(docs: pd.DataFrame) -> tuple[pd.DataFrame, pd.Series]:
    empty = docs["text"].fillna("").str.strip().str.len() == 0
    return docs, pd.Series(np.where(empty, "empty", None), index=docs.index, dtype=object)


# -- gate -------------------------------------------------------------------------------------
def outputs(settings: Settings, partition_keys=None) -> list[str]:
    # EVAL_DOCUMENTS only, not all of cleaned/evalsets: the evalsets asset publishes its own files there
    return [CORPUS, LEDGER, EVAL_DOCS]


def gate_parameters(settings: Settings) -> dict:
    language = settings.params.clean.language
    return {"kept_languages": sorted(language.keep) if language.enabled else sorted({"und", *(s.language for s in settings.sources if s.language)})}


def gate_tables(area: Storage, settings: Settings, partition_keys=None) -> dict[str, pd.DataFrame]:
    corpus = area.read_parquet(CORPUS, columns=["doc_id", "source", "text", "rights", "lang"]).to_pandas()
    corpus["text_chars"] = corpus["text"].str.len()
    books = area.read_json(LEDGER)
    rows = []
    for name, book in books["sources"].items():
        out_count = book["kept"] + sum(book["removed"].values()) + sum(book["quarantined"].values())
        rows.append(
            {
                "source": name,
                "documents_in": book["documents_in"],
                "accounted": out_count,
                "kept": book["kept"],
                "corpus_rows": int((corpus["source"] == name).sum()),
            }
        )
    return {"cleaned_corpus": corpus.drop(columns=["text"]), "cleaned_ledger": pd.DataFrame(rows)}


def corpus_gate_tables(area: Storage, settings: Settings, partition_keys=None) -> dict[str, pd.DataFrame]:
    """The corpus gate sees the ledger and corpus tables and the privacy tables (no detectable
    PII left, only training rights, no opted-out client)."""
    from assets.cleaned import privacy  # lazy: see the note at the top of this module

    return {**gate_tables(area, settings, partition_keys), **privacy.privacy_gate_tables(area, settings, partition_keys)}


def raw_recipe_gate_tables(area: Storage, settings: Settings, partition_keys=None) -> dict[str, pd.DataFrame]:
    docs = area.read_parquet(RAW_RECIPE, columns=["doc_id", "source", "text", "rights"]).to_pandas()
    docs["text_chars"] = docs["text"].str.len()
    return {"cleaned_raw_recipe": docs.drop(columns=["text"])}


def raw_recipe_outputs(settings: Settings, partition_keys=None) -> list[str]:
    return [RAW_RECIPE]

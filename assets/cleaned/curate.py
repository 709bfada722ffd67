"""Cleaned stage: raw documents -> `cleaned/corpus/`, `cleaned/evalsets/documents/` and
`cleaned/ledger.json`. Dagster-free.

Raw Parquet is read in Arrow batches; worker processes run the pipeline's per-document steps on
them (worker.py, memory bounded whatever the archive's size); survivors are spilled to local
Parquet with their dedup keys kept in memory (doc_id, a hash) and their MinHash signatures
spilled beside them (dedup.SignatureFile). Deduplication then runs once across all sources
(ranking.py), and DuckDB writes the corpus sorted by doc_id (write.py).

Each document leaves at the first step that removes it, with that step's rule as the reason, so
the ledger's funnel reads in pipeline order (pipeline.py).
"""

from __future__ import annotations

import shutil
import tempfile
from typing import Optional, Sequence

import pandas as pd
import pyarrow as pa

from assets.core.ledger import Ledger
from assets.core.progress import progress
from assets.core.settings import Settings
from assets.core.storage import Storage
from assets.cleaned.context import PrivacyContext
from assets.cleaned.dedup import SignatureFile, spilled_texts
from assets.cleaned.funnel import source_png, source_records
from assets.cleaned.paths import CORPUS, EVAL_DOCUMENTS, FUNNEL_PLOT, FUNNEL_PNG, LEDGER, RAW_RECIPE, REMOVALS
from assets.cleaned.pipeline import check_filter_kinds, privacy_steps
from assets.cleaned.preparation import heldout_step, non_empty, rights_train_only
from assets.cleaned.ranking import deduplicate
from assets.cleaned.reasons import position
from assets.cleaned.schema import as_corpus
from assets.cleaned.steps import run_steps
from assets.cleaned.worker import Worker, raw_batches, raw_rows, run_batches
from assets.cleaned.write import spill, write_sorted
from assets.raw.ingest import read_quarantine


REMOVALS_SCHEMA = pa.schema([("doc_id", pa.string()), ("source", pa.string()), ("kind", pa.string()), ("reason", pa.string())])


def build_cleaned(settings: Settings, out: Storage, partition_keys: Optional[Sequence[str]] = None,
                  context: Optional[PrivacyContext] = None) -> dict:
    """Writes CORPUS, EVAL_DOCUMENTS and LEDGER to `out`; returns metadata (ledger, counts)."""
    check_filter_kinds(settings)  # at once, not in a worker after the first batch
    ledger = Ledger()
    names = list(partition_keys) if partition_keys else [s.name for s in settings.sources]
    for name in names:
        for record in read_quarantine(settings.storage, name):
            ledger.quarantined(name, record["reason"])
    from assets.cleaned.graph.inputs import read_row_quarantine

    rows = read_row_quarantine(settings.storage)  # the graph's quarantined table rows, counted apart
    for (source, reason), count in rows.loc[rows["source"].isin(names)].groupby(["source", "reason"]).size().items():
        ledger.graph_row_quarantined(source, reason, int(count))
    folder = tempfile.mkdtemp(prefix="atelier-clean-")
    try:
        corpus_files, eval_files, keys, removals = [], [], [], []
        signature = None  # MinHash signatures, spilled to the scratch folder as they come

        def counted(batches):
            for batch in batches:
                for source, count in pd.Series(batch.column("source").to_pylist()).value_counts().items():
                    ledger.arrived(source, int(count))
                yield batch

        batches = counted(raw_batches(settings, settings.params.clean.batch_size, partition_keys))
        bar = progress(raw_rows(settings, partition_keys), "curate documents")
        for result in run_batches(Worker(settings, context, folder), batches):
            bar.update(result["documents"])
            for source, reason, count in result["removed"]:
                ledger.removed(source, reason, count)
            removals.append(result["removals"])
            if result["eval"]:
                eval_files.append(result["eval"])
            if result["spill"]:
                corpus_files.append(result["spill"])
                keys.append(result["keys"])
                if result["signature"] is not None:
                    if signature is None:
                        signature = SignatureFile(f"{folder}/signatures.u32", result["signature"].shape[1])
                    signature.append(result["signature"])
        keys_table = pd.concat(keys, ignore_index=True) if keys else pd.DataFrame(columns=["doc_id", "source", "kind", "rights", "hash"])
        texts = spilled_texts(corpus_files, [len(k) for k in keys])
        reasons = deduplicate(settings, keys_table, signature, texts) if len(keys_table) else pd.Series(dtype=object)
        dropped = reasons.notna()
        for (source, reason), count in keys_table.loc[dropped].groupby(["source", reasons[dropped]]).size().items():
            ledger.removed(source, reason, int(count))
        removals.append(keys_table.loc[dropped, ["doc_id", "source", "kind"]].assign(reason=reasons[dropped].to_numpy()))
        for source, count in keys_table.loc[~dropped, "source"].value_counts().items():
            ledger.kept(source, int(count))
        rows = write_sorted(out, f"{CORPUS}/part-00000.parquet", corpus_files, keys_table.loc[dropped, "doc_id"].tolist(), folder)
        write_sorted(out, f"{EVAL_DOCUMENTS}/part-00000.parquet", eval_files, [], folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    books = ledger.as_dict()
    if rows != books["kept"]:
        raise RuntimeError(f"cleaned: corpus has {rows} rows but the ledger kept {books['kept']}")
    removed = pd.concat(removals, ignore_index=True).sort_values("doc_id", kind="stable") if removals else pd.DataFrame(columns=REMOVALS_SCHEMA.names)
    out.write_parquet(f"{REMOVALS}/part-00000.parquet", pa.Table.from_pandas(removed, schema=REMOVALS_SCHEMA, preserve_index=False))
    out.write_json(FUNNEL_PLOT, source_records(books))
    out.write_bytes(FUNNEL_PNG, source_png(books))
    out.write_json(LEDGER, books)
    return {"ledger": books, "corpus_documents": rows, "removed_by_kind": removed_by_kind(removed)}


def removed_by_kind(removals: pd.DataFrame) -> list[dict]:
    """Per kind and filter rule, documents removed (the web heuristics and language)."""
    rows = removals.loc[removals["reason"].str.contains(r"^(?:gopher|c4|fineweb|language)", regex=True)]
    counts = rows.groupby(["kind", "reason"]).size()
    return [{"kind": k, "rule": r, "removed": int(n)} for (k, r), n in sorted(counts.items(), key=lambda kv: (kv[0][0], position(kv[0][1])))]


def raw_recipe_steps(settings: Settings, context: PrivacyContext) -> list:
    """What the raw recipe runs after its own rights and emptiness checks: not held out, consent, redaction."""
    return [heldout_step(context.heldout_ids), *privacy_steps(settings, context)]


def build_raw_recipe(settings: Settings, out: Storage, steps: Sequence = ()) -> dict:
    """Ablation recipe `raw`: every non-empty training-rights document with only `steps` applied
    (the asset passes raw_recipe_steps), no extraction, language, quality or dedup. Writes RAW_RECIPE."""
    ledger = Ledger()
    folder = tempfile.mkdtemp(prefix="atelier-raw-recipe-")
    try:
        files, bar = [], progress(raw_rows(settings), "raw recipe documents")
        for batch in raw_batches(settings, settings.params.clean.batch_size):
            docs = batch.to_pandas()
            for source, count in docs["source"].value_counts().items():
                ledger.arrived(source, int(count))
            docs["lang"] = docs["language"].fillna("und")
            docs = run_steps(docs, [rights_train_only, non_empty, *steps], ledger)
            for source, count in docs["source"].value_counts().items():
                ledger.kept(source, int(count))
            if len(docs):
                files.append(spill(folder, as_corpus(docs), "raw"))
            bar.update(batch.num_rows)
        rows = write_sorted(out, f"{RAW_RECIPE}/part-00000.parquet", files, [], folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return {"ledger": ledger.as_dict(), "documents": rows}

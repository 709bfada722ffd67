"""What the cleaned stage's gates look at (suites in expectations/): the corpus, the ledger,
the privacy tables, the raw recipe."""

from __future__ import annotations

import pandas as pd

from assets.core.settings import Settings
from assets.core.storage import Storage
from assets.cleaned.paths import CORPUS, EVAL_DOCUMENTS, FUNNEL_PLOT, FUNNEL_PNG, LEDGER, RAW_RECIPE, REMOVALS


def outputs(settings: Settings, partition_keys=None) -> list[str]:
    # EVAL_DOCUMENTS only, not all of cleaned/evalsets: the evalsets asset publishes its own files there
    return [CORPUS, LEDGER, REMOVALS, FUNNEL_PLOT, FUNNEL_PNG, EVAL_DOCUMENTS]


# Not curation's losses: what the house owes its clients and licences. Held-out documents do
# count: the evaluation sets take at most a set share of a source, so a source they empty is a
# loss the gate must see (they also have their own column).
NOT_CURATION = frozenset({"consent", "rights_none", "eval_only"})


def gate_parameters(settings: Settings) -> dict:
    language = settings.params.clean.language
    return {"kept_languages": sorted(language.keep) if language.enabled else sorted({"und", *(s.language for s in settings.sources if s.language)}),
            "max_source_loss": settings.params.clean.max_source_loss}


def source_loss_table(books: dict, settings: Settings) -> pd.DataFrame:
    """Per training source: documents in (quarantine aside), those lost to curation (every reason
    but privacy ones, held-out included), the share, the share allowed (clean.max_source_loss,
    or its kind's in clean.max_source_loss_per_kind) and the reasons, largest first."""
    clean = settings.params.clean
    rows = []
    for source in settings.sources:
        book = books["sources"].get(source.name)
        if source.rights != "train" or book is None:
            continue
        heldout = book["removed"].get("heldout_eval", 0)
        arrived = book["documents_in"] - sum(book["quarantined"].values())
        lost = {r: n for r, n in book["removed"].items() if r not in NOT_CURATION}
        share = round(sum(lost.values()) / arrived, 4) if arrived else 0.0
        limit = clean.max_source_loss_per_kind.get(source.kind or source.name, clean.max_source_loss)
        rows.append({"source": source.name, "documents": arrived, "heldout": heldout, "lost": sum(lost.values()),
                     "lost_share": share, "max_loss": limit, "headroom": round(limit - share, 4),
                     "reasons": ", ".join(f"{r}: {n}" for r, n in sorted(lost.items(), key=lambda kv: -kv[1]))})
    return pd.DataFrame(rows, columns=["source", "documents", "heldout", "lost", "lost_share", "max_loss", "headroom", "reasons"])


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
    return {"cleaned_corpus": corpus.drop(columns=["text"]), "cleaned_ledger": pd.DataFrame(rows),
            "cleaned_corpus_source_loss": source_loss_table(books, settings)}


def corpus_gate_tables(area: Storage, settings: Settings, partition_keys=None) -> dict[str, pd.DataFrame]:
    """The corpus gate sees the ledger and corpus tables and the privacy tables (no detectable
    PII left, only training rights, no opted-out client)."""
    from assets.cleaned import privacy  # lazy: see assets/cleaned/context.py

    return {**gate_tables(area, settings, partition_keys), **privacy.privacy_gate_tables(area, settings, partition_keys)}


def raw_recipe_gate_tables(area: Storage, settings: Settings, partition_keys=None) -> dict[str, pd.DataFrame]:
    docs = area.read_parquet(RAW_RECIPE, columns=["doc_id", "source", "text", "rights"]).to_pandas()
    docs["text_chars"] = docs["text"].str.len()
    return {"cleaned_raw_recipe": docs.drop(columns=["text"])}


def raw_recipe_outputs(settings: Settings, partition_keys=None) -> list[str]:
    return [RAW_RECIPE]

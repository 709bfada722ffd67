"""What the cleaned stage's gates look at (suites in expectations/): the corpus, the ledger,
the privacy tables, the raw recipe."""

from __future__ import annotations

import pandas as pd

from assets.core.settings import Settings
from assets.core.storage import Storage
from assets.cleaned.paths import CORPUS, EVAL_DOCUMENTS, LEDGER, RAW_RECIPE


def outputs(settings: Settings, partition_keys=None) -> list[str]:
    # EVAL_DOCUMENTS only, not all of cleaned/evalsets: the evalsets asset publishes its own files there
    return [CORPUS, LEDGER, EVAL_DOCUMENTS]


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
    from assets.cleaned import privacy  # lazy: see assets/cleaned/context.py

    return {**gate_tables(area, settings, partition_keys), **privacy.privacy_gate_tables(area, settings, partition_keys)}


def raw_recipe_gate_tables(area: Storage, settings: Settings, partition_keys=None) -> dict[str, pd.DataFrame]:
    docs = area.read_parquet(RAW_RECIPE, columns=["doc_id", "source", "text", "rights"]).to_pandas()
    docs["text_chars"] = docs["text"].str.len()
    return {"cleaned_raw_recipe": docs.drop(columns=["text"])}


def raw_recipe_outputs(settings: Settings, partition_keys=None) -> list[str]:
    return [RAW_RECIPE]

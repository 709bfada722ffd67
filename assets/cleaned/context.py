"""The privacy context: what the privacy steps learn from the whole archive before any batch
runs. Computed once per run by the asset and handed to every step, worker and gate that needs it.

`assets.cleaned.privacy` is imported inside these functions, never at the top: a spawned worker
unpickles a context and imports this module, and privacy's imports (spaCy's French lexicon,
presidio, sklearn: ~9 s) would be paid by every worker even when it runs no privacy step
(tests/cleaned/test_worker_imports.py)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Optional

import pandas as pd

from assets.core.settings import Settings
from assets.raw.ingest import documents_dir


@dataclass(frozen=True)
class PrivacyContext:
    gazetteer: Any  # privacy.Gazetteer: clients from the CRM, catalog terms
    quality_model: Any = None  # privacy.QualityModel, None when the house has no annotated source
    quality_metrics: Optional[dict] = None
    eval_grams: dict = field(default_factory=dict)  # evaluation material's n-grams rare in training (decontaminate.rare_eval_grams)
    heldout_grams: dict = field(default_factory=dict)  # the held-out documents' n-grams rare in training
    decontamination: Optional[dict] = None  # what the n-gram count found
    heldout_ids: frozenset[str] = field(default_factory=frozenset)  # held-out documents (bits per byte)


def raw_documents(settings: Settings) -> pd.DataFrame:
    """Every source's published raw documents in one frame."""
    storage = settings.storage
    frames = [storage.read_parquet(documents_dir(s.name)).to_pandas() for s in settings.sources if storage.parquet_files(documents_dir(s.name))]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=["doc_id", "source", "kind", "text", "client_id", "meta", "format"])


def privacy_context(settings: Settings) -> PrivacyContext:
    """The gazetteer, the expert quality model (trained on the Label Studio annotations), the
    held-out document ids and the evaluation n-grams decontamination looks for: from the published
    evaluation sets and the evaluation-only documents, minus those common in the training documents."""
    from assets.cleaned import privacy
    from assets.cleaned.graph import evalsets
    from assets.cleaned.graph.paths import HELDOUT_DOCS, QA

    storage = settings.storage
    if not storage.exists(QA):
        raise RuntimeError(f"cleaned: the evaluation sets ({storage.url(QA)}) are not published; materialize cleaned_evalsets first "
                           "(curation decontaminates against them)")
    raw = raw_documents(settings)
    model = metrics = None
    if any(s.format == "labelstudio" for s in settings.sources):
        model, metrics = privacy.train_quality_model(privacy.annotations_from_raw(raw, settings), settings.params.seed, settings.params.privacy)
    training, p = raw.loc[raw["rights"] == "train", "text"], settings.params.privacy
    material = evalsets.eval_texts(storage, documents=False) + raw.loc[raw["rights"] == "eval_only", "text"].tolist()
    grams, found = privacy.rare_eval_grams(material, training, p)
    heldout_texts = storage.read_parquet(HELDOUT_DOCS, columns=["text"]).column("text").to_pylist()
    heldout, found_heldout = privacy.rare_eval_grams(heldout_texts, training, p.model_copy(update={"decontamination_min_words": p.decontamination_ngram}))
    return PrivacyContext(gazetteer=privacy.build_gazetteer(raw), quality_model=model, quality_metrics=metrics, eval_grams=grams,
                          heldout_grams=heldout, decontamination={"evaluation": found, "heldout": found_heldout},
                          heldout_ids=frozenset(evalsets.heldout_doc_ids(storage)))

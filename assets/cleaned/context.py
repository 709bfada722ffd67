"""The privacy context: what the privacy steps learn from the whole archive before any batch
runs, handed to every step, worker and gate that needs it.

Built once per set of inputs: `privacy_context` and `gazetteer` keep the last one they built,
keyed by the settings and the published files it reads (path, size and stamp). The cleaned
group's assets and gates run in one process (orchestration/definitions.py: in-process executor),
so `cleaned_corpus`, `cleaned_raw_recipe` and the corpus gate share one build, and a later run,
or anything republished, gets a fresh one. A cache rather than an artifact in the staging area:
the context holds a trained model and live objects, never published, and what it is built from
is already in storage, so nothing new is written and the published artifacts stay as they are.

`assets.cleaned.privacy` is imported inside these functions, never at the top: a spawned worker
unpickles a context and imports this module, and privacy's imports (spaCy's French lexicon,
presidio, sklearn: ~9 s) would be paid by every worker even when it runs no privacy step
(tests/cleaned/test_worker_imports.py)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any, Callable, Optional

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


def raw_documents(settings: Settings, columns: Optional[list[str]] = None) -> pd.DataFrame:
    """Every source's published raw documents in one frame."""
    storage = settings.storage
    frames = [storage.read_parquet(documents_dir(s.name), columns).to_pandas() for s in settings.sources if storage.parquet_files(documents_dir(s.name))]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=columns or ["doc_id", "source", "kind", "text", "client_id", "meta", "format"])


_LAST: dict[str, tuple[str, Any]] = {}  # what -> (inputs key, the last value built for it)


def _built(what: str, key: str, build: Callable[[], Any]) -> Any:
    if _LAST.get(what, ("",))[0] != key:
        _LAST[what] = (key, build())
    return _LAST[what][1]


def inputs_key(settings: Settings, folders: list[str]) -> str:
    """The settings and, for every published file under `folders`, its path, size and stamp
    (mtime, or the object store's ETag): publishing replaces files whole, so a republished input
    changes the key."""
    storage = settings.storage
    files = []
    for folder in folders:
        for rel in storage.parquet_files(folder):
            info = storage.fs.info(storage.path(rel))
            files.append([rel, info.get("size"), str(info.get("ETag") or info.get("mtime") or info.get("LastModified") or "")])
    described = [storage.url(), settings.params.model_dump(mode="json"), settings.sources_file.model_dump(mode="json"), files]
    return hashlib.sha256(json.dumps(described, sort_keys=True, default=str).encode()).hexdigest()


def _raw_folders(settings: Settings) -> list[str]:
    return [documents_dir(s.name) for s in settings.sources]


GAZETTEER_COLUMNS = ["doc_id", "source", "kind", "text", "client_id", "meta"]


def gazetteer(settings: Settings, raw: Optional[pd.DataFrame] = None):
    """The clients (CRM) and catalog terms of the published raw documents (`raw`, when the caller
    has read them already): one gazetteer for the context and the corpus gate's detectors."""
    from assets.cleaned import privacy

    return _built("gazetteer", inputs_key(settings, _raw_folders(settings)),
                  lambda: privacy.build_gazetteer(raw_documents(settings, GAZETTEER_COLUMNS) if raw is None else raw))


def privacy_context(settings: Settings) -> PrivacyContext:
    """The gazetteer, the expert quality model (trained on the Label Studio annotations), the
    held-out document ids and the evaluation n-grams decontamination looks for: from the published
    evaluation sets and the evaluation-only documents, minus those common in the training documents."""
    from assets.cleaned.graph.paths import EVALSETS, QA

    storage = settings.storage
    if not storage.exists(QA):
        raise RuntimeError(f"cleaned: the evaluation sets ({storage.url(QA)}) are not published; materialize cleaned_evalsets first "
                           "(curation decontaminates against them)")
    return _built("context", inputs_key(settings, [*_raw_folders(settings), EVALSETS]), lambda: _build_context(settings))


def _build_context(settings: Settings) -> PrivacyContext:
    from assets.cleaned import privacy
    from assets.cleaned.graph import evalsets
    from assets.cleaned.graph.paths import HELDOUT_DOCS

    storage = settings.storage
    raw = raw_documents(settings)
    model = metrics = None
    if any(s.format == "labelstudio" for s in settings.sources):
        model, metrics = privacy.train_quality_model(privacy.annotations_from_raw(raw, settings), settings.params.seed, settings.params.privacy)
    training, p = raw.loc[raw["rights"] == "train", "text"], settings.params.privacy
    material = evalsets.eval_texts(storage, documents=False) + raw.loc[raw["rights"] == "eval_only", "text"].tolist()
    grams, found = privacy.rare_eval_grams(material, training, p)
    heldout_texts = storage.read_parquet(HELDOUT_DOCS, columns=["text"]).column("text").to_pylist()
    heldout, found_heldout = privacy.rare_eval_grams(heldout_texts, training, p.model_copy(update={"decontamination_min_words": p.decontamination_ngram}))
    return PrivacyContext(gazetteer=gazetteer(settings, raw), quality_model=model, quality_metrics=metrics, eval_grams=grams,
                          heldout_grams=heldout, decontamination={"evaluation": found, "heldout": found_heldout},
                          heldout_ids=frozenset(evalsets.heldout_doc_ids(storage)))

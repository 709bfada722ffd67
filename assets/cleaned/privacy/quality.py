"""Expert-labelled quality classifier, FineWeb-Edu's idea at a house's scale: the experts' Label
Studio judgements train hashed word n-grams + logistic regression; every document gets
`quality_score` = P(good) and those below `privacy.quality_threshold` leave (reason
`expert_quality`). Deterministic given the seed (stateless hashing, seeded split and solver).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.feature_extraction.text import HashingVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import precision_score, recall_score
from sklearn.model_selection import train_test_split

from assets.cleaned.privacy.gazetteer import parse_meta


class AnnotationError(ValueError):
    pass


def _choices(value) -> list:
    """Label Studio's shapes: "good", ["good"], {"choices": [...]}, a result list, or a task
    with "annotations": [{"result": [{"value": {"choices": [...]}}]}]."""
    if isinstance(value, (str, int, float, bool)):
        return [value]
    if isinstance(value, dict):
        for key in ("choices", "label", "labels", "rating", "value", "result", "annotations"):
            if key in value:
                return _choices(value[key])
        return []
    if isinstance(value, list):
        return [c for item in value for c in _choices(item)]
    return []


def expert_label(meta: dict):
    """The first judgement found under label / choices / rating / annotations, or None."""
    for key in ("label", "choices", "quality", "rating", "annotations", "result"):
        if key in meta:
            found = _choices(meta[key])
            if found:
                return found[0]
    return None


def is_good(label, params) -> bool:
    if isinstance(label, bool):
        return label
    if isinstance(label, (int, float)):
        return float(label) >= params.quality_min_score
    text = str(label).strip().lower()
    try:
        return float(text) >= params.quality_min_score
    except ValueError:
        return text in {p.lower() for p in params.quality_positive_labels}


def annotations_from_raw(raw_docs: pd.DataFrame, settings) -> pd.DataFrame:
    """(doc_id, text, label 0/1) for raw documents of sources with format labelstudio."""
    sources = [s.name for s in settings.sources if s.format == "labelstudio"]
    rows = []
    for row in raw_docs.loc[raw_docs["source"].isin(sources)].itertuples(index=False):
        where = f"annotation {row.doc_id} ({row.source} {row.uri}:{row.line})"
        label = expert_label(parse_meta(row.meta, where))
        if label is None:
            raise AnnotationError(f"{where}: no expert label in meta (looked for label, choices, quality, rating, annotations)")
        rows.append({"doc_id": row.doc_id, "text": row.text, "label": int(is_good(label, settings.params.privacy))})
    if not rows:
        raise AnnotationError(f"no expert annotations: no documents from a labelstudio source (sources: {sources or 'none'})")
    return pd.DataFrame(rows)


@dataclass
class QualityModel:
    vectorizer: HashingVectorizer
    classifier: LogisticRegression

    def score(self, texts) -> np.ndarray:
        return self.classifier.predict_proba(self.vectorizer.transform(list(texts)))[:, 1]


def train_quality_model(annotations: pd.DataFrame, seed: int, params=None) -> tuple[QualityModel, dict]:
    """Fit on a seeded stratified split; metrics are measured on the held-out part."""
    if params is None:
        from assets.core.params import PrivacyParams

        params = PrivacyParams()
    labels = annotations["label"].astype(int).to_numpy()
    counts = np.bincount(labels, minlength=2)
    if counts.min() < 2:
        raise AnnotationError(f"expert annotations need at least 2 good and 2 bad examples, got {counts[1]} good, {counts[0]} bad")
    order = np.argsort(annotations["doc_id"].to_numpy(), kind="stable")  # row order must not matter
    texts, labels = annotations["text"].to_numpy()[order], labels[order]
    train_x, test_x, train_y, test_y = train_test_split(
        texts, labels, test_size=params.quality_heldout, random_state=seed, stratify=labels
    )
    vectorizer = HashingVectorizer(ngram_range=(1, 2), n_features=params.quality_features, alternate_sign=False, norm="l2")
    classifier = LogisticRegression(C=4.0, solver="liblinear", max_iter=1000, class_weight="balanced", random_state=seed)
    classifier.fit(vectorizer.transform(train_x), train_y)
    model = QualityModel(vectorizer, classifier)
    predicted = (model.score(test_x) >= params.quality_threshold).astype(int)
    metrics = {
        "annotations": int(len(labels)),
        "good": int(counts[1]),
        "heldout": int(len(test_y)),
        "threshold": params.quality_threshold,
        "precision": float(precision_score(test_y, predicted, zero_division=0)),
        "recall": float(recall_score(test_y, predicted, zero_division=0)),
    }
    return model, metrics


def expert_quality_step(settings, model: QualityModel):
    params = settings.params.privacy
    kinds = set(params.quality_kinds)

    def expert_quality(docs: pd.DataFrame) -> tuple[pd.DataFrame, pd.Series]:
        scores = model.score(docs["text"]) if len(docs) else np.array([])
        docs = docs.assign(quality_score=scores)
        applies = docs["kind"].isin(kinds) if kinds else pd.Series(True, index=docs.index)
        low = applies & (docs["quality_score"] < params.quality_threshold)
        return docs, pd.Series(np.where(low, "expert_quality", None), index=docs.index, dtype=object)

    return expert_quality

"""Consent, expert quality and decontamination steps: what each drops, with which reason."""

import json

import numpy as np
import pandas as pd
import pytest

from assets.cleaned.privacy import annotations_from_raw, build_gazetteer, consent_step, decontamination_step, expert_quality_step, train_quality_model
from assets.cleaned.privacy.quality import AnnotationError, expert_label
from tests.cleaned.privacy.conftest import doc


def test_consent_by_client_id_and_email(make_settings, raw_docs):
    extra = pd.DataFrame([doc("x1", "press", "Reader letter from marco.rossi@example.it about the Aube line.", kind="press")])
    docs = pd.concat([raw_docs, extra], ignore_index=True)
    settings = make_settings(opted_out=["C1", "Marco.Rossi@example.it"])
    _, reasons = consent_step(settings, build_gazetteer(raw_docs))(docs)
    assert dict(zip(docs["doc_id"], reasons)) == {"cat1": None, "cat2": None, "c1": "consent", "c2": "consent", "c3": None, "p1": None, "x1": "consent"}


def test_consent_email_maps_to_crm_client(make_settings, raw_docs):
    later = pd.DataFrame([doc("c9", "crm", "Follow-up call, no contact details.", kind="transcript", client_id="C3")])
    settings = make_settings(opted_out=["giulia.b@example.com"])
    _, reasons = consent_step(settings, build_gazetteer(raw_docs))(later)
    assert list(reasons) == ["consent"]


def test_no_opt_outs_keeps_everything(make_settings, raw_docs):
    _, reasons = consent_step(make_settings(), None)(raw_docs)
    assert reasons.isna().all()


GOOD = ["The {m} is chosen hide by hide and finished by hand in the {w} workshop with {t}.",
        "Our artisans in {w} spend many hours on {t}, giving the {m} its quiet depth and lasting shape."]
BAD = ["click here buy now {m} cheap cheap best price!!! {w} {w} deal", "lorem ipsum {t} {t} {t} subscribe follow like share"]


def annotations(n=80):
    rng = np.random.default_rng(0)
    words = {"m": ["calfskin", "silk", "cashmere", "linen"], "w": ["Pantin", "Lyon", "Como"], "t": ["embroidery", "plissé", "stitching"]}
    rows = []
    for i in range(n):
        good = i % 2 == 0
        template = (GOOD if good else BAD)[i % 4 // 2]
        text = template.format(**{k: v[rng.integers(len(v))] for k, v in words.items()})
        rows.append({"doc_id": f"a{i:03d}", "text": text, "label": int(good)})
    return pd.DataFrame(rows)


def test_quality_model_is_deterministic_and_measured():
    model, metrics = train_quality_model(annotations(), seed=3)
    again, metrics_again = train_quality_model(annotations().sample(frac=1, random_state=1), seed=3)
    texts = ["Hand stitching in Pantin gives the calfskin its shape.", "buy now cheap deal!!! subscribe"]
    assert np.array_equal(model.score(texts), again.score(texts)) and metrics == metrics_again
    assert metrics["heldout"] == 16 and metrics["precision"] >= 0.9 and metrics["recall"] >= 0.9
    good, bad = model.score(texts)
    assert good > 0.5 > bad


def test_expert_quality_step_scores_all_and_drops_low(make_settings):
    settings = make_settings(privacy={"quality_threshold": 0.5})
    model, _ = train_quality_model(annotations(), seed=3)
    docs = pd.DataFrame({"doc_id": ["d1", "d2"], "source": "s", "kind": ["lookbook", "press"],
                         "text": ["Our artisans in Lyon spend hours on plissé for the silk.", "cheap cheap buy now deal!!! like share"]})
    out, reasons = expert_quality_step(settings, model)(docs)
    assert out["quality_score"].between(0, 1).all()
    assert list(reasons) == [None, "expert_quality"]
    only_lookbook = make_settings(privacy={"quality_threshold": 0.5, "quality_kinds": ["lookbook"]})
    assert expert_quality_step(only_lookbook, model)(docs)[1].isna().all()


def test_label_studio_shapes_and_missing_labels(make_settings):
    assert expert_label({"label": "good"}) == "good"
    assert expert_label({"choices": ["bad"]}) == "bad"
    assert expert_label({"annotations": [{"result": [{"type": "choices", "value": {"choices": ["High"]}}]}]}) == "High"
    assert expert_label({"rating": 4}) == 4
    settings = make_settings()
    raw = pd.DataFrame([doc("e1", "experts", "text one", label="good"), doc("e2", "experts", "text two", line=2, choices=["4"]),
                        doc("e3", "experts", "text three", line=3, choices=["bad"]), doc("n1", "catalog", "not an annotation")])
    assert annotations_from_raw(raw, settings)["label"].tolist() == [1, 1, 0]
    unlabeled = pd.DataFrame([doc("e4", "experts", "no judgement here", line=7, comment="hm")])
    with pytest.raises(AnnotationError, match=r"e4 \(experts experts.jsonl:7\): no expert label"):
        annotations_from_raw(unlabeled, settings)
    with pytest.raises(AnnotationError, match="no expert annotations"):
        annotations_from_raw(raw.iloc[3:], settings)


def test_decontamination_drops_shared_long_ngrams(make_settings):
    settings = make_settings(privacy={"decontamination_ngram": 5})
    evaluation = ["Question: which workshop finishes the Riviera tote by hand stitching? Answer: Pantin."]
    docs = pd.DataFrame({"doc_id": ["a", "b", "c"], "source": "s", "text": [
        "As everyone knows, the Riviera tote by hand stitching is famous.",  # shares 5 words
        "The Riviera tote is stitched by hand.",  # only shorter overlaps
        "WHICH workshop finishes the   Riviera tote, exactly?",  # case and spacing do not hide it
    ]})
    _, reasons = decontamination_step(settings, evaluation)(docs)
    assert list(reasons) == ["contamination", None, "contamination"]
    assert decontamination_step(settings, [])(docs)[1].isna().all()

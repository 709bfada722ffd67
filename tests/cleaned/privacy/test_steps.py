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


def _decontam_settings(make_settings, **privacy):
    return make_settings(privacy={"decontamination_ngram": 5, "decontamination_min_words": 4, "decontamination_window": 10,
                                  "decontamination_min_piece": 20, "decontamination_max_docs": 2, **privacy})


def test_decontamination_cuts_rare_evaluation_spans_and_ignores_common_phrases(make_settings):
    from assets.cleaned.privacy import rare_eval_grams

    settings = _decontam_settings(make_settings)
    passage = "the ledgers show that ebene ostrich was bought from the little karoo even in the lean years"
    evaluation = [passage, "Terms and conditions apply to every order placed online today.", "The Riviera tote is made of calfskin."]
    long_note = "Cut the lining for the tote and checked every seam twice before noon. " * 2
    training = ["Terms and conditions apply to every order placed online today. " + long_note] * 3  # a footer in 3 documents: common
    docs = pd.DataFrame({"doc_id": list("abcde"), "source": "s", "text": [
        long_note + "Copied: The LEDGERS show that Ebene ostrich was bought from the Little Karoo even in the lean years, " + long_note,
        training[0],
        long_note + "As the card says, the Riviera tote is made of calfskin. " + long_note,  # a QA answer sentence, whole
        "the ledgers show that ebene ostrich was bought from the little karoo",  # nothing left once cut
        long_note,
    ]})
    grams, found = rare_eval_grams(evaluation, training + list(docs["text"]), settings.params.privacy)
    assert found["ignored_common_grams"] > 0
    out, reasons = decontamination_step(settings, grams)(docs)
    assert list(reasons) == [None, None, None, "contamination", None]
    assert "ostrich" not in out.loc[0, "text"] and "Cut the lining" in out.loc[0, "text"]  # the span goes, the note stays
    assert out.loc[1, "text"] == training[0]  # the common footer is not contamination
    assert "calfskin" not in out.loc[2, "text"]
    assert out.loc[4, "text"] == long_note
    assert decontamination_step(settings, {})(docs)[1].isna().all()


def test_decontamination_removes_a_document_split_into_too_many_pieces(make_settings):
    from assets.cleaned.privacy.decontaminate import decontaminate

    settings = _decontam_settings(make_settings, decontamination_max_pieces=2, decontamination_min_piece=1, decontamination_window=0)
    grams = {5: frozenset({"one two three four five"})}
    text = " filler words here and more filler ".join(["one two three four five"] * 4)
    assert decontaminate(text, grams, settings.params.privacy) is None
    assert decontaminate("one two three four five", grams, settings.params.privacy) is None


def test_a_copy_of_a_heldout_document_is_removed_and_a_shared_sentence_is_not(make_settings):
    settings = _decontam_settings(make_settings, decontamination_heldout_overlap=0.8, decontamination_heldout_min_words=10)
    heldout_doc = "the atelier cuts every jacket by hand in pantin and the lining is silk from como always"
    words = heldout_doc.split()
    heldout = {5: frozenset(" ".join(words[i:i + 5]) for i in range(len(words) - 4))}
    docs = pd.DataFrame({"doc_id": ["copy", "quote"], "source": "s", "text": [
        heldout_doc.capitalize() + ".", "Our story: the atelier cuts every jacket by hand, then ships it with a note from the workshop and a card."]})
    _, reasons = decontamination_step(settings, {}, heldout)(docs)
    assert list(reasons) == ["contamination", None]

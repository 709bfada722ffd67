"""The report scores each question frame apart and names the frame's words that no generated text uses."""

import pandas as pd

from assets.checkpoints.runs import Run
from assets.cleaned.graph.verbalize import generated_vocabulary, held_out_phrasings, training_phrasings, words
from assets.reports.report import qa_by_phrasing


def test_a_held_out_frame_in_words_training_never_uses_is_named_and_one_in_its_words_is_not():
    relations = ["made_of", "uses_technique", "designed_by"]
    vocabulary = set().union(*(words(t) for r in relations for t in training_phrasings(r)))
    assert "owes" not in vocabulary and "finish" in vocabulary
    words_new_to_training = lambda frame, relations: sorted(words(frame) - generated_vocabulary(relations))  # noqa: E731 (as the report names them)
    assert words_new_to_training("{s} owes its finish to", relations) == ["owes"]
    assert words_new_to_training("The finish of {s} is", relations) == []
    # "owes" is in the pool, in a held-out phrasing: a held-out phrasing's own words do not count as read
    assert "{s} owes its finish to {d}." in held_out_phrasings("uses_technique")
    assert words_new_to_training("How is {s} finished? It is", relations) == []  # the clients' questions are training text too


def test_each_frame_gets_its_acc_per_arm_averaged_over_seeds():
    questions = pd.DataFrame({"id": ["k-1", "k-2", "k-3", "f-1"], "set": ["known", "known", "known", "known_far"],
                              "relation": ["uses_technique"] * 4,
                              "phrasing": ["{s} owes its finish to", "{s} owes its finish to", "The finish of {s} is", "The technique behind {s} is"]})
    qa = lambda accs: pd.DataFrame({"id": ["k-1", "k-2", "k-3", "f-1"], "acc": accs})  # noqa: E731
    results = {Run("curated_graph", 0): {"qa": qa([1.0, 0.0, 1.0, 0.0])}, Run("curated_graph", 1): {"qa": qa([1.0, 1.0, 0.0, 1.0])},
               Run("raw", 0): {"qa": qa([0.0, 0.0, 1.0, 0.0])}}
    rows = {(r["set"], r["phrasing"]): r for r in qa_by_phrasing(questions, results, ["raw", "curated_graph"])}
    owes = rows[("known", "{s} owes its finish to")]
    assert owes["questions"] == 2 and owes["curated+graph"] == 0.75 and owes["raw"] == 0.0 and owes["words no generated text uses"] == "owes"
    finish = rows[("known", "The finish of {s} is")]
    assert finish["curated+graph"] == 0.5 and finish["raw"] == 1.0 and finish["words no generated text uses"] == ""
    assert rows[("known_far", "The technique behind {s} is")]["words no generated text uses"] == "behind"

"""The far-worded known questions are reported beside `known`: in the verdict and in the ablation's targets."""

import pytest

from assets.reports import verdict
from benchmarks.ablation import targets


def _arm(known, far=None):
    m = {"known_acc": known, "known_acc_lo": known - 0.05, "known_acc_hi": known + 0.05}
    return m if far is None else {**m, "known_far_acc": far, "known_far_acc_lo": far - 0.05, "known_far_acc_hi": far + 0.05}


def test_the_verdict_quotes_the_far_worded_set_only_when_it_was_asked():
    with_far = verdict.sentence({"curated_graph": _arm(0.7, 0.55), "raw": _arm(0.3)}, {}, [], 1000, 3, 0.25)
    assert "55% [50–60] for the curated+graph model asked in words the house never writes" in with_far
    assert "never writes" not in verdict.sentence({"curated_graph": _arm(0.7), "raw": _arm(0.3)}, {}, [], 1000, 3, 0.25)


def test_the_ablation_reports_the_far_worded_set_beside_the_targets():
    row = next(t for t in targets({"curated_graph": _arm(0.7, 0.85), "raw": _arm(0.3)}) if "known_far" in t["target"])
    assert row["figure"] == 0.85 and row["interval"] == pytest.approx([0.8, 0.9]) and row["met"]
    missing = next(t for t in targets({"curated_graph": _arm(0.7), "raw": _arm(0.3)}) if "known_far" in t["target"])
    assert missing["figure"] is None and missing["interval"] is None and not missing["met"]

"""train.confidential_passes: a run passes over its confidential sources' tokens at most so often."""

import json

import numpy as np
import pytest
import torch

from assets.checkpoints import exposure, train
from assets.checkpoints.data import TokenWindows
from assets.checkpoints.runs import Run
from assets.core.settings import Source, SourcesFile
from assets.core.storage import Storage
from assets.reports.attacks import confidential_training
from assets.tokenized.shards import read_manifest
from tests.checkpoints.conftest import make_settings
from tests.checkpoints.test_data import window_sources
from tests.checkpoints.test_dp import DP

ARM = "curated_graph"


def with_confidential_notes(settings, pii="possible"):
    notes = Source(name="notes", uri="landing/notes/*.jsonl", format="jsonl", rights="train", pii=pii, confidential=True)
    return settings.model_copy(update={"sources_file": SourcesFile(sources=[notes])})


def drawn_passes(windows: TokenWindows, storage: Storage, tokens: int, notes_tokens: int, block: int) -> float:
    """Passes over the notes' tokens measured by drawing: the share of windows starting in a note."""
    picks = windows._picks(40000, torch.Generator().manual_seed(3))
    share = float((window_sources(windows, picks, storage, ARM) == "notes").mean())
    return tokens * share / notes_tokens


def test_the_cap_draws_confidential_windows_less_often_and_only_when_it_binds(tokenized_root):
    storage = Storage(str(tokenized_root))
    windows = TokenWindows(storage, ARM, read_manifest(storage, ARM), "train", 32)
    tokens = 200_000
    before, count = windows.passes({"notes"}, tokens)
    assert count > 0 and before > 4
    assert drawn_passes(windows, storage, tokens, count, 32) == pytest.approx(before, rel=0.05)

    capped, record = exposure.capped(windows, ["notes"], tokens, 2.0)
    assert record["passes_uncapped"] == pytest.approx(before, abs=1e-3) and record["passes"] == pytest.approx(2.0, abs=1e-3)
    assert 0 < record["factor"] < 1 and record["tokens"] == count
    assert drawn_passes(capped, storage, tokens, count, 32) == pytest.approx(2.0, rel=0.08)
    # the other sources keep their proportions to one another
    picks = window_sources(capped, capped._picks(40000, torch.Generator().manual_seed(4)), storage, ARM)
    plain = window_sources(windows, windows._picks(40000, torch.Generator().manual_seed(4)), storage, ARM)
    ratio = lambda s: (s == "catalog").mean() / (s == "press").mean()  # noqa: E731
    assert ratio(picks) == pytest.approx(ratio(plain), rel=0.1)

    same, record = exposure.capped(windows, ["notes"], tokens, before + 1)
    assert same is windows and record["factor"] == 1.0  # not binding: the very same draws
    assert exposure.capped(windows, [], tokens, 2.0) == (windows, {})
    assert exposure.capped(windows, ["notes"], tokens, None) == (windows, {})
    with pytest.raises(ValueError, match="every training window starts in a confidential source"):
        exposure.capped(windows, ["catalog", "press", "notes", "synthetic"], tokens, 2.0)


def test_a_capped_run_records_its_passes_and_trains_other_windows(tokenized_root, tmp_path):
    settings = with_confidential_notes(make_settings(tokenized_root, max_iters=6, eval_interval=3, confidential_passes=0.02, anneal_fraction=0.5))
    settings.params.graph.anneal_weights = {"catalog": 3.0}
    capped = train.train(settings, Storage(str(tmp_path / "capped")), Run(ARM, 0))
    config = json.loads((tmp_path / "capped" / "checkpoints" / ARM / "s0" / "config.json").read_text())
    phases = config["confidential_passes"]["phases"]
    assert [round(p["passes"], 3) for p in phases] == [0.01, 0.01]  # each phase its share of the cap
    assert all(p["passes_uncapped"] > p["passes"] and p["factor"] < 1 for p in phases)
    reported = confidential_training(Storage(str(tmp_path / "capped")), Run(ARM, 0))  # what the report's privacy table shows
    assert reported["passes"] == 0.02 and reported["passes_uncapped"] == round(sum(p["passes_uncapped"] for p in phases), 2)
    loose = settings.model_copy(update={"params": settings.params.model_copy(update={"train": settings.params.train.model_copy(update={"confidential_passes": 1e6})})})
    uncapped = train.train(loose, Storage(str(tmp_path / "loose")), Run(ARM, 0))
    assert capped["records"][-1]["train_loss"] != uncapped["records"][-1]["train_loss"]
    again = train.train(settings, Storage(str(tmp_path / "again")), Run(ARM, 0))
    weights = lambda d: (d / "checkpoints" / ARM / "s0" / "model.safetensors").read_bytes()  # noqa: E731
    assert weights(tmp_path / "capped") == weights(tmp_path / "again")


def test_dp_refuses_a_binding_cap_naming_both(tokenized_root, tmp_path):
    settings = with_confidential_notes(make_settings(tokenized_root, dp=DP, max_iters=4, confidential_passes=0.05), pii="client")
    with pytest.raises(ValueError, match="train.dp with train.confidential_passes=0.05"):
        train.train(settings, Storage(str(tmp_path / "dp")), Run(ARM, 0))
    assert np.isclose(settings.params.train.confidential_passes, 0.05)

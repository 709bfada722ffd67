import numpy as np
import pandas as pd
import pytest
import torch

from assets.checkpoints import train
from assets.checkpoints.data import TokenWindows, annealing_windows
from assets.checkpoints.runs import Run
from assets.core.storage import Storage
from assets.tokenized.arms import ARMS
from assets.tokenized.shards import read_manifest
from tests.checkpoints.conftest import make_settings


def window_sources(windows: TokenWindows, picks: np.ndarray, storage: Storage, arm: str) -> np.ndarray:
    """The source of the document each window starts in (a shard's leading tokens: the last document before it)."""
    sources = []
    last = None
    for s, shard in enumerate(windows.entries):
        docs = storage.read_parquet(f"{ARMS[arm].shards}/{shard['docs']}").to_pandas()
        tokens = np.full(len(windows.shards[s]), -1)
        for i, off in enumerate(docs["offset"]):
            tokens[off:] = i
        names = docs["source"].to_numpy()
        sources.append(np.array([names[i] if i >= 0 else last for i in tokens[: len(windows.shards[s]) - windows.block]], dtype=object))
        last = names[-1] if len(names) else last
    return np.concatenate(sources)[picks]


def test_weighted_windows_follow_the_weights_and_stay_inside_the_split(tokenized_root):
    storage = Storage(str(tokenized_root))
    windows = TokenWindows(storage, "curated_graph", read_manifest(storage, "curated_graph"), "train", 32)
    uniform = window_sources(windows, windows._picks(20000, torch.Generator().manual_seed(0)), storage, "curated_graph")
    heavy = windows.weighted({"catalog": 4.0, "notes": 0.0})
    picks = heavy._picks(20000, torch.Generator().manual_seed(0))
    assert picks.min() >= 0 and picks.max() < windows.ends[-1]
    weighted = window_sources(windows, picks, storage, "curated_graph")
    share = lambda s, src: float((s == src).mean())  # noqa: E731
    assert share(weighted, "notes") == 0.0 and share(uniform, "notes") > 0.2
    assert share(weighted, "catalog") / share(weighted, "press") == pytest.approx(4 * share(uniform, "catalog") / share(uniform, "press"), rel=0.1)
    x, y = heavy.sample(8, torch.Generator().manual_seed(1))
    assert x.shape == (8, 32) and torch.equal(x[:, 1:], y[:, :-1])
    with pytest.raises(ValueError, match="leave no window"):
        windows.weighted({"catalog": 0, "press": 0, "notes": 0, "synthetic": 0})


def test_the_curated_arms_anneal_on_their_mixture_and_raw_keeps_its_data(tokenized_root, tmp_path):
    settings = make_settings(tokenized_root, max_iters=10, anneal_fraction=0.3)
    settings.params.graph.anneal_weights = {"catalog": 3.0}
    storage = settings.storage
    for arm, expect in (("raw", False), ("curated", True), ("curated_graph", True)):
        windows = TokenWindows(storage, arm, read_manifest(storage, arm), "train", 32)
        assert (annealing_windows(windows, settings, arm) is not None) == expect
    plain = train.train(make_settings(tokenized_root, max_iters=10), Storage(str(tmp_path / "plain")), Run("curated_graph", 0))
    annealed = train.train(settings, Storage(str(tmp_path / "annealed")), Run("curated_graph", 0))
    loss = lambda r, it: next(x["train_loss"] for x in r["records"] if x["iter"] == it)  # noqa: E731
    assert loss(plain, 5) == loss(annealed, 5)  # the same run until the last 30% of steps ...
    assert loss(plain, 10) != loss(annealed, 10)  # ... then other windows
    raw_plain = train.train(make_settings(tokenized_root, max_iters=10), Storage(str(tmp_path / "rp")), Run("raw", 0))
    raw_annealed = train.train(settings, Storage(str(tmp_path / "ra")), Run("raw", 0))
    assert raw_plain["records"][-1]["train_loss"] == raw_annealed["records"][-1]["train_loss"]

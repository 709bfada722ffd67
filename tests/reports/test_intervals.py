"""The bootstrap: intervals cover the truth, shrink with items, widen with seed spread, pair items."""

import numpy as np
import pytest

from assets.reports.intervals import Bootstrap, Scores, excludes_zero


def test_interval_of_an_accuracy_covers_it_and_shrinks_with_items():
    rng = np.random.default_rng(0)
    small = Scores.of(rng.random((1, 50)) < 0.7)
    large = Scores.of(rng.random((1, 2000)) < 0.7)
    a, b = Bootstrap(50, seed=1).interval(small), Bootstrap(2000, seed=1).interval(large)
    assert a["lo"] < a["mean"] < a["hi"] and b["lo"] < 0.7 < b["hi"]
    assert (b["hi"] - b["lo"]) < (a["hi"] - a["lo"]) / 3
    assert Bootstrap(50, seed=1).interval(small) == a  # seeded: the same interval every time


def test_seed_spread_widens_the_interval_and_the_point_is_the_mean_over_seeds():
    same = Scores.of(np.tile(np.arange(100) % 2, (3, 1)))
    spread = Scores.of(np.stack([np.arange(100) % 2, np.ones(100), np.zeros(100)]))
    boot = Bootstrap(100, seed=2)
    narrow, wide = boot.interval(same), boot.interval(spread)
    assert narrow["mean"] == wide["mean"] == 0.5
    assert wide["hi"] - wide["lo"] > 2 * (narrow["hi"] - narrow["lo"])


def test_ratio_of_sums_weights_items_by_their_size():
    # bits per byte: a long document counts for its bytes, not as one item
    scores = Scores.of([[10.0, 1.0]], [100.0, 1.0])
    assert scores.point() == pytest.approx(11.0 / 101.0)


def test_paired_difference_sees_a_small_consistent_gain_that_unpaired_noise_hides():
    rng = np.random.default_rng(3)
    difficulty = rng.random(300)
    better = Scores.of((difficulty + 0.05 > 0.5)[None, :])
    worse = Scores.of((difficulty > 0.5)[None, :])
    diff = Bootstrap(300, seed=4).difference(better, worse)
    assert diff["lo"] > 0 and excludes_zero(diff)
    assert not excludes_zero(Bootstrap(300, seed=4).difference(worse, worse))


def test_mismatched_items_are_refused():
    with pytest.raises(ValueError, match="items"):
        Bootstrap(10, seed=0).interval(Scores.of(np.ones((1, 11))))

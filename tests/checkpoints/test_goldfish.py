"""train.goldfish_k: one in k of the confidential sources' tokens is left out of the loss, by a hash of its context."""

import numpy as np
import pytest
import torch

from assets.checkpoints import goldfish, train
from assets.checkpoints.data import TokenWindows
from assets.checkpoints.model import GPT, GPTConfig
from assets.checkpoints.runs import Run
from assets.core.storage import Storage
from assets.reports.attacks import confidential_training
from assets.tokenized.arms import ARMS
from assets.tokenized.shards import read_manifest
from tests.checkpoints.conftest import make_settings
from tests.checkpoints.test_dp import DP
from tests.checkpoints.test_exposure import with_confidential_notes

ARM = "curated_graph"


def test_one_token_in_k_is_left_out_decided_by_the_tokens_before_it_alone():
    tokens = np.random.default_rng(0).integers(0, 1000, 40_000)
    drop = goldfish.dropped(tokens, 4, 13)
    assert drop.mean() == pytest.approx(0.25, abs=0.01)
    assert np.array_equal(drop, goldfish.dropped(tokens, 4, 13))  # a pure function of the ids
    # the same 13 tokens before a position, whatever came earlier: the same decision (every copy of a passage alike)
    passage = tokens[:200]
    elsewhere = np.concatenate([tokens[5000:5100], passage])
    assert np.array_equal(goldfish.dropped(elsewhere, 4, 13)[100 + 13 :], drop[13:200])
    changed = tokens.copy()
    changed[100] += 1  # decides the next 13 positions only (and not its own)
    moved = np.flatnonzero(goldfish.dropped(changed, 4, 13) != drop)
    assert len(moved) and moved.min() > 100 and moved.max() <= 113


def token_sources(storage: Storage, windows: TokenWindows) -> list[np.ndarray]:
    """Per shard, the source of the document every token belongs to."""
    out, last = [], None
    for entry, shard in zip(windows.entries, windows.shards):
        docs = storage.read_parquet(f"{ARMS[ARM].shards}/{entry['docs']}", columns=["source", "offset"]).to_pandas()
        owner = np.full(len(shard), last, dtype=object)
        for source, offset in zip(docs["source"], docs["offset"]):
            owner[offset:] = source
        out.append(owner)
        last = owner[-1]
    return out


def test_windows_leave_out_a_quarter_of_the_notes_targets_and_nothing_else(tokenized_root):
    storage = Storage(str(tokenized_root))
    plain = TokenWindows(storage, ARM, read_manifest(storage, ARM), "train", 32)
    fish = plain.with_goldfish({"notes"}, 4, 13)
    x0, y0 = plain.sample(4000, torch.Generator().manual_seed(1))
    x, y = fish.sample(4000, torch.Generator().manual_seed(1))
    assert torch.equal(x, x0) and torch.equal(y[y != -1], y0[y != -1])  # the same draws; only targets masked
    # where each target lies: replay the draw's picks
    picks = plain._picks(4000, torch.Generator().manual_seed(1))
    shard_ix = np.searchsorted(plain.ends, picks, side="right")
    owners = token_sources(storage, plain)
    source = np.empty((4000, 32), dtype=object)
    for s in np.unique(shard_ix):
        rows = shard_ix == s
        starts = picks[rows] - (plain.ends[s - 1] if s else 0)
        source[rows] = owners[s][starts[:, None] + np.arange(1, 33)]
    left_out = (y == -1).numpy()
    notes = source == "notes"
    assert notes.sum() > 5000
    assert not left_out[~notes].any()
    assert left_out[notes].mean() == pytest.approx(0.25, abs=0.03)


def recites(model: GPT, passage: torch.Tensor, prefix: int) -> int:
    """How many tokens of the passage past `prefix` the greedy continuation gets right before its first miss."""
    out = model.generate(passage[None, :prefix], len(passage) - prefix, greedy=True)[0, prefix:]
    return int((out == passage[prefix:]).int().cumprod(0).sum())


def memorize(passage: torch.Tensor, targets: torch.Tensor, steps: int = 300) -> GPT:
    torch.manual_seed(0)
    model = GPT(GPTConfig(vocab_size=64, block_size=32, n_layer=2, n_head=2, n_embd=64))
    optimizer = torch.optim.AdamW(model.parameters(), lr=3e-3)
    gen = torch.Generator().manual_seed(0)
    for _ in range(steps):
        starts = torch.randint(len(passage) - 32, (16,), generator=gen)
        x = torch.stack([passage[s : s + 32] for s in starts])
        y = torch.stack([targets[s + 1 : s + 33] for s in starts])
        _, loss = model(x, y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return model.eval()


def test_a_model_recites_a_passage_it_memorized_and_not_one_trained_with_the_goldfish_loss():
    passage = torch.from_numpy(np.random.default_rng(3).integers(0, 64, 96))
    masked = passage.clone()
    masked[torch.from_numpy(goldfish.dropped(passage.numpy(), 4, 13))] = -1
    assert recites(memorize(passage, passage), passage, 16) == 80  # every one of the 80 tokens back, verbatim
    assert recites(memorize(passage, masked), passage, 16) < 40


def test_a_goldfish_run_is_reproducible_differs_from_a_plain_one_and_dp_refuses_it(tokenized_root, tmp_path):
    settings = with_confidential_notes(make_settings(tokenized_root, max_iters=6, eval_interval=3, goldfish_k=4))
    weights = lambda d: (d / "checkpoints" / ARM / "s0" / "model.safetensors").read_bytes()  # noqa: E731
    train.train(settings, Storage(str(tmp_path / "a")), Run(ARM, 0))
    train.train(settings, Storage(str(tmp_path / "b")), Run(ARM, 0))
    assert weights(tmp_path / "a") == weights(tmp_path / "b")
    assert confidential_training(Storage(str(tmp_path / "a")), Run(ARM, 0))["goldfish_k"] == 4  # the report's privacy table shows it
    plain = settings.model_copy(update={"params": settings.params.model_copy(update={"train": settings.params.train.model_copy(update={"goldfish_k": None})})})
    train.train(plain, Storage(str(tmp_path / "plain")), Run(ARM, 0))
    assert weights(tmp_path / "a") != weights(tmp_path / "plain")
    assert "goldfish_k" not in confidential_training(Storage(str(tmp_path / "plain")), Run(ARM, 0))
    private = with_confidential_notes(make_settings(tokenized_root, dp=DP, max_iters=4, goldfish_k=4, confidential_passes=None), pii="client")
    with pytest.raises(ValueError, match="train.dp with train.goldfish_k=4"):
        train.train(private, Storage(str(tmp_path / "dp")), Run(ARM, 0))

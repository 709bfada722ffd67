import pytest

from tests.tokenized.fixtures import settings_for, tokenized_house

TRAIN = {"max_iters": 30, "eval_interval": 5, "eval_iters": 2, "checkpoint_interval": 10, "batch_size": 4, "block_size": 32, "warmup_iters": 5, "threads": 1, "device": "cpu", "min_loss_drop": 0.3}


@pytest.fixture(scope="package")
def tokenized_root(tmp_path_factory):
    return tokenized_house(tmp_path_factory.mktemp("ckpt") / "data", n=200)


def make_settings(root, **train):
    return settings_for(root, train={**TRAIN, **train})

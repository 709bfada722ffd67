import pytest

from assets.tokenized import shards
from tests.tokenized.fixtures import settings_for, write_corpora

TRAIN = {"max_iters": 30, "eval_interval": 5, "eval_iters": 2, "checkpoint_interval": 10, "batch_size": 4, "block_size": 32, "warmup_iters": 5, "threads": 1, "device": "cpu", "min_loss_drop": 0.3}


@pytest.fixture(scope="package")
def tokenized_root(tmp_path_factory):
    root = tmp_path_factory.mktemp("ckpt") / "data"
    settings = settings_for(root)
    write_corpora(settings.storage, n=200)
    shards.build_tokenized(settings, settings.storage)
    return root


def make_settings(root, **train):
    return settings_for(root, train={**TRAIN, **train})

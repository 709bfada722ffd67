import pytest
import torch


@pytest.fixture(autouse=True, scope="session")
def _one_thread():
    torch.set_num_threads(1)  # the machine is shared; results must not depend on thread counts


@pytest.fixture(scope="session")
def world(tmp_path_factory):
    from tests.reports.fixtures import write_world

    root = tmp_path_factory.mktemp("world")
    return root, write_world(root)


@pytest.fixture(scope="session")
def tokenizer(world):
    from assets.tokenized.shards import load_tokenizer

    return load_tokenizer(world[1].storage)

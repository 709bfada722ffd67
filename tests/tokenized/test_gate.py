"""The tokenized suites pass on a good build and fail on each kind of bad one."""

import pyarrow as pa
import pytest

from assets.cleaned.paths import MIXTURE
from assets.tokenized import shards
from orchestration import gx
from tests.tokenized.fixtures import settings_for, write_corpora

PARAMS = {"min_train_tokens": 1000}


def failing_suites(settings):
    tables = shards.gate_tables(settings.storage, settings)
    return {name for name, table in tables.items() if not gx.validate(name, table, PARAMS).success}


@pytest.fixture
def settings(tmp_path):
    settings = settings_for(tmp_path / "data")
    write_corpora(settings.storage)
    return settings


def test_good_build_passes(settings):
    shards.build_tokenized(settings, settings.storage)
    assert failing_suites(settings) == set()


def test_tampered_shard_and_out_of_vocab_id_fail(settings):
    manifest = shards.build_tokenized(settings, settings.storage)
    name = manifest["shards"][0]["name"]
    data = bytearray(settings.storage.read_bytes(f"{shards.SHARDS}/{name}"))
    data[0:2] = (65535).to_bytes(2, "little")
    settings.storage.write_bytes(f"{shards.SHARDS}/{name}", bytes(data))
    assert failing_suites(settings) == {"tokenized_shards"}


def test_document_without_training_rights_fails(settings):
    mixture = settings.storage.read_parquet(MIXTURE).to_pylist()
    mixture[0]["rights"] = "eval_only"
    settings.storage.write_parquet(f"{MIXTURE}/part-00000.parquet", pa.Table.from_pylist(mixture))
    shards.build_tokenized(settings, settings.storage)
    assert "tokenized_rights" in failing_suites(settings)


def test_too_few_tokens_and_missing_source_validation_fail(tmp_path):
    settings = settings_for(tmp_path / "data", {"arms": ["curated_graph"]})
    write_corpora(settings.storage)
    shards.build_tokenized(settings, settings.storage)
    tables = shards.gate_tables(settings.storage, settings)
    assert not gx.validate("tokenized_splits", tables["tokenized_splits"], {"min_train_tokens": 10**9}).success
    sources = tables["tokenized_sources"].assign(val_tokens=[0] + [1] * (len(tables["tokenized_sources"]) - 1))
    assert not gx.validate("tokenized_sources", sources, PARAMS).success

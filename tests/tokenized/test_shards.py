import hashlib

import numpy as np
import pandas as pd
import pytest

from assets.cleaned.paths import MIXTURE
from assets.tokenized import shards
from assets.tokenized.arms import ARMS
from assets.tokenized.splits import assign_splits
from assets.tokenized.tokenizer import PLACEHOLDERS
from tests.tokenized.fixtures import settings_for, write_corpora


def build(root, **tokenize):
    settings = settings_for(root, tokenize)
    write_corpora(settings.storage)
    return settings, shards.build_tokenized(settings, settings.storage)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    return build(tmp_path_factory.mktemp("tok") / "data")


def docs_of(storage, manifest, split, arm="curated_graph"):
    folder = ARMS[arm].shards
    frames = [storage.read_parquet(f"{folder}/{s['docs']}").to_pandas().assign(shard=s["name"]) for s in manifest["shards"] if s["split"] == split]
    return pd.concat(frames, ignore_index=True)


def test_manifest_matches_shards_and_vocab(built):
    settings, manifest = built
    for shard in manifest["shards"]:
        data = settings.storage.read_bytes(f"{shards.SHARDS}/{shard['name']}")
        assert hashlib.sha256(data).hexdigest() == shard["sha256"]
        ids = np.frombuffer(data, dtype=np.uint16)
        assert len(ids) == shard["tokens"] and ids.max() < manifest["vocab_size"]
    train = [s for s in manifest["shards"] if s["split"] == "train"]
    assert len(train) > 1 and all(s["tokens"] == 4096 for s in train[:-1])
    assert manifest["dtype"] == "uint16" and manifest["tokens"]["val"] > 0


def test_placeholders_are_single_tokens(built):
    tokenizer = shards.load_tokenizer(built[0].storage)
    assert tokenizer.encode("<EMAIL>", add_special_tokens=False).ids == [tokenizer.token_to_id("<EMAIL>")]
    assert tokenizer.token_to_id("<PHONE>") in tokenizer.encode("call <PHONE> now", add_special_tokens=False).ids


def test_copies_weights_and_validation_once(built):
    settings, manifest = built
    mixture = settings.storage.read_parquet(MIXTURE).to_pandas().drop_duplicates("doc_id").set_index("doc_id")
    train, val = docs_of(settings.storage, manifest, "train"), docs_of(settings.storage, manifest, "val")
    assert not set(train["doc_id"]) & set(val["doc_id"])
    assert set(train["doc_id"]) | set(val["doc_id"]) == set(mixture.index)
    assert val.groupby("doc_id").size().max() == 1
    written = train.groupby("doc_id").size()
    assert (written == mixture.loc[written.index, "copies"]).all() and written.max() == 2
    assert manifest["documents"]["train"] + manifest["documents"]["val"] == len(mixture)
    assert "syn00001" in set(train["doc_id"])  # synthetic documents always train
    assert set(val["source"]) == {"catalog", "press", "notes"}


def test_decoding_a_validation_document_gives_corpus_text(built):
    settings, manifest = built
    tokenizer = shards.load_tokenizer(settings.storage)
    mixture = settings.storage.read_parquet(MIXTURE).to_pandas().set_index("doc_id")
    val = docs_of(settings.storage, manifest, "val")
    row = val.iloc[0]
    ids = shards.read_shard(settings.storage, manifest, row["shard"])[row["offset"] : row["offset"] + row["tokens"] - 1]
    assert tokenizer.decode(ids.tolist(), skip_special_tokens=False) == mixture.at[row["doc_id"], "text"]
    assert ids[-1] != manifest["eot_id"] and shards.read_shard(settings.storage, manifest, row["shard"])[row["offset"] + row["tokens"] - 1] == manifest["eot_id"]


def test_every_arm_holds_out_the_same_documents(built):
    settings, manifest = built
    default_val = set(docs_of(settings.storage, manifest, "val")["doc_id"])
    for arm in ("raw", "curated"):
        other = manifest["arms"][arm]
        val, train = set(docs_of(settings.storage, other, "val", arm)["doc_id"]), set(docs_of(settings.storage, other, "train", arm)["doc_id"])
        assert default_val <= val and not default_val & train, arm
        assert other["tokenizer_sha256"] == manifest["tokenizer_sha256"] and other["arm"] == arm


def test_curated_arm_is_the_mixture_without_graph_documents(built):
    settings, manifest = built
    curated = manifest["arms"]["curated"]
    train = docs_of(settings.storage, curated, "train", "curated")
    default_train = docs_of(settings.storage, manifest, "train")
    assert "syn00001" in set(default_train["doc_id"]) and "syn00001" not in set(train["doc_id"])
    assert set(default_train.loc[~default_train["synthetic"], "doc_id"]) == set(train["doc_id"])
    assert curated["tokens"]["train"] < manifest["tokens"]["train"]


def test_unknown_arm_in_params_is_refused(tmp_path):
    settings = settings_for(tmp_path / "data", {"arms": ["raw", "distilled", "curated_graph"]})
    write_corpora(settings.storage, n=30)
    with pytest.raises(ValueError, match="unknown arm.*distilled"):
        shards.build_tokenized(settings, settings.storage)


def test_two_runs_are_byte_identical(built, tmp_path):
    settings, manifest = built
    _, again = build(tmp_path / "again")
    assert [s["sha256"] for s in again["shards"]] == [s["sha256"] for s in manifest["shards"]]
    assert again["tokenizer_sha256"] == manifest["tokenizer_sha256"]


def test_byte_tokenizer_round_trips(tmp_path):
    settings, manifest = build(tmp_path / "data", kind="byte", arms=["curated_graph"])
    assert manifest["vocab_size"] == 256 + 1 + len(PLACEHOLDERS)  # bytes, end of text, one per placeholder
    tokenizer = shards.load_tokenizer(settings.storage)
    assert tokenizer.encode("é", add_special_tokens=False).ids == list("é".encode())


def test_splits_hold_out_every_source_and_respect_fixed():
    rows = [(f"a{i}", "tiny", False) for i in range(3)] + [("s1", "gen", True)]
    splits = assign_splits(rows, 0.01)
    assert sum(v == "val" for k, v in splits.items() if k.startswith("a")) == 1 and splits["s1"] == "train"
    assert assign_splits([("a0", "tiny", False)], 0.01, fixed={"a0": "train"}) == {"a0": "train"}
    with pytest.raises(ValueError, match="twice"):
        assign_splits([("a0", "x", False), ("a0", "x", False)], 0.1)


def test_bad_copies_is_a_clear_error(tmp_path):
    import pyarrow as pa

    settings = settings_for(tmp_path / "data", {"arms": ["curated_graph"]})
    settings.storage.write_parquet(f"{MIXTURE}/part-0.parquet", pa.Table.from_pylist([{"doc_id": "x", "source": "s", "text": "t", "rights": "train", "synthetic": False, "copies": -1}]))
    with pytest.raises(ValueError, match="part-0.parquet.*'x'.*copies"):
        shards.build_tokenized(settings, settings.storage)


def test_compact_mixture_repeats_rows_by_copies(tmp_path):
    import pyarrow as pa

    settings = settings_for(tmp_path / "data", {"arms": ["curated_graph"], "min_train_tokens": 0})
    rows = [{"doc_id": f"c{i}", "source": "s", "text": f"document {i} " * 20, "rights": "train", "synthetic": False, "copies": i % 3} for i in range(40)]
    settings.storage.write_parquet(f"{MIXTURE}/part-0.parquet", pa.Table.from_pylist(rows))
    manifest = shards.build_tokenized(settings, settings.storage)
    train = docs_of(settings.storage, manifest, "train").groupby("doc_id").size()
    copies = {r["doc_id"]: r["copies"] for r in rows}
    assert all(n == copies[d] for d, n in train.items()) and not any(copies[d] == 0 for d in train.index)


def test_batch_boundaries_do_not_change_the_shards(built, tmp_path, monkeypatch):
    """Tiny read and encode batches: a document's copies straddle batches, shards cut mid-batch."""
    settings, manifest = built
    monkeypatch.setattr(shards, "BATCH", 7)
    monkeypatch.setattr(shards, "ENCODE_BATCH", 11)
    monkeypatch.setattr(shards, "ENCODE_CHARS", 900)
    small_settings, small = build(tmp_path / "small")
    assert [s["sha256"] for s in small["shards"]] == [s["sha256"] for s in manifest["shards"]]
    assert small["tokens_per_source"] == manifest["tokens_per_source"] and small["documents"] == manifest["documents"]
    for split in ("train", "val"):
        pd.testing.assert_frame_equal(docs_of(small_settings.storage, small, split), docs_of(settings.storage, manifest, split))


def test_writer_cuts_shards_across_batches(tmp_path):
    import pyarrow as pa

    from assets.core.storage import Storage
    from assets.tokenized.writer import LINEAGE, ShardWriter

    out = Storage(str(tmp_path))
    writer = ShardWriter(out, "s", "train", 10, np.uint16)

    def lineage(names):
        return pa.table({k: [{"doc_id": n, "source": "x", "copy": 0, "synthetic": False}.get(k) for n in names] for k in LINEAGE})

    writer.add_batch(np.arange(3 + 25 + 4, dtype=np.int64), lineage(["a", "b", "c"]), np.array([3, 25, 4]))
    writer.add(np.arange(100, 108), {"doc_id": "d", "source": "x", "copy": 1, "synthetic": False})
    got = writer.close()
    assert [s["tokens"] for s in got] == [10, 10, 10, 10]
    data = np.concatenate([np.frombuffer(out.read_bytes(f"s/{s['name']}"), dtype=np.uint16) for s in got])
    assert data.tolist() == list(range(32)) + list(range(100, 108))
    assert all(hashlib.sha256(out.read_bytes(f"s/{s['name']}")).hexdigest() == s["sha256"] for s in got)
    docs = [out.read_parquet(f"s/{s['docs']}").to_pandas() for s in got]
    # a and b start in shard 0; b runs through shard 1, where no document starts; c starts in 2, d in 3
    assert [d["doc_id"].tolist() for d in docs] == [["a", "b"], [], ["c"], ["d"]]
    assert [d["offset"].tolist() for d in docs] == [[0, 3], [], [8], [2]]
    assert [d["tokens"].tolist() for d in docs] == [[3, 25], [], [4], [8]] and docs[3]["copy"].tolist() == [1]


def test_tokenizer_trains_on_a_hash_ordered_sample_when_capped(built):
    from assets.tokenized.splits import bucket

    settings, manifest = built
    splits = shards.decide_splits(settings.storage, ARMS["curated_graph"], settings.params.tokenize.val_fraction)
    assert shards.training_sample(settings.storage, splits, 10**9) is None and shards.training_sample(settings.storage, splits, 0) is None
    sample = shards.training_sample(settings.storage, splits, 5000)
    mixture = settings.storage.read_parquet(MIXTURE).to_pandas().drop_duplicates("doc_id")
    train = mixture[mixture["doc_id"].map(splits) == "train"].assign(b=lambda f: f["doc_id"].map(bucket)).sort_values("b")
    chars = train["text"].str.len().cumsum()
    assert sample == set(train.loc[chars.shift(fill_value=0) < 5000, "doc_id"]) and 0 < len(sample) < len(train)
    capped = settings.model_copy(update={"params": settings.params.model_copy(update={"tokenize": settings.params.tokenize.model_copy(update={"tokenizer_train_chars": 5000})})})
    a, b = shards.train_tokenizer(capped, settings.storage, splits), shards.train_tokenizer(capped, settings.storage, splits)
    assert a.to_str() == b.to_str() != shards.load_tokenizer(settings.storage).to_str()


def test_encode_batches_are_filled_across_files():
    """Small files still reach encode_batch in full batches; a file's column order and types
    (an all-null column read as null) do not stop it."""
    import pyarrow as pa

    a = pa.table({"doc_id": ["a", "b", "c"], "line": pa.array([1, 2, 3], pa.int32())})
    b = pa.table({"line": pa.array([None, None], pa.null()), "doc_id": ["d", "e"]})
    out = list(shards._coalesced(iter([a, b, a]), 4))
    assert [len(t) for t in out] == [4, 4] and out[0].column_names == ["doc_id", "line"]
    assert [t.column("doc_id").to_pylist() for t in out] == [["a", "b", "c", "d"], ["e", "a", "b", "c"]]
    assert out[1].column("line").to_pylist() == [None, 1, 2, 3]
    assert [len(t) for t in shards._coalesced(iter([a]), 10)] == [3] and list(shards._coalesced(iter([]), 4)) == []

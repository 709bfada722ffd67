"""Membership inference, verbatim regurgitation and the redaction audit on tiny models: a model
that knows its training documents by heart is caught, a fresh one is not."""

import random

import pandas as pd
import pyarrow as pa
import pytest
import torch

from assets.checkpoints.model import GPT, GPTConfig
from assets.cleaned.paths import MIXTURE
from assets.core.settings import Source
from assets.core.storage import Storage
from assets.reports.membership import membership, split_documents
from assets.reports.redaction import corpus_recall, span_scores, wilson
from assets.reports.regurgitation import regurgitation
from assets.tokenized.arms import ARMS
from assets.tokenized.tokenizer import EOT
from tests.reports.fixtures import CONFIG, memorize, text

BIG = {**CONFIG, "block_size": 64}


@pytest.fixture(scope="module")
def documents():
    rng = random.Random(3)
    rows = [{"split": "train" if i < 12 else "val", "doc_id": f"t{i:02d}", "source": "transcripts", "text": text(rng, 2)} for i in range(24)]
    return pd.DataFrame(rows)


@pytest.fixture(scope="module")
def memorized(documents, tokenizer):
    model = GPT(GPTConfig(vocab_size=tokenizer.get_vocab_size(), **BIG))
    return memorize(model, tokenizer, documents.loc[documents["split"] == "train", "text"].tolist(), 100)


def test_members_are_told_apart_from_held_out_documents_of_the_same_kind(documents, memorized, tokenizer):
    eot = tokenizer.token_to_id(EOT)
    torch.manual_seed(0)
    fresh = GPT(GPTConfig(vocab_size=tokenizer.get_vocab_size(), **BIG)).eval()
    leaky = membership(memorized, tokenizer, eot, documents, 50, 7, reference=(fresh, tokenizer, eot))
    assert (leaky["members"], leaky["non_members"]) == (12, 12) and set(leaky["auc"]) == {"loss", "zlib", "reference"}
    assert leaky["best_auc"] >= 0.9 and leaky["auc"]["loss"]["lo"] > 0.5
    blind = membership(fresh, tokenizer, eot, documents, 50, 7)
    assert blind["auc"]["loss"]["lo"] < 0.5 < blind["auc"]["loss"]["hi"] or blind["best_auc"] < 0.8
    few = membership(fresh, tokenizer, eot, documents.head(14), 50, 7)
    assert few["best_auc"] is None and "fewer than 5" in few["note"]


def test_confidential_text_learnt_by_heart_comes_back_verbatim(documents, memorized, tokenizer):
    trained = documents.loc[documents["split"] == "train"]
    eot = tokenizer.token_to_id(EOT)
    learnt = regurgitation(memorized, tokenizer, eot, trained, 8, 10, 50, 7)
    assert learnt["windows"] >= 10 and learnt["share"] >= 0.5 and learnt["mean_matching_tokens"] > 5
    assert 0.0 < learnt["share_lo"] < learnt["share"] < learnt["share_hi"] <= 1.0  # the gate reads the lower bound
    torch.manual_seed(0)
    fresh = GPT(GPTConfig(vocab_size=tokenizer.get_vocab_size(), **BIG)).eval()
    clean = regurgitation(fresh, tokenizer, eot, trained, 8, 10, 50, 7)
    assert clean["regurgitated"] == 0 and clean["share_lo"] == 0.0 and clean["share_hi"] > 0.0
    none = regurgitation(fresh, tokenizer, eot, trained.head(0), 8, 10, 50, 7)
    assert none["windows"] == 0 and none["note"] == "no confidential source"


def test_split_documents_reads_the_arms_document_tables(tmp_path, documents):
    storage = Storage(str(tmp_path))
    spec = ARMS["curated"]
    shards = []
    for split in ("train", "val"):
        part = documents.loc[documents["split"] == split]
        storage.write_parquet(f"{spec.shards}/{split}-00000.docs.parquet", pa.Table.from_pandas(part[["doc_id", "source"]], preserve_index=False))
        shards.append({"name": f"{split}-00000.bin", "split": split, "docs": f"{split}-00000.docs.parquet"})
    storage.write_json(spec.manifest, {"shards": shards})
    corpus = pd.concat([documents, documents.head(2).assign(source="catalog", doc_id=["c1", "c2"])])
    storage.write_parquet(f"{MIXTURE}/part-00000.parquet", pa.Table.from_pandas(corpus[["doc_id", "source", "text"]], preserve_index=False))
    got = split_documents(storage, "curated", ["transcripts"])
    assert len(got) == 24 and got.groupby("split").size().to_dict() == {"train": 12, "val": 12}
    assert split_documents(storage, "curated", []).empty


def test_a_confidential_source_without_training_rights_fails_naming_it():
    with pytest.raises(ValueError, match="'ateliers' is confidential but its rights are 'eval_only'"):
        Source(name="ateliers", uri="x/*.txt", format="txt", rights="eval_only", pii="none", confidential=True)
    assert Source(name="ateliers", uri="x/*.txt", format="txt", rights="train", pii="none", confidential=True).confidential


def test_wilson_interval_and_span_scores():
    assert wilson(0, 0) == (0.0, 1.0) and wilson(10, 10)[1] == 1.0 and 0.72 < wilson(10, 10)[0] < 0.73
    texts = {"a": "Call 06 12 34 56 78 or write to ana@x.fr, Ada."}
    planted = pd.DataFrame([{"key": "a", "type": "PHONE", "value": "06 12 34 56 78", "start": 5},
                            {"key": "a", "type": "EMAIL", "value": "ana@x.fr", "start": 32}])
    from assets.cleaned.privacy.detectors import Span

    half = lambda t: [Span(5, 12, "PHONE"), Span(40, 43, "PERSON")]  # noqa: E731 - the phone half covered, a false person
    recall, precision, missed = span_scores(planted, texts, half)
    assert recall.set_index("type")["hits"].to_dict() == {"EMAIL": 0, "PHONE": 0} and len(missed) == 2
    assert precision.set_index("type")["hits"].to_dict() == {"PERSON": 0, "PHONE": 1}
    corpus = corpus_recall(pd.DataFrame([{"client_id": "C1", "type": "PHONE", "value": "06 12 34 56 78"},
                                         {"client_id": "C2", "type": "PHONE", "value": "07 00 00 00 01"},
                                         {"client_id": "C9", "type": "PHONE", "value": "07 99 99 99 99"}]),
                           ["Ring <PHONE>.", "ring 0700000001 now"], {"C9"})
    assert corpus.iloc[0][["n", "hits", "leaked"]].tolist() == [2, 1, 1]

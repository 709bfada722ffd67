"""The privacy gate tables, their suites (pass on a clean corpus, fail on a leaky one) and the
lineage CLI from shard and document back to raw file and line."""

import json

import pandas as pd
import pyarrow as pa
import pytest

from assets.cleaned.lineage import doc_lineage, main as lineage_main
from assets.cleaned.paths import CORPUS, EVAL_DOCUMENTS
from assets.cleaned.privacy import build_gazetteer, consent_step, privacy_gate_tables, redaction_step
from assets.cleaned.steps import run_steps
from assets.core.ledger import Ledger
from assets.raw.ingest import SCHEMA, documents_dir
from assets.tokenized.writer import DOCS_SCHEMA


@pytest.fixture
def published(make_settings, raw_docs):
    """Raw documents in storage, a corpus made by consent + redaction, one token shard."""
    settings = make_settings(opted_out=["C2"])
    storage = settings.storage
    for name in ("catalog", "crm", "press", "experts"):
        part = raw_docs.loc[raw_docs["source"] == name]
        storage.write_parquet(f"{documents_dir(name)}/part-00000.parquet", pa.Table.from_pandas(part, schema=SCHEMA, preserve_index=False))
    gazetteer = build_gazetteer(raw_docs)
    train = raw_docs.loc[raw_docs["rights"] == "train"]
    corpus = run_steps(train, [consent_step(settings, gazetteer), redaction_step(settings, gazetteer)], Ledger())
    storage.write_parquet(f"{CORPUS}/part-00000.parquet", pa.Table.from_pandas(corpus.drop(columns=["meta"]), preserve_index=False))
    shard = corpus.assign(synthetic=False, copy=0, offset=range(len(corpus)), tokens=10)
    evaluation = raw_docs.loc[raw_docs["doc_id"] == "cat2"].assign(rights="eval_only").drop(columns=["meta"])
    storage.write_parquet(f"{EVAL_DOCUMENTS}/part-00000.parquet", pa.Table.from_pandas(evaluation, preserve_index=False))
    storage.write_parquet("tokenized/shards/train-00000.docs.parquet", pa.Table.from_pandas(shard[DOCS_SCHEMA.names], schema=DOCS_SCHEMA, preserve_index=False))
    return settings, corpus


def test_privacy_table_on_a_redacted_corpus(published):
    settings, corpus = published
    table = privacy_gate_tables(settings.storage, settings)["cleaned_privacy"]
    assert sorted(table["doc_id"]) == ["c1", "c3", "cat1", "cat2"]
    assert table["pii_remaining"].eq(0).all() and not table["opted_out"].any() and table["rights"].eq("train").all()


def test_privacy_table_sees_leaks(published, raw_docs):
    settings, _ = published
    leaky = raw_docs.loc[raw_docs["source"] == "crm"].drop(columns=["meta"])  # unredacted, with opted-out C2
    settings.storage.write_parquet(f"{CORPUS}/part-00000.parquet", pa.Table.from_pandas(leaky, preserve_index=False))
    table = privacy_gate_tables(settings.storage, settings)["cleaned_privacy"].set_index("doc_id")
    assert table.loc["c1", "pii_types"] == "EMAIL:1, PERSON:1"
    assert table.loc["c2", "opted_out"] and not table.loc["c1", "opted_out"]


def test_suites_pass_and_fail(published):
    gx = pytest.importorskip("orchestration.gx")
    settings, _ = published
    good = privacy_gate_tables(settings.storage, settings)["cleaned_privacy"]
    assert gx.validate("cleaned_privacy", good).success
    bad = good.copy()
    bad.loc[bad.index[0], ["pii_remaining", "rights", "opted_out"]] = [2, "none", True]
    failed = {(o.expectation, o.kwargs.get("column")) for o in gx.validate("cleaned_privacy", bad).failed}
    assert failed == {("expect_column_values_to_be_between", "pii_remaining"), ("expect_column_values_to_be_in_set", "rights"),
                      ("expect_column_values_to_be_in_set", "opted_out")}
    evaluation = privacy_gate_tables(settings.storage, settings)["cleaned_evalset_rights"]
    assert gx.validate("cleaned_evalset_rights", evaluation).success
    assert not gx.validate("cleaned_evalset_rights", evaluation.assign(rights="none")).success


def test_lineage_doc_and_shard(published, capsys):
    settings, _ = published
    found = doc_lineage(settings.storage, "c1")
    assert (found["source"], found["uri"], found["line"], found["raw_doc_id"]) == ("crm", "crm.jsonl", 1, "c1")
    assert found["steps"] == ["raw: ingested from crm.jsonl line 1", "cleaned: kept in corpus", "privacy: 2 PII span(s) redacted", "tokenized: in shard train-00000.bin"]
    assert doc_lineage(settings.storage, "c2")["steps"][-1] == "cleaned: removed (cleaned/ledger.json counts it under its reason)"

    assert lineage_main(["--storage", settings.storage_root, "--json", "shard", "train-00000.bin"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [(r["doc_id"], r["uri"], r["line"]) for r in rows] == [("cat1", "catalog.jsonl", 1), ("cat2", "catalog.jsonl", 2), ("c1", "crm.jsonl", 1), ("c3", "crm.jsonl", 3)]
    assert lineage_main(["--storage", settings.storage_root, "doc", "nope"]) == 1
    assert "not in raw/documents" in capsys.readouterr().err

"""The cleaned suites pass on a good staged corpus and fail on a bad one (Great Expectations)."""

from __future__ import annotations

import pandas as pd
import pytest

from assets.cleaned.gate import gate_parameters
from tests.cleaned._house import make_settings, source, prose

gx = pytest.importorskip("orchestration.gx")


def corpus(**changes) -> pd.DataFrame:
    table = pd.DataFrame({"doc_id": ["a", "b"], "source": ["s", "s"], "rights": ["train", "train"], "lang": ["en", "en"], "text_chars": [10, 12]})
    return table.assign(**changes)


def ledger(**changes) -> pd.DataFrame:
    return pd.DataFrame({"source": ["s"], "documents_in": [5], "accounted": [5], "kept": [2], "corpus_rows": [2]}).assign(**changes)


def test_cleaned_suites_pass_on_good_tables_and_fail_on_bad_ones(tmp_path):
    parameters = gate_parameters(make_settings(tmp_path, [source("s", [prose(1)])]))
    assert parameters == {"kept_languages": ["en", "fr", "it"]}  # params.yaml: clean.language.keep
    assert gx.validate("cleaned_corpus", corpus(), parameters).success
    assert gx.validate("cleaned_ledger", ledger(), {}).success
    for bad in (corpus(doc_id=["a", "a"]), corpus(rights=["train", "eval_only"]), corpus(lang=["en", "de"]), corpus(text_chars=[0, 3])):
        assert not gx.validate("cleaned_corpus", bad, parameters).success
    for bad in (ledger(accounted=[4]), ledger(corpus_rows=[3])):
        assert not gx.validate("cleaned_ledger", bad, {}).success

"""Filters scoped per kind in params: thresholds per kind, and a scope naming an unknown kind fails at once."""

from __future__ import annotations

import pytest

from assets.cleaned.curate import build_cleaned
from assets.cleaned.pipeline import check_filter_kinds, curation_steps
from assets.cleaned.steps import run_steps
from assets.core.ledger import Ledger
from tests.cleaned._house import make_settings, out_storage, prose, source

import pandas as pd


def test_a_filter_scoped_to_an_unknown_kind_fails_at_once_naming_it(tmp_path):
    settings = make_settings(tmp_path, [source("notes", [prose(1)])], clean={"gopher_quality": {"per_kind": {"revue": {"min_doc_words": 5}}}})
    with pytest.raises(ValueError, match=r"clean.gopher_quality.per_kind: kind\(s\) \['revue'\].*declare \['notes'\]"):
        check_filter_kinds(settings)
    with pytest.raises(ValueError, match="revue"):
        build_cleaned(settings, out_storage(tmp_path))


def test_per_kind_thresholds_apply_to_their_kind_only(tmp_path):
    settings = make_settings(tmp_path, [source("press", [prose(1)]), source("review", [prose(2)])],
                             clean={"language": {"enabled": False}, "filter_kinds": ["press", "review"],
                                    "gopher_quality": {"per_kind": {"review": {"min_doc_words": 3, "min_stop_words": 0}}}})
    short = "A lovely soft jacket that is true to size and warm."
    docs = pd.DataFrame({"doc_id": ["p", "r"], "source": ["press", "review"], "kind": ["press", "review"], "lang": "en", "text": [short, short]})
    ledger = Ledger()
    kept = run_steps(docs, [s for s in curation_steps(settings) if s.__name__ == "gopher_quality"], ledger)
    assert list(kept["doc_id"]) == ["r"]  # the web page is too short, the review is not
    assert ledger.books["press"].removed == {"gopher_quality.gopher_short_doc": 1}


def test_the_default_scopes_do_not_stop_a_house_without_press_or_reviews(tmp_path):
    """A CRM-only house declares neither press nor review: the defaults' scopes just filter nothing."""
    settings = make_settings(tmp_path, [source("notes", [prose(1)])], clean={"filter_kinds": ["press", "review"]})
    check_filter_kinds(settings)
    with pytest.raises(ValueError, match="pres'"):
        check_filter_kinds(make_settings(tmp_path, [source("notes", [prose(1)])], clean={"filter_kinds": ["pres"]}))

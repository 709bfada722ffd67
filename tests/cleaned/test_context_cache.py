"""The privacy context and the gazetteer are built once per set of inputs: the cleaned group's
assets and the corpus gate share one build in a run, and a republished input gets a fresh one."""

from __future__ import annotations

import pyarrow as pa

from assets.cleaned import context, privacy
from assets.cleaned.graph.paths import QUESTIONS
from assets.raw.ingest import documents_dir
from tests.cleaned._house import make_settings, prose, source


def counting(monkeypatch, owner, name: str, fake=None) -> list:
    calls, real = [], getattr(owner, name)

    def counted(*args, **kwargs):
        calls.append(args)
        return fake() if fake else real(*args, **kwargs)

    monkeypatch.setattr(owner, name, counted)
    return calls


def test_one_gazetteer_per_archive(tmp_path, monkeypatch):
    settings = make_settings(tmp_path, [source("catalog", [prose(1), prose(2)]), source("press", [prose(3)])])
    built = counting(monkeypatch, privacy, "build_gazetteer")
    first = context.gazetteer(settings)
    assert context.gazetteer(settings) is first and len(built) == 1, "the gate's call reuses the build"
    catalog = f"{documents_dir('catalog')}/part-00000.parquet"
    settings.storage.write_parquet(catalog, settings.storage.read_parquet(catalog).slice(0, 1))  # republished
    assert context.gazetteer(settings) is not first and len(built) == 2
    (tmp_path / "other").mkdir()
    other = make_settings(tmp_path / "other", [source("catalog", [prose(1), prose(2)]), source("press", [prose(3)])])
    context.gazetteer(other)
    assert len(built) == 3, "another storage root is another archive"


def test_one_context_per_archive_evaluation_sets_and_params(tmp_path, monkeypatch):
    settings = make_settings(tmp_path, [source("catalog", [prose(1), prose(2)])])
    settings.storage.write_parquet(QUESTIONS, pa.table({"id": ["q1"]}))
    built = counting(monkeypatch, context, "_build_context", fake=object)  # what is built is another test's business
    first = context.privacy_context(settings)
    assert context.privacy_context(settings) is first and len(built) == 1, "cleaned_corpus and cleaned_raw_recipe share one build"
    settings.storage.write_parquet(QUESTIONS, pa.table({"id": ["q1", "q2"]}))  # cleaned_evalsets republished
    second = context.privacy_context(settings)
    assert second is not first and len(built) == 2
    stricter = settings.model_copy(update={"params": settings.params.model_copy(update={"seed": settings.params.seed + 1})})
    context.privacy_context(stricter)
    assert len(built) == 3, "other params, another context"

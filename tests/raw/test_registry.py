"""The source registry: one row per declared source with what is behind its uri, a fingerprint
that follows content (not modification times), and a gate that fails a bad registry."""

from __future__ import annotations

import os

import pytest

from assets.raw import registry
from tests.raw.test_ingest import SOURCES, make_house, settings_for


@pytest.fixture
def house(tmp_path):
    return make_house(tmp_path / "house")


def test_one_row_per_source_with_its_declarations_and_files(house, tmp_path):
    settings = settings_for(house, tmp_path / "data", tmp_path)
    built = registry.build_registry(settings, settings.storage)
    rows = {r["source"]: r for r in built["sources"]}
    assert list(rows) == [s["name"] for s in SOURCES]
    assert rows["notes"]["files"] == 8 and rows["notes"]["pii"] == "possible" and rows["notes"]["kind"] == "note"
    assert rows["crm"]["rights"] == "eval_only" and rows["crm"]["files"] == 2
    assert rows["reviews"]["bytes"] == (house / "landing/reviews/reviews.csv").stat().st_size
    assert built["opted_out_clients"] == 1 and "C9" not in settings.storage.read_text(registry.REGISTRY)


def test_fingerprint_follows_content_not_modification_time(house, tmp_path):
    settings = settings_for(house, tmp_path / "data", tmp_path)
    first = {r["source"]: r["fingerprint"] for r in registry.build_registry(settings, settings.storage)["sources"]}
    note = house / "landing/notes/note-0.txt"
    os.utime(note, (note.stat().st_mtime + 100, note.stat().st_mtime + 100))
    touched = {r["source"]: r["fingerprint"] for r in registry.build_registry(settings, settings.storage)["sources"]}
    assert touched == first
    note.write_text(note.read_text().replace("checked", "redone"))  # same size, other content
    edited = {r["source"]: r["fingerprint"] for r in registry.build_registry(settings, settings.storage)["sources"]}
    assert {name for name in first if first[name] != edited[name]} == {"notes"}


def test_gate_fails_duplicate_names_and_unknown_rights(house, tmp_path):
    from orchestration.gx import validate

    settings = settings_for(house, tmp_path / "data", tmp_path)
    registry.build_registry(settings, settings.storage)
    table = registry.gate_tables(settings.storage, settings)["raw_registry"]
    assert validate("raw_registry", table).success
    duplicated = table.copy()
    duplicated.loc[1, "source"] = duplicated.loc[0, "source"]
    assert not validate("raw_registry", duplicated).success
    unknown = table.copy()
    unknown.loc[0, "rights"] = "maybe"
    outcome = validate("raw_registry", unknown)
    assert not outcome.success and "rights" in outcome.failed[0].describe()

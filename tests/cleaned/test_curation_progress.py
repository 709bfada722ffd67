"""Curation reports its batches to the runner's progress file (assets/core/progress.py), which
`python -m orchestration.stage` draws as a bar; nothing of it reaches the log."""

from __future__ import annotations

import json
import logging

from assets.cleaned.curate import build_cleaned, build_raw_recipe
from assets.core import progress as progress_module
from tests.cleaned._house import make_settings, out_storage, prose, source


def test_every_batch_moves_the_bar_to_the_archive_size(tmp_path, monkeypatch, caplog, capfd):
    path = tmp_path / "run.progress"
    monkeypatch.setenv(progress_module.ENV, str(path))
    monkeypatch.setattr(progress_module, "EVERY_S", 0.0)  # a line per update
    sources = [source("catalog", [prose(i) for i in range(5)]), source("press", [prose(10 + i) for i in range(3)])]
    settings = make_settings(tmp_path, sources, clean={"workers": 1, "batch_size": 2})
    with caplog.at_level(logging.DEBUG):
        build_cleaned(settings, out_storage(tmp_path))
        build_raw_recipe(settings, out_storage(tmp_path))
    records = [json.loads(line) for line in path.read_text().splitlines()]
    curated = [(r["n"], r["total"]) for r in records if r["desc"] == "curate documents"]
    assert curated == [(0, 8), (2, 8), (4, 8), (5, 8), (7, 8), (8, 8)], "one step per batch (2, 2, 1 of catalog; 2, 1 of press)"
    assert [(r["n"], r["total"]) for r in records if r["desc"] == "raw recipe documents"][-1] == (8, 8)
    out, err = capfd.readouterr()
    assert "curate documents" not in out + err + caplog.text, "progress goes to the runner's file, not to the output or the event log"

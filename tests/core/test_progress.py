"""The progress API: silent unless the runner asks, throttled, read back by the runner."""

from __future__ import annotations

from assets.core import progress as progress_module
from assets.core.progress import ENV, Reader, progress


def test_silent_without_the_runner(tmp_path, monkeypatch):
    monkeypatch.delenv(ENV, raising=False)
    bar = progress(10, "train curated")
    for _ in range(10):
        bar.update()
    assert bar.n == 10 and not list(tmp_path.iterdir())


def test_the_runner_reads_the_latest_count_per_step(tmp_path, monkeypatch):
    path = tmp_path / "run.progress"
    monkeypatch.setenv(ENV, str(path))
    monkeypatch.setattr(progress_module, "EVERY_S", 3600.0)  # only the first and the last line
    reader = Reader(path)
    bar = progress(5, "train curated", start=1)
    assert reader.poll() == {"train curated": (1, 5)}
    for _ in range(3):
        bar.update()
    assert reader.poll() == {}, "throttled: nothing new before the interval or the end"
    bar.update()
    assert reader.poll() == {"train curated": (5, 5)}
    assert len(path.read_text().splitlines()) == 2


def test_other_ranks_stay_quiet(tmp_path, monkeypatch):
    monkeypatch.setenv(ENV, str(tmp_path / "run.progress"))
    progress(3, "train raw", enabled=False).update(3)
    assert not (tmp_path / "run.progress").exists()

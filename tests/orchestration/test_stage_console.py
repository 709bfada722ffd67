"""The runner's console: a bar per long step at a terminal, plain lines otherwise."""

from __future__ import annotations

from orchestration.stage import Console


def test_a_bar_per_step_at_a_terminal_closed_when_done(capsys):
    console = Console()
    console.tty = True
    console.progress({"curate documents": (2, 8), "train raw-s0": (10, 40)})
    assert set(console.bars) == {"curate documents", "train raw-s0"}
    console.progress({"curate documents": (8, 8)})
    assert set(console.bars) == {"train raw-s0"}, "a finished step's bar goes"
    console.line("  ok    cleaned_corpus")
    console.close_bars()
    err = capsys.readouterr().err
    assert "curate documents" in err and "8/8" in err and "  ok    cleaned_corpus" in err


def test_no_bar_when_the_output_is_captured(capsys):
    console = Console()
    console.tty = False
    console.progress({"curate documents": (2, 8)})
    assert not console.bars and "curate documents" not in capsys.readouterr().err

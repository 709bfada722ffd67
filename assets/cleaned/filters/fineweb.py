"""FineWeb's own quality rules (Penedo et al. 2024) as datatrove 0.10.1 implements them."""

from __future__ import annotations

from typing import Optional

from assets.core.params.clean import FineWebParams
from assets.cleaned.filters.gopher import _duplicates
from assets.cleaned.filters.punctuation import TERMINAL_PUNCTUATION
from assets.cleaned.filters.step import filter_step

STOP_CHARS = tuple(TERMINAL_PUNCTUATION)


def fineweb_check(p: FineWebParams):
    def check(text: str, words: list[str]) -> Optional[str]:
        lines = [line for line in text.split("\n") if line.strip() != ""]
        if not lines:
            return "empty"
        ratio = sum(1 for line in lines if line.endswith(STOP_CHARS)) / len(lines)
        if ratio < p.line_punct_thr and not (ratio == 0 and p.line_punct_exclude_zero):
            return "line_punct_ratio"
        ratio = sum(1 for line in lines if len(line) <= p.short_line_length) / len(lines)
        if ratio > p.short_line_thr:
            return "short_line_ratio"
        ratio = _duplicates(lines)[1] / len(text.replace("\n", ""))
        if ratio > p.char_duplicates_ratio:
            return "char_dup_ratio"
        if not words or text.count("\n") / len(words) > p.new_line_ratio:
            return "list_ratio"
        return None

    return check


def fineweb_step(p: FineWebParams):
    return filter_step("fineweb", fineweb_check(p))

"""Gopher's quality and repetition rules (Rae et al. 2021, section A.1), decision for decision as
datatrove 0.10.1 implements them; the n-gram passes work on word ids instead of joined strings."""

from __future__ import annotations

import re
from collections import Counter
from typing import Optional

from assets.core.params.clean import GopherQualityParams, GopherRepetitionParams
from assets.cleaned.filters.punctuation import PUNCTUATION_SET
from assets.cleaned.filters.step import filter_step

STOP_WORDS = frozenset(["the", "be", "to", "of", "and", "that", "have", "with"])
_PARAGRAPHS = re.compile(r"\n{2,}")
_LINES = re.compile("\n+")


class _WordFlag(dict):
    """A per-word predicate, memoized (words repeat): `flags[word]`."""

    def __init__(self, predicate):
        super().__init__()
        self.predicate = predicate

    def __missing__(self, word: str) -> bool:
        if len(self) > 1_000_000:
            self.clear()
        value = self[word] = self.predicate(word)
        return value


_SYMBOLS_ONLY = _WordFlag(lambda w: all(ch in PUNCTUATION_SET for ch in w))
_HAS_ALPHA = _WordFlag(lambda w: any(c.isalpha() for c in w))


def quality_check(p: GopherQualityParams):
    def check(text: str, words: list[str]) -> Optional[str]:
        n_words = len(words)
        symbols_only = _SYMBOLS_ONLY
        non_symbol = [w for w in words if not symbols_only[w]]
        if p.min_doc_words and len(non_symbol) < p.min_doc_words:
            return "gopher_short_doc"
        if p.max_doc_words and len(non_symbol) > p.max_doc_words:
            return "gopher_long_doc"
        if not non_symbol:  # only reachable with min_doc_words disabled: nothing to measure
            return "gopher_short_doc"
        avg = sum(map(len, non_symbol)) / len(non_symbol)
        if p.min_avg_word_length and avg < p.min_avg_word_length:
            return "gopher_below_avg_threshold"
        if p.max_avg_word_length and avg > p.max_avg_word_length:
            return "gopher_above_avg_threshold"
        if p.max_symbol_word_ratio and text.count("#") / n_words > p.max_symbol_word_ratio:
            return "gopher_too_many_hashes"
        if p.max_symbol_word_ratio and (text.count("...") + text.count("…")) / n_words > p.max_symbol_word_ratio:
            return "gopher_too_many_ellipsis"
        lines = text.splitlines() or [""]
        bullets = sum(s.lstrip().startswith(("•", "-")) for s in lines)
        if p.max_bullet_lines_ratio and bullets / len(lines) > p.max_bullet_lines_ratio:
            return "gopher_too_many_bullets"
        ellipsis = sum(s.rstrip().endswith(("...", "…")) for s in lines)
        if p.max_ellipsis_lines_ratio and ellipsis / len(lines) > p.max_ellipsis_lines_ratio:
            return "gopher_too_many_end_ellipsis"
        alpha = sum(map(_HAS_ALPHA.__getitem__, words))
        if p.max_non_alpha_words_ratio and alpha / n_words < p.max_non_alpha_words_ratio:
            return "gopher_below_alpha_threshold"
        if p.min_stop_words and len(STOP_WORDS.intersection(words)) < p.min_stop_words:
            return "gopher_enough_stop_words"
        return None

    return check


def _duplicates(items: list[str]) -> tuple[int, int]:
    """(repeated elements, their characters): every occurrence after the first counts."""
    seen: set[str] = set()
    elements = chars = 0
    for item in items:
        if item in seen:
            elements += 1
            chars += len(item)
        else:
            seen.add(item)
    return elements, chars


def _top_ngram_chars(ids: list[int], id_lengths: list[int], n: int) -> int:
    """Characters of the most frequent n-gram (" "-joined) times its count; ties go to the
    n-gram seen first, as datatrove's Counter.most_common(1) does (word ids stand for words: a
    word never holds a space, so distinct id tuples are distinct joined strings)."""
    counts = Counter(zip(*(ids[k:] for k in range(n))))
    key, best = counts.most_common(1)[0]  # max() over insertion order: the first of the ties
    return (sum(id_lengths[i] for i in key) + n - 1) * best


def _joined_grams(words: list[str], ns: list[int]):
    """Yields (n, the n-grams of `words` joined without a separator) for each n of sorted `ns`;
    each is built from the one before (n-gram i = (n-1)-gram i + word i+n-1), lazily, so that a
    caller that stops early pays for nothing more."""
    grams, have = None, 0
    for n in ns:
        if grams is None or n < have:
            grams, have = list(map("".join, zip(*(words[k:] for k in range(n))))), n
        while have < n:
            grams, have = [a + b for a, b in zip(grams, words[have:])], have + 1
        yield n, grams


def _all_duplicate_chars(grams: list[str], lengths: list[int], n: int) -> int:
    """Characters in repeated n-grams (`grams`: joined without a separator), skipping past each
    repeat, as datatrove does."""
    if len(set(grams)) == len(grams):
        return 0  # no n-gram repeats: nothing to count (most documents)
    seen: set[str] = set()
    repeated = idx = 0
    limit = len(grams)
    while idx < limit:
        gram = grams[idx]
        if gram in seen:
            repeated += sum(lengths[idx : idx + n])
            idx += n
        else:
            seen.add(gram)
            idx += 1
    return repeated


def _prefix_free(grams: list[str]) -> bool:
    """No n-gram string equals another or starts another. Then no n'-gram repeats for any n' >= n
    either: if joined (n+1)-gram i started (or equalled) (n+1)-gram j, the n-grams i and j, both
    prefixes of (n+1)-gram j, would be equal or one would start the other; so the property passes
    from n to n+1 and on. Sorted, a string that starts others is followed by one of them."""
    ordered = sorted(grams)
    return not any(map(str.startswith, ordered[1:], ordered))


def repetition_check(p: GopherRepetitionParams):
    def check(text: str, words: list[str]) -> Optional[str]:
        if not text:
            return "empty"
        paragraphs = _PARAGRAPHS.split(text.strip())
        duplicates, chars = _duplicates(paragraphs)
        if p.dup_para_frac and duplicates / len(paragraphs) > p.dup_para_frac:
            return "dup_para_frac"
        if p.dup_para_char_frac and chars / len(text) > p.dup_para_char_frac:
            return "dup_para_char_frac"
        lines = _LINES.split(text)
        duplicates, chars = _duplicates(lines)
        if p.dup_line_frac and duplicates / len(lines) > p.dup_line_frac:
            return "dup_line_frac"
        if p.dup_line_char_frac and chars / len(text) > p.dup_line_char_frac:
            return "dup_line_char_frac"
        vocabulary: dict[str, int] = {}
        ids = [vocabulary.setdefault(w, len(vocabulary)) for w in words]
        lengths = list(map(len, words))
        id_lengths = list(map(len, vocabulary))  # dicts keep insertion order: id i is the i-th key
        for n, frac in sorted(p.top_n_grams.items()):
            if len(words) >= n and _top_ngram_chars(ids, id_lengths, n) / len(text) > frac:
                return f"top_{n}_gram"
        fracs = p.dup_n_grams
        for n, grams in _joined_grams(words, sorted(fracs)):
            if _prefix_free(grams):
                break  # nothing repeats at n or at any larger n (most documents: 5 string passes saved)
            if _all_duplicate_chars(grams, lengths, n) / len(text) > fracs[n]:
                return f"duplicated_{n}_n_grams"
        return None

    return check


def gopher_quality_step(p: GopherQualityParams):
    return filter_step("gopher_quality", quality_check(p))


def gopher_repetition_step(p: GopherRepetitionParams):
    return filter_step("gopher_repetition", repetition_check(p))

"""Gopher's duplicated n-grams stop at the first n whose joined n-grams are prefix-free
(assets/cleaned/filters/gopher.py, _prefix_free): checked against datatrove's definition on word
lists built to collide, where two different word tuples join into one string."""

from __future__ import annotations

import random

import pytest

from assets.core.params.clean import GopherRepetitionParams
from assets.cleaned.filters.gopher import _joined_grams, _prefix_free, repetition_check


def find_all_duplicate(words: list[str], n: int) -> int:
    """datatrove 0.10.1's gopher_repetition_filter.find_all_duplicate, the definition."""
    unique, repeated, idx = set(), 0, 0
    while idx < len(words) - n + 1:
        gram = "".join(words[idx: idx + n])
        if gram in unique:
            repeated += len(gram)
            idx += n
        else:
            unique.add(gram)
            idx += 1
    return repeated


def colliding_words(rng: random.Random) -> list[str]:
    """Words of one to three letters from a two-letter alphabet: "ab" + "a" and "a" + "ba" join alike."""
    return ["".join(rng.choice("ab") for _ in range(rng.randint(1, 3))) for _ in range(rng.randint(0, 40))]


def test_a_prefix_free_n_leaves_nothing_repeated_at_any_larger_n():
    rng, shortcuts = random.Random(7), 0
    for _ in range(3000):
        words = colliding_words(rng) if rng.random() < 0.7 else [f"w{rng.randint(0, 60)}" for _ in range(rng.randint(0, 60))]
        for n, grams in _joined_grams(words, list(range(2, 13))):
            if _prefix_free(grams):
                shortcuts += 1
                assert all(find_all_duplicate(words, m) == 0 for m in range(n, 16)), (words, n)
    assert shortcuts > 1000  # the property was exercised, not vacuous


@pytest.mark.parametrize("fracs", [None, {n: 0.02 * (n - 4) for n in range(5, 11)}])
def test_the_check_decides_as_the_definition_on_colliding_words(fracs):
    p = GopherRepetitionParams(dup_line_frac=0.0, dup_para_frac=0.0, dup_line_char_frac=0.0, dup_para_char_frac=0.0, top_n_grams={},
                               **({"dup_n_grams": fracs} if fracs else {}))
    check, rng, fired = repetition_check(p), random.Random(11), 0
    for _ in range(3000):
        words = colliding_words(rng)
        text = " ".join(words) or "x"
        expected = next((f"duplicated_{n}_n_grams" for n, frac in sorted(p.dup_n_grams.items()) if find_all_duplicate(words, n) / len(text) > frac), None)
        assert check(text, words) == expected, words
        fired += expected is not None
    assert 20 < fired < 2900  # both outcomes occur

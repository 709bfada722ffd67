"""Each published rule removes what it should, under its own name, and can be switched off."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from assets.core.params.clean import C4Params, CleanParams, FineWebParams, GopherQualityParams, GopherRepetitionParams
from assets.cleaned.pipeline import curation_steps
from assets.cleaned.dedup import MinHasher, near_duplicates
from assets.cleaned.filters.c4 import c4_check, count_sentences
from assets.cleaned.filters.fineweb import fineweb_check
from assets.cleaned.filters.gopher import quality_check, repetition_check
from assets.cleaned.filters.words import split_into_words
from assets.cleaned.steps import run_steps
from assets.core.ledger import Ledger
from tests.cleaned._house import prose

GOOD = prose(1, sentences=10)


def quality(text, **overrides):
    return quality_check(GopherQualityParams(**overrides))(text, split_into_words(text))


def repetition(text, **overrides):
    return repetition_check(GopherRepetitionParams(**overrides))(text, split_into_words(text))


def test_good_prose_passes_every_filter():
    assert quality(GOOD) is None and repetition(GOOD) is None
    assert c4_check(C4Params())(GOOD)[0] is None
    assert fineweb_check(FineWebParams())(GOOD, split_into_words(GOOD)) is None


@pytest.mark.parametrize(
    "text, rule",
    [
        ("Too short to be a document of any use.", "gopher_short_doc"),
        (" ".join(["#couture"] * 60) + " the and of", "gopher_too_many_hashes"),
        ("1234 5678 9012 3456 " * 20 + "the and of to", "gopher_below_alpha_threshold"),
        (" ".join(["word"] * 80), "gopher_enough_stop_words"),
    ],
)
def test_gopher_quality_rules(text, rule):
    assert quality(text) == rule


def test_gopher_quality_thresholds_are_params():
    assert quality("Too short to be a document of any use.", min_doc_words=5) is None


def test_gopher_repetition_rules():
    line = "The atelier cuts the wool with care and patience."
    repeated = "\n".join([line] * 10 + [GOOD])
    assert repetition(repeated) == "dup_line_frac"  # 9 of its 12 lines repeat an earlier one
    assert repetition(repeated, dup_line_frac=0) == "dup_line_char_frac"  # switched off, the character share decides
    assert repetition(GOOD + " " + " ".join(["silk jacket"] * 200)) == "top_2_gram"
    assert repetition("\n".join([line] * 10 + [GOOD]), dup_line_frac=0, dup_line_char_frac=0, dup_para_frac=0,
                      dup_para_char_frac=0, top_n_grams={}, dup_n_grams={}) is None


def test_c4_rules_and_line_removal():
    check = c4_check(C4Params())
    assert check(GOOD + "\nLorem ipsum dolor sit amet, consectetur.")[0] == "lorem_ipsum"
    assert check(GOOD + "\nfunction x() { return 1; } is code.")[0] == "curly_bracket"
    assert check("One. Two sentences here.")[0] == "too_few_sentences"
    reason, text = check(GOOD + "\nPlease enable JavaScript to view this page.\nThis site uses cookies to work well.")
    assert reason is None and "JavaScript" not in text and "cookies" not in text
    # a line under min_words_per_line leaves before the lorem-ipsum rule reads it (datatrove's order)
    reason, text = check(GOOD + "\nLorem ipsum.")
    assert reason is None and "Lorem" not in text
    assert c4_check(C4Params(filter_lorem_ipsum=False))(GOOD + "\nLorem ipsum dolor sit amet, consectetur.")[0] is None


def test_sentences_are_counted_as_spacy_sentencizer_does():
    import spacy

    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    lines = ["One. Two! Three? Four", "Wait... what?! Yes.", "no end punctuation at all", "Mr. Smith paid $5.50 (cash). Done !",
             "« Quoted. » Then more。 Fin"]
    for line in lines:
        expected = len([s for s in nlp(line).sents if s.text.strip()])
        assert count_sentences(line) == expected, line
    assert count_sentences("One. Two! Three? Four") == 4


def test_fineweb_rules():
    check = fineweb_check(FineWebParams())
    listy = "\n".join(f"Item {i} of the list" for i in range(30))
    assert check(listy, split_into_words(listy)) == "line_punct_ratio"
    short = "\n".join(f"Item {i} is short." for i in range(30))
    assert check(short, split_into_words(short)) == "short_line_ratio"
    assert fineweb_check(FineWebParams(short_line_thr=1.0, new_line_ratio=1.0))(short, split_into_words(short)) is None


def test_broken_documents_are_removed_with_a_reason_or_pass():
    steps = curation_steps(_settings_stub(), None)
    docs = pd.DataFrame({"doc_id": ["a", "b", "c", "d"], "source": "s", "kind": "press", "lang": "en",
                         "text": ["", "!!! ??? ... ---", "y" * 3_000_000, GOOD]})
    ledger = Ledger()
    kept = run_steps(docs, steps, ledger)
    assert list(kept["doc_id"]) == ["d"]
    assert sum(ledger.books["s"].removed.values()) == 3


def test_each_filter_switches_off_on_its_own():
    for name in ("gopher_repetition", "gopher_quality", "c4", "fineweb"):
        settings = _settings_stub(**{name: {"enabled": False}})
        assert name not in [getattr(s, "__name__", "") for s in curation_steps(settings, None)]


def test_minhash_finds_near_duplicates_and_not_distinct_texts():
    hasher = MinHasher(5, 14, 8, 1)
    base = [prose(i, sentences=14) for i in range(40)]
    words = base[0].split()
    near = " ".join(words[:20] + ["velvet"] + words[21:])  # one word changed
    signature = hasher.signatures(base + [near, ""])
    dup = near_duplicates(signature, hasher, 0.75)
    assert dup.tolist() == [False] * 40 + [True, False]
    assert (hasher.signatures([near]) == signature[40]).all()  # batch-independent: same text, same signature
    assert signature.dtype == np.uint32 and signature.shape == (42, 112)


def _settings_stub(**clean):
    from types import SimpleNamespace

    params = CleanParams(**{"language": {"enabled": False}, **clean})
    return SimpleNamespace(params=SimpleNamespace(clean=params), sources=[])


HOSTILE_WORDS = [
    "U.S.A. isn't e-mail: see https://example.com/a?b=c (or www.maison.fr), 3.5kg -- 10% off!!!",
    "Tab\tseparated\u00a0nbsp  double  space\n\nnew\u2028line\u2029para\x0bvt\x1c fs \u3000ideographic",
    "don't can't we'll O'Neil's «guillemets» „quotes“ — em-dash… ellipsis... #hash @at ✨ emoji 👜👜",
    "x" * 1500 + " tail. " + "y" * 999 + " " + "(" + "z" * 1200 + ")",
    "", "   ", "\n\n\n", "a", "Mr. Smith went to N.Y.C. on Jan. 5th, 2024 at 5 p.m. Really?! Yes.",
]


def test_chunked_words_equal_one_spacy_call_per_text():
    from assets.cleaned.filters.words import split_into_words_reference

    for text in HOSTILE_WORDS + [prose(i, sentences=6) for i in range(20)]:
        assert split_into_words(text) == split_into_words_reference(text), text[:60]
        assert split_into_words(text) == split_into_words_reference(text)  # cached second time: same


def test_c4_sentence_shortcut_decides_as_full_count():
    p = C4Params()
    check = c4_check(p)
    few = "\n".join(["one line without end punctuation here"] * 4)  # 4 lines, 1 sentence each
    assert check(few)[0] == "too_few_sentences"
    assert check(few + "\nand a fifth line here")[0] is None
    assert check("This is one. This is two. Three is here. Four too. And five now.")[0] is None
    assert check("This is one. This is two. Three is here. Four too.")[0] == "too_few_sentences"


def test_memoized_sentence_count_equals_spacy_sentencizer_count():
    from assets.cleaned.filters.c4 import count_sentences_fast

    lines = [line for text in HOSTILE_WORDS + [prose(i, sentences=8) for i in range(10)] for line in text.splitlines()]
    lines += ["Hi! (Yes.) No...", "“Quoted.” Next one?! ok", "Dr. No went home. E.g. this; and that.", "a . b . c", ". . .", "Ends with dot."]
    for line in lines:
        line = line.strip()
        assert count_sentences_fast(line) == count_sentences(line), line

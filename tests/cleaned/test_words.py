"""The filters' English tokenizer is spaCy's, built without a Language (assets/cleaned/filters/words.py):
token for token what spacy.blank("en").tokenizer gives, on real corpora in five scripts, and
built without importing what spaCy's entry points would (presidio, transformers)."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest

from assets.cleaned.filters.words import _tokenizer
from tests.cleaned.test_filters import HOSTILE_WORDS

PROJECT = Path(__file__).resolve().parents[2]
DATA = PROJECT.parent / "shared" / "data"


def real_texts() -> list[str]:
    """Reviews, article gold text, dialogues and sentences in 75 languages, a few of each; none
    when ../shared/data is not on this machine (the hostile texts below always run)."""
    texts: list[str] = []
    reviews = DATA / "womens_clothing_reviews" / "womens_clothing_ecommerce_reviews.csv"
    if reviews.exists():
        with reviews.open(newline="", encoding="utf-8") as handle:
            texts += [row["Review Text"] for _, row in zip(range(300), csv.DictReader(handle)) if row.get("Review Text")]
    gold = DATA / "html_article_extraction_benchmark" / "ground-truth.json"
    if gold.exists():
        texts += [v["articleBody"] for v in list(json.loads(gold.read_text(encoding="utf-8")).values())[:40]]
    dialogues = DATA / "abcd_customer_service_dialogues" / "abcd_sample.json"
    if dialogues.exists():
        for convo in json.loads(dialogues.read_text(encoding="utf-8"))[:20]:
            texts.append("\n".join(turn[1] for turn in convo.get("original", []) if len(turn) > 1))
    for path in sorted((DATA / "multilingual_langid_lingua" / "sentences").glob("*.txt")):
        texts.append("\n".join(path.read_text(encoding="utf-8").splitlines()[:20]))
    return texts


def test_the_tokenizer_is_spacy_blank_english_token_for_token():
    import spacy

    reference = spacy.blank("en").tokenizer
    ours = _tokenizer()
    texts = HOSTILE_WORDS + real_texts()
    for text in texts:
        expected = [(t.text, t.idx, t.whitespace_, t.is_punct, t.is_space) for t in reference(text)]
        assert [(t.text, t.idx, t.whitespace_, t.is_punct, t.is_space) for t in ours(text)] == expected, text[:80]
    if DATA.exists():
        assert len(texts) > 400  # the real corpora were read, not skipped


def test_building_it_imports_no_entry_point_package():
    probe = ("import sys; from assets.cleaned.filters.words import split_into_words; split_into_words('A word, or two.'); "
             "print(sorted(m for m in ('presidio_analyzer', 'transformers') if m in sys.modules))")
    proc = subprocess.run([sys.executable, "-c", probe], cwd=PROJECT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip().splitlines()[-1] == "[]"


@pytest.mark.parametrize("text", ["Mr. Smith paid $5.50 (cash). Done !", "can't won't it's", "e-mail: a.b@c.com, http://x.org/y?z=1"])
def test_special_cases_and_urls_survive(text):
    import spacy

    assert [t.text for t in _tokenizer()(text)] == [t.text for t in spacy.blank("en").tokenizer(text)]

"""C4's rules (Raffel et al. 2020, section 2.2) as datatrove 0.10.1 implements them: drop lines
that are too short, too long-worded, about javascript or cookie/terms policies; drop the document
on "lorem ipsum", a curly bracket, or fewer than `min_num_sentences` sentences left. The kept lines
replace the text, as in FineWeb's pipeline."""

from __future__ import annotations

import re
from typing import Optional

import pandas as pd
from spacy.pipeline.sentencizer import Sentencizer

from assets.core.params.clean import C4Params
from assets.cleaned.filters.words import _tokenizer

CITATION = re.compile(r"\[\d*]|\[edit]|\[citation needed]")
END_PUNCTUATION = (".", "?", "!", '"', "'")
POLICY = ("terms of use", "privacy policy", "cookie policy", "uses cookies", "use of cookies", "use cookies")
_SENTENCE_END = frozenset(Sentencizer.default_punct_chars)


def count_sentences(line: str) -> int:
    """Sentences as spaCy's sentencizer splits them (datatrove's sentence splitter): a new one
    starts at the first token that is not punctuation after a sentence-ending character."""
    tokenizer = _tokenizer()
    sentences, seen_end, current = 0, False, []
    for token in tokenizer(line):
        if not current or (seen_end and not token.is_punct and token.text not in _SENTENCE_END):
            if current and "".join(current).strip():
                sentences += 1
            current, seen_end = [], False
        current.append(token.text_with_ws)
        if token.text in _SENTENCE_END:
            seen_end = True
    if current and "".join(current).strip():
        sentences += 1
    return sentences


def c4_check(p: C4Params):
    def check(text: str) -> tuple[Optional[str], str]:
        sentences, kept = 0, []
        for line in text.splitlines():
            line = line.strip()
            words = line.split()
            if p.max_word_length != -1 and any(len(w) > p.max_word_length for w in words):
                continue
            if p.remove_citations:
                line = CITATION.sub("", line)
            if p.filter_no_terminal_punct and (not line.endswith(END_PUNCTUATION) or line.endswith("...")):
                continue
            if len(words) < p.min_words_per_line:
                continue
            lower = line.lower()
            if p.filter_lorem_ipsum and "lorem ipsum" in lower:
                return "lorem_ipsum", text
            if p.filter_javascript and "javascript" in lower:
                continue
            if p.filter_curly_bracket and "{" in line:
                return "curly_bracket", text
            if p.filter_policy and any(s in lower for s in POLICY):
                continue
            if p.min_num_sentences != -1:
                sentences += count_sentences(line)
            kept.append(line)
        if sentences < p.min_num_sentences:
            return "too_few_sentences", text
        return None, "\n".join(kept).strip()

    return check


def c4_step(p: C4Params):
    check = c4_check(p)

    def c4(docs: pd.DataFrame) -> tuple[pd.DataFrame, pd.Series]:
        results = [check(text) for text in docs["text"]]
        docs = docs.drop(columns=["_words"], errors="ignore").assign(text=[text for _, text in results])
        return docs, pd.Series([f"c4.{r}" if r else None for r, _ in results], index=docs.index, dtype=object)

    return c4

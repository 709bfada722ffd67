"""C4's rules (Raffel et al. 2020, section 2.2) as datatrove 0.10.1 implements them: drop lines
that are too short, too long-worded, about javascript or cookie/terms policies; drop the document
on "lorem ipsum", a curly bracket, or fewer than `min_num_sentences` sentences left. The kept lines
replace the text, as in FineWeb's pipeline."""

from __future__ import annotations

import re
from itertools import accumulate
from typing import Optional

import pandas as pd
from spacy.pipeline.sentencizer import Sentencizer

from assets.core.params.clean import C4Params
from assets.cleaned.filters.words import _tokenizer

CITATION = re.compile(r"\[\d*]|\[edit]|\[citation needed]")
END_PUNCTUATION = (".", "?", "!", '"', "'")
POLICY = ("terms of use", "privacy policy", "cookie policy", "uses cookies", "use of cookies", "use cookies")
_SENTENCE_END = frozenset(Sentencizer.default_punct_chars)
_SENTENCE_END_RE = re.compile("|".join(map(re.escape, sorted(_SENTENCE_END, key=len, reverse=True))))


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


_TRANSITIONS: dict[str, tuple[int, bool, int, bool]] = {}  # chunk -> (new sentences, ends in sentence-end) if entered without / with a pending end


def _learn_transitions(chunks: list[str]) -> None:
    """What each whitespace-free chunk does to count_sentences' state, from one spaCy call over
    the chunks joined by single spaces (spaCy tokenizes each chunk on its own, see words.py)."""
    ends = list(accumulate(len(c) + 1 for c in chunks))
    tokens: list[list[tuple[str, bool]]] = [[] for _ in chunks]
    k = 0
    for token in _tokenizer()(" ".join(chunks)):
        while token.idx >= ends[k]:
            k += 1
        tokens[k].append((token.text, token.is_punct))
    for chunk, toks in zip(chunks, tokens):
        out = []
        for pending in (False, True):
            new = 0
            for text, punct in toks:
                if pending and not punct and text not in _SENTENCE_END:
                    new, pending = new + 1, False
                if text in _SENTENCE_END:
                    pending = True
            out += [new, pending]
        _TRANSITIONS[chunk] = tuple(out)


def count_sentences_fast(line: str) -> int:
    """count_sentences(line), from memoized per-chunk transitions when the line's chunks are
    separated by single spaces (no whitespace tokens); otherwise count_sentences itself."""
    chunks = line.split()
    if not chunks:
        return 0
    if " ".join(chunks) != line:
        return count_sentences(line)
    if len(_TRANSITIONS) > 1_000_000:
        _TRANSITIONS.clear()
    missing = [c for c in dict.fromkeys(chunks) if c not in _TRANSITIONS]
    if missing:
        _learn_transitions(missing)
    sentences, pending = 1, False
    for chunk in chunks:
        if pending:
            _, _, new, pending = _TRANSITIONS[chunk]
        else:
            new, pending, _, _ = _TRANSITIONS[chunk]
        sentences += new
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
            if p.min_num_sentences != -1 and sentences < p.min_num_sentences:
                # only the threshold matters: stop counting once it is reached; a line without any
                # sentence-ending character is one sentence (it has words), no tokenizer needed
                sentences += count_sentences_fast(line) if _SENTENCE_END_RE.search(line) else int(bool(line.strip()))
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

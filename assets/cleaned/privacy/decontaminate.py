"""Decontamination: evaluation text pasted into a training document leaves the corpus.

Evaluation material (the QA answer sentences, the evaluation-only documents), GPT-3 style (Brown
et al. 2020, appendix C): a training document that shares a word n-gram (13 words, lower-cased
`\\w+`) with it loses that span.

Only n-grams rare in the training corpus count: one that occurs in more than
`privacy.decontamination_max_docs` training documents is a shared phrase (a press boilerplate
paragraph, a legal footer, a template sentence), not evidence of contamination. Evaluation texts
shorter than the n-gram but of at least `decontamination_min_words` words (a QA answer sentence)
count whole. Each hit is cut out with `decontamination_window` characters on either side; the
document is split there, pieces shorter than `decontamination_min_piece` characters are dropped,
and a document split into more than `decontamination_max_pieces` pieces, or with nothing left,
is removed (reason `contamination`).

Held-out documents (sampled from the house's own sources for bits per byte) share the house's
repeated copy with many training documents by nature, as any in-distribution validation split
does; a training document is contaminated by them only when it is a copy: when at least
`decontamination_heldout_overlap` of its words lie in their rare n-grams (Llama 2's 80% rule), it
is removed whole. Records shorter than `decontamination_heldout_min_words` are not judged: a
held-out page quoting a 15-word reference entry does not make the entry a copy of the page.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Iterable, Mapping, Optional

import pandas as pd

_WORD = re.compile(r"\w+")

Grams = Mapping[int, frozenset]  # gram length (words) -> grams (" "-joined lower-cased words)


def _words(text: str) -> list[re.Match]:
    return list(_WORD.finditer(text))


def ngrams(text: str, n: int):
    words = [m.group().lower() for m in _words(text)]
    for i in range(len(words) - n + 1):
        yield " ".join(words[i : i + n])


def eval_grams(eval_texts: Iterable[str], n: int, min_words: int) -> dict[int, set]:
    grams: dict[int, set] = {}
    for text in eval_texts:
        words = [m.group().lower() for m in _words(text)]
        length = n if len(words) >= n else len(words)
        if length < min_words:
            continue
        grams.setdefault(length, set()).update(" ".join(words[i : i + length]) for i in range(len(words) - length + 1))
    return grams


def hits(words: list[re.Match], grams: Grams) -> list[tuple[int, int, str]]:
    """(first word, last word, gram) of every evaluation gram in the document's words."""
    tokens = [m.group().lower() for m in words]
    found = []
    for length, wanted in grams.items():
        if not wanted:
            continue
        for i in range(len(tokens) - length + 1):
            gram = " ".join(tokens[i : i + length])
            if gram in wanted:
                found.append((i, i + length - 1, gram))
    return found


def rare_eval_grams(eval_texts: Iterable[str], training_texts: Iterable[str], params) -> tuple[dict[int, frozenset], dict]:
    """The evaluation grams that occur in at most `decontamination_max_docs` training documents,
    and counts of what was found (for the stage's metadata)."""
    grams = eval_grams(eval_texts, params.decontamination_ngram, params.decontamination_min_words)
    frequency: Counter = Counter()
    for text in training_texts:
        frequency.update({gram for _, _, gram in hits(_words(text or ""), grams)})
    common = {gram for gram, count in frequency.items() if count > params.decontamination_max_docs}
    rare = {length: frozenset(wanted - common) for length, wanted in sorted(grams.items())}
    return rare, {"eval_grams": sum(map(len, grams.values())), "ignored_common_grams": len(common)}


def decontaminate(text: str, grams: Grams, params, heldout: Grams = {}) -> Optional[str]:
    """`text` with every evaluation span cut out (unchanged if none), or None if it must go."""
    words = _words(text)
    copied = hits(words, heldout) if heldout and len(words) >= params.decontamination_heldout_min_words else []
    if copied and len({i for a, b, _ in copied for i in range(a, b + 1)}) >= params.decontamination_heldout_overlap * len(words):
        return None
    found = hits(words, grams)
    if not found:
        return text
    window = params.decontamination_window
    cuts = sorted((max(0, words[a].start() - window), words[b].end() + window) for a, b, _ in found)
    merged = [list(cuts[0])]
    for start, end in cuts[1:]:
        if start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    bounds = [0] + [x for cut in merged for x in cut] + [len(text)]
    pieces = [text[bounds[i] : bounds[i + 1]].strip() for i in range(0, len(bounds), 2)]
    pieces = [p for p in pieces if p]
    if len(pieces) > params.decontamination_max_pieces:
        return None
    kept = [p for p in pieces if len(p) >= params.decontamination_min_piece]
    return "\n\n".join(kept) if kept else None


def decontamination_step(settings, grams: Grams, heldout: Grams = {}):
    """`grams`: rare n-grams of the evaluation material (spans cut); `heldout`: rare n-grams of the
    held-out documents (copies removed)."""
    params = settings.params.privacy

    def decontamination(docs: pd.DataFrame) -> tuple[pd.DataFrame, pd.Series]:
        anything = any(grams.values()) or any(heldout.values())
        texts = [decontaminate(t, grams, params, heldout) for t in docs["text"]] if anything else list(docs["text"])
        docs = docs.assign(text=[t if t is not None else "" for t in texts])
        return docs, pd.Series(["contamination" if t is None else None for t in texts], index=docs.index, dtype=object)

    return decontamination

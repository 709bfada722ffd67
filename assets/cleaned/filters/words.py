"""Words as the published filters count them: spaCy's rule-based English tokenizer (what
datatrove uses), tokens stripped, whitespace tokens dropped. No model is loaded."""

from __future__ import annotations

import re
from functools import lru_cache
from itertools import accumulate, chain

import pandas as pd

# spaCy's affix rules are slow on one huge run of non-space characters (34 s for 5 MB); such a run
# is no word anyone reads, so it counts as one word untouched. Normal text never gets here.
LONG_RUN = 1000
_LONG = re.compile(r"(\S{%d,})" % LONG_RUN)


@lru_cache(maxsize=1)
def _tokenizer():
    """spacy.blank("en").tokenizer, built as spaCy's own tokenizer factory builds it
    (spacy/language.py, create_tokenizer) but without a Language: Language() first imports every
    package's `spacy_factories` entry point, and presidio's imports transformers, ~3 s of every
    worker's start-up for a tokenizer that needs none of it. Same rules, same vocabulary
    attributes (tests/cleaned/test_words.py holds them token for token)."""
    from spacy.lang.en import English
    from spacy.tokenizer import Tokenizer
    from spacy.util import compile_infix_regex, compile_prefix_regex, compile_suffix_regex
    from spacy.vocab import create_vocab

    d = English.Defaults
    return Tokenizer(create_vocab("en", d), rules=d.tokenizer_exceptions, prefix_search=compile_prefix_regex(d.prefixes).search,
                     suffix_search=compile_suffix_regex(d.suffixes).search, infix_finditer=compile_infix_regex(d.infixes).finditer,
                     token_match=d.token_match, url_match=d.url_match)


def tokens(text: str):
    """spaCy tokens of `text` (long runs of non-space characters excepted, see LONG_RUN)."""
    tokenizer = _tokenizer()
    if len(text) < LONG_RUN or not _LONG.search(text):
        return list(tokenizer(text))
    out = []
    for i, part in enumerate(_LONG.split(text)):
        out.extend([part] if i % 2 else tokenizer(part))
    return out


_CHUNKS: dict[str, tuple[str, ...]] = {}
_CHUNKS_MAX = 1_000_000  # entries (~100 MB at most); cleared when full


def _learn(chunks: list[str]) -> None:
    """Tokenizes the not-yet-seen `chunks` in one spaCy call (joined by single spaces, which spaCy
    attaches to the token before them) and files each token under the chunk it came from."""
    normal = []
    for chunk in chunks:
        if len(chunk) >= LONG_RUN:
            _CHUNKS[chunk] = (chunk,)  # see LONG_RUN
        else:
            normal.append(chunk)
    if not normal:
        return
    ends = list(accumulate(len(c) + 1 for c in normal))  # chunk k spans [ends[k-1], ends[k] - 1)
    found: list[list[str]] = [[] for _ in normal]
    k = 0
    for token in _tokenizer()(" ".join(normal)):
        while token.idx >= ends[k]:
            k += 1
        text = token.text.strip()
        if text:
            found[k].append(text)
    for chunk, words in zip(normal, found):
        _CHUNKS[chunk] = tuple(words)


def split_into_words(text: str) -> list[str]:
    """spaCy's tokens of `text`, stripped, whitespace tokens dropped: what `split_into_words_reference`
    returns, faster. spaCy's tokenizer splits the text at whitespace first and tokenizes each chunk
    on its own (prefix, suffix, infix and special-case rules never cross whitespace; whitespace
    tokens are dropped here), so a text's words are the concatenation of its chunks' words. Chunks
    repeat (Zipf) and spaCy's cost is mostly building a Doc and Token objects, so chunks are
    memoized and the unseen ones of a text are tokenized together."""
    if len(_CHUNKS) > _CHUNKS_MAX:
        _CHUNKS.clear()
    chunks = text.split()
    missing = [c for c in dict.fromkeys(chunks) if c not in _CHUNKS]
    if missing:
        _learn(missing)
    get = _CHUNKS.__getitem__
    return list(chain.from_iterable(map(get, chunks)))


def split_into_words_reference(text: str) -> list[str]:
    """The same from one spaCy call over the whole text: the definition, for tests."""
    return [t for t in ((tok if isinstance(tok, str) else tok.text).strip() for tok in tokens(text)) if t]


def words_column(docs: pd.DataFrame) -> pd.Series:
    """Words of each text, computed once per text and shared by the filters that follow.

    A step that rewrites text must drop the `_words` column (see c4.py). Rows a step scoped to
    other kinds left without words (only_kinds fills them with None) get theirs here."""
    if "_words" not in docs.columns:
        docs["_words"] = [split_into_words(t) for t in docs["text"]]
    elif not all(isinstance(w, list) for w in docs["_words"]):
        docs["_words"] = [w if isinstance(w, list) else split_into_words(t) for w, t in zip(docs["_words"], docs["text"])]
    return docs["_words"]

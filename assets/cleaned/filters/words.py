"""Words as the published filters count them: spaCy's rule-based English tokenizer (what
datatrove uses), tokens stripped, whitespace tokens dropped. No model is loaded."""

from __future__ import annotations

import re
from functools import lru_cache

import pandas as pd

# spaCy's affix rules are slow on one huge run of non-space characters (34 s for 5 MB); such a run
# is no word anyone reads, so it counts as one word untouched. Normal text never gets here.
LONG_RUN = 1000
_LONG = re.compile(r"(\S{%d,})" % LONG_RUN)


@lru_cache(maxsize=1)
def _tokenizer():
    import spacy

    return spacy.blank("en").tokenizer


def tokens(text: str):
    """spaCy tokens of `text` (long runs of non-space characters excepted, see LONG_RUN)."""
    tokenizer = _tokenizer()
    if len(text) < LONG_RUN or not _LONG.search(text):
        return list(tokenizer(text))
    out = []
    for i, part in enumerate(_LONG.split(text)):
        out.extend([part] if i % 2 else tokenizer(part))
    return out


def split_into_words(text: str) -> list[str]:
    return [t for t in ((tok if isinstance(tok, str) else tok.text).strip() for tok in tokens(text)) if t]


def words_column(docs: pd.DataFrame) -> pd.Series:
    """Words of each text, computed once per text and shared by the filters that follow.

    A step that rewrites text must drop the `_words` column (see c4.py)."""
    if "_words" not in docs.columns:
        docs["_words"] = [split_into_words(t) for t in docs["text"]]
    return docs["_words"]

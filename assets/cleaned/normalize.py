"""Text normalization shared by every later step: Unicode repair (ftfy: mojibake, broken
entities), NFC, and tidy whitespace."""

from __future__ import annotations

import hashlib
import re
import unicodedata

import pandas as pd

_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200b\u3000]+")
_BLANK_LINES = re.compile(r"\n{3,}")


def normalize_text(text: str, fix_unicode: bool = True) -> str:
    if fix_unicode:
        import ftfy  # lazy: a spawned worker with clean.fix_unicode off skips its import

        text = ftfy.fix_text(text, normalization="NFC")
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
    lines = (_SPACES.sub(" ", line).strip() for line in text.split("\n"))
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()


def content_hash(text: str) -> str:
    """Exact-duplicate key: case and whitespace do not make a document new."""
    return hashlib.sha256(" ".join(text.lower().split()).encode("utf-8")).hexdigest()


def normalize_step(fix_unicode: bool = True, min_chars: int = 1):
    """Normalizes every text; removes what is left shorter than `min_chars` (reason `empty`)."""

    def normalize(docs: pd.DataFrame) -> tuple[pd.DataFrame, pd.Series]:
        docs = docs.assign(text=[normalize_text(t or "", fix_unicode) for t in docs["text"]])
        short = docs["text"].str.len() < max(1, min_chars)
        return docs, pd.Series(short.map({True: "empty", False: None}), index=docs.index, dtype=object)

    return normalize

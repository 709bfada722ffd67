"""Main text out of HTML with trafilatura: navigation, scripts, styles, footers and cookie
banners stay behind. A document is treated as HTML when its source says so or when it looks
like markup (an `<html>`/`<body>`/`<script>`... tag), so markup hidden in a JSONL field is
extracted too."""

from __future__ import annotations

import re

import pandas as pd

_MARKUP = re.compile(r"<\s*(!doctype\s+html|html|head|body|script|style|div|p|article|nav|footer)[\s>/]", re.IGNORECASE)


def looks_like_html(text: str) -> bool:
    return bool(_MARKUP.search(text[:100_000]))


def extract_main_text(html: str) -> str:
    import trafilatura  # lazy: a spawned worker with extraction off (clean.extract_html) skips its import

    text = trafilatura.extract(html, include_comments=False, include_tables=True, include_links=False, include_images=False, favor_precision=True, deduplicate=False, with_metadata=False)
    return text or ""  # nothing extracted: better a removal than navigation text


def extract_step(html_sources: frozenset[str] = frozenset()):
    def extraction(docs: pd.DataFrame) -> tuple[pd.DataFrame, pd.Series]:
        texts, reasons = [], []
        for source, text in zip(docs["source"], docs["text"]):
            text = text or ""
            if source in html_sources or looks_like_html(text):
                text = extract_main_text(text)
                reasons.append("extraction_empty" if not text.strip() else None)
            else:
                reasons.append(None)
            texts.append(text)
        return docs.assign(text=texts), pd.Series(reasons, index=docs.index, dtype=object)

    return extraction

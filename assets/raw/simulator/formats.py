"""File formats the house's archive arrives in: web pages, Word and PDF files, and the noise
helpers (near-duplicates). Every writer returns bytes that depend only on its inputs."""

from __future__ import annotations

import html
import io
import random
import re
import zipfile
from datetime import datetime

FIXED_TIME = datetime(2024, 1, 1, 12, 0, 0)
NAV = ["Collections", "Savoir-faire", "Workshops", "Boutiques", "Press", "Careers"]


def html_page(title: str, paragraphs: list[str], lang: str, date: str, related: list[str]) -> str:
    """A press page the way a CMS serves it: the article sits inside site chrome."""
    esc = html.escape
    nav = "".join(f'<li><a href="/{esc(item.lower())}/">{esc(item)}</a></li>' for item in NAV)
    body = "".join(f"<p>{esc(p)}</p>\n" for p in paragraphs)
    links = "".join(f'<li><a href="/press/{i}.html">{esc(r)}</a></li>' for i, r in enumerate(related))
    return f"""<!DOCTYPE html>
<html lang="{lang}">
<head>
<meta charset="utf-8">
<title>{esc(title)} | Maison Atelier Press</title>
<style>body{{font-family:Georgia,serif;margin:0}}.cookie{{position:fixed;bottom:0;background:#222;color:#fff}}nav ul{{display:flex;gap:1em}}</style>
<script>window.dataLayer=window.dataLayer||[];function gtag(){{dataLayer.push(arguments)}};gtag('js',new Date());</script>
</head>
<body>
<div class="cookie" id="cookie-banner">We use cookies to improve your experience and measure audience. By continuing to browse you accept our use of cookies. <button>Accept all</button> <button>Manage preferences</button></div>
<header><a class="logo" href="/">MAISON ATELIER</a><nav><ul>{nav}</ul></nav></header>
<main>
<article>
<h1>{esc(title)}</h1>
<p class="dateline"><time datetime="{date}">{date}</time></p>
{body}</article>
<aside><h2>Related</h2><ul>{links}</ul></aside>
</main>
<footer><p>© Maison Atelier. All rights reserved.</p><p><a href="/legal/">Legal notice</a> · <a href="/privacy/">Privacy policy</a> · <a href="/cookies/">Cookies</a> · <a href="/contact/">Contact</a></p><p>Subscribe to our newsletter for the latest news from the house.</p></footer>
<script>document.querySelectorAll('#cookie-banner button').forEach(b=>b.onclick=()=>b.parentNode.remove());</script>
</body>
</html>
"""


def docx_bytes(title: str, qa: list[tuple[str, str]], intro: str) -> bytes:
    import docx

    document = docx.Document()
    props = document.core_properties
    props.author, props.title = "Maison Atelier Press Office", title
    props.created = props.modified = props.last_printed = FIXED_TIME
    props.revision = 1
    document.add_heading(title, level=1)
    document.add_paragraph(intro)
    for question, answer in qa:
        document.add_paragraph().add_run(question).bold = True
        document.add_paragraph(answer)
    buffer = io.BytesIO()
    document.save(buffer)
    return _fixed_zip(buffer.getvalue())


def _fixed_zip(data: bytes) -> bytes:
    """python-docx stamps zip entries with the current time; rewrite them with a fixed one."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=(2024, 1, 1, 12, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(fixed, source.read(info.filename))
    return out.getvalue()


def pdf_bytes(title: str, paragraphs: list[str]) -> bytes:
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

    buffer = io.BytesIO()
    # invariant=1: no creation date or random document id, so the bytes are reproducible.
    doc = SimpleDocTemplate(buffer, pagesize=A4, title=title, author="Maison Atelier Press Office", invariant=1)
    styles = getSampleStyleSheet()
    story = [Paragraph(html.escape(title), styles["Title"]), Spacer(1, 12)]
    for p in paragraphs:
        story += [Paragraph(html.escape(p), styles["BodyText"]), Spacer(1, 6)]
    doc.build(story)
    return buffer.getvalue()


WORD = re.compile(r"\w+", re.UNICODE)


def shingles(text: str, k: int = 5) -> set[tuple[str, ...]]:
    words = WORD.findall(text.lower())
    return {tuple(words[i:i + k]) for i in range(max(1, len(words) - k + 1))}


def jaccard(a: str, b: str, k: int = 5) -> float:
    sa, sb = shingles(a, k), shingles(b, k)
    return len(sa & sb) / len(sa | sb) if sa | sb else 1.0


SWAPS = {"the": "this", "is": "remains", "and": "as well as", "in": "inside", "of": "from", "a": "one",
         "with": "alongside", "by": "through", "for": "towards", "at": "inside"}


def near_duplicate(rng: random.Random, text: str, min_jaccard: float = 0.8) -> str | None:
    """Change a few words far apart; None if the text is too short to stay above the threshold."""
    tokens = re.split(r"(\W+)", text)
    candidates = [i for i, t in enumerate(tokens) if t.lower() in SWAPS]
    for changes in (3, 2, 1):
        if len(candidates) < changes:
            continue
        chosen = sorted(rng.sample(candidates, changes))
        edited = list(tokens)
        for i in chosen:
            edited[i] = SWAPS[tokens[i].lower()]
        result = "".join(edited)
        if result != text and jaccard(text, result) >= min_jaccard:
            return result
    return None

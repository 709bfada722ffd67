"""report.html: one self-contained page (plots embedded as base64 PNG, no external script)."""

from __future__ import annotations

import base64
import html

STYLE = ".verdict{font-size:1.2em;font-weight:bold}body{font-family:sans-serif;max-width:60em;margin:2em auto;color:#222}td,th{padding:2px 8px;border-bottom:1px solid #ddd;text-align:left}img{max-width:100%}"


def table(rows: list[dict]) -> str:
    if not rows:
        return "<p><em>none</em></p>"
    columns = list(rows[0])
    head = "".join(f"<th>{html.escape(c)}</th>" for c in columns)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(_fmt(r.get(c)))}</td>" for c in columns) + "</tr>" for r in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def _fmt(value) -> str:
    return f"{value:.4g}" if isinstance(value, float) else str(value)


def paragraph(text: str, css: str = "") -> str:
    return f"<p class='{css}'>{html.escape(text)}</p>" if css else f"<p>{html.escape(text)}</p>"


def image(png: bytes, alt: str) -> str:
    return f"<img alt='{html.escape(alt)}' src='data:image/png;base64,{base64.b64encode(png).decode()}'>"


def page(title: str, sections: list[tuple[str, str]]) -> str:
    """sections: (heading, already-escaped HTML body)."""
    body = "".join(f"<h2>{html.escape(h)}</h2>{b}" for h, b in sections)
    return (f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title><style>{STYLE}</style></head>"
            f"<body><h1>{html.escape(title)}</h1>{body}</body></html>\n")

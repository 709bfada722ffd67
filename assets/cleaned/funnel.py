"""The cleaned stage's funnel for Dagster metadata: a markdown table and a PNG bar chart of
documents in -> quarantined -> removed (by reason, in pipeline order) -> kept."""

from __future__ import annotations

import io

# Reasons in the order the steps run, so the funnel reads top to bottom; unknown reasons follow.
ORDER = ("rights_none", "eval_only", "extraction", "empty", "language", "gopher_repetition", "gopher_quality", "c4", "fineweb",
         "consent", "pii", "quality", "decontam", "exact_duplicate", "near_duplicate")


def _position(reason: str) -> tuple[int, str]:
    hits = [i for i, prefix in enumerate(ORDER) if reason.startswith(prefix)]
    return (hits[0] if hits else len(ORDER), reason)


def funnel_rows(books: dict) -> list[tuple[str, int, int]]:
    """(stage, documents leaving there, documents remaining after it) from a ledger dict."""
    remaining = books["documents_in"]
    rows = [("documents_in", 0, remaining)]
    for reason, count in sorted(books["quarantined"].items()):
        remaining -= count
        rows.append((f"quarantined: {reason}", count, remaining))
    for reason in sorted(books["removed"], key=_position):
        remaining -= books["removed"][reason]
        rows.append((reason, books["removed"][reason], remaining))
    rows.append(("kept", books["kept"], books["kept"]))
    return rows


def funnel_markdown(books: dict) -> str:
    lines = ["| stage | removed | remaining |", "| --- | ---: | ---: |"]
    lines += [f"| {stage} | {out} | {left} |" for stage, out, left in funnel_rows(books)]
    lines += ["", "| source | in | kept | removed | quarantined |", "| --- | ---: | ---: | ---: | ---: |"]
    for name, book in books.get("sources", {}).items():
        lines.append(f"| {name} | {book['documents_in']} | {book['kept']} | {sum(book['removed'].values())} | {sum(book['quarantined'].values())} |")
    return "\n".join(lines)


def funnel_png(books: dict) -> bytes:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = funnel_rows(books)
    fig, ax = plt.subplots(figsize=(8, 0.35 * len(rows) + 1.2))
    ax.barh([r[0] for r in rows][::-1], [r[2] for r in rows][::-1], color="#4c72b0")
    ax.set_xlabel("documents remaining")
    ax.set_title("cleaned: curation funnel")
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100, metadata={"Software": None})  # no version stamp: same books, same bytes
    plt.close(fig)
    return buffer.getvalue()

"""The cleaned stage's funnel for Dagster metadata: a markdown table and a PNG bar chart of
documents in -> quarantined -> removed (by reason, in pipeline order) -> kept."""

from __future__ import annotations

from assets.cleaned.reasons import REASONS, position, step_of
from assets.core.figures import png, pyplot
from assets.core.markdown import markdown_table

# Per source, the stacked bars' stages: kept, then the ways out in pipeline order (quarantine at
# ingest, before any cleaning step).
STAGES = ("kept", "quarantined", *REASONS)


def funnel_rows(books: dict) -> list[tuple[str, int, int]]:
    """(stage, documents leaving there, documents remaining after it) from a ledger dict, in
    pipeline order: quarantined at ingest, then each step's removals (REASONS), then kept. The
    one order of the Dagster metadata, the DVC plot and the report (assets/reports/plots.py)."""
    remaining = books["documents_in"]
    rows = [("documents_in", 0, remaining)]
    for reason, count in sorted(books["quarantined"].items()):
        remaining -= count
        rows.append((f"quarantined: {reason}", count, remaining))
    for reason in sorted(books["removed"], key=position):
        remaining -= books["removed"][reason]
        rows.append((reason, books["removed"][reason], remaining))
    rows.append(("kept", books["kept"], books["kept"]))
    return rows


def funnel_markdown(books: dict) -> str:
    stages = [{"stage": stage, "removed": out, "remaining": left} for stage, out, left in funnel_rows(books)]
    sources = [{"source": name, "in": book["documents_in"], "kept": book["kept"], "removed": sum(book["removed"].values()),
                "quarantined": sum(book["quarantined"].values())} for name, book in books.get("sources", {}).items()]
    return markdown_table(stages) + "\n" + markdown_table(sources)


def funnel_png(books: dict) -> bytes:
    plt = pyplot()
    rows = funnel_rows(books)
    fig, ax = plt.subplots(figsize=(8, 0.35 * len(rows) + 1.2))
    ax.barh([r[0] for r in rows][::-1], [r[2] for r in rows][::-1], color="#4c72b0")
    ax.set_xlabel("documents remaining")
    ax.set_title("cleaned: curation funnel")
    return png(fig, dpi=100)


def source_records(books: dict) -> list[dict]:
    """Per source, documents kept and lost to each step (rules of a step summed), quarantined
    first, then in pipeline order: the DVC plot data and the stacked chart's bars."""
    rows = []
    for name, book in books["sources"].items():
        rows.append({"source": name, "stage": "kept", "documents": book["kept"]})
        if book["quarantined"]:
            rows.append({"source": name, "stage": "quarantined", "documents": sum(book["quarantined"].values())})
        lost: dict[str, int] = {}
        for reason, count in book["removed"].items():
            lost[step_of(reason)] = lost.get(step_of(reason), 0) + count
        rows += [{"source": name, "stage": step, "documents": lost[step]} for step in sorted(lost, key=position)]
    return rows


def plot_records(books: dict) -> list[dict]:
    """source_records with each stage's place in the pipeline (`order`: kept, quarantined, then
    REASONS), by which the DVC plot stacks the bars and orders its legend."""
    return [{**r, "order": STAGES.index(r["stage"]) if r["stage"] in STAGES else len(STAGES)} for r in source_records(books)]


def source_png(books: dict) -> bytes:
    """A stacked horizontal bar per source: kept, then each removal step, in pipeline order."""
    plt = pyplot()
    records = source_records(books)
    sources = list(books["sources"])
    stages = [*STAGES] + sorted({r["stage"] for r in records} - set(STAGES))
    stages = [s for s in stages if any(r["stage"] == s for r in records)]
    counts = {(r["source"], r["stage"]): r["documents"] for r in records}
    fig, ax = plt.subplots(figsize=(9, 0.4 * len(sources) + 2))
    left = [0] * len(sources)
    colors = plt.get_cmap("tab20")
    for i, stage in enumerate(stages):
        widths = [counts.get((s, stage), 0) for s in sources]
        ax.barh(sources, widths, left=left, label=stage, color="#4c72b0" if stage == "kept" else colors(i % 20))
        left = [a + b for a, b in zip(left, widths)]
    ax.invert_yaxis()
    ax.set_xlabel("documents")
    ax.set_title("cleaned: each source's documents, kept and removed by step")
    ax.legend(fontsize=7, loc="lower right", ncol=2)
    return png(fig, dpi=100)

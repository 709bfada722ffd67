"""Metadata helpers: markdown tables and small PNG charts (matplotlib, Agg, no display)."""

from __future__ import annotations

import io


def markdown_table(rows: list[dict]) -> str:
    if not rows:
        return "(empty)"
    headers = list(rows[0])
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(str(r.get(h, "")) for h in headers) + " |" for r in rows]
    return "\n".join(lines)


def bar_charts(panels: list[tuple[str, dict]]) -> bytes:
    """One horizontal bar chart per (title, {label: value}) panel, side by side, as PNG bytes."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(panels), figsize=(4.5 * len(panels), 3.5), squeeze=False)
    for ax, (title, values) in zip(axes[0], panels):
        labels = [str(k) for k in values]
        ax.barh(labels, list(values.values()), color="#6b4f3a")
        ax.set_title(title, fontsize=10)
        ax.invert_yaxis()
        ax.tick_params(labelsize=8)
    fig.tight_layout()
    buffer = io.BytesIO()
    # No timestamp or software tag, so the same data gives the same bytes.
    fig.savefig(buffer, format="png", dpi=80, metadata={"Software": None})
    plt.close(fig)
    return buffer.getvalue()

"""The graph stage's charts for Dagster metadata: small horizontal bar charts as PNG."""

from __future__ import annotations

from assets.core.figures import png, pyplot


def bar_charts(panels: list[tuple[str, dict]]) -> bytes:
    """One horizontal bar chart per (title, {label: value}) panel, side by side, as PNG bytes."""
    plt = pyplot()
    fig, axes = plt.subplots(1, len(panels), figsize=(4.5 * len(panels), 3.5), squeeze=False)
    for ax, (title, values) in zip(axes[0], panels):
        labels = [str(k) for k in values]
        ax.barh(labels, list(values.values()), color="#6b4f3a")
        ax.set_title(title, fontsize=10)
        ax.invert_yaxis()
        ax.tick_params(labelsize=8)
    return png(fig, dpi=80)

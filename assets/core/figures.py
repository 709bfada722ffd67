"""matplotlib figures as PNG bytes, drawn one way wherever we draw: the Agg backend (no display)
and no version string in the file, so the same data gives the same bytes on every machine."""

from __future__ import annotations

import io


def pyplot():
    """matplotlib.pyplot on the Agg backend. Imported when a chart is drawn, not when its module
    is: a curation worker imports stage modules but draws nothing, and matplotlib costs a second."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def png(fig, dpi: int) -> bytes:
    """The figure laid out tight, as PNG bytes; the figure is closed."""
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi, metadata={"Software": None})
    pyplot().close(fig)
    return buffer.getvalue()

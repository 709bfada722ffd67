"""A stage's result dict as Dagster metadata (assets/core/dagster_stage.py)."""

from __future__ import annotations

import base64

import dagster as dg

from assets.core.dagster_stage import image, table, to_metadata
from assets.core.figures import png, pyplot
from assets.core.storage import Storage


def chart() -> bytes:
    fig, ax = pyplot().subplots(figsize=(2, 2))
    ax.plot([0, 1], [1, 0])
    return png(fig, dpi=30)


def test_each_kind_of_result_value_becomes_its_metadata(tmp_path):
    area = Storage(str(tmp_path))
    area.write_bytes("stage/stats.png", chart())
    metadata = to_metadata({"nodes": 3, "share": 0.5, "note": "x", "missing": None, "by_type_md": "| a |", "plot": "stage/stats.png",
                            "ledger": {"kept": 2}, "rows": table([{"a": 1}]), "funnel_plot": image(chart(), "funnel")}, area)
    assert (metadata["nodes"], metadata["share"], metadata["note"], metadata["missing"]) == (3, 0.5, "x", None)
    assert metadata["by_type"] == dg.MetadataValue.md("| a |") and "by_type_md" not in metadata
    assert metadata["ledger"] == dg.MetadataValue.json({"kept": 2})
    assert metadata["rows"] == dg.MetadataValue.md("| a |\n|---|\n| 1 |\n")
    staged = metadata["plot"].value
    assert staged.startswith("![plot](data:image/png;base64,")
    assert base64.b64decode(staged[len("![plot](data:image/png;base64,"):-1]) == area.read_bytes("stage/stats.png")
    assert metadata["funnel_plot"].value.startswith("![funnel](data:image/png;base64,iVBOR")

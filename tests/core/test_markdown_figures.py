"""The one markdown table and the one PNG writer every stage uses."""

from __future__ import annotations

from assets.core.figures import png, pyplot
from assets.core.markdown import markdown_table


def test_a_table_takes_its_columns_from_the_first_row_and_keeps_each_cell_whole():
    table = markdown_table([{"source": "a|b", "share": 0.123456, "docs": 3}, {"source": "c", "docs": 4}])
    assert table.splitlines() == ["| source | share | docs |", "|---|---|---|", "| a\\|b | 0.1235 | 3 |", "| c |  | 4 |"]
    assert table.endswith("\n") and markdown_table([]) == "_none_\n"


def test_the_same_figure_gives_the_same_bytes_and_is_closed():
    plt = pyplot()

    def draw() -> bytes:
        fig, ax = plt.subplots(figsize=(3, 2))
        ax.barh(["kept", "removed"], [5, 2])
        return png(fig, dpi=50)

    first, second = draw(), draw()
    assert first.startswith(b"\x89PNG") and first == second
    assert b"Software" not in first and b"matplotlib" not in first, "no version stamp in the file"
    assert not plt.get_fignums(), "every figure closed"

"""Markdown tables, written one way wherever we write one: Dagster metadata, the model card."""

from __future__ import annotations


def markdown_table(rows: list[dict]) -> str:
    """Columns from the first row (a cell a row lacks is blank), one line per row, and a closing
    newline, so tables and paragraphs join line by line. `_none_` for no rows."""
    if not rows:
        return "_none_\n"
    columns = list(rows[0])
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(cell(row.get(column, "")) for column in columns) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def cell(value) -> str:
    """Floats to four significant digits; a `|` inside a value would split its cell, so it is escaped."""
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value).replace("|", "\\|")

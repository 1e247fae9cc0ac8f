"""Tables as a person reads them: aligned, thousands separators, percentages.

``render`` draws with ``rich`` on a terminal and as plain aligned text otherwise (pipes, files,
CI logs); ``to_csv`` and ``to_json`` give the same tables to scripts.
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

Format = Literal["usd", "pct", "rate", "price", "num", "text", "int"]
Cell = float | int | str | bool | None


@dataclass(frozen=True)
class Table:
    """A titled table; ``formats`` gives each column's number format."""

    title: str
    columns: Sequence[str]
    rows: Sequence[Sequence[Cell]]
    formats: Sequence[Format] = field(default_factory=tuple)
    note: str = ""

    def format_of(self, column: int) -> Format:
        return self.formats[column] if column < len(self.formats) else "text"


def format_cell(value: Cell, fmt: Format) -> str:
    """One value as text: ``usd`` 20,000.00; ``pct`` −15.00%; ``price`` 104,581.67; ``int`` 200.

    >>> format_cell(-14500, "usd"), format_cell(-0.15, "pct"), format_cell(True, "usd")
    ('-14,500.00', '-15.00%', 'TRUE')
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, str):
        return value
    if isinstance(value, float) and not math.isfinite(value):
        return "#NUM!"
    if fmt in ("usd", "price"):
        return f"{value:,.2f}"
    if fmt == "pct":
        return f"{value * 100:,.2f}%"
    if fmt == "rate":
        return f"{value * 100:,.4f}%"
    if fmt == "int":
        return f"{value:,.0f}"
    if fmt == "num":
        return f"{value:,.6g}"
    return str(value)


def _is_numeric(value: Cell) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _text_rows(table: Table) -> list[list[str]]:
    return [[format_cell(v, table.format_of(i)) for i, v in enumerate(row)] for row in table.rows]


def render_plain(table: Table) -> str:
    """The table as aligned plain text: numbers right-aligned, text left-aligned."""
    texts = _text_rows(table)
    widths = [len(c) for c in table.columns]
    for row in texts:
        widths = [max(w, len(c)) for w, c in zip(widths, row, strict=False)]
    numeric = [any(_is_numeric(row[i]) for row in table.rows if i < len(row)) for i in range(len(widths))]

    def line(cells: Sequence[str]) -> str:
        parts = [c.rjust(w) if numeric[i] else c.ljust(w) for i, (c, w) in enumerate(zip(cells, widths, strict=False))]
        return "  ".join(parts).rstrip()

    out = [table.title, "=" * len(table.title), line(table.columns), line(["-" * w for w in widths])]
    out += [line(row) for row in texts]
    if table.note:
        out.append(table.note)
    return "\n".join(out) + "\n"


def render_rich(table: Table) -> str:
    """The table drawn by ``rich`` (box lines, bold header), as text with terminal codes."""
    from rich.console import Console
    from rich.table import Table as RichTable

    drawn = RichTable(title=table.title, caption=table.note or None)
    for i, column in enumerate(table.columns):
        numeric = any(_is_numeric(row[i]) for row in table.rows if i < len(row))
        drawn.add_column(column, justify="right" if numeric else "left")
    for row in _text_rows(table):
        drawn.add_row(*row)
    buffer = io.StringIO()
    Console(file=buffer, force_terminal=True, width=120).print(drawn)
    return buffer.getvalue()


def to_csv(tables: Sequence[Table]) -> str:
    """Every table as CSV, one block each, headed by a ``# title`` line; raw numbers."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    for table in tables:
        buffer.write(f"# {table.title}\n")
        writer.writerow(table.columns)
        writer.writerows(["" if v is None else v for v in row] for row in table.rows)
        buffer.write("\n")
    return buffer.getvalue()


def to_json(tables: Sequence[Table]) -> str:
    """Every table as JSON: a list of ``{"title", "columns", "rows"}`` with raw numbers."""
    payload = [{"title": t.title, "columns": list(t.columns), "rows": [list(r) for r in t.rows]} for t in tables]
    return json.dumps(payload, indent=2) + "\n"

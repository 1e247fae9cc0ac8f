"""Tables as a person reads them (aligned, thousands separators, percentages) and as data.

``render_plain`` and ``render_rich`` draw a table for a person (``rich`` on a terminal, plain
aligned text for pipes, files and CI logs). ``to_csv`` and ``to_json`` give the same tables to
programs as data: every number a number (rounded to 12 significant digits, which removes float
noise such as ``-28000.000000000004`` and nothing else), booleans as booleans, an error cell as
its code and reason (``{"error": "#NUM!", "reason": "..."}`` in JSON), with anything else the
caller adds (the report adds its stale list, notes, data dates and error cells).
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from althedge_xl.excel.errors import ExcelError

Format = Literal["usd", "pct", "rate", "price", "num", "text", "int", "mark", "leverage"]
"""How a column shows: ``usd``/``price`` in USD, ``pct`` a fraction shown as %, ``rate`` a fraction
per funding interval, ``num``/``int`` plain numbers, ``text``, ``mark`` a boolean shown as a pointer,
``leverage`` a multiple (``2.47×``)."""
Cell = float | int | str | bool | ExcelError | None
#: Significant digits kept in data output: float noise goes, every real digit stays.
DATA_DIGITS = 12


@dataclass(frozen=True)
class Table:
    """A titled table; ``formats`` gives each column's format, ``row_formats`` (when given) each row's.

    ``row_formats`` is for label/value tables, whose values differ row by row: it then applies to
    every column but the first (the label).
    """

    title: str
    columns: Sequence[str]
    rows: Sequence[Sequence[Cell]]
    formats: Sequence[Format] = field(default_factory=tuple)
    note: str = ""
    row_formats: Sequence[Format] = field(default_factory=tuple)

    def format_of(self, column: int, row: int | None = None) -> Format:
        if row is not None and column > 0 and row < len(self.row_formats):
            return self.row_formats[row]
        return self.formats[column] if column < len(self.formats) else "text"


def label_value_table(title: str, rows: Sequence[tuple[str, Any, Format]], note: str = "") -> Table:
    """A two-column table of (label, value, format) rows: each value keeps its own format (``row_formats``)."""
    return Table(
        title,
        ["Item", "Value"],
        [[label, value] for label, value, _ in rows],
        ["text", "text"],
        note=note,
        row_formats=[fmt for _, _, fmt in rows],
    )


def format_cell(value: Cell, fmt: Format) -> str:
    """One value as text: ``usd`` 20,000.00; ``pct`` −15.00%; ``price`` 104,581.67; ``int`` 200; ``leverage`` 2.47×.

    An error shows as its code and reason; a ``mark`` column shows TRUE as ``<- in force``.

    >>> format_cell(-14500, "usd"), format_cell(-0.15, "pct"), format_cell(True, "usd"), format_cell(2.4655, "leverage")
    ('-14,500.00', '-15.00%', 'TRUE', '2.47×')
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        if fmt == "mark":
            return "<- in force" if value else ""
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
    if fmt == "leverage":
        return f"{value:,.2f}×"
    if fmt == "num":
        return f"{value:,.6g}"
    return str(value)


def _is_numeric(value: Cell) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _text_rows(table: Table) -> list[list[str]]:
    return [[format_cell(v, table.format_of(i, r)) for i, v in enumerate(row)] for r, row in enumerate(table.rows)]


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


def data_value(value: Any) -> Any:
    """A value as data: numbers rounded to :data:`DATA_DIGITS` significant digits, an error as an object.

    >>> data_value(-28000.000000000004), data_value(0.1 + 0.2), data_value(True), data_value(7)
    (-28000.0, 0.3, True, 7)
    >>> data_value(ExcelError("#NUM!", "leverage must be at least 1"))
    {'error': '#NUM!', 'reason': 'leverage must be at least 1'}
    """
    if isinstance(value, ExcelError):
        return {"error": value.code, "reason": value.reason}
    if isinstance(value, float):
        if not math.isfinite(value):
            return {"error": "#NUM!", "reason": "not a finite number"}
        return float(f"{value:.{DATA_DIGITS}g}")
    if isinstance(value, Mapping):
        return {k: data_value(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [data_value(v) for v in value]
    return value


def _typed(value: Any, fmt: Format) -> Any:
    """A count (format ``int``) that is a whole float as an int: ``135.0`` → ``135``."""
    if fmt == "int" and isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def table_data(table: Table) -> dict[str, Any]:
    """One table as data: title, columns, formats (by column, or by row for label/value tables), rows, note."""
    data: dict[str, Any] = {"title": table.title, "columns": list(table.columns)}
    data["formats"] = [table.format_of(i) for i in range(len(table.columns))]
    if table.row_formats:
        data["row_formats"] = list(table.row_formats)
    data["rows"] = [
        [data_value(_typed(v, table.format_of(i, r))) for i, v in enumerate(row)] for r, row in enumerate(table.rows)
    ]
    data["note"] = table.note
    return data


def _csv_value(value: Any) -> Any:
    """A CSV field: '' for blank, TRUE/FALSE, the error code (its reason goes in the errors block)."""
    if value is None:
        return ""
    if isinstance(value, ExcelError):
        return value.code
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    cleaned = data_value(value)
    return cleaned["error"] if isinstance(cleaned, dict) else cleaned


def to_csv(tables: Sequence[Table], blocks: Sequence[Table] = ()) -> str:
    """Every table as CSV, one block each headed by a ``# title`` line, then ``blocks`` (errors, notes...).

    Numbers are raw (rounded as :func:`data_value`), booleans TRUE/FALSE, an error cell its code.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    for table in (*tables, *blocks):
        buffer.write(f"# {table.title}\n")
        writer.writerow(table.columns)
        writer.writerows(
            [_csv_value(_typed(v, table.format_of(i, r))) for i, v in enumerate(row)]
            for r, row in enumerate(table.rows)
        )
        buffer.write("\n")
    return buffer.getvalue()


def to_json(tables: Sequence[Table], extra: Mapping[str, Any] | None = None) -> str:
    """Every table as JSON: ``{"tables": [{"title", "columns", "formats", "rows", "note"}...], **extra}``."""
    payload: dict[str, Any] = {"tables": [table_data(t) for t in tables]}
    payload.update({k: data_value(v) for k, v in (extra or {}).items()})
    return json.dumps(payload, indent=2, ensure_ascii=False) + "\n"

"""Stretch the formulas over History's long block to its last row, after ``refresh --history``.

The Backtest sheet's ``BACKTEST`` table and equity arrays (and every other formula over the long block:
the count of crash days, the HedgeRatio sheet's downside betas and signals) read fixed ranges such as
``History!H5:H1633``, set when the workbook was built, and a legacy array formula has a fixed extent.
The row they end on is the one the ``BACKTEST`` equity formula's dates end on. When the block has
``added`` days below it (appended by this refresh, by the Refresh button, or by an earlier refresh),
the refresh rewrites in the package's XML (every other byte stays as it was):

* every range of the long block's columns (H to N) that ends on that row, or on the row before it
  (day-over-day ratios), in every sheet's formulas and in the defined names, ends ``added`` rows lower;
* the equity array (:data:`~althedge_xl.workbook.sheets.backtest_rules.EQUITY_NAME`): its extent, its
  defined name and the chart's series grow by ``added`` rows, the new cells styled as the row above
  (the period's first day does not move: it is set by the block's first days); the sheet's stated
  dimension takes them in;
* the period line's last day, and the line counting the days without a funding record.

A range that ends elsewhere (one a user changed) is left as it is. Excel, LibreOffice and the headless
engine then compute the Backtest up to the newest close (the file asks for a full calculation on load).
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Mapping
from typing import Any, NamedTuple
from xml.sax.saxutils import unescape

from openpyxl.utils.cell import column_index_from_string, get_column_letter

from althedge_xl.workbook import history_layout as hx
from althedge_xl.workbook.history_long import days_from
from althedge_xl.workbook.patch import open_package, rewrite_parts, set_cells, sheet_part
from althedge_xl.workbook.sheets import backtest_rules as rules

BACKTEST_SHEET = "Backtest"
_LONG_RANGE = re.compile(r"((?:'History'|History)!\$?[H-N]\$?\d+:\$?[H-N]\$?)(\d+)(?![\d(])")
_FORMULA = re.compile(r"(<(?:[\w.-]+:)?f\b[^>/]*>)([^<]*)")
_DEFINED_NAME = re.compile(r"(<(?:[\w.-]+:)?definedName\b[^>]*>)([^<]*)")
#: A rectangle of the Backtest sheet as a defined name refers to it (``Backtest!$Z$26:$AI$1548``):
#: its first column, first row, last column and last row.
BACKTEST_AREA = re.compile(r"^'?Backtest'?!\$?([A-Z]+)\$?(\d+):\$?([A-Z]+)\$?(\d+)$")
_PERIOD = re.compile(r"^(\d{4}-\d{2}-\d{2}) to (\d{4}-\d{2}-\d{2})\b")
#: The row the ``BACKTEST`` equity formula's dates (History's column H) end on.
EQUITY_DATES_END = re.compile(r"BACKTEST\((?:'History'|History)!\$?H\$?\d+:\$?H\$?(\d+)")
#: Rows of the Backtest sheet's column H read for its lines (the rules block's lines end above row 50).
LINES_ROWS = 60
_MISSING = re.compile(r"^History has no funding record on (\d+) days \((\d{4}-\d{2}-\d{2}) to (\d{4}-\d{2}-\d{2})\)")


def stretch_long_block_formulas(package: bytes) -> bytes:
    """``package`` with its formulas over the long block stretched to the block's last row.

    The row they end on is the one the ``BACKTEST`` equity formula's dates end on; the package comes
    back as it is when that is the block's last row already, or when the equity array is not there.
    """
    source = open_package(package)
    workbook = source.read("xl/workbook.xml").decode("utf-8")
    equity = _equity_area(workbook)
    if equity is None or BACKTEST_SHEET not in _sheet_names(workbook):
        return package
    backtest = sheet_part(source, BACKTEST_SHEET)
    formula = _array_formula(source.read(backtest).decode("utf-8"), equity)
    dates_end = EQUITY_DATES_END.search(formula.group(1)) if formula else None
    if dates_end is None:
        return package
    last_row = int(dates_end.group(1))
    days = days_from(package, last_row)
    if len(days) < 2:
        return package
    (last_day, _), new_days = days[0], dict(days[1:])
    added = len(new_days)
    grown = Area(equity.first_col, equity.first_row, equity.last_col, equity.last_row + added)
    cells = _column_h(package)
    lines, note = backtest_lines(cells, last_day, new_days), _note_cell(cells)

    def formulas(xml: str) -> str:
        return _FORMULA.sub(lambda m: m.group(1) + stretch_long_range(m.group(2), last_row, added), xml)

    def names(xml: str) -> str:
        stretched = _DEFINED_NAME.sub(lambda m: m.group(1) + stretch_long_range(m.group(2), last_row, added), xml)
        return stretched.replace(_name_text(equity), _name_text(grown))

    history = sheet_part(source, hx.SHEET)
    edits: dict[str, Callable[[str], str]] = {
        name: formulas
        for name in source.namelist()
        if name.startswith("xl/worksheets/") and name.endswith(".xml") and name != history
    }
    edits[backtest] = lambda xml: _grow_equity(formulas(xml), equity, grown, lines, note)
    edits["xl/workbook.xml"] = names
    for name in source.namelist():
        if name.startswith("xl/charts/") and name.endswith(".xml"):
            edits[name] = lambda xml: _grow_series(xml, equity, grown)
    return rewrite_parts(package, edits)


def _sheet_names(workbook_xml: str) -> list[str]:
    return [unescape(name) for name in re.findall(r'<(?:[\w.-]+:)?sheet\b[^>]*?\sname="([^"]*)"', workbook_xml)]


def _column_h(package: bytes) -> dict[str, Any]:
    """The Backtest sheet's lines in column H (address -> value) above the chart: its period and notes."""
    import openpyxl

    book = openpyxl.load_workbook(io.BytesIO(package), read_only=True, data_only=True)
    try:
        rows = book[BACKTEST_SHEET].iter_rows(min_row=1, max_row=LINES_ROWS, min_col=8, max_col=8, values_only=True)
        return {f"H{number}": value for number, (value,) in enumerate(rows, start=1) if value is not None}
    finally:
        book.close()


class Area(NamedTuple):
    """A rectangle of the Backtest sheet: its first and last column letters and rows."""

    first_col: str
    first_row: int
    last_col: str
    last_row: int

    def columns(self) -> list[str]:
        """The letters of its columns, left to right."""
        first, last = column_index_from_string(self.first_col), column_index_from_string(self.last_col)
        return [get_column_letter(c) for c in range(first, last + 1)]

    def ref(self) -> str:
        """Its reference without dollar signs (``Z26:AI1548``)."""
        return f"{self.first_col}{self.first_row}:{self.last_col}{self.last_row}"


def stretch_long_range(formula: str, last_row: int, added: int) -> str:
    """``formula`` with each range of the long block's columns ending on ``last_row`` (or the row before)
    ending ``added`` rows lower.

    >>> stretch_long_range("SUMPRODUCT((History!I6:I9/History!I5:I8-1<0)*1)+SUM(History!B5:B9)+History!H9", 9, 2)
    'SUMPRODUCT((History!I6:I11/History!I5:I10-1<0)*1)+SUM(History!B5:B9)+History!H9'
    """

    def move(match: re.Match[str]) -> str:
        row = int(match.group(2))
        return match.group(1) + str(row + added) if row in (last_row - 1, last_row) else match.group(0)

    return _LONG_RANGE.sub(move, formula)


def _equity_area(workbook_xml: str) -> Area | None:
    """Where the defined name of the equity array says it is, or None without it."""
    for match in _DEFINED_NAME.finditer(workbook_xml):
        if f'name="{rules.EQUITY_NAME}"' in match.group(1):
            area = BACKTEST_AREA.match(match.group(2))
            if area:
                return Area(area.group(1), int(area.group(2)), area.group(3), int(area.group(4)))
    return None


def _name_text(area: Area) -> str:
    return f"'{BACKTEST_SHEET}'!${area.first_col}${area.first_row}:${area.last_col}${area.last_row}"


def _array_formula(xml: str, area: Area) -> re.Match[str] | None:
    return re.search(rf"<(?:[\w.-]+:)?f\b[^>]*\bref=\"{area.ref()}\"[^>]*>([^<]*)", xml)


def _grow_equity(xml: str, equity: Area, grown: Area, lines: Mapping[str, str], note: str | None) -> str:
    """The Backtest sheet's XML with the equity array over ``grown``, its new cells styled as the row above,
    and the cells of ``lines`` set (a new one styled as the ``note`` cell)."""
    formula = _array_formula(xml, equity)
    if formula is None:
        return xml
    start = formula.start()
    tag = xml[start : formula.start(1)].replace(f'ref="{equity.ref()}"', f'ref="{grown.ref()}"')
    xml = xml[:start] + tag + xml[formula.start(1) :]
    styles = {}
    for column in equity.columns():
        for row in range(equity.last_row + 1, grown.last_row + 1):
            styles[f"{column}{row}"] = _style(xml, f"{column}{equity.last_row}")
    values: dict[str, Any] = dict.fromkeys(styles)
    values.update(lines)
    styles.update({ref: _style(xml, note) for ref in lines if note and _style(xml, ref) is None})
    xml = set_cells(xml, values, {ref: s for ref, s in styles.items() if s is not None})
    return re.sub(
        r'(<(?:[\w.-]+:)?dimension ref="[A-Z]+\d+:[A-Z]+)(\d+)"',
        lambda m: f'{m.group(1)}{max(int(m.group(2)), grown.last_row)}"',
        xml,
        count=1,
    )


def _style(xml: str, ref: str | None) -> str | None:
    """The style of the cell ``ref`` in the sheet's XML, None when it has none (or is not there)."""
    found = re.search(rf'<(?:[\w.-]+:)?c r="{ref}"[^>]*?\ss="(\d+)"', xml)
    return found.group(1) if found else None


def _note_cell(cells: Mapping[str, Any]) -> str | None:
    """The cell of the note under the table (the line counting days without funding goes below it)."""
    return next((ref for ref, value in cells.items() if ref.startswith("H") and value == rules.FUNDING_NOTE), None)


def _grow_series(chart_xml: str, equity: Area, grown: Area) -> str:
    """The chart's series over the equity array's rows, to the grown array's last row."""
    columns = "|".join(equity.columns())
    pattern = (
        rf"(<(?:[\w.-]+:)?f>'?{BACKTEST_SHEET}'?!\$?(?:{columns})\$?\d+:\$?(?:{columns})\$?){equity.last_row}(?=<)"
    )
    return re.sub(pattern, lambda m: f"{m.group(1)}{grown.last_row}", chart_xml)


def backtest_lines(cells: Mapping[str, Any], last_day: str, new_days: Mapping[str, bool]) -> dict[str, str]:
    """The Backtest sheet's lines (cell -> text) that ``new_days`` change: the period line with the new last day,
    and the line counting the days without a funding record. ``cells`` are the sheet's column H."""
    lines: dict[str, str] = {}
    period = _PERIOD.match(str(cells.get(rules.PERIOD_CELL) or ""))
    if period and period.group(2) == last_day:
        lines[rules.PERIOD_CELL] = rules.period_text(period.group(1), list(new_days)[-1])
    blank = [day for day, funded in new_days.items() if not funded]
    note = _note_cell(cells)
    if not blank or note is None:
        return lines
    below = f"H{int(note[1:]) + 1}"
    missing = _MISSING.match(str(cells.get(below) or ""))
    count, first = (int(missing.group(1)), missing.group(2)) if missing else (0, blank[0])
    lines[below] = rules.missing_funding_text(count + len(blank), first, blank[-1])
    return lines

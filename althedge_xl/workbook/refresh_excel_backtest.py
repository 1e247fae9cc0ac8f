"""The Refresh button stretches the formulas over History's daily history to its last row, through Excel.

The same edit ``althedge refresh --history`` makes in the closed file's XML
(:mod:`~althedge_xl.workbook.long_block_formulas`: its rules, applied here to the open workbook). The row
the formulas end on is the one the ``BACKTEST`` equity formula's dates end on; when the daily history
goes further (days this press or an earlier one appended):

* every formula of every sheet but History, and every defined name, whose range of the block's columns
  (H to N) ends on that row (or the row before it) ends ``added`` rows lower; an array formula is
  rewritten whole (Excel refuses an edit of part of an array);
* the equity array (:data:`~althedge_xl.workbook.sheets.backtest_rules.EQUITY_NAME`) grows by ``added``
  rows, its new rows formatted as its last, its defined name and the equity chart's series with it;
* the period line's last day, and the line counting the days without a funding record.

Excel recalculates the Backtest sheet to the newest close. The sheets are protected: each one is
unprotected while it is written (:func:`~althedge_xl.workbook.refresh_excel_protection.unprotected`).
"""

from __future__ import annotations

import re
from typing import Any

from openpyxl.utils.cell import get_column_letter

from althedge_xl.workbook import history_layout as hx
from althedge_xl.workbook.history_long import last_day_of
from althedge_xl.workbook.long_block_formulas import (
    BACKTEST_AREA,
    BACKTEST_SHEET,
    EQUITY_DATES_END,
    LINES_ROWS,
    Area,
    backtest_lines,
    stretch_long_range,
)
from althedge_xl.workbook.refresh_excel_protection import unprotected
from althedge_xl.workbook.sheets import backtest_rules as rules

#: Excel's limit on an array formula written through its object model (``Range.FormulaArray``).
FORMULA_ARRAY_LIMIT = 255


def stretch_formulas(book: Any, block_last_row: int) -> list[str]:
    """Stretch the open ``book``'s formulas over the daily history to ``block_last_row``, its last row;
    what could not be done, one line each (empty when all went well or there was nothing to do)."""
    present = {sheet.name for sheet in book.sheets}
    if BACKTEST_SHEET not in present or hx.SHEET not in present or rules.EQUITY_NAME not in book.names:
        return []
    equity = _area(book.names[rules.EQUITY_NAME].refers_to)
    backtest = book.sheets[BACKTEST_SHEET]
    if equity is None:
        return []
    dates_end = EQUITY_DATES_END.search(backtest.range(f"{equity.first_col}{equity.first_row}").formula_array or "")
    if dates_end is None:
        return []
    last_row = int(dates_end.group(1))
    if block_last_row <= last_row:
        return []
    days = _days(book.sheets[hx.SHEET], last_row, block_last_row)
    if len(days) < 2:
        return []
    (last_day, _), new_days = days[0], dict(days[1:])
    added = len(new_days)
    grown = Area(equity.first_col, equity.first_row, equity.last_col, equity.last_row + added)
    problems: list[str] = []
    for sheet in book.sheets:
        if sheet.name != hx.SHEET:
            with unprotected(sheet):
                problems += _stretch_sheet(sheet, last_row, added, equity if sheet is backtest else None, grown)
    with unprotected(backtest):
        column_h = backtest.range(f"H1:H{LINES_ROWS}").options(ndim=2).value
        cells = {f"H{number}": value for number, (value,) in enumerate(column_h, start=1) if value is not None}
        for ref, text in backtest_lines(cells, last_day, new_days).items():
            backtest.range(ref).value = text
        problems += _grow_charts(backtest, equity, grown)
    for name in book.names:
        text = str(name.refers_to or "")
        stretched = stretch_long_range(text, last_row, added)
        if name.name == rules.EQUITY_NAME:
            stretched = f"='{BACKTEST_SHEET}'!${grown.first_col}${grown.first_row}:${grown.last_col}${grown.last_row}"
        if stretched != text:
            name.refers_to = stretched
    return problems


def _area(refers_to: str | None) -> Area | None:
    match = BACKTEST_AREA.match(str(refers_to or "").removeprefix("="))
    return Area(match[1], int(match[2]), match[3], int(match[4])) if match else None


def _days(history: Any, first_row: int, last_row: int) -> list[tuple[str, bool]]:
    """The daily history's days from ``first_row`` to ``last_row``, each with whether it has a funding record."""
    date_column, *_, funding_column, last_column = hx.LONG_COLUMNS
    rows = history.range(f"{date_column}{first_row}:{last_column}{last_row}").options(ndim=2).value
    funding = hx.LONG_COLUMNS.index(funding_column)
    days: list[tuple[str, bool]] = []
    for row in rows:
        day = last_day_of([row[0]])
        if day is None:
            break
        days.append((day[0], row[funding] is not None))
    return days


def _stretch_sheet(sheet: Any, last_row: int, added: int, equity: Area | None, grown: Area) -> list[str]:
    """Rewrite ``sheet``'s formulas over the daily history (the equity array, when ``equity``, grown)."""
    used = sheet.used_range
    formulas = used.formula
    if isinstance(formulas, str):
        formulas = ((formulas,),)
    top, left = used.row, used.column
    problems: list[str] = []
    arrays_done: set[str] = set()
    for i, row in enumerate(formulas):
        for j, formula in enumerate(row):
            if not (isinstance(formula, str) and formula.startswith("=")):
                continue
            stretched = stretch_long_range(formula, last_row, added)
            if stretched == formula:
                continue
            ref = f"{get_column_letter(left + j)}{top + i}"
            cell = sheet.range(ref)
            if not cell.has_array:
                cell.formula = stretched
                continue
            extent = str(cell.api.CurrentArray.Address).replace("$", "")
            if extent in arrays_done:
                continue
            arrays_done.add(extent)
            if len(stretched) > FORMULA_ARRAY_LIMIT:
                problems.append(
                    f"{sheet.name}!{extent}: its array formula is longer than Excel lets a program write; run"
                    " `althedge refresh --history` on the closed workbook"
                )
                continue
            if equity is not None and extent == equity.ref():
                sheet.range(extent).clear_contents()
                sheet.range(grown.ref()).formula_array = stretched
                for column in equity.columns():  # the new rows formatted as the last
                    fmt = sheet.range(f"{column}{equity.last_row}").number_format
                    sheet.range(f"{column}{equity.last_row + 1}:{column}{grown.last_row}").number_format = fmt
            else:
                sheet.range(extent).formula_array = stretched
    return problems


def _grow_charts(sheet: Any, equity: Area, grown: Area) -> list[str]:
    """The series over the equity array's rows, in ``sheet``'s charts, to the grown array's last row."""
    columns = "|".join(equity.columns())
    pattern = re.compile(rf"('?{BACKTEST_SHEET}'?!\$?(?:{columns})\$?\d+:\$?(?:{columns})\$?){equity.last_row}\b")
    problems: list[str] = []
    for chart in sheet.charts:
        try:
            collection = chart.api[1].SeriesCollection()
            for index in range(1, collection.Count + 1):
                series = chart.api[1].SeriesCollection(index)
                stretched = pattern.sub(lambda m: f"{m.group(1)}{grown.last_row}", series.Formula)
                if stretched != series.Formula:
                    series.Formula = stretched
        except Exception as exc:  # a chart Excel's object model does not let a program edit here
            problems.append(f"the {sheet.name} sheet's chart keeps its rows ({type(exc).__name__})")
    return problems

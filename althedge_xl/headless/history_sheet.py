"""A workbook's History sheet as the backtest's daily history: the long block that ``BACKTEST`` reads.

The long block (:mod:`althedge_xl.workbook.history_layout`) holds one row per UTC day from its
first row down to the first row without a date: the date, the closes of BTC, ETH, SOL and AVAX, the
day's BTCUSDT funding (its settlements summed) and the day's Fear & Greed index. A blank close,
funding or index is a day without data (NaN), as a missing value is in the market-history folder.
"""

from __future__ import annotations

import datetime as dt
import math
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

from althedge_xl.headless.backtest import History, HistoryError
from althedge_xl.workbook import history_layout as hx

#: Columns of the long block, one-based (H is 8).
_FIRST_COLUMN = 8
_LAST_COLUMN = _FIRST_COLUMN + len(hx.LONG_COLUMNS) - 1


def load_workbook_history(path: Path) -> History:
    """The long block of the History sheet of the workbook ``path`` (see the module's docstring)."""
    import openpyxl

    from althedge_xl.workbook.package import WorkbookError, check_readable

    try:
        check_readable(path)
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except WorkbookError as exc:
        raise HistoryError(str(exc)) from None
    except (KeyError, ValueError, SyntaxError, zipfile.BadZipFile) as exc:
        raise HistoryError(f"{path}: cannot be read as a workbook ({type(exc).__name__}: {exc})") from None
    try:
        if hx.SHEET not in book.sheetnames:
            raise HistoryError(f"{path}: has no {hx.SHEET} sheet to backtest on")
        sheet = book[hx.SHEET]
        sheet.reset_dimensions()  # a refresh appends rows beyond the dimension the file states
        rows = sheet.iter_rows(min_row=hx.FIRST_ROW, min_col=_FIRST_COLUMN, max_col=_LAST_COLUMN, values_only=True)
        return _history(path, rows)
    finally:
        book.close()


def _history(path: Path, rows: Any) -> History:
    dates: list[str] = []
    values: list[list[float]] = []
    for number, row in enumerate(rows, start=hx.FIRST_ROW):
        cells = (*row, *[None] * (len(hx.LONG_COLUMNS) - len(row)))
        day = _day(path, f"{hx.LONG_COLUMNS[0]}{number}", cells[0])
        if day is None:
            break
        if dates and day <= dates[-1]:
            raise HistoryError(
                f"{path}: {hx.SHEET}!{hx.LONG_COLUMNS[0]}{number} is {day}, not after {dates[-1]}: "
                "the days must go from the oldest to the newest"
            )
        values.append(
            [_number(path, f"{letter}{number}", v) for letter, v in zip(hx.LONG_COLUMNS[1:], cells[1:], strict=True)]
        )
        dates.append(day)
    if not dates:
        raise HistoryError(
            f"{path}: its {hx.SHEET} sheet has no day in {hx.LONG_COLUMNS[0]}{hx.FIRST_ROW} and below to backtest on"
        )
    table = np.array(values).reshape(len(dates), len(hx.LONG_COLUMNS) - 1)
    closes = {asset: table[:, i] for i, asset in enumerate(hx.ASSETS)}
    return History(dates, closes, table[:, len(hx.ASSETS)], table[:, len(hx.ASSETS) + 1])


def _day(path: Path, ref: str, value: Any) -> str | None:
    """The ``YYYY-MM-DD`` of a date cell (text, or a date Excel typed in); None for a blank one."""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    text = str(value).strip()
    try:
        dt.date.fromisoformat(text)
    except ValueError:
        raise HistoryError(f"{path}: {hx.SHEET}!{ref} holds {value!r}, not a date (YYYY-MM-DD)") from None
    return text


def _number(path: Path, ref: str, value: Any) -> float:
    """A cell's number; NaN for a blank one; one line naming the cell for anything else."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return math.nan
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise HistoryError(f"{path}: {hx.SHEET}!{ref} holds {value!r}, not a number")
    return float(value)

"""Dates as Excel passes them, turned into ``YYYY-MM-DD`` days or an error naming the cell.

A date column reaches a function as Excel date serials (floats: 45292.0 is 2024-01-01) when its
cells are formatted as numbers, as ``datetime`` objects when xlwings converts date-formatted cells,
or as text. A column of 10⁵ days is common (a backtest's history), so the shapes Excel passes, a
range of floats or a range of dates and text, are converted at once: the serials with numpy, the
others with one pass that reads each cell as the general rule does. Anything else, or a range in
which any cell is not a date, takes the general rule cell by cell, which names the first bad cell:
both ways give the same days and the same errors.
"""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Final

import numpy as np

from althedge_xl.core.errors import MissingValueError, WrongTypeError
from althedge_xl.excel.arguments import NUMBER_TYPES, FiniteRows, where
from althedge_xl.excel.cells import grid, is_blank, listed_cells, number_cell, omitted, single_cell
from althedge_xl.excel.errors import ErrorCellError, error_code_of

#: Excel's day 0 in the 1900 date system as its serial numbers count (1900-03-01 and later).
EXCEL_EPOCH: Final = 693_594  # date(1899, 12, 30).toordinal()
FIRST_SERIAL, LAST_SERIAL = 61, 2_958_465  # 1900-03-01 and 9999-12-31
#: The serial of 1970-01-01, numpy's day 0.
_UNIX_EPOCH_SERIAL: Final = dt.date(1970, 1, 1).toordinal() - EXCEL_EPOCH
#: Cells read as text by the general rule: their first ten characters are the day.
_DATE_TEXT_TYPES: Final = frozenset({str, dt.datetime, dt.date})


def days(value: object, name: str) -> list[str]:
    """Dates as ``YYYY-MM-DD`` text: cells holding such text, or Excel date serials (45292 = 2024-01-01).

    A cell holding a date (``datetime``) is its day. Blank cells and anything else are errors
    naming the cell: a backtest cannot skip a day silently.

    >>> import datetime as dt
    >>> days([[45292.0], ["2024-01-02"], [dt.datetime(2024, 1, 3, 9, 30)]], "dates")
    ['2024-01-01', '2024-01-02', '2024-01-03']
    >>> days([[45292.0], [45292.5]], "dates")
    Traceback (most recent call last):
    ...
    althedge_xl.core.errors.WrongTypeError: dates (item 2) is not an Excel date (a whole number 61 to 2958465): 45292.5
    """
    found = days_at_once(value)
    return found if found is not None else days_cell_by_cell(value, name)


def days_cell_by_cell(value: object, name: str) -> list[str]:
    """:func:`days` by the general rule, one cell after the other: the first bad cell is named."""
    cells = grid(value, name)
    out = []
    for index, cell in enumerate(cells.reshape(-1)):
        at = where((index,), 1, cells.size)
        if is_blank(cell):
            raise MissingValueError(f"{name}{at} is blank; give every row its date")
        code = error_code_of(cell)
        if code is not None:
            raise ErrorCellError(code, f"{name}{at} is the error {code}")
        if isinstance(cell, NUMBER_TYPES) and not isinstance(cell, bool):
            serial = number_cell(cell, name, at)
            if not (serial.is_integer() and FIRST_SERIAL <= serial <= LAST_SERIAL):
                raise WrongTypeError(f"{name}{at} is not an Excel date (a whole number 61 to 2958465): {cell!r}")
            out.append(dt.date.fromordinal(EXCEL_EPOCH + int(serial)).isoformat())
            continue
        text = str(cell).strip()[:10]
        try:
            dt.date.fromisoformat(text)
        except ValueError:
            raise WrongTypeError(f"{name}{at} must be a date (YYYY-MM-DD or an Excel date), not {cell!r}") from None
        out.append(text)
    return out


def days_at_once(value: object) -> list[str] | None:
    """:func:`days` of a range of serials, or of dates and text, every cell valid; None otherwise.

    A range of floats (or a numeric array) is converted with numpy when every number is a whole
    serial from 61 to 2958465. A range of ``datetime`` cells gives each one's day, the first ten
    characters of its text. A range whose cells are all text, ``datetime`` or ``date`` is read
    as the general rule reads such a cell (its text, stripped, first ten characters, a valid ISO
    date), without the per-cell tests for blanks and error values, which such a text never is.
    Any other range, or any cell that is not a date, gives None: the general rule decides.
    """
    if isinstance(value, np.ndarray):
        array = np.asarray(value)
        return _serial_days(array.ravel()) if array.size and array.dtype.kind in "fiu" else None
    if type(value) is FiniteRows:  # floats only, as plain_argument proved
        return _serial_days(np.fromiter(itertools.chain.from_iterable(value), np.float64))
    listed = listed_cells(value)
    if listed is None:
        return None
    cells, _ = listed
    kinds = set(map(type, cells))
    if kinds == {float}:
        return _serial_days(np.array(cells, dtype=np.float64))
    if kinds == {dt.datetime}:  # what xlwings passes for cells formatted as dates: each its day
        return [cell.date().isoformat() for cell in cells]  # type: ignore[attr-defined]
    if kinds <= _DATE_TEXT_TYPES:
        texts = [str(cell).strip()[:10] for cell in cells]
        try:
            for text in texts:
                dt.date.fromisoformat(text)
        except ValueError:
            return None
        return texts
    return None


def _serial_days(serials: np.ndarray) -> list[str] | None:
    """Excel serials as days, if every one is a whole number from 61 to 2958465; else None."""
    with np.errstate(invalid="ignore"):
        numbers = serials.astype(np.float64)
        valid = (numbers >= FIRST_SERIAL) & (numbers <= LAST_SERIAL) & (numbers == np.floor(numbers))
    if not valid.all():
        return None
    since_1970 = (numbers.astype(np.int64) - _UNIX_EPOCH_SERIAL).astype("datetime64[D]")
    found: list[str] = np.datetime_as_string(since_1970, unit="D").tolist()
    return found


def optional_day(value: object, name: str) -> str | None:
    """One date (see :func:`days`), or None when blank."""
    if omitted(value):
        return None
    return days(single_cell(value, name), name)[0]

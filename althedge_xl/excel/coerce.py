"""One coercion layer: what Excel passes to a function, turned into arrays or a typed error.

xlwings hands a UDF numbers (float), text (str), booleans, ``None`` for blank cells, error
strings such as ``"#N/A"`` (with ``err_to_str``), and ranges as lists of rows. Each kind of
argument decides here, once, what a blank means:

* ``numbers``: a number or a range of numbers; a blank is missing (``#N/A``) unless the argument
  is optional and blank as a whole, when it takes its default.
* ``amounts``: a range that is added up (holdings); a blank cell is an unused row (NaN here, so the
  caller can drop the row).
* ``series``: a price history; a blank cell is a missing day (NaN).
* ``choice`` / ``flag`` / ``texts`` / ``table``: words, TRUE/FALSE, labels and two-column tables.

Text, booleans where numbers go, and error cells are always errors: a typo never silently
becomes 0. A blank is ``None`` (or empty text), never NaN: a NaN, an infinity or a number beyond a
float is ``#NUM!`` naming the argument (:func:`~althedge_xl.excel.arguments.finite_number`, the
rule the decorator also applies to every argument before the function reads it). Inputs are
never modified.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from typing import Final

import numpy as np

from althedge_xl.core._arrays import FloatArray
from althedge_xl.core.conventions import MAX_HEDGE_RATIO, parse_choice
from althedge_xl.core.errors import BadNumberError, MissingValueError, WrongTypeError
from althedge_xl.excel.arguments import NUMBER_TYPES, FiniteRows, finite_number, finite_rows
from althedge_xl.excel.arguments import where as _where
from althedge_xl.excel.errors import ErrorCellError, error_code_of

REQUIRED: Final = object()
"""Marker default: the argument has no default and may not be blank."""

_NUMBER_TYPES = NUMBER_TYPES


def _is_blank(cell: object) -> bool:
    return cell is None or (isinstance(cell, str) and cell == "")


def _grid(value: object, name: str) -> np.ndarray:
    """``value`` as an object array of 0, 1 or 2 dimensions; ragged ranges are an error."""
    if isinstance(value, np.ndarray):
        grid = np.asarray(value).astype(object)  # a np.matrix as a plain array
    elif isinstance(value, (list, tuple)):
        rows = list(value)
        if any(isinstance(row, (list, tuple, np.ndarray)) for row in rows):
            if not all(isinstance(row, (list, tuple, np.ndarray)) for row in rows):
                raise WrongTypeError(f"{name} mixes single values and rows")
            widths = {len(row) for row in rows}
            if len(widths) > 1:
                raise WrongTypeError(f"{name} has rows of different lengths {sorted(widths)}")
            grid = np.empty((len(rows), widths.pop() if widths else 0), dtype=object)
            for i, row in enumerate(rows):
                grid[i, :] = list(row)
        else:
            grid = np.empty(len(rows), dtype=object)
            grid[:] = rows
    else:
        grid = np.empty((), dtype=object)
        grid[()] = value
    if grid.ndim > 2:
        raise WrongTypeError(f"{name} must be a cell or a range, not a {grid.ndim}-D array")
    if grid.size == 0:
        raise MissingValueError(f"{name} is an empty range")
    return grid


def _number(cell: object, name: str, where: str) -> float:
    """One cell as a float; NaN for a blank. Text, booleans, error values, NaN and infinities raise."""
    if isinstance(cell, (bool, np.bool_)):
        raise WrongTypeError(f"{name}{where} is TRUE/FALSE, not a number")
    if isinstance(cell, _NUMBER_TYPES):
        return finite_number(cell, name, where)
    if _is_blank(cell):
        return math.nan
    code = error_code_of(cell)
    if code is not None:
        raise ErrorCellError(code, f"{name}{where} is the error {code}")
    if isinstance(cell, str):
        shown = cell if len(cell) <= 30 else cell[:27] + "..."
        raise WrongTypeError(f'{name}{where} is text ("{shown}"), not a number')
    raise WrongTypeError(f"{name}{where} is a {type(cell).__name__}, not a number")


def _floats(value: object, name: str) -> tuple[FloatArray, np.ndarray]:
    """``value`` as floats (NaN for blanks) and a mask of the blank cells."""
    out = _excel_numbers(value)
    if out is not None:
        return out, np.zeros(out.shape, dtype=bool)
    if isinstance(value, _NUMBER_TYPES) and not isinstance(value, (bool, np.bool_)):
        return np.array(_number(value, name, "")), np.zeros((), dtype=bool)
    if _all_floats(value):  # what Excel passes for a range of numbers: one vectorized check
        out = np.array(value, dtype=np.float64)
        return _finite(out, np.zeros(out.shape, dtype=bool), name), np.zeros(out.shape, dtype=bool)
    grid = _grid(value, name)
    flat = grid.reshape(-1)
    blank = np.fromiter((c is None or (isinstance(c, str) and c == "") for c in flat), bool, flat.size)
    plain = all(type(c) is float or type(c) is int or c is None for c in flat)  # the common case, fast
    if plain and not blank.all():
        try:
            out = np.where(blank, np.nan, flat).astype(np.float64).reshape(grid.shape)
            return _finite(out, blank.reshape(grid.shape), name), blank.reshape(grid.shape)
        except OverflowError:
            pass  # a huge integer: the cell-by-cell path names it
    out = np.empty(grid.shape, dtype=np.float64)
    for index, cell in np.ndenumerate(grid):
        out[index] = _number(cell, name, _where(index, grid.ndim, grid.size))
    return out, blank.reshape(grid.shape)


def _excel_numbers(value: object) -> FloatArray | None:
    """Excel's range of numbers, equal rows of finite floats, as an array; None for anything else.

    Rows that :func:`~althedge_xl.excel.arguments.plain_argument` proved (:class:`FiniteRows`) are
    not checked again; other rows of floats are proved here, with one sum
    (:func:`~althedge_xl.excel.arguments.finite_rows`).
    """
    rows = value if type(value) is FiniteRows else finite_rows(value) if type(value) is list else None
    return None if rows is None else np.array(rows, dtype=np.float64)


def _finite(out: FloatArray, blank: np.ndarray, name: str) -> FloatArray:
    """``out`` if every cell that is not blank is finite; else ``#NUM!`` naming the first that is not."""
    bad = ~(np.isfinite(out) | blank)
    if bad.any():
        index = tuple(int(i) for i in np.argwhere(bad)[0])
        finite_number(out[index], name, _where(index, out.ndim, out.size))
    return out


def _all_floats(value: object) -> bool:
    """True for a non-empty list of equal-length rows of Python floats (Excel's numbers)."""
    if not isinstance(value, list) or not value:
        return False
    if all(type(row) is list for row in value):
        width = len(value[0])
        return width > 0 and all(len(row) == width and all(type(c) is float for c in row) for row in value)
    return all(type(c) is float for c in value)


def numbers(value: object, name: str, default: object = REQUIRED) -> FloatArray:
    """A number or a range of numbers; blank cells are missing (``#N/A``).

    A wholly blank optional argument takes ``default``. NaN and infinities are ``#NUM!``.
    """
    out = _excel_numbers(value)
    if out is not None:
        return out
    if omitted(value):
        if default is REQUIRED:
            raise MissingValueError(f"{name} is blank")
        return np.array(default, dtype=np.float64)
    out, blank = _floats(value, name)
    if blank.any():
        first = tuple(int(i) for i in np.argwhere(blank)[0])
        raise MissingValueError(f"{name}{_where(first, blank.ndim, blank.size)} is blank")
    return out


def _all_blank(value: Sequence[object]) -> bool:
    cells = [c for row in value for c in (row if isinstance(row, (list, tuple)) else [row])]
    return all(_is_blank(c) for c in cells)


def omitted(value: object) -> bool:
    """True for an optional argument left out: omitted, a blank cell, or a range of blank cells.

    Excel passes a reference to an empty cell as ``[[None]]``, so an ``is None`` test is not enough.
    """
    if type(value) is FiniteRows:
        return False
    if isinstance(value, np.ndarray):
        return all(_is_blank(c) for c in np.asarray(value).reshape(-1))
    return _is_blank(value) or (isinstance(value, (list, tuple)) and _all_blank(value))


def optional_numbers(value: object, name: str) -> FloatArray | None:
    """Like :func:`numbers`, but an omitted argument is ``None`` (the core's default)."""
    if omitted(value):
        return None
    return numbers(value, name)


def number(value: object, name: str, default: float | None = None) -> float:
    """One number (a single cell); a blank takes ``default``, or is missing (``#N/A``) without one."""
    found = optional_number(value, name)
    if found is not None:
        return found
    if default is None:
        raise MissingValueError(f"{name} is blank")
    return default


def optional_number(value: object, name: str) -> float | None:
    """One number (a single cell), or None when blank."""
    if omitted(value):
        return None
    return float(numbers(_single_cell(value, name), name).reshape(()))


def amounts(value: object, name: str) -> FloatArray:
    """A range of amounts that is added up; blank cells are NaN (unused rows)."""
    out, _ = _floats(value, name)
    return out


def series(value: object, name: str) -> FloatArray:
    """A price or rate history as a column; blank cells are NaN (missing days).

    A single row or column becomes 1-D; several columns stay 2-D, one column per asset.
    """
    out, _ = _floats(value, name)
    if out.ndim == 2 and 1 in out.shape:
        return out.ravel()
    return np.atleast_1d(out)


def table(value: object, name: str, columns: int) -> FloatArray | None:
    """A table of ``columns`` numbers per row; wholly blank rows are dropped, blank → None."""
    if omitted(value):
        return None
    out, blank = _floats(value, name)
    if out.ndim != 2 or out.shape[1] != columns:
        raise WrongTypeError(f"{name} must be a range of {columns} columns")
    used = ~blank.all(axis=1)
    if (blank[used]).any():
        raise MissingValueError(f"{name} has a row with a blank cell")
    if not used.any():
        return None
    return out[used]


def _single_cell(value: object, name: str) -> object:
    if isinstance(value, (list, tuple, np.ndarray)):
        grid = _grid(value, name)
        if grid.size != 1:
            raise WrongTypeError(f"{name} must be a single cell, not a range of {grid.size} cells")
        return grid.reshape(-1)[0]
    return value


def choice(value: object, name: str, allowed: tuple[str, ...], default: str) -> str:
    """One word out of ``allowed`` (case-insensitive); blank takes ``default``."""
    cell = _single_cell(value, name)
    if _is_blank(cell):
        return default
    code = error_code_of(cell)
    if code is not None:
        raise ErrorCellError(code, f"{name} is the error {code}")
    return parse_choice(cell, name, allowed)


def flag(value: object, name: str, default: bool) -> bool:
    """TRUE/FALSE (or 1/0, as Excel treats them); blank takes ``default``."""
    cell = _single_cell(value, name)
    if _is_blank(cell):
        return default
    if isinstance(cell, (bool, np.bool_)):
        return bool(cell)
    if isinstance(cell, _NUMBER_TYPES) and finite_number(cell, name) in (0.0, 1.0):
        return bool(cell)
    code = error_code_of(cell)
    if code is not None:
        raise ErrorCellError(code, f"{name} is the error {code}")
    raise WrongTypeError(f"{name} must be TRUE or FALSE, not {cell!r}")


def texts(value: object, name: str) -> list[str]:
    """Words and labels: each cell as the text Excel shows for it; blanks as empty text.

    Whole numbers without a decimal point, TRUE and FALSE in capitals, a date (a cell that
    arrives as a date) as ISO ``YYYY-MM-DD``, with ``HH:MM`` (and seconds) when it has a time of
    day. An error value passes through as that error, as in any other argument.

    >>> import datetime as dt
    >>> texts([["BTC"], [2.0], [True], [dt.datetime(2024, 1, 1)], [dt.datetime(2024, 1, 1, 9, 30)]], "labels")
    ['BTC', '2', 'TRUE', '2024-01-01', '2024-01-01 09:30']
    """
    grid = _grid(value, name)
    return [_text(cell, name, _where(index, grid.ndim, grid.size)) for index, cell in np.ndenumerate(grid)]


def _text(cell: object, name: str, where: str) -> str:
    if _is_blank(cell):
        return ""
    code = error_code_of(cell)
    if code is not None:
        raise ErrorCellError(code, f"{name}{where} is the error {code}")
    if isinstance(cell, (bool, np.bool_)):
        return "TRUE" if cell else "FALSE"
    if isinstance(cell, _NUMBER_TYPES):
        number = finite_number(cell, name, where)
        return str(int(number)) if number.is_integer() else repr(number)
    if isinstance(cell, dt.datetime):
        if cell.time() == dt.time():
            return cell.date().isoformat()
        return cell.isoformat(sep=" ", timespec="seconds" if cell.second or cell.microsecond else "minutes")
    if isinstance(cell, dt.date):
        return cell.isoformat()
    return str(cell)


#: The largest move or shock taken as meant, a fraction: +1,000 %. A price that rises elevenfold in a
#: stress scenario is not a scenario; a move of 15 is almost surely 15 % typed as a whole number.
MOVE_LIMIT: Final = 10.0


def _check_moves(out: FloatArray, name: str) -> FloatArray:
    """Refuse a move above :data:`MOVE_LIMIT` with a hint; NaN (blank) and lower moves pass."""
    with np.errstate(invalid="ignore"):
        slips = out > MOVE_LIMIT
    if slips.any():
        index = tuple(int(i) for i in np.argwhere(slips)[0])
        value = float(out[index])
        raise BadNumberError(
            f"{name}{_where(index, out.ndim, out.size)} is {value:g}, a move of {value * 100:+,.0f}%: "
            f"moves are fractions (above +{MOVE_LIMIT * 100:,.0f}% is refused); did you mean {value:g}%?"
        )
    return out


def moves(value: object, name: str, default: object = REQUIRED) -> FloatArray:
    """Price moves or shocks as fractions (-0.15 = a 15% fall), as :func:`numbers`.

    A move above +1,000 % (:data:`MOVE_LIMIT`) is almost surely a percentage typed as a whole
    number and is ``#NUM!`` with a hint:

    >>> moves(-0.15, "btc_shock")
    array(-0.15)
    >>> moves(15, "btc_shock")
    Traceback (most recent call last):
    ...
    althedge_xl.core.errors.BadNumberError: btc_shock is 15, a move of +1,500%: moves are fractions (above +1,000% is refused); did you mean 15%?
    """
    return _check_moves(numbers(value, name, default), name)


def move_series(value: object, name: str) -> FloatArray:
    """Moves per holding as :func:`series` (blank cells NaN), with the check of :func:`moves`."""
    return _check_moves(series(value, name), name)


def hedge_ratios(value: object, name: str) -> FloatArray:
    """Hedge ratios as fractions from 0 to 300 %, as the hedge-ratio functions take them.

    >>> hedge_ratios(40, "hedge_ratio")
    Traceback (most recent call last):
    ...
    althedge_xl.core.errors.BadNumberError: hedge_ratio must be between 0% and 300%; did you mean 40%?
    """
    out = numbers(value, name)
    bad = ~((out >= 0) & (out <= MAX_HEDGE_RATIO))
    if bad.any():
        first = float(out[tuple(int(i) for i in np.argwhere(bad)[0])])
        hint = f"; did you mean {first:g}%?" if 0 <= first / 100 <= MAX_HEDGE_RATIO else ""
        raise BadNumberError(f"{name} must be between 0% and {MAX_HEDGE_RATIO * 100:.0f}%{hint}")
    return out


#: Excel's day 0 in the 1900 date system as its serial numbers count (1900-03-01 and later).
_EXCEL_EPOCH: Final = 693_594  # date(1899, 12, 30).toordinal()
_FIRST_SERIAL, _LAST_SERIAL = 61, 2_958_465  # 1900-03-01 and 9999-12-31


def days(value: object, name: str) -> list[str]:
    """Dates as ``YYYY-MM-DD`` text: cells holding such text, or Excel date serials (45292 = 2024-01-01).

    Blank cells and anything else are errors naming the cell: a backtest cannot skip a day silently.
    """
    grid = _grid(value, name)
    out = []
    for index, cell in enumerate(grid.reshape(-1)):
        where = _where((index,), 1, grid.size)
        if _is_blank(cell):
            raise MissingValueError(f"{name}{where} is blank; give every row its date")
        code = error_code_of(cell)
        if code is not None:
            raise ErrorCellError(code, f"{name}{where} is the error {code}")
        if isinstance(cell, _NUMBER_TYPES) and not isinstance(cell, bool):
            serial = _number(cell, name, where)
            if not (serial.is_integer() and _FIRST_SERIAL <= serial <= _LAST_SERIAL):
                raise WrongTypeError(f"{name}{where} is not an Excel date (a whole number 61 to 2958465): {cell!r}")
            out.append(dt.date.fromordinal(_EXCEL_EPOCH + int(serial)).isoformat())
            continue
        text = str(cell).strip()[:10]
        try:
            dt.date.fromisoformat(text)
        except ValueError:
            raise WrongTypeError(f"{name}{where} must be a date (YYYY-MM-DD or an Excel date), not {cell!r}") from None
        out.append(text)
    return out


def optional_day(value: object, name: str) -> str | None:
    """One date (see :func:`days`), or None when blank."""
    if omitted(value):
        return None
    return days(_single_cell(value, name), name)[0]

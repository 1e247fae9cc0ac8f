"""One coercion layer: what Excel passes to a function, turned into arrays or a typed error.

xlwings hands a UDF numbers (float), text (str), booleans, ``None`` for blank cells, error
strings such as ``"#N/A"`` (with ``err_to_str``), and ranges as lists of rows. Each kind of
argument decides, once, what a blank means:

* ``numbers``: a number or a range of numbers; a blank is missing (``#N/A``) unless the argument
  is optional and blank as a whole, when it takes its default.
* ``amounts``: a range that is added up (holdings); a blank cell is an unused row (NaN here, so the
  caller can drop the row).
* ``series``: a price history; a blank cell is a missing day (NaN).
* ``table``, ``tiers``, ``moves``, ``hedge_ratios``: tables (a tier table's blank amount is the rule's), price
  moves and hedge ratios.
* ``choice`` / ``flag`` / ``texts``: words, TRUE/FALSE and labels (:mod:`~althedge_xl.excel.words`);
  ``days`` / ``optional_day``: dates (:mod:`~althedge_xl.excel.dates`); ``omitted``: an optional
  argument left blank (:mod:`~althedge_xl.excel.cells`). This module is where the functions find
  every kind.

Text, booleans where numbers go, and error cells are always errors: a typo never silently
becomes 0. A blank is ``None`` (or empty text), never NaN: a NaN, an infinity or a number beyond a
float is ``#NUM!`` naming the argument (:func:`~althedge_xl.excel.arguments.finite_number`, the
rule the decorator also applies to every argument before the function reads it). Inputs are
never modified. A range of floats, with or without blank cells, is read at once with numpy; any
other range cell by cell, which names the first bad cell (both ways give the same numbers and errors).
"""

from __future__ import annotations

import itertools
from typing import Final

import numpy as np

from althedge_xl.core._arrays import FloatArray
from althedge_xl.core.conventions import MAX_HEDGE_RATIO
from althedge_xl.core.errors import BadNumberError, MissingValueError, WrongTypeError
from althedge_xl.excel.arguments import NUMBER_TYPES, FiniteRows, finite_number, finite_rows
from althedge_xl.excel.arguments import where as _where
from althedge_xl.excel.cells import REQUIRED, grid, listed_cells, number_cell, omitted, single_cell
from althedge_xl.excel.dates import days, optional_day
from althedge_xl.excel.words import choice, flag, texts

__all__ = [
    "MOVE_LIMIT",
    "REQUIRED",
    "amounts",
    "choice",
    "days",
    "flag",
    "hedge_ratios",
    "move_series",
    "moves",
    "number",
    "numbers",
    "omitted",
    "optional_day",
    "optional_number",
    "optional_numbers",
    "series",
    "table",
    "texts",
    "tiers",
]

_FLOAT_OR_BLANK = frozenset({float, type(None)})


def _floats(value: object, name: str) -> tuple[FloatArray, np.ndarray]:
    """``value`` as floats (NaN for blanks) and a mask of the blank cells."""
    out = _excel_numbers(value)
    if out is not None:
        return out, np.zeros(out.shape, dtype=bool)
    if isinstance(value, NUMBER_TYPES) and not isinstance(value, (bool, np.bool_)):
        return np.array(number_cell(value, name, "")), np.zeros((), dtype=bool)
    if _all_floats(value):  # what Excel passes for a range of numbers: one vectorized check
        out = np.array(value, dtype=np.float64)
        return _finite(out, np.zeros(out.shape, dtype=bool), name), np.zeros(out.shape, dtype=bool)
    found = _floats_with_blanks(value, name)
    if found is not None:
        return found
    return _floats_cell_by_cell(value, name)


def _floats_with_blanks(value: object, name: str) -> tuple[FloatArray, np.ndarray] | None:
    """A range of floats and blank (``None``) cells as :func:`_floats` gives it; None for any other range.

    numpy reads ``None`` as NaN; when the NaNs are exactly the blank cells (no float is NaN) they
    are the blank mask, and any other non-finite number is ``#NUM!`` naming the first, as cell by cell.
    """
    listed = listed_cells(value)
    if listed is None:
        return None
    cells, shape = listed
    if set(map(type, cells)) != _FLOAT_OR_BLANK:
        return None
    out = np.array(cells, dtype=np.float64).reshape(shape)
    blank = np.isnan(out)
    if int(np.count_nonzero(blank)) != cells.count(None):
        return None  # a float is NaN: cell by cell names it
    return _finite(out, blank, name), blank


def _floats_cell_by_cell(value: object, name: str) -> tuple[FloatArray, np.ndarray]:
    """:func:`_floats` of any value: each cell read by :func:`~althedge_xl.excel.cells.number_cell`."""
    cells = grid(value, name)
    flat = cells.reshape(-1)
    blank = np.fromiter((c is None or (isinstance(c, str) and c == "") for c in flat), bool, flat.size)
    plain = all(type(c) is float or type(c) is int or c is None for c in flat)  # the common case, fast
    if plain and not blank.all():
        try:
            out = np.where(blank, np.nan, flat).astype(np.float64).reshape(cells.shape)
            return _finite(out, blank.reshape(cells.shape), name), blank.reshape(cells.shape)
        except OverflowError:
            pass  # a huge integer: the cell-by-cell path names it
    out = np.empty(cells.shape, dtype=np.float64)
    for index, cell in np.ndenumerate(cells):
        out[index] = number_cell(cell, name, _where(index, cells.ndim, cells.size))
    return out, blank.reshape(cells.shape)


def _excel_numbers(value: object) -> FloatArray | None:
    """Excel's range of numbers, equal rows of finite floats, as an array; None for anything else.

    Rows that :func:`~althedge_xl.excel.arguments.plain_argument` proved (:class:`FiniteRows`) are
    not checked again; other rows of floats are proved here, with one sum
    (:func:`~althedge_xl.excel.arguments.finite_rows`).
    """
    rows = value if type(value) is FiniteRows else finite_rows(value) if type(value) is list else None
    if rows is None:
        return None
    if len(rows) == 1:  # a cell or a row: one list, which numpy reads at once
        return np.array(rows, dtype=np.float64)
    shape = (len(rows), len(rows[0]))  # read flat: numpy reads a long column of one-cell rows slowly
    return np.fromiter(itertools.chain.from_iterable(rows), np.float64, shape[0] * shape[1]).reshape(shape)


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
    return float(numbers(single_cell(value, name), name).reshape(()))


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


def table(
    value: object, name: str, columns: int, headings: tuple[str, ...] = (), may_be_blank: int | None = None
) -> FloatArray | None:
    """A table of ``columns`` numbers per row; wholly blank rows are dropped, blank → None.

    A blank cell in a row that is used is ``#N/A`` naming its row (counted in the range) and its
    column (by ``headings`` where given), except in column ``may_be_blank``, where it is NaN for
    the function to decide.

    >>> table([[0, 1], [1, None]], "table", 2)
    Traceback (most recent call last):
    ...
    althedge_xl.core.errors.MissingValueError: table row 2, column 2 is blank: every cell of a row that is used is needed
    """
    if omitted(value):
        return None
    out, blank = _floats(value, name)
    if out.ndim != 2 or out.shape[1] != columns:
        raise WrongTypeError(f"{name} must be a range of {columns} columns")
    used = np.logical_not(np.all(blank, axis=1))
    needed = np.logical_and(blank, used[:, None])
    if may_be_blank is not None:
        needed[:, may_be_blank] = False
    if needed.any():
        row, column = (int(i) for i in np.argwhere(needed)[0])
        what = f"the {headings[column]}" if headings else f"column {column + 1}"
        raise MissingValueError(f"{name} row {row + 1}, {what} is blank: every cell of a row that is used is needed")
    if not used.any():
        return None
    return out[used]


#: The columns of a tier table, as its messages name them (:data:`althedge_xl.core.tiers.TIER_COLUMNS`).
TIER_HEADINGS: Final = ("floor", "cap", "maintenance rate", "maintenance amount", "maximum leverage")


def tiers(value: object, name: str = "tiers") -> FloatArray | None:
    """A tier table: floor, cap, maintenance rate, maintenance amount, maximum leverage per row.

    A blank maintenance amount is NaN, which :func:`althedge_xl.core.tiers.tier_table` reads as
    the rule's own amount (never as 0); any other blank cell of a used row is ``#N/A`` naming it.

    >>> tiers([[0, 300_000, 0.004, 0, 150], [300_000, 800_000, 0.005, None, 100]])[:, 3].tolist()
    [0.0, nan]
    >>> tiers([[0, 300_000, 0.004, 0, 150], [300_000, 800_000, None, 300, 100]])
    Traceback (most recent call last):
    ...
    althedge_xl.core.errors.MissingValueError: tiers row 2, the maintenance rate is blank: every cell of a row that is used is needed
    """
    return table(value, name, len(TIER_HEADINGS), TIER_HEADINGS, may_be_blank=TIER_HEADINGS.index("maintenance amount"))


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

"""What any argument of any Excel function may hold, checked before the function reads it.

Excel hands a function numbers, text, TRUE/FALSE, dates, blanks (``None``) and error values, one
cell or a range as rows; it never hands it NaN, an infinity, a number beyond a float, or a numpy
matrix. A Python caller can, so the decorator passes every argument, used by the calculation or
not, through :func:`plain_argument` first:

* a NaN is not a blank cell: it is ``#NUM!`` naming the argument (a blank is ``None``), so a
  caller's missing data is never read as an unused row or a default;
* an infinity, or an integer too large for a float (``10**400``), is ``#NUM!``;
* a numpy array of any subclass (``np.matrix``) becomes a plain array; more than two
  dimensions is ``#VALUE!``.

What a blank, a word or a number means for each kind of argument is decided afterwards, in
:mod:`althedge_xl.excel.coerce`; both use :func:`finite_number` for a number cell. Nothing is
modified: a list comes back as it is (rows that are arrays in a new list, as lists), an array as a
plain view of the same data. Excel's own range of numbers, rows of finite floats, comes back as
:class:`FiniteRows`, a list of the same rows that tells the coercion its numbers need no second check.

Classic xlwings calls a function once per cell, so the shapes Excel passes (a float, text, a
boolean, a blank; rows of floats) take a fast path of a type test and one check in C.
"""

from __future__ import annotations

import itertools
import math
from typing import Any, Final

import numpy as np

from althedge_xl.core.errors import BadNumberError, WrongTypeError

#: The Python and numpy types a number cell may have (``bool`` is TRUE/FALSE, not a number).
NUMBER_TYPES: Final = (int, float, np.integer, np.floating)

#: Cells that hold no number to check: text (error values included), TRUE/FALSE, a blank.
_NO_NUMBER: Final = frozenset({str, bool, type(None)})
_LIST: Final = frozenset({list})
_FLOAT: Final = frozenset({float})


class FiniteRows(list):  # type: ignore[type-arg]
    """A range as Excel passes numbers, equal rows of finite Python floats, as :func:`plain_argument` proved.

    The same rows in a new outer list; the coercion reads it as floats without checking them again.
    """

    __slots__ = ()


def where(index: tuple[int, ...], ndim: int, size: int = 2) -> str:
    """Where a cell sits in its range, for messages; nothing for a single cell.

    >>> where((1, 0), 2), where((2,), 1), where((0, 0), 2, size=1)
    (' (row 2, column 1)', ' (item 3)', '')
    """
    if ndim == 0 or size == 1:
        return ""
    if ndim == 1:
        return f" (item {index[0] + 1})"
    return f" (row {index[0] + 1}, column {index[1] + 1})"


def finite_number(cell: int | float | np.integer | np.floating, name: str, at: str = "") -> float:
    """A number cell as a float; NaN, an infinity or a number beyond a float is ``#NUM!``.

    >>> finite_number(2, "leverage")
    2.0
    >>> finite_number(float("nan"), "leverage", " (item 2)")
    Traceback (most recent call last):
    ...
    althedge_xl.core.errors.BadNumberError: leverage (item 2) must be a finite number, not NaN (a blank cell is None)
    """
    try:
        number = float(cell)
    except OverflowError:
        raise BadNumberError(f"{name}{at} is too large a number") from None
    if math.isnan(number):
        raise BadNumberError(f"{name}{at} must be a finite number, not NaN (a blank cell is None)")
    if math.isinf(number):
        raise BadNumberError(f"{name}{at} must be a finite number, not {number}")
    return number


def _all_finite(cells: list[object]) -> bool:
    """True when every number among ``cells`` is a finite float: one vectorized test for Excel's floats."""
    kinds = set(map(type, cells))
    if float in kinds:
        floats = np.array([c for c in cells if type(c) is float] if len(kinds) > 1 else cells, dtype=np.float64)
        if not np.isfinite(floats).all():
            return False
    others = tuple(k for k in kinds if k is not float and issubclass(k, NUMBER_TYPES) and not issubclass(k, bool))
    for cell in (c for c in cells if isinstance(c, others)) if others else ():
        try:
            if not math.isfinite(float(cell)):
                return False
        except OverflowError:
            return False
    return True


def _name_the_bad_cell(rows: list[object] | tuple[object, ...], name: str, ndim: int) -> None:
    """Raise ``#NUM!`` for the first number of ``rows`` that is not finite, naming where it sits."""
    size = sum(len(row) if isinstance(row, (list, tuple)) else 1 for row in rows) if ndim == 2 else len(rows)
    for i, row in enumerate(rows):
        for j, cell in enumerate(row if ndim == 2 and isinstance(row, (list, tuple)) else [row]):
            if isinstance(cell, NUMBER_TYPES) and not isinstance(cell, (bool, np.bool_)):
                finite_number(cell, name, where((i, j) if ndim == 2 else (i,), ndim, size))


def plain_argument(value: object, name: str) -> object:
    """``value`` if it is something Excel could pass, a numpy array as a plain array; else a typed error.

    Checks every number of a cell, a row or a range of rows (see the module's rules):

    >>> plain_argument([[1.0], [None], ["ETH"]], "alt_values")
    [[1.0], [None], ['ETH']]
    >>> plain_argument(np.zeros((2, 2, 2)), "alt_values")
    Traceback (most recent call last):
    ...
    althedge_xl.core.errors.WrongTypeError: alt_values must be a cell or a range, not a 3-D array
    >>> plain_argument([[1.0], [float("nan")]], "alt_values")
    Traceback (most recent call last):
    ...
    althedge_xl.core.errors.BadNumberError: alt_values (row 2, column 1) must be a finite number, not NaN (a blank cell is None)
    """
    if type(value) is list:
        proved = finite_rows(value)  # rows of finite floats: Excel's range of numbers
        if proved is not None:
            return proved
    elif type(value) is float:
        if math.isfinite(value):
            return value
    elif type(value) in _NO_NUMBER:
        return value
    if isinstance(value, np.ndarray):
        array = np.asarray(value)  # a np.matrix or another subclass as a plain array (a view)
        if array.ndim > 2:
            raise WrongTypeError(f"{name} must be a cell or a range, not a {array.ndim}-D array")
        if array.dtype.kind == "f":
            finite = bool(np.isfinite(array).all())
        else:
            finite = array.dtype.kind != "O" or _all_finite(array.ravel().tolist())
        if not finite:
            _name_the_bad_cell(array.tolist() if array.ndim else [array.item()], name, max(array.ndim, 1))
        return array
    if not isinstance(value, (list, tuple)):
        if isinstance(value, NUMBER_TYPES) and not isinstance(value, (bool, np.bool_)):
            finite_number(value, name)
        return value
    row_kinds = set(map(type, value))
    if not any(issubclass(k, (list, tuple, np.ndarray)) for k in row_kinds):  # one row or column, 1-D
        if not _all_finite(list(value)):
            _name_the_bad_cell(value, name, 1)
        return value
    rows: Any = value
    if any(issubclass(k, np.ndarray) for k in row_kinds):  # rows of arrays: as lists, the input kept
        rows = [_plain_row(row, name) if isinstance(row, np.ndarray) else row for row in value]
    if all(issubclass(k, (list, tuple)) for k in row_kinds):  # a range: rows of cells, the common case
        cells = list(itertools.chain.from_iterable(rows))
    else:  # rows mixed with single cells: the coercion refuses that; the numbers are checked all the same
        cells = list(itertools.chain.from_iterable(r if isinstance(r, (list, tuple)) else (r,) for r in rows))
    if not _all_finite(cells):
        _name_the_bad_cell(rows, name, 2)
    return rows


def finite_rows(value: list[Any]) -> FiniteRows | None:
    """``value`` as :class:`FiniteRows` if it is equal rows of finite floats, else None (the general path).

    A sum of finite floats is finite unless it overflows, while a NaN or an infinity makes it NaN
    or infinite: one C-speed test for the whole range. A sum that overflows goes the general way.

    >>> finite_rows([[1.0, 2.0], [3.0, 4.0]]), finite_rows([[1.0], [float("inf")]]), finite_rows([[1.0], [2]])
    ([[1.0, 2.0], [3.0, 4.0]], None, None)
    """
    if len(value) == 1:  # a single cell or a single row
        cells = value[0]
        if type(cells) is not list:
            return None
    elif value and set(map(type, value)) == _LIST and len(set(map(len, value))) == 1:
        cells = list(itertools.chain.from_iterable(value))
    else:
        return None
    if cells and set(map(type, cells)) == _FLOAT and math.isfinite(sum(cells)):
        return FiniteRows(value)
    return None


def _plain_row(row: np.ndarray, name: str) -> object:
    array = np.asarray(row)
    if array.ndim > 1:
        raise WrongTypeError(f"{name} must be a cell or a range, not a {array.ndim + 1}-D array")
    return array.tolist()

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
modified: a list comes back as it is, an array as a plain view of the same data.
"""

from __future__ import annotations

import math
from typing import Final

import numpy as np

from althedge_xl.core.errors import BadNumberError, WrongTypeError

#: The Python and numpy types a number cell may have (``bool`` is TRUE/FALSE, not a number).
NUMBER_TYPES: Final = (int, float, np.integer, np.floating)


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


def _is_number(cell: object) -> bool:
    return isinstance(cell, NUMBER_TYPES) and not isinstance(cell, (bool, np.bool_))


def _check_cell(cell: object, name: str, index: tuple[int, ...], ndim: int, size: int) -> None:
    if type(cell) is float:  # Excel's numbers: the fast, common case
        if math.isfinite(cell):
            return
    elif not _is_number(cell):
        return
    finite_number(cell, name, where(index, ndim, size))  # type: ignore[arg-type]


def _check_array(array: np.ndarray, name: str) -> None:
    if array.dtype.kind == "f":
        bad = ~np.isfinite(array)
        if bad.any():
            index = tuple(int(i) for i in np.argwhere(bad)[0])
            finite_number(array[index], name, where(index, array.ndim, array.size))
    elif array.dtype == object:
        for index, cell in np.ndenumerate(array):
            _check_cell(cell, name, index, array.ndim, array.size)


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
    if isinstance(value, np.ndarray):
        array = np.asarray(value)
        if array.ndim > 2:
            raise WrongTypeError(f"{name} must be a cell or a range, not a {array.ndim}-D array")
        _check_array(array, name)
        return array
    if not isinstance(value, (list, tuple)):
        _check_cell(value, name, (), 0, 1)
        return value
    if not any(isinstance(row, (list, tuple, np.ndarray)) for row in value):
        for i, cell in enumerate(value):
            _check_cell(cell, name, (i,), 1, len(value))
        return value
    if any(isinstance(row, np.ndarray) for row in value):  # rows of arrays: as lists, the input kept
        value = [_plain_row(row, name) if isinstance(row, np.ndarray) else row for row in value]
    size = sum(len(row) if isinstance(row, (list, tuple)) else 1 for row in value)
    for i, row in enumerate(value):
        for j, cell in enumerate(row if isinstance(row, (list, tuple)) else [row]):
            _check_cell(cell, name, (i, j), 2, size)
    return value


def _plain_row(row: np.ndarray, name: str) -> object:
    array = np.asarray(row)
    if array.ndim > 1:
        raise WrongTypeError(f"{name} must be a cell or a range, not a {array.ndim + 1}-D array")
    return array.tolist()

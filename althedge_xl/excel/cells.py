"""A cell or a range as Excel passes it, before any kind of argument gives it a meaning.

xlwings hands a function one value or a range as a list of rows; a blank cell is ``None`` (or
empty text). This module shapes such a value into cells and reads one cell as a number; what a
blank, a word or a number means for each kind of argument is decided by the modules that use it
(:mod:`~althedge_xl.excel.coerce`, :mod:`~althedge_xl.excel.dates`, :mod:`~althedge_xl.excel.words`).
"""

from __future__ import annotations

import itertools
import math
from typing import Final

import numpy as np

from althedge_xl.core.errors import MissingValueError, WrongTypeError
from althedge_xl.excel.arguments import NUMBER_TYPES, FiniteRows, finite_number
from althedge_xl.excel.errors import ErrorCellError, error_code_of

REQUIRED: Final = object()
"""Marker default: the argument has no default and may not be blank."""


def is_blank(cell: object) -> bool:
    """True for a blank cell: ``None`` or empty text."""
    return cell is None or (isinstance(cell, str) and cell == "")


def grid(value: object, name: str) -> np.ndarray:
    """``value`` as an object array of 0, 1 or 2 dimensions; ragged ranges are an error."""
    if isinstance(value, np.ndarray):
        out = np.asarray(value).astype(object)  # a np.matrix as a plain array
    elif isinstance(value, (list, tuple)):
        rows = list(value)
        if any(isinstance(row, (list, tuple, np.ndarray)) for row in rows):
            if not all(isinstance(row, (list, tuple, np.ndarray)) for row in rows):
                raise WrongTypeError(f"{name} mixes single values and rows")
            widths = {len(row) for row in rows}
            if len(widths) > 1:
                raise WrongTypeError(f"{name} has rows of different lengths {sorted(widths)}")
            out = np.empty((len(rows), widths.pop() if widths else 0), dtype=object)
            for i, row in enumerate(rows):
                out[i, :] = list(row)
        else:
            out = np.empty(len(rows), dtype=object)
            out[:] = rows
    else:
        out = np.empty((), dtype=object)
        out[()] = value
    if out.ndim > 2:
        raise WrongTypeError(f"{name} must be a cell or a range, not a {out.ndim}-D array")
    if out.size == 0:
        raise MissingValueError(f"{name} is an empty range")
    return out


def listed_cells(value: object) -> tuple[list[object], tuple[int, ...]] | None:
    """The cells of a range passed as lists, in :func:`grid`'s order, and its shape; None otherwise.

    Equal rows (lists) of cells, or one list of cells none of which is a row: what Excel and most
    Python callers pass. Anything else (tuples, arrays, ragged or empty ranges) gives None, and
    the caller takes the general way through :func:`grid`, which names what is wrong.

    >>> listed_cells([[1.0, "a"], [None, 2.0]]), listed_cells([1.0, 2.0]), listed_cells([[1.0], [2.0, 3.0]])
    (([1.0, 'a', None, 2.0], (2, 2)), ([1.0, 2.0], (2,)), None)
    """
    if not isinstance(value, list) or not value:
        return None
    row_kinds = set(map(type, value))
    if row_kinds == {list}:
        width = len(value[0])
        if width == 0 or set(map(len, value)) != {width}:
            return None
        cells = list(itertools.chain.from_iterable(value))
        if any(issubclass(kind, (list, tuple, np.ndarray)) for kind in set(map(type, cells))):
            return None  # a range nested deeper: grid() refuses it
        return cells, (len(value), width)
    if any(issubclass(kind, (list, tuple, np.ndarray)) for kind in row_kinds):
        return None
    return list(value), (len(value),)


def single_cell(value: object, name: str) -> object:
    """The one cell of ``value`` (a cell, or a range of one cell); a larger range is an error."""
    if isinstance(value, (list, tuple, np.ndarray)):
        cells = grid(value, name)
        if cells.size != 1:
            raise WrongTypeError(f"{name} must be a single cell, not a range of {cells.size} cells")
        return cells.reshape(-1)[0]
    return value


def omitted(value: object) -> bool:
    """True for an optional argument left out: omitted, a blank cell, or a range of blank cells.

    Excel passes a reference to an empty cell as ``[[None]]``, so an ``is None`` test is not enough.
    """
    if type(value) is FiniteRows:
        return False
    if isinstance(value, np.ndarray):
        return all(is_blank(c) for c in np.asarray(value).reshape(-1))
    if isinstance(value, (list, tuple)):  # stops at the first cell that is not blank
        return all(is_blank(c) for row in value for c in (row if isinstance(row, (list, tuple)) else (row,)))
    return is_blank(value)


def number_cell(cell: object, name: str, where: str) -> float:
    """One cell as a float; NaN for a blank. Text, booleans, error values, NaN and infinities raise."""
    if isinstance(cell, (bool, np.bool_)):
        raise WrongTypeError(f"{name}{where} is TRUE/FALSE, not a number")
    if isinstance(cell, NUMBER_TYPES):
        return finite_number(cell, name, where)
    if is_blank(cell):
        return math.nan
    code = error_code_of(cell)
    if code is not None:
        raise ErrorCellError(code, f"{name}{where} is the error {code}")
    if isinstance(cell, str):
        shown = cell if len(cell) <= 30 else cell[:27] + "..."
        raise WrongTypeError(f'{name}{where} is text ("{shown}"), not a number')
    raise WrongTypeError(f"{name}{where} is a {type(cell).__name__}, not a number")

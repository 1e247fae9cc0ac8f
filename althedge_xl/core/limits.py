"""The largest result a function builds: an Excel sheet, and a budget of cells, checked before computing.

A result that cannot fit on a sheet cannot be shown, and a spill of tens of millions of cells is
no use to anyone while it costs gigabytes on its way to Excel. So every function that builds a
table, or broadcasts ranges into one, asks :func:`check_result_shape` first and is refused at
once with ``#NUM!`` naming the limit, before any memory is spent on it.
"""

from __future__ import annotations

import math
from typing import Final

from althedge_xl.core.errors import BadNumberError

SHEET_ROWS: Final = 1_048_576
"""Rows of an Excel worksheet (Excel 2007 and later)."""

SHEET_COLUMNS: Final = 16_384
"""Columns of an Excel worksheet (A to XFD)."""

CELL_BUDGET: Final = 10_000_000
"""Most cells one function returns (or builds on the way to its answer)."""


class ResultTooLargeError(BadNumberError):
    """A result larger than a worksheet or than :data:`CELL_BUDGET`: ``#NUM!``, refused before computing."""


def check_result_shape(shape: tuple[int, ...], what: str = "the result") -> None:
    """Refuse a result of ``shape`` that a sheet cannot hold or that exceeds the cell budget.

    A 1-D result counts as a column, a 0-D one as a cell; higher dimensions count their cells.

    >>> check_result_shape((1_048_576, 9))
    >>> check_result_shape((20_000, 10_000))
    Traceback (most recent call last):
    ...
    althedge_xl.core.limits.ResultTooLargeError: the result would be 20,000 rows × 10,000 columns (200,000,000 cells): more than the limit of 10,000,000 cells a function returns
    """
    rows = shape[0] if len(shape) >= 1 else 1
    columns = shape[1] if len(shape) >= 2 else 1
    if len(shape) <= 2 and rows <= SHEET_ROWS and columns <= SHEET_COLUMNS and rows * columns <= CELL_BUDGET:
        return  # the common case, without building the message
    cells = math.prod(int(n) for n in shape)
    size = f"{what} would be {rows:,} rows × {columns:,} columns ({cells:,} cells)"
    if len(shape) <= 2 and rows > SHEET_ROWS:
        raise ResultTooLargeError(f"{size}: more than the {SHEET_ROWS:,} rows of an Excel sheet")
    if len(shape) <= 2 and columns > SHEET_COLUMNS:
        raise ResultTooLargeError(f"{size}: more than the {SHEET_COLUMNS:,} columns of an Excel sheet")
    if cells > CELL_BUDGET:
        raise ResultTooLargeError(f"{size}: more than the limit of {CELL_BUDGET:,} cells a function returns")

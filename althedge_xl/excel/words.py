"""Arguments that are words: one word out of a list, TRUE/FALSE, and labels.

A blank takes the argument's default (a word, a flag) or is empty text (a label); an error value
passes through as that error, as in any other argument; a number where a word goes is an error,
except in labels, which show each cell as Excel shows it.
"""

from __future__ import annotations

import datetime as dt
import itertools

import numpy as np

from althedge_xl.core.conventions import parse_choice
from althedge_xl.core.errors import WrongTypeError
from althedge_xl.excel.arguments import NUMBER_TYPES, finite_number, where
from althedge_xl.excel.cells import grid, is_blank, listed_cells, single_cell
from althedge_xl.excel.errors import ErrorCellError, error_code_of


def choice(value: object, name: str, allowed: tuple[str, ...], default: str) -> str:
    """One word out of ``allowed`` (case-insensitive); blank takes ``default``."""
    cell = single_cell(value, name)
    if is_blank(cell):
        return default
    code = error_code_of(cell)
    if code is not None:
        raise ErrorCellError(code, f"{name} is the error {code}")
    return parse_choice(cell, name, allowed)


def flag(value: object, name: str, default: bool) -> bool:
    """TRUE/FALSE (or 1/0, as Excel treats them); blank takes ``default``."""
    cell = single_cell(value, name)
    if is_blank(cell):
        return default
    if isinstance(cell, (bool, np.bool_)):
        return bool(cell)
    if isinstance(cell, NUMBER_TYPES) and finite_number(cell, name) in (0.0, 1.0):
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
    found = texts_at_once(value)
    return found if found is not None else texts_cell_by_cell(value, name)


def texts_cell_by_cell(value: object, name: str) -> list[str]:
    """:func:`texts` by the general rule, one cell after the other: the first error value is named."""
    cells = grid(value, name)
    return [_text(cell, name, where(index, cells.ndim, cells.size)) for index, cell in np.ndenumerate(cells)]


def texts_at_once(value: object) -> list[str] | None:
    """:func:`texts` of a range of text and blanks (``None``), as Excel passes labels; None otherwise.

    Text is shown as it is and a blank as empty text, as by the general rule; a range with another
    kind of cell, or with a text that may be an error value (it begins with ``#``), gives None.
    """
    listed = listed_cells(value)
    if listed is None:
        return None
    cells, _ = listed
    kinds = set(map(type, cells))
    if kinds == {str}:
        found: list[str] = cells  # type: ignore[assignment]
    elif kinds == {str, type(None)}:
        found = ["" if cell is None else cell for cell in cells]  # type: ignore[misc]
    else:
        return None
    if any(map(str.startswith, found, itertools.repeat("#"))):
        return None
    return found


def _text(cell: object, name: str, at: str) -> str:
    if is_blank(cell):
        return ""
    code = error_code_of(cell)
    if code is not None:
        raise ErrorCellError(code, f"{name}{at} is the error {code}")
    if isinstance(cell, (bool, np.bool_)):
        return "TRUE" if cell else "FALSE"
    if isinstance(cell, NUMBER_TYPES):
        number = finite_number(cell, name, at)
        return str(int(number)) if number.is_integer() else repr(number)
    if isinstance(cell, dt.datetime):
        if cell.time() == dt.time():
            return cell.date().isoformat()
        return cell.isoformat(sep=" ", timespec="seconds" if cell.second or cell.microsecond else "minutes")
    if isinstance(cell, dt.date):
        return cell.isoformat()
    return str(cell)

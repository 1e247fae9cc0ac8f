"""What LibreOffice Calc passes an add-in function, and what a Calc cell can show of its result.

Calc (7.4) hands an add-in's ``any`` argument over as:

* nothing (``None``) when the argument is left out at the end of the call;
* a float or a string for a typed value or a single cell; TRUE is 1.0 (Calc has no boolean type);
* a tuple of rows for a range, blank cells as ``''``; a range holding an error cell never reaches
  the function (Calc answers ``Err:504`` for the call);
* **0.0 for a single blank cell**: ``ScInterpreter::ScExternal`` reads a single reference with
  ``GetCellValue`` for every argument type that also takes a typed value (``any`` and
  ``sequence<sequence<any>>`` alike); only an ``XCellRange`` argument keeps the blank, and it
  refuses a typed value. So a blank and a typed 0 cannot be told apart. For an optional argument
  whose blank means "the default" (its default is ``None``: a collateral, a maintenance rate left
  to the tier table), a single 0.0 is taken as that blank, so the default applies as in Excel;
  :func:`blank_means_default` names those arguments.

:func:`xlwings_arguments` turns that into what xlwings passes (``ndim=2``: a list of rows, blanks
as ``None``, every integer a float), so the function list runs unchanged and gives the same
results. :func:`calc_result` turns a result into a cell: numbers as floats, TRUE/FALSE as 1/0,
text as text, a table as a tuple of rows, and an error as a real Calc error value: a NaN carrying
Calc's error code (``ISERROR``, ``IFERROR`` and ``ERROR.TYPE`` work on it, and it saves to
``.xlsx`` as that error). Calc shows no reason with an error value; the reason is lost.
"""

from __future__ import annotations

import math
import struct
from collections.abc import Sequence
from typing import Any

from althedge_xl.excel.errors import ExcelError, error_code_of
from althedge_xl.libreoffice.addin_spec import AddinArgument

#: Calc's internal code of each Excel error value (``FormulaError`` in LibreOffice's
#: ``formula/errorcodes.hxx``); an error value is a quiet NaN with the code in its low bits.
CALC_ERROR_CODES = {
    "#NULL!": 521,
    "#DIV/0!": 532,
    "#VALUE!": 519,
    "#REF!": 524,
    "#NAME?": 525,
    "#NUM!": 503,
    "#N/A": 32767,
}
_QUIET_NAN = 0x7FF8000000000000


def calc_error(code: str) -> float:
    """The Calc error value of an Excel error code: a NaN carrying Calc's code (``#VALUE!`` if Calc has none).

    >>> error_code_of_calc(calc_error("#NUM!"))
    '#NUM!'
    """
    number = CALC_ERROR_CODES.get(code, CALC_ERROR_CODES["#VALUE!"])
    value: float = struct.unpack("<d", struct.pack("<Q", _QUIET_NAN | number))[0]
    return value


def error_code_of_calc(value: float) -> str | None:
    """The Excel error code a Calc error value carries, or None for any other number."""
    if not isinstance(value, float) or not math.isnan(value):
        return None
    number = struct.unpack("<Q", struct.pack("<d", value))[0] & 0xFFFF
    return next((code for code, calc in CALC_ERROR_CODES.items() if calc == number), "#VALUE!")


def blank_means_default(argument: AddinArgument) -> bool:
    """True for an optional argument whose blank means "the default" (its default is ``None``).

    Calc passes a single blank cell as 0.0, so for these arguments a single 0.0 is read as blank.
    """
    return argument.optional and argument.default is None


def _cell(value: Any) -> Any:
    if isinstance(value, str):
        return None if value == "" else value
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        return float(value)
    return value


def _grid(value: Any) -> list[list[Any]]:
    """A value or a range as xlwings passes it with ``ndim=2``: a list of rows."""
    if isinstance(value, (tuple, list)):
        rows = [row if isinstance(row, (tuple, list)) else (row,) for row in value]
        return [[_cell(v) for v in row] for row in rows]
    return [[_cell(value)]]


def xlwings_arguments(arguments: Sequence[AddinArgument], values: Sequence[Any]) -> list[Any]:
    """The positional arguments xlwings would pass for Calc's ``values`` (see the module's notes).

    An argument left out takes its default; the list stops after the last one given.

    >>> from althedge_xl.libreoffice.addin_spec import AddinArgument
    >>> args = [AddinArgument("notional", "notional", "", False, None),
    ...         AddinArgument("collateral", "collateral", "", True, None)]
    >>> xlwings_arguments(args, (20000, ((1.0, ""),)))
    [[[20000.0]], [[1.0, None]]]
    >>> xlwings_arguments(args, (20000.0, 0.0)), xlwings_arguments(args, (20000.0, None))
    ([[[20000.0]], [[None]]], [[[20000.0]]])
    """
    given = list(values)
    while given and given[-1] is None:
        given.pop()
    out = []
    for argument, value in zip(arguments, given, strict=False):
        if value is None:
            out.append(argument.default)
        elif blank_means_default(argument) and isinstance(value, float) and value == 0.0:
            out.append([[None]])
        else:
            out.append(_grid(value))
    return out


def _result_cell(value: Any) -> Any:
    if isinstance(value, ExcelError):
        return calc_error(value.code)
    if isinstance(value, str):
        code = error_code_of(value)
        return calc_error(code) if code is not None else value
    if value is None:
        return 0.0  # as Excel shows an empty function result
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if isinstance(value, (int, float)):
        return float(value)
    return calc_error("#VALUE!")


def calc_result(result: Any) -> Any:
    """A function's result as a Calc cell or table (a tuple of rows); errors as Calc error values."""
    if isinstance(result, list):
        rows = result if result and all(isinstance(row, list) for row in result) else [result]
        return tuple(tuple(_result_cell(v) for v in row) for row in rows)
    return _result_cell(result)

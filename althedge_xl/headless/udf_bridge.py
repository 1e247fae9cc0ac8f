"""AltHedge's functions in the formula engine: called as xlwings calls them, answering as Excel shows.

Each function is registered in the engine's function table under its Excel name (and
``_XLUDF.NAME``, as files saved by Excel or LibreOffice may spell it) and is fed what xlwings would
pass (every argument as a list of rows, blank cells as ``None``, error cells as their error text);
its result comes back fitted to the formula's range, an error as the engine's error value. The
reasons the functions give for their errors are kept by the cell of the formula.
"""

from __future__ import annotations

import collections
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from althedge_xl.excel.errors import ExcelError
from althedge_xl.headless.engine_table import function_table

CellKey = tuple[str, str]


def _to_cells(arg: Any) -> Any:
    """An engine argument as xlwings passes it with ``ndim=2``: a list of rows of plain values."""
    import schedula as sh
    from formulas.ranges import Ranges
    from formulas.tokens.operand import XlError

    if isinstance(arg, Ranges):
        arg = arg.value
    grid = np.asarray(arg, dtype=object)
    if grid.ndim == 0:
        grid = grid.reshape(1, 1)
    elif grid.ndim == 1:
        grid = grid.reshape(1, -1)

    def plain(v: Any) -> Any:
        if isinstance(v, np.ndarray) and v.ndim == 0:  # a negative literal inside {…}
            v = v.item()
        if v is sh.EMPTY:
            return None
        if isinstance(v, XlError):
            return str(v)
        if isinstance(v, np.generic):
            return v.item()
        return v

    return [[plain(v) for v in row] for row in grid.tolist()]


def _engine_value(value: Any) -> Any:
    from formulas.tokens.operand import Error

    if isinstance(value, ExcelError):
        return Error.errors[value.code]
    if value is None:
        return 0.0  # Excel shows an empty function result as 0
    return value


def _fit(result: Any, shape: tuple[int, int]) -> Any:
    """Place a result in the formula's range the way Excel does: top-left first, #N/A beyond."""
    from formulas.functions import Array
    from formulas.tokens.operand import Error

    grid = np.empty((1, 1), dtype=object)
    if isinstance(result, list):
        rows = result if result and isinstance(result[0], list) else [result]
        grid = np.empty((len(rows), len(rows[0])), dtype=object)
        for i, row in enumerate(rows):
            grid[i, :] = [_engine_value(v) for v in row]
    else:
        grid[0, 0] = _engine_value(result)
    out = np.empty(shape, dtype=object)
    if grid.shape == (1, 1):
        out[:] = grid[0, 0]
        return out.view(Array)
    out[:] = Error.errors["#N/A"]
    rows_n, cols_n = min(shape[0], grid.shape[0]), min(shape[1], grid.shape[1])
    out[:rows_n, :cols_n] = grid[:rows_n, :cols_n]
    return out.view(Array)


def _engine_function(udf: Callable[..., Any]) -> dict[str, Any]:
    import formulas
    import schedula as sh
    from formulas.errors import RangeValueError

    def call(caller: Any, *args: Any) -> Any:
        try:
            cells = [_to_cells(a) for a in args]
        except RangeValueError:
            return sh.NONE  # an input not computed yet: the engine calls again later
        first = caller.ranges[0]
        shape = (int(first["r2"]) - int(first["r1"]) + 1, int(first["n2"]) - int(first["n1"]) + 1)
        result = udf(*cells)
        if isinstance(result, ExcelError):
            REASONS[_caller_key(first)] = str(result)
        return _fit(result, shape)

    call.__name__ = udf.__name__
    return {"function": call, "extra_inputs": collections.OrderedDict([(formulas.CELL, None)])}


def register_functions() -> list[str]:
    """Register every AltHedge function, and Excel's ``IF`` (:mod:`~althedge_xl.headless.reference_if`), in the
    engine (idempotent); returns the names registered."""
    from althedge_xl import udfs
    from althedge_xl.excel.function import udf_functions, udf_spec
    from althedge_xl.headless import reference_if

    table = function_table()
    reference_if.install(table)
    names = ["IF"]
    for function in udf_functions(udfs):
        name = udf_spec(function).name
        if name not in table:
            table[name] = table[f"_XLUDF.{name}"] = _engine_function(function)
        names.append(name)
    return names


#: The engine's function table is global, so the reasons AltHedge functions give for the error
#: values they return are collected here during one :func:`compute`, by "SHEET!A1" of the formula.
REASONS: dict[str, str] = {}


def _caller_key(bounds: Mapping[str, Any]) -> str:
    from openpyxl.utils.cell import get_column_letter

    return f"{str(bounds.get('sheet', '')).upper()}!{get_column_letter(int(bounds['n1']))}{int(bounds['r1'])}"


def failures_by_cell(sheetnames: list[str]) -> dict[CellKey, str]:
    real = {name.upper(): name for name in sheetnames}
    reasons = {}
    for key, text in REASONS.items():
        sheet, _, address = key.rpartition("!")
        if sheet in real:
            reasons[(real[sheet], address)] = text
    return reasons

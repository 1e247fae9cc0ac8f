"""The UDF decorator: one error handler and one result conversion for every Excel function.

``@excel_function(arg=help, ...)`` turns a plain function into an AltHedge UDF; the first line of
its docstring is the description the function wizard shows, the rest (formula, worked example)
stays for Python's ``help``:

* xlwings' ``func``/``arg`` decorators (category "AltHedge", help for every argument, ranges
  passed as 2-D lists, error cells passed as their error text);
* any :class:`~althedge_xl.core.errors.AltHedgeInputError` becomes an :class:`ExcelError` of its
  code, and anything unexpected a ``#VALUE!`` with the reason: no exception escapes;
* results become what Excel shows: floats, booleans, text, lists of rows; a non-finite number
  becomes ``#NUM!``.

The decorated function stays a plain Python callable, so it is tested without Excel, and keeps
its :class:`UdfSpec` in ``__althedge_udf__`` for the workbook builder.
"""

from __future__ import annotations

import functools
import inspect
import math
import os
import sys
import types
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

import numpy as np

from althedge_xl.core.errors import AltHedgeInputError
from althedge_xl.excel.errors import ExcelError

CATEGORY = "AltHedge"


def _xlwings_runs_udfs() -> bool:
    """True where xlwings' decorators do something: Windows Excel (COM) or an xlwings server.

    Elsewhere they are no-ops, so the module does not import xlwings (and with it pandas and
    matplotlib): the headless engine and the command line start faster.
    """
    return sys.platform.startswith("win") or os.environ.get("XLWINGS_ON_SERVER") == "true" or "xlwings" in sys.modules


#: Excel's limit on a function's or an argument's description in the function wizard.
MAX_HELP_LENGTH = 255

F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class UdfSpec:
    """What the function wizard shows for one UDF."""

    name: str
    description: str
    category: str
    arg_docs: Mapping[str, str]


def _cell(value: Any) -> Any:
    """One result cell as Excel can show it."""
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, float, np.integer, np.floating)):
        number = float(value)
        if math.isnan(number):
            return ExcelError("#N/A", "no data")
        if math.isinf(number):
            return ExcelError("#NUM!", "the result is infinite")
        return number
    if value is None or isinstance(value, str):
        return value
    raise TypeError(f"cannot show a {type(value).__name__} in a cell")


def to_excel(result: Any) -> Any:
    """A function's result as xlwings writes it: a scalar, or a list of rows."""
    if isinstance(result, ExcelError):
        return result
    if isinstance(result, np.ndarray):
        # A single cell in gives a single value out, whatever shape the cell came in.
        result = result.item() if result.size == 1 else result.tolist()
    if isinstance(result, (list, tuple)):
        if result and all(isinstance(row, (list, tuple)) for row in result):
            return [[_cell(v) for v in row] for row in result]
        return [_cell(v) for v in result]
    value = _cell(result)
    if isinstance(value, ExcelError) and value.code == "#N/A":
        return ExcelError("#NUM!", "the result is not a number")
    return value


def excel_function(**arg_docs: str) -> Callable[[F], F]:
    """Declare an AltHedge Excel function with help for each of its arguments."""

    def decorate(body: F) -> F:
        description = (body.__doc__ or "").strip().split("\n", 1)[0].strip()
        if not description:
            raise TypeError(f"{body.__name__}: the docstring's first line is the wizard description")
        params = list(inspect.signature(body).parameters)
        if set(params) != set(arg_docs):
            raise TypeError(f"{body.__name__}: help must name exactly the arguments {params}")
        for text in (description, *arg_docs.values()):
            if len(text) > MAX_HELP_LENGTH:
                raise ValueError(f"{body.__name__}: help longer than {MAX_HELP_LENGTH} characters: {text!r}")

        @functools.wraps(body)
        def udf(*args: Any) -> Any:
            try:
                return to_excel(body(*args))
            except AltHedgeInputError as exc:
                return ExcelError(exc.excel_code, str(exc))
            except Exception as exc:  # the last line of defence: never a traceback in a cell
                return ExcelError("#VALUE!", f"unexpected {type(exc).__name__}: {exc}")

        # xlwings takes the description from __doc__ and reads type hints as converters;
        # the Excel face takes raw cell values.
        udf.__doc__ = description
        udf.__annotations__ = {}
        udf.__althedge_udf__ = UdfSpec(  # type: ignore[attr-defined]
            name=body.__name__, description=description, category=CATEGORY, arg_docs=dict(arg_docs)
        )
        wrapped: Any = udf
        if _xlwings_runs_udfs():
            import xlwings as xw

            for name in reversed(params):
                wrapped = xw.arg(name, ndim=2, err_to_str=True, doc=arg_docs[name])(wrapped)
            wrapped = xw.func(category=CATEGORY)(wrapped)
        wrapped.__doc__ = body.__doc__
        return wrapped  # type: ignore[no-any-return]

    return decorate


def udf_functions(module: types.ModuleType) -> list[Callable[..., Any]]:
    """Every AltHedge UDF of ``module``, in name order (the order *Import Functions* writes them)."""
    found = {udf_spec(v).name: v for v in vars(module).values() if callable(v) and hasattr(v, "__althedge_udf__")}
    return [found[name] for name in sorted(found)]


def udf_spec(function: Callable[..., Any]) -> UdfSpec:
    """The :class:`UdfSpec` of an AltHedge UDF."""
    spec = getattr(function, "__althedge_udf__", None)
    if not isinstance(spec, UdfSpec):
        raise TypeError(f"{function!r} is not an AltHedge Excel function")
    return spec

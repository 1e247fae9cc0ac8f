"""The UDF decorator: one error handler and one result conversion for every Excel function.

``@excel_function(arg=help, ...)`` turns a plain function into an AltHedge UDF; the first line of
its docstring is the description the function wizard shows, the rest (formula, worked example)
stays for Python's ``help``:

* xlwings' ``func``/``arg`` decorators (category "AltHedge", help for every argument, ranges
  passed as 2-D lists, error cells passed as their error text);
* it binds positional and keyword arguments as the signature says (``side="long"`` works as the
  fifth argument does); an argument too many, a name it does not have or a required one missing
  is an error, not a traceback;
* every argument, used by the calculation or not, passes
  :func:`~althedge_xl.excel.arguments.plain_argument` first (NaN, infinities, numbers beyond a
  float are ``#NUM!``; a numpy matrix becomes a plain array);
* the body runs with numpy's floating-point errors raised, not warned: an overflow is
  ``#NUM! the result overflows``, never a ``RuntimeWarning`` on the console (a core function that
  means to produce inf or NaN says so with its own ``np.errstate``);
* any :class:`~althedge_xl.core.errors.AltHedgeInputError` becomes an :class:`ExcelError` of its
  code, and anything unexpected a ``#VALUE!`` with the reason;
* results become what Excel shows: floats, booleans, text, lists of rows; a non-finite number
  becomes ``#NUM!``;
* one error policy, chosen by the runtime, decides how those errors reach the cell
  (:data:`ERROR_POLICY`): as text with the reason in classic xlwings and in plain Python
  (:class:`ClassicErrors`), as real Excel errors under Office.js (:class:`OfficeJsErrors`).

The decorated function stays a plain Python callable, so it is tested without Excel, and keeps
its :class:`UdfSpec` in ``__althedge_udf__`` for the workbook builder.
"""

from __future__ import annotations

import functools
import inspect
import itertools
import math
import os
import sys
import types
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

import numpy as np

from althedge_xl.core.errors import AltHedgeInputError, MissingValueError, WrongTypeError
from althedge_xl.core.limits import check_result_shape
from althedge_xl.excel.arguments import plain_argument
from althedge_xl.excel.errors import ErrorCellError, ExcelError

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


#: Cells Excel shows as they are: text, a blank, a float (when finite).
_SHOWN_AS_THEY_ARE = frozenset({str, float, type(None)})


def _shown_rows(rows: list[Any] | tuple[Any, ...]) -> list[list[Any]] | None:
    """``rows`` as they are (in a new list) when each cell is already what :func:`_cell` makes of it; else None.

    A table of text, blanks and finite floats (labels beside numbers) is tested at once: the
    types in one pass, the floats by one sum, which a NaN or an infinity makes non-finite (a sum
    that overflows sends the table the general way, cell by cell).
    """
    if set(map(type, rows)) != {list}:
        return None
    cells = list(itertools.chain.from_iterable(rows))
    kinds = set(map(type, cells))
    if not kinds <= _SHOWN_AS_THEY_ARE:
        return None
    if float in kinds and not math.isfinite(sum(cells if kinds == {float} else [c for c in cells if type(c) is float])):
        return None
    return list(rows)


def to_excel(result: Any) -> Any:
    """A function's result as xlwings writes it: a scalar, or a list of rows."""
    if isinstance(result, ExcelError):
        return result
    if isinstance(result, np.ndarray):
        check_result_shape(result.shape)  # a Python caller's range can be wider than a sheet
        if result.ndim == 2 and result.size > 1 and result.dtype == np.float64 and np.isfinite(result).all():
            return result.tolist()  # every cell a plain float already: no conversion cell by cell
        # A single cell in gives a single value out, whatever shape the cell came in.
        result = result.item() if result.size == 1 else result.tolist()
    if isinstance(result, (list, tuple)):
        shown = _shown_rows(result)
        if shown is not None:
            return shown
        if result and all(isinstance(row, (list, tuple)) for row in result):
            return [[_cell(v) for v in row] for row in result]
        return [_cell(v) for v in result]
    value = _cell(result)
    if isinstance(value, ExcelError) and value.code == "#N/A":
        return ExcelError("#NUM!", "the result is not a number")
    return value


class ClassicErrors:
    """Errors as text with their reason, ``"#NUM! leverage must be at least 1"``, in the cell.

    Classic xlwings (Windows Excel over COM) cannot return an error value with a reason, so the
    cell shows the :class:`ExcelError` text as it is; a Python caller gets the
    :class:`ExcelError` itself, which is a ``str`` with ``.code`` and ``.reason``.
    """

    name = "classic"

    def show(self, result: Any, passed_through: bool = False) -> Any:
        return result


class OfficeJsErrors:
    """Real Excel errors, for xlwings Lite and xlwings Server (Office.js custom functions).

    xlwings turns a result that is exactly an error code (``"#NUM!"``) into a real error value
    when the client reports CustomFunctionsRuntime 1.4 or later, and an exception into a real
    ``#VALUE!`` whose message shows on the cell's error flag (Office.js allows a message on
    ``#VALUE!`` and ``#N/A`` only, and xlwings' Python side can attach one only through an
    exception). Hence:

    * a call that fails as a whole raises :class:`xlwings.XlwingsError` with the whole text, so
      the cell is ``#VALUE!`` and its flag reads ``#NUM! leverage must be at least 1`` (the
      exception xlwings Server shows as it is, without a retry);
    * an argument that is already an error passes through as that bare error, as Excel's own
      functions do (the reason is in the cell it comes from);
    * a failing cell of a table is its bare error code, so ``ISNA`` and ``IFERROR`` work on
      each cell of a spill; codes Office.js has no value for become ``#VALUE!``.
    """

    name = "office.js"

    #: The error values xlwings' Office.js code returns as real errors (its errorstr_to_errortype).
    CODES = frozenset({"#DIV/0!", "#N/A", "#NAME?", "#NULL!", "#NUM!", "#REF!", "#VALUE!"})

    def show(self, result: Any, passed_through: bool = False) -> Any:
        if isinstance(result, ExcelError):
            if passed_through:
                return self.code(result)
            from xlwings import XlwingsError

            raise XlwingsError(str(result))
        if isinstance(result, list):
            return [[self.cell(v) for v in row] if isinstance(row, list) else self.cell(row) for row in result]
        return result

    def cell(self, value: Any) -> Any:
        return self.code(value) if isinstance(value, ExcelError) else value

    def code(self, error: ExcelError) -> str:
        """The bare error code Office.js shows as a real error (a plain ``str``, no reason)."""
        return error.code if error.code in self.CODES else "#VALUE!"


def _error_policy() -> ClassicErrors | OfficeJsErrors:
    """The runtime's policy: Office.js where xlwings Lite or Server run (``XLWINGS_ON_SERVER``)."""
    return OfficeJsErrors() if os.environ.get("XLWINGS_ON_SERVER") == "true" else ClassicErrors()


#: How errors reach the cell in this process, decided once when the function list is imported.
ERROR_POLICY = _error_policy()


def bind_arguments(
    signature: inspect.Signature, function: str, args: tuple[Any, ...], kwargs: Mapping[str, Any]
) -> dict[str, Any]:
    """The arguments of a call by parameter name in the signature's order, with errors a cell can show.

    >>> sig = inspect.signature(lambda notional, leverage, side="short": None)
    >>> bind_arguments(sig, "F", (20000,), {"leverage": 20})
    {'notional': 20000, 'leverage': 20}
    >>> bind_arguments(sig, "F", (1, 2, 3, 4), {})
    Traceback (most recent call last):
    ...
    althedge_xl.core.errors.WrongTypeError: F takes at most 3 arguments (notional, leverage, side), not 4
    """
    names = list(signature.parameters)
    if len(args) > len(names):
        raise WrongTypeError(f"{function} takes at most {len(names)} arguments ({', '.join(names)}), not {len(args)}")
    arguments = dict(zip(names, args, strict=False))  # the parameters left out take defaults
    for name, value in kwargs.items():
        if name not in signature.parameters:
            raise WrongTypeError(f"{function} has no argument {name!r}; its arguments are {', '.join(names)}")
        if name in arguments:
            raise WrongTypeError(f"{function} got {name} twice, by position and by name")
        arguments[name] = value
    for name, parameter in signature.parameters.items():
        if name not in arguments and parameter.default is inspect.Parameter.empty:
            raise MissingValueError(f"{name} is missing: {function} needs it")
    return {name: arguments[name] for name in names if name in arguments}  # in the signature's order


def floating_point_error(exc: FloatingPointError | OverflowError) -> ExcelError:
    """The Excel error for a floating-point error numpy raised (or Python's ``OverflowError``)."""
    text = str(exc)
    if isinstance(exc, OverflowError) or text.startswith("overflow"):
        return ExcelError("#NUM!", "the result overflows (a number beyond ±1.8e308)")
    if text.startswith("divide by zero"):
        return ExcelError("#DIV/0!", "the calculation divides by zero")
    return ExcelError("#NUM!", f"the calculation has no numeric result ({text})")


def excel_function(**arg_docs: str) -> Callable[[F], F]:
    """Declare an AltHedge Excel function with help for each of its arguments."""

    def decorate(body: F) -> F:
        description = (body.__doc__ or "").strip().split("\n", 1)[0].strip()
        if not description:
            raise TypeError(f"{body.__name__}: the docstring's first line is the wizard description")
        signature = inspect.signature(body)
        params = list(signature.parameters)
        if any(p.kind is not inspect.Parameter.POSITIONAL_OR_KEYWORD for p in signature.parameters.values()):
            raise TypeError(f"{body.__name__}: every argument must be one Excel can pass by position")
        if set(params) != set(arg_docs):
            raise TypeError(f"{body.__name__}: help must name exactly the arguments {params}")
        for text in (description, *arg_docs.values()):
            if len(text) > MAX_HELP_LENGTH:
                raise ValueError(f"{body.__name__}: help longer than {MAX_HELP_LENGTH} characters: {text!r}")

        # Built once: entering numpy's error state as a decorator costs half the context manager's
        # construction and entry on every call.
        raising_body = np.errstate(over="raise", divide="raise", invalid="raise", under="ignore")(body)
        required = sum(p.default is inspect.Parameter.empty for p in signature.parameters.values())

        @functools.wraps(body)
        def udf(*args: Any, **kwargs: Any) -> Any:
            passed_through = False
            try:
                if not kwargs and required <= len(args) <= len(params):  # Excel's call: by position
                    cells = [plain_argument(value, name) for value, name in zip(args, params, strict=False)]
                    result = to_excel(raising_body(*cells))
                else:
                    arguments = bind_arguments(signature, body.__name__, args, kwargs)
                    named = {name: plain_argument(value, name) for name, value in arguments.items()}
                    result = to_excel(raising_body(**named))
            except AltHedgeInputError as exc:
                result = ExcelError(exc.excel_code, str(exc))
                passed_through = isinstance(exc, ErrorCellError)
            except (FloatingPointError, OverflowError) as exc:
                result = floating_point_error(exc)
            except MemoryError as exc:  # never an empty reason: say what ran out
                detail = f": {exc}" if str(exc) else ""
                result = ExcelError("#NUM!", f"not enough memory for this calculation{detail}")
            except Exception as exc:  # the last line of defence: never a traceback in a cell
                result = ExcelError("#VALUE!", f"unexpected {type(exc).__name__}: {exc}")
            return ERROR_POLICY.show(result, passed_through)

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

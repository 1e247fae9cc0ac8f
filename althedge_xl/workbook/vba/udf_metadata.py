"""The UDFs and what xlwings makes of them: their specs, checked, and xlwings' own metadata."""

from __future__ import annotations

import contextlib
import importlib.util
import inspect
import re
import sys
import types
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from althedge_xl.excel.function import UdfSpec, udf_spec
from althedge_xl.workbook.vba.constants import MAX_HELP, PYWIN32_MODULES, UDF_PYTHON_MODULE

# ---------------------------------------------------------------------------------------------
# The UDFs and what xlwings makes of them
# ---------------------------------------------------------------------------------------------


def checked_specs(functions: Iterable[Callable[..., Any]]) -> list[tuple[Callable[..., Any], UdfSpec]]:
    """Each function with its spec, after the checks the wrappers and the wizard rely on."""
    pairs: list[tuple[Callable[..., Any], UdfSpec]] = []
    seen: set[str] = set()
    for function in functions:
        spec = udf_spec(function)
        where = f"UDF {spec.name!r}"
        if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_]{0,254}", spec.name):
            raise ValueError(f"{where}: not a name VBA and Excel accept as a function name")
        if spec.name.upper() in seen:
            raise ValueError(f"{where}: two UDFs have this name")
        seen.add(spec.name.upper())
        home = sys.modules.get(getattr(function, "__module__", "") or "")
        if spec.name != getattr(function, "__name__", None) and getattr(home, spec.name, None) is not function:
            # The wrapper calls XLPy.CallUDF(module, spec.name) and xlwings resolves it with getattr.
            raise ValueError(
                f"{where}: the function is called {getattr(function, '__name__', '?')!r} and its module "
                f"has no attribute {spec.name!r}, so xlwings could not find it from Excel"
            )
        if not spec.description or len(spec.description) > MAX_HELP:
            raise ValueError(f"{where}: the description must have 1 to {MAX_HELP} characters")
        parameters = inspect.signature(function).parameters
        for parameter in parameters.values():
            if parameter.kind not in (parameter.POSITIONAL_ONLY, parameter.POSITIONAL_OR_KEYWORD):
                raise ValueError(f"{where}: {parameter.name!r} is not positional; xlwings rejects it")
        if set(spec.arg_docs) != set(parameters):
            raise ValueError(f"{where}: arg_docs must name exactly the parameters {list(parameters)}")
        for argument, text in spec.arg_docs.items():
            if not text or len(text) > MAX_HELP:
                raise ValueError(f"{where}: help of {argument!r} must have 1 to {MAX_HELP} characters")
        pairs.append((function, spec))
    return pairs


@contextlib.contextmanager
def importable_xlwings_udfs() -> Iterator[types.ModuleType]:
    """``xlwings.udfs`` of the pinned xlwings, importable off Windows.

    ``xlwings.udfs`` imports pywin32 (``pythoncom``, ``pywintypes``, ``win32com.client``) at the
    top, for the COM server, though the decorators and ``generate_vba_wrapper`` never use it. Off
    Windows those modules are stubbed in ``sys.modules`` for the import and taken out afterwards,
    with ``xlwings.udfs`` itself, so nothing else in the process sees the stubs.
    """
    loaded = sys.modules.get("xlwings.udfs")
    if loaded is not None:
        yield loaded
        return
    if importlib.util.find_spec("pythoncom") is not None:  # Windows with pywin32: the real thing
        import xlwings.udfs

        yield xlwings.udfs
        return
    import xlwings

    names = (*PYWIN32_MODULES, "xlwings.udfs")
    saved = {name: sys.modules.get(name) for name in names}
    had_attribute = hasattr(xlwings, "udfs")
    stubs = {name: types.ModuleType(name) for name in PYWIN32_MODULES}
    stubs["pythoncom"].CoInitialize = lambda: None  # type: ignore[attr-defined]
    stubs["pywintypes"].com_error = type("com_error", (Exception,), {})  # type: ignore[attr-defined]
    stubs["win32com.client"].Dispatch = lambda *args, **kwargs: None  # type: ignore[attr-defined]
    stubs["win32com"].client = stubs["win32com.client"]  # type: ignore[attr-defined]
    sys.modules.update(stubs)
    try:
        module = importlib.import_module("xlwings.udfs")
        yield module
    finally:
        for name, previous in saved.items():
            if previous is None:
                sys.modules.pop(name, None)
            else:
                sys.modules[name] = previous
        if not had_attribute and hasattr(xlwings, "udfs"):
            delattr(xlwings, "udfs")


def _thin_copy(function: Callable[..., Any], spec: UdfSpec) -> Callable[..., Any]:
    """A new function with ``function``'s signature, named and documented as ``spec`` says.

    xlwings' decorators write ``__xlfunc__`` on the function they decorate; the copy takes them, so
    the UDF itself is left as it was (on Windows it already carries the real ``__xlfunc__``).
    """

    def copy(*args: Any, **kwargs: Any) -> Any:
        return function(*args, **kwargs)

    copy.__name__ = copy.__qualname__ = spec.name
    copy.__doc__ = spec.description
    copy.__module__ = UDF_PYTHON_MODULE
    copy.__signature__ = inspect.signature(function)  # type: ignore[attr-defined]
    copy.__annotations__ = {}
    return copy


def decorated_copies(
    xlwings_udfs: types.ModuleType, functions: Iterable[Callable[..., Any]]
) -> dict[str, Callable[..., Any]]:
    """Thin copies decorated as ``@xw.func(category=...)`` over ``@xw.arg(name, doc=...)`` would."""
    copies: dict[str, Callable[..., Any]] = {}
    for function, spec in checked_specs(functions):
        copy = _thin_copy(function, spec)
        for argument in reversed(list(spec.arg_docs)):
            copy = xlwings_udfs.xlarg(argument, doc=spec.arg_docs[argument])(copy)
        # xlfunc last, as the outermost decorator: xlarg resets the category it does not name.
        copies[spec.name] = xlwings_udfs.xlfunc(category=spec.category)(copy)
    return copies


def xlwings_udf_metadata(functions: Iterable[Callable[..., Any]]) -> dict[str, dict[str, Any]]:
    """xlwings' own ``__xlfunc__`` of each UDF, as ``@xw.func``/``@xw.arg`` make it from its spec.

    The keys are the Excel names. Each value has ``"category"``, ``"ret"["doc"]`` (the description),
    and ``"args"``: one dict per parameter with ``"name"``, ``"doc"`` and, for an optional one,
    ``"optional"`` (its default). It is what *Import Functions* reads, so a test can check the
    wrappers and the registration macro against it.
    """
    with importable_xlwings_udfs() as xlwings_udfs:
        copies = decorated_copies(xlwings_udfs, functions)
    return {name: copy.__xlfunc__ for name, copy in copies.items()}  # type: ignore[attr-defined]


# ---------------------------------------------------------------------------------------------

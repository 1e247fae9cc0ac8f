"""The formula engine's function table, without importing scipy unless a workbook needs it.

``formulas`` builds its table of Excel functions (``formulas.functions.get_functions``, computed
once and cached) by importing each of its function modules; its statistics module imports
``scipy.stats``, ``scipy.linalg`` and ``scipy.interpolate`` when it is imported (and its module of
Excel 2007's compatibility functions imports the statistics module), which takes longer than
computing the whole template. The table is built here without that module, and
the module is added, in the engine's own order, the first time a workbook calls a function the
table does not have. Nothing of the engine is edited; if its internals differ from what this
expects, the table is simply built the engine's way.

When a workbook does call one of them (the template uses ``COUNT`` and ``MIN``), the statistics
module is imported with scipy deferred (:func:`scipy_on_first_use`): what it takes from
``scipy.stats``, ``scipy.linalg`` and ``scipy.interpolate`` stands in until first called, when
the real scipy is imported. Should that import fail in any way, it is undone and done the plain way.
"""

from __future__ import annotations

import contextlib
import importlib
import sys
import types
from collections.abc import Iterator
from typing import Any

#: The engine's function modules that import scipy when they are imported.
DEFERRED_MODULES = (".stat", ".comp")
_PACKAGE = "formulas.functions"


def function_table() -> Any:
    """The engine's (cached, shared) function table; on first use built without :data:`DEFERRED_MODULES`."""
    from formulas import functions

    try:
        first_use = functions.get_functions.cache_info().currsize == 0
        modules = list(functions.SUBMODULES)
    except AttributeError:  # another engine version: its own way
        return functions.get_functions()
    if first_use:
        functions.SUBMODULES = [m for m in modules if m not in DEFERRED_MODULES]
        try:
            functions.get_functions()
        finally:
            functions.SUBMODULES = modules
    return functions.get_functions()


def complete_table(keep: set[str]) -> None:
    """Add the deferred modules' functions to the table, in the engine's order; ``keep`` names stay as they are."""
    from formulas import functions

    table = function_table()
    kept = {name: table[name] for name in keep if name in table}
    full: dict[str, Any] = {}
    for module in functions.SUBMODULES:
        full.update(_import_engine_module(module).FUNCTIONS)
    full.update(functions.FUNCTIONS)
    table.update(full)
    table.update(kept)


#: The scipy modules the deferred engine modules import at their own import, and use only inside
#: their functions.
_DEFERRED_SCIPY = ("scipy.stats", "scipy.linalg", "scipy.interpolate")


def _import_engine_module(relative: str) -> Any:
    """One of the engine's function modules; a deferred one with scipy deferred, else the plain way."""
    name = _PACKAGE + relative
    if relative not in DEFERRED_MODULES or name in sys.modules:
        return importlib.import_module(name)
    try:
        with scipy_on_first_use():
            return importlib.import_module(name)
    except Exception:  # the engine imports scipy otherwise than expected: the plain way
        sys.modules.pop(name, None)
        return importlib.import_module(name)


@contextlib.contextmanager
def scipy_on_first_use() -> Iterator[None]:
    """In the block, importing scipy's stats, linalg or interpolate gives a stand-in (:class:`_Deferred`).

    The stand-ins leave ``sys.modules`` at the end of the block, so any later import of scipy is
    the real one; what the imported engine module holds forwards to the real scipy when used.
    """
    placed = {}
    for name in _DEFERRED_SCIPY:
        if name not in sys.modules:
            placed[name] = sys.modules[name] = _StandInModule(name)
    try:
        yield
    finally:
        for name, module in placed.items():
            if sys.modules.get(name) is module:
                del sys.modules[name]


class _StandInModule(types.ModuleType):
    """Stands for a scipy module: each name is a :class:`_Deferred` of it."""

    def __getattr__(self, attribute: str) -> _Deferred:
        if attribute.startswith("__"):
            raise AttributeError(attribute)
        return _Deferred(self.__name__, (attribute,))


class _Deferred:
    """``module.a.b``: attributes extend the path; a call imports the module and calls the real object.

    >>> log = _Deferred("math", ("log",))
    >>> log(1.0), _Deferred("os", ("path", "join"))("a", "b")
    (0.0, 'a/b')
    """

    def __init__(self, module: str, path: tuple[str, ...]) -> None:
        self._module = module
        self._path = path

    def __getattr__(self, attribute: str) -> _Deferred:
        if attribute.startswith("__"):
            raise AttributeError(attribute)
        return _Deferred(self._module, (*self._path, attribute))

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        target: Any = importlib.import_module(self._module)
        for attribute in self._path:
            target = getattr(target, attribute)
        return target(*args, **kwargs)

"""Which extra of ``althedge-xl`` a subcommand needs, checked before it imports any of them.

``pip install althedge-xl`` installs the Excel functions with numpy alone; each subcommand's other
dependencies come with an extra named for what it serves (``pyproject.toml``). Every subcommand
declares the extras it needs for the options given (``needs`` in its parser's defaults); the command
line looks them up with :func:`importlib.util.find_spec`, which imports nothing, before the
subcommand runs. A missing one ends in one line naming the extra to install, never a traceback.
A module missing later (one a subcommand did not declare) is still named by
:func:`install_hint`, as the last line of defence.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Iterable

#: The top-level modules each extra brings that the package imports, in the order they are checked.
MODULES_OF_EXTRA: dict[str, tuple[str, ...]] = {
    "market": ("ccxt", "platformdirs", "requests", "urllib3"),
    "workbook": ("openpyxl", "xlsxwriter", "pyopenvba", "xlwings"),
    "report": ("formulas", "schedula", "tqdm", "rich", "matplotlib"),
}
#: An extra that includes another (``report`` installs ``workbook``), for the line's advice.
INCLUDED = {"report": ("workbook",)}
#: The top-level module each third-party import of the command line comes in, and its extra.
EXTRA_OF_MODULE = {module: extra for extra, modules in MODULES_OF_EXTRA.items() for module in modules}


def missing_extra(exc: ModuleNotFoundError) -> str | None:
    """The extra that provides the module ``exc`` could not find, or None when none does.

    >>> missing_extra(ModuleNotFoundError("No module named 'formulas.tokens'", name="formulas.tokens"))
    'report'
    >>> missing_extra(ModuleNotFoundError("No module named 'nothing'", name="nothing")) is None
    True
    """
    return EXTRA_OF_MODULE.get(_top_level(exc))


def _top_level(exc: ModuleNotFoundError) -> str:
    return (exc.name or "").split(".", 1)[0]


def _installed(module: str) -> bool:
    """Whether ``module`` can be imported, without importing it (a module set to None is not)."""
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):  # a parent that cannot be imported, or a module without a spec
        return False


def first_missing(extras: Iterable[str]) -> tuple[list[str], str] | None:
    """The extras among ``extras`` that are not installed and the first module missing, or None.

    An extra that includes another (``report`` includes ``workbook``) is what is advised when both
    are missing; an extra is missing when any module it brings is.

    >>> first_missing([]) is None
    True
    """
    wanted = list(dict.fromkeys(extras))
    missing: list[str] = []
    first = ""
    for extra in wanted:
        absent = [m for m in _modules(extra) if not _installed(m)]
        if absent:
            missing.append(extra)
            first = first or absent[0]
    if not missing:
        return None
    covered = {inner for extra in missing for inner in INCLUDED.get(extra, ())}
    return [extra for extra in missing if extra not in covered], first


def _modules(extra: str) -> tuple[str, ...]:
    """The modules ``extra`` brings, those of the extras it includes too."""
    inner = tuple(m for included in INCLUDED.get(extra, ()) for m in MODULES_OF_EXTRA[included])
    return (*MODULES_OF_EXTRA[extra], *inner)


def needs_line(command: str, extras: list[str], module: str) -> str:
    """The one line for a subcommand whose ``extras`` are not installed (``module`` the first missing).

    >>> print(needs_line("refresh", ["market", "workbook"], "ccxt"))
    refresh needs the [market] and [workbook] extras (no module named 'ccxt'): pip install "althedge-xl[market,workbook]"
    """
    names = " and ".join(f"[{extra}]" for extra in extras)
    noun = "extra" if len(extras) == 1 else "extras"
    return f'{command} needs the {names} {noun} (no module named {module!r}): pip install "althedge-xl[{",".join(extras)}]"'


def missing_line(command: str, extras: Iterable[str]) -> str | None:
    """The one line naming what ``command`` lacks of ``extras``, or None when all are installed."""
    found = first_missing(extras)
    return None if found is None else needs_line(command, *found)


def install_hint(command: str, exc: ModuleNotFoundError) -> str | None:
    """The one line for a subcommand that met a missing module, or None when no extra has it.

    >>> print(install_hint("refresh", ModuleNotFoundError("No module named 'ccxt'", name="ccxt")))
    refresh needs the [market] extra (no module named 'ccxt'): pip install "althedge-xl[market]"
    """
    extra = missing_extra(exc)
    if extra is None:
        return None
    return needs_line(command, [extra], _top_level(exc))

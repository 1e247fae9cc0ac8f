"""Which extra of ``althedge-xl`` brings a missing module, for the one line ``althedge`` prints.

``pip install althedge-xl`` installs the Excel functions with numpy alone; each subcommand's other
dependencies come with an extra named for what it serves (``pyproject.toml``). A subcommand that
meets a missing module ends in one line naming the extra to install, never a traceback.
"""

from __future__ import annotations

#: The top-level module each third-party import of the command line comes in, and its extra.
EXTRA_OF_MODULE = {
    "ccxt": "market",
    "platformdirs": "market",
    "requests": "market",  # the refresh's transport (ccxt needs it too)
    "xlsxwriter": "workbook",
    "pyopenvba": "workbook",
    "openpyxl": "workbook",
    "xlwings": "workbook",
    "formulas": "report",
    "schedula": "report",
    "rich": "report",
    "matplotlib": "report",
}


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


def install_hint(command: str, exc: ModuleNotFoundError) -> str | None:
    """The one line for a subcommand that lacks an extra's module, or None when no extra has it.

    >>> print(install_hint("refresh", ModuleNotFoundError("No module named 'ccxt'", name="ccxt")))
    refresh needs the [market] extra (no module named 'ccxt'): pip install "althedge-xl[market]"
    """
    extra = missing_extra(exc)
    if extra is None:
        return None
    return (
        f'{command} needs the [{extra}] extra (no module named {_top_level(exc)!r}): pip install "althedge-xl[{extra}]"'
    )

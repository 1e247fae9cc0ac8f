"""The template written from code: its sheets, its VBA project and its function metadata.

The sheets are written twice (see :mod:`althedge_xl.headless.template`): once without cached
values, for the engine to compute, and once with every formula cell carrying its computed value,
so readers that do not recalculate (file previews, openpyxl, LibreOffice, Excel before content is
enabled) show the method's numbers.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable
from pathlib import Path

import xlsxwriter

from althedge_xl import udfs
from althedge_xl.workbook import vba
from althedge_xl.workbook.arrays import inline_array_text
from althedge_xl.workbook.cached_values import cached_values
from althedge_xl.workbook.print_setup import PRINT_SETUPS, apply_print_setup
from althedge_xl.workbook.samples import Samples
from althedge_xl.workbook.sheets import backtest
from althedge_xl.workbook.sheets.account import account
from althedge_xl.workbook.sheets.funding import funding
from althedge_xl.workbook.sheets.hedge import hedge
from althedge_xl.workbook.sheets.hedge_ratio import hedge_ratio
from althedge_xl.workbook.sheets.portfolio import portfolio
from althedge_xl.workbook.sheets.prices import prices
from althedge_xl.workbook.sheets.self_check import self_check
from althedge_xl.workbook.sheets.start import start
from althedge_xl.workbook.sheets.stress import stress
from althedge_xl.workbook.sheets.xlwings_conf import xlwings_conf
from althedge_xl.workbook.styles import Styles
from althedge_xl.workbook.writer import Cached, SheetWriter

#: Sheets in the order the user meets them; the xlwings settings sheet comes last.
SHEET_ORDER = (
    "Start", "Portfolio", "HedgeRatio", "Hedge", "Stress", "Funding", "Backtest", "Prices", "History", "SelfCheck",
    "Account", "xlwings.conf",
)  # fmt: skip
#: A fixed creation date keeps the built file the same from one build to the next.
BUILD_DATE = dt.datetime(2026, 1, 1)
DEFAULT_OUT = Path("workbook") / "AltHedge.xlsm"
#: The variant for xlwings Lite and xlwings Server (Office.js), written by ``althedge lite``.
LITE_NAME = "AltHedge-Lite.xlsx"


def _write(target: Path | io.BytesIO, samples: Samples, cached: Cached, with_vba: bool) -> None:
    options = {"strings_to_numbers": False, "strings_to_formulas": False, "in_memory": True}
    book = xlsxwriter.Workbook(target if isinstance(target, io.BytesIO) else str(target), options)
    book.set_properties(
        {"title": "AltHedge XL", "subject": "Altcoin hedge with short BTC futures", "created": BUILD_DATE}
    )
    book.set_calc_mode("auto")
    styles = Styles(book)
    history_rows = backtest.history_rows(samples.history)
    cached = cached_values(cached)  # the same bytes on every CPU: see althedge_xl.workbook.cached_values
    writers: dict[str, Callable[[SheetWriter], None]] = {
        "Start": lambda w: start(w, vba.REFRESH_MACRO),
        "Portfolio": portfolio,
        "HedgeRatio": lambda w: hedge_ratio(w, max(history_rows.values())),
        "Hedge": hedge,
        "Stress": stress,
        "Funding": funding,
        "Prices": lambda w: prices(w, samples, vba.REFRESH_MACRO),
        "Backtest": lambda w: backtest.backtest(w, samples.history),
        "History": lambda w: backtest.history(w, samples.history),
        "SelfCheck": self_check,
        "Account": account,
        "xlwings.conf": xlwings_conf,
    }
    for name in SHEET_ORDER:
        sheet = book.add_worksheet(name)
        writers[name](SheetWriter(book, sheet, styles, cached))
        apply_print_setup(sheet, PRINT_SETUPS[name])
        if name != "xlwings.conf":
            sheet.protect("", {"select_locked_cells": True, "select_unlocked_cells": True, "format_columns": True})
    if with_vba:
        vba.add_vba_project(book, vba.udf_functions(udfs))
    book.close()


def first_pass(samples: Samples) -> bytes:
    """The sheets alone, without cached values or VBA: what the engine computes."""
    package = io.BytesIO()
    _write(package, samples, {}, with_vba=False)
    return package.getvalue()


def finished_template(samples: Samples, cached: Cached) -> bytes:
    """The finished template: sheets with ``cached`` values, the VBA project, the function metadata."""
    package = io.BytesIO()
    _write(package, samples, cached, with_vba=True)
    with_metadata = vba.add_function_metadata(package.getvalue(), vba.udf_functions(udfs))
    return inline_array_text(with_metadata)


def lite_template(samples: Samples, cached: Cached) -> bytes:
    """The template for Office.js runtimes (xlwings Lite, xlwings Server), as an ``.xlsx``.

    The same sheets and cached values, without the VBA project and without the defined names
    that bind each function name to its VBA wrapper (``add_function_metadata``): in the
    ``.xlsm`` those names belong to the VBA procedures, and Excel on the web runs no VBA.
    """
    package = io.BytesIO()
    _write(package, samples, cached, with_vba=False)
    return inline_array_text(package.getvalue())

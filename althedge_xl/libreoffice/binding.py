"""Bind a loaded workbook's AltHedge formulas to the add-in: run inside LibreOffice by the extension's job.

LibreOffice 7.4 does not bind a plain function name in an ``.xlsx``/``.xlsm`` cell
(``=HEDGE_MARGIN(B1;B2)``) to an add-in when it imports the file: the add-in's ``CompatibilityName``
is not consulted for OOXML there, and in the template the names bind to the workbook's VBA macros of
the same names instead, so every such cell is an error. The same formula text entered through the
API binds to the add-in. So each sheet's formulas are read in one call (``getFormulaArray``), and each
cell calling an AltHedge function gets that text again as its formula (an array formula, without
its braces, over its whole range). The cell's own ``getFormula`` is no use here: it answers ``''``
for such an imported call. Protected
sheets (no password, as the template's) are unprotected around it. The document is not marked modified
by the binding: its ``XModifiable2`` setting is switched off around it (``setModified(False)``
afterwards does not stick: Calc sets the flag again).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any


def calls_pattern(names: Sequence[str]) -> re.Pattern[str]:
    """A formula that calls one of ``names`` (plain, or with the prefixes a file or an import adds).

    >>> bool(calls_pattern(["HEDGE_MARGIN"]).search("=ROUND(HEDGE_MARGIN(B1;B2);2)"))
    True
    >>> bool(calls_pattern(["HEDGE_MARGIN"]).search("=HEDGE_MARGIN_X(1)"))
    False
    """
    alternatives = "|".join(re.escape(name) for name in sorted(names, key=len, reverse=True))
    return re.compile(rf"(?<![A-Za-z0-9_])(?:{alternatives})\s*\(", re.IGNORECASE)


def array_formula_text(text: str) -> str:
    """The formula of an array as ``setArrayFormula`` takes it: without the braces LibreOffice shows around it.

    >>> array_formula_text("{=SCENARIO_TABLE(A1:A3;B1:B3;C1;D1)}")
    '=SCENARIO_TABLE(A1:A3;B1:B3;C1;D1)'
    """
    return text[1:-1] if text.startswith("{") and text.endswith("}") else text


def _array_range(sheet: Any, cell: Any) -> Any:
    """The array formula's range ``cell`` belongs to, or None for a plain formula."""
    cursor = sheet.createCursorByRange(cell)
    try:
        cursor.collapseToCurrentArray()
    except Exception:  # not part of an array formula (LibreOffice raises RuntimeException)
        return None
    return cursor


def bind_sheet(sheet: Any, pattern: re.Pattern[str]) -> int:
    """Re-enter every formula of ``sheet`` that calls an AltHedge function; the number of formulas re-entered."""
    cursor = sheet.createCursor()
    cursor.gotoEndOfUsedArea(False)
    end = cursor.getRangeAddress()
    formulas = sheet.getCellRangeByPosition(0, 0, end.EndColumn, end.EndRow).getFormulaArray()
    hits = [
        (row, column)
        for row, texts in enumerate(formulas)
        for column, text in enumerate(texts)
        if text.startswith(("=", "{=")) and pattern.search(text)
    ]
    if not hits:
        return 0
    protected = sheet.isProtected()
    if protected:
        sheet.unprotect("")
    done: set[tuple[int, int]] = set()
    count = 0
    for row, column in hits:
        if (row, column) in done:
            continue
        cell = sheet.getCellByPosition(column, row)
        text = formulas[row][column]
        array = _array_range(sheet, cell)
        if array is None:
            cell.setFormula(text)
        else:
            where = array.getRangeAddress()
            done.update(
                (r, c)
                for r in range(where.StartRow, where.EndRow + 1)
                for c in range(where.StartColumn, where.EndColumn + 1)
            )
            array.setArrayFormula(array_formula_text(formulas[where.StartRow][where.StartColumn]))
        count += 1
    if protected:
        sheet.protect("")
    return count


def bind_formulas(document: Any, names: Sequence[str]) -> int:
    """Bind every AltHedge formula of a spreadsheet ``document``; the number of formulas re-entered."""
    if not document.supportsService("com.sun.star.sheet.SpreadsheetDocument"):
        return 0
    pattern = calls_pattern(names)
    document.disableSetModified()  # re-entering a formula would mark the document modified, and stay so
    try:
        return sum(bind_sheet(sheet, pattern) for sheet in document.getSheets())
    finally:
        document.enableSetModified()

"""The workbook as the formula engine reads it: formulas and values, without charts or cached results.

Read from the file's bytes, so that its content decides, not its name (a workbook saved without the
``.xlsx``/``.xlsm`` extension computes too). The file itself is only read.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

from althedge_xl.headless.sheet_reach import reachable_sheets
from althedge_xl.workbook.package import WorkbookError

CellKey = tuple[str, str]
"""(sheet name as in the workbook, cell address like ``"B5"``)."""

#: A worksheet's relationship to its drawing (charts and pictures); comments' VML drawings are kept.
_DRAWING_RELATIONSHIP = re.compile(rb'<Relationship\b[^>]*\bType="[^"]*/relationships/drawing"[^>]*/>')
_SHEET_RELATIONSHIPS = re.compile(r"^xl/worksheets/_rels/[^/]+\.rels$")
#: A sheet's hyperlinks: openpyxl makes a cell of each one's anchor, which an emptied sheet should not have.
_HYPERLINKS = re.compile(rb"<(?:\w+:)?hyperlinks\b.*?</(?:\w+:)?hyperlinks\s*>", re.S)
#: A sheet's cells begin: ``<sheetData>`` (or ``<x:sheetData>``, or an empty ``<sheetData/>``).
_SHEET_DATA = re.compile(rb"<(?P<prefix>(?:\w+:)?)sheetData\b[^>]*?(?P<empty>/?)>")
#: Text that reads as a formula: ``=`` then what a formula can start with (a name, a reference, a number, a sign,
#: a bracket). A note such as ``"= see below"`` or ``"=== totals ==="`` is not one.
_FORMULA_TEXT = re.compile(r"=[A-Za-z_$(+\-0-9'\\]")


def read_for_engine(source: Path, sheets: Sequence[str] | None = None) -> ReadBook:
    """``source`` read with formulas by the engine's own reader (dates as serial numbers, as Excel).

    Charts and pictures are left out: the engine computes cells, and reading a chart that caches a
    few thousand points (the Backtest sheet's equity curves) takes longer than reading every cell.
    With ``sheets``, the sheets their formulas cannot reach (:mod:`~althedge_xl.headless.sheet_reach`)
    are read empty; the result says which.
    """
    from formulas.excel.xlreader import load_workbook

    try:
        package = source.read_bytes()
        reached = reachable_sheets(package, sheets) if sheets else None
        book = load_workbook(io.BytesIO(engine_package(package, reached)))
    except Exception as exc:
        raise WorkbookError(f"{source}: cannot be read as a workbook ({type(exc).__name__}: {exc})") from None
    return ReadBook(book, set() if reached is None else set(book.sheetnames) - reached)


@dataclass
class ReadBook:
    """The workbook as read (openpyxl's, by the engine's reader), and the sheets read empty."""

    book: Any
    emptied: set[str]


def engine_package(package: bytes, reached: set[str] | None = None) -> bytes:
    """A copy of a workbook ``package`` (its bytes) whose worksheets no longer refer to their drawings.

    With ``reached`` (sheet names), every other sheet's cells are left out too.
    """
    found = zipfile.ZipFile(io.BytesIO(package))
    names = [info.filename for info in found.infolist()]
    emptied = set() if reached is None else _sheet_parts(found, reached)
    copy = io.BytesIO()
    with zipfile.ZipFile(copy, "w", zipfile.ZIP_STORED) as out:
        for name in names:
            data = found.read(name)
            if _SHEET_RELATIONSHIPS.match(name):
                data = _DRAWING_RELATIONSHIP.sub(b"", data)
            elif name in emptied:
                data = _without_cells(data)
            out.writestr(name, data)
    return copy.getvalue()


def _without_cells(sheet: bytes) -> bytes:
    """A worksheet part with an empty ``<sheetData/>`` and no hyperlinks (its end found by ``find``, not a regex)."""
    start = _SHEET_DATA.search(sheet)
    if start is not None:
        end = start.end()
        if not start["empty"]:
            end = _closing_tag_end(sheet, b"</" + start["prefix"] + b"sheetData", end)
        if end:
            sheet = sheet[: start.start()] + b"<sheetData/>" + sheet[end:]
    return _HYPERLINKS.sub(b"", sheet)


def _closing_tag_end(xml: bytes, tag: bytes, start: int) -> int:
    """Where the first ``tag`` (``</sheetData``) from ``start`` ends, just past its ``>``; 0 if none."""
    at = xml.find(tag, start)
    while at >= 0:
        after = at + len(tag)
        while after < len(xml) and xml[after] in b" \t\r\n":
            after += 1
        if xml[after : after + 1] == b">":
            return after + 1
        at = xml.find(tag, after)
    return 0


def _sheet_parts(package: zipfile.ZipFile, reached: set[str]) -> set[str]:
    """The package parts of the sheets not in ``reached``."""
    from althedge_xl.workbook.patch import sheet_part

    book = ElementTree.fromstring(package.read("xl/workbook.xml"))
    sheets = [e.get("name", "") for e in book.iter() if e.tag.rsplit("}", 1)[-1] == "sheet"]
    return {sheet_part(package, name) for name in sheets if name not in reached}


def drop_cached_array_values(book: Any) -> dict[CellKey, CellKey]:
    """Remove what the file caches in each array formula's range beyond its anchor; return those cells.

    Excel writes the last result there, LibreOffice ``#VALUE!`` for a function it does not know;
    either way it is not an input. Returns each such cell -> its anchor.
    """
    from openpyxl.utils.cell import coordinate_to_tuple

    anchors: dict[CellKey, CellKey] = {}
    for sheet in book.worksheets:
        for anchor, ref in sheet.array_formulae.items():
            anchor_at = coordinate_to_tuple(anchor)
            for row in addresses(ref):
                for address in row:
                    at = coordinate_to_tuple(address)
                    if at != anchor_at:
                        sheet._cells.pop(at, None)
                        anchors[(sheet.title, address)] = (sheet.title, anchor)
    return anchors


def addresses(ref: str) -> list[list[str]]:
    """The cell addresses of ``ref`` (``"B5:C6"``) row by row: ``[["B5", "C5"], ["B6", "C6"]]``."""
    from openpyxl.utils.cell import get_column_letter, range_boundaries

    min_col, min_row, max_col, max_row = range_boundaries(ref.replace("$", ""))
    return [[f"{get_column_letter(c)}{r}" for c in range(min_col, max_col + 1)] for r in range(min_row, max_row + 1)]


def drop_names_out_of_reach(book: Any, emptied: set[str]) -> None:
    """Remove the defined names of ``book`` that no computed formula can use; the engine compiles each name it gets.

    Those are the VBA macro names (``vbProcedure``: each function wrapper's, a procedure rather than
    cells) and the names whose every cell is on a sheet read empty (``emptied``, see
    :func:`read_for_engine`): a formula that used one would have made its sheet reachable.
    """
    for name, definition in list(book.defined_names.items()):
        if definition.vbProcedure or (emptied and _all_on(definition, emptied)):
            del book.defined_names[name]


def _all_on(definition: Any, sheets: set[str]) -> bool:
    try:
        found = [sheet for sheet, _ in definition.destinations]
    except Exception:  # a name that is no reference (a constant, a #REF!): kept, the engine says what it is
        return False
    return bool(found) and all(sheet in sheets for sheet in found)


def formulas_saved_as_text(book: Any) -> list[tuple[str, str, str]]:
    """(sheet, cell, text) of every text cell of ``book`` that reads as a formula, such as ``"=HEDGE_MARGIN(…)"``.

    A tool that writes a formula as a string leaves text where Excel would compute: the formula engine
    would show that text as the cell's value, and every cell that depends on it would be wrong. Text a
    user typed on purpose with a leading apostrophe (``'=Note: …``, saved with the cell's quote prefix)
    is not one.
    """
    found = []
    for sheet in book.worksheets:
        cells = sorted(sheet._cells.values(), key=lambda c: (c.row, c.column))  # iter_rows would make blank cells
        for cell in cells:
            if (
                cell.data_type == "s"
                and isinstance(cell.value, str)
                and _FORMULA_TEXT.match(cell.value)
                and not cell.quotePrefix
            ):
                found.append((sheet.title, cell.coordinate, cell.value))
    return found

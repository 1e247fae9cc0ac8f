"""The workbook as the formula engine reads it: formulas and values, without charts or cached results.

Read from the file's bytes, so that its content decides, not its name (a workbook saved without the
``.xlsx``/``.xlsm`` extension computes too). The file itself is only read.
"""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path
from typing import Any

from althedge_xl.workbook.package import WorkbookError

CellKey = tuple[str, str]
"""(sheet name as in the workbook, cell address like ``"B5"``)."""

#: A worksheet's relationship to its drawing (charts and pictures); comments' VML drawings are kept.
_DRAWING_RELATIONSHIP = re.compile(rb'<Relationship\b[^>]*\bType="[^"]*/relationships/drawing"[^>]*/>')
_SHEET_RELATIONSHIPS = re.compile(r"^xl/worksheets/_rels/[^/]+\.rels$")


def read_for_engine(source: Path) -> Any:
    """``source`` read with formulas by the engine's own reader (dates as serial numbers, as Excel).

    Charts and pictures are left out: the engine computes cells, and reading a chart that caches a
    few thousand points (the Backtest sheet's equity curves) takes longer than reading every cell.
    """
    from formulas.excel.xlreader import load_workbook

    try:
        return load_workbook(io.BytesIO(without_drawings(source.read_bytes())))
    except Exception as exc:
        raise WorkbookError(f"{source}: cannot be read as a workbook ({type(exc).__name__}: {exc})") from None


def without_drawings(package: bytes) -> bytes:
    """A copy of a workbook ``package`` (its bytes) whose worksheets no longer refer to their drawings."""
    found = zipfile.ZipFile(io.BytesIO(package))
    names = [info.filename for info in found.infolist()]
    if not any(_SHEET_RELATIONSHIPS.match(name) for name in names):
        return package
    copy = io.BytesIO()
    with zipfile.ZipFile(copy, "w", zipfile.ZIP_STORED) as out:
        for name in names:
            data = found.read(name)
            if _SHEET_RELATIONSHIPS.match(name):
                data = _DRAWING_RELATIONSHIP.sub(b"", data)
            out.writestr(name, data)
    return copy.getvalue()


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

"""Rewrite plain values in one worksheet of an .xlsx/.xlsm package, leaving every other part alone.

Refresh changes only the Prices sheet: its XML part is edited in place (cell by cell, keeping each
cell's style), text is written as inline strings so the shared-strings part stays as it is, and every
other part of the package (VBA, other sheets, charts, styles, names) is copied byte for byte.
"""

from __future__ import annotations

import math
import posixpath
import re
import zipfile
from collections.abc import Mapping
from io import BytesIO
from xml.sax.saxutils import escape

from openpyxl.utils.cell import column_index_from_string, coordinate_from_string

CellValue = float | int | str | bool | None

_SHEET_DATA = re.compile(r"<sheetData>(.*)</sheetData>|<sheetData/>", re.S)
_ROW = re.compile(r"<row\b([^>]*?)(/>|>(.*?)</row>)", re.S)
_CELL = re.compile(r"<c\b([^>]*?)(?:/>|>.*?</c>)", re.S)
_ATTR_R = re.compile(r'\br="([A-Z]+)(\d+)"')
_ATTR_S = re.compile(r'\bs="(\d+)"')
_SPANS = re.compile(r'\s+spans="[^"]*"')


class PackageError(Exception):
    """The package does not have the sheet, or its parts are not what a workbook holds."""


def sheet_part(package: zipfile.ZipFile, sheet: str) -> str:
    """The zip path of the worksheet called ``sheet`` (through workbook.xml and its relationships)."""
    workbook = package.read("xl/workbook.xml").decode("utf-8")
    match = re.search(
        rf'<sheet\b[^>]*\bname="{re.escape(escape(sheet, {chr(34): "&quot;"}))}"[^>]*\br:id="([^"]+)"', workbook
    )
    if match is None:
        raise PackageError(f"the workbook has no sheet called {sheet}")
    rels = package.read("xl/_rels/workbook.xml.rels").decode("utf-8")
    target = re.search(rf'<Relationship\b[^>]*\bId="{re.escape(match.group(1))}"[^>]*\bTarget="([^"]+)"', rels)
    if target is None:
        target = re.search(rf'<Relationship\b[^>]*\bTarget="([^"]+)"[^>]*\bId="{re.escape(match.group(1))}"', rels)
    if target is None:
        raise PackageError(f"the workbook's relationships do not say where sheet {sheet} is")
    path = target.group(1)
    return path.lstrip("/") if path.startswith("/") else posixpath.normpath(posixpath.join("xl", path))


def _cell_xml(ref: str, style: str | None, value: CellValue) -> str:
    attrs = f'r="{ref}"' + (f' s="{style}"' if style is not None else "")
    if value is None:
        return f"<c {attrs}/>"
    if isinstance(value, bool):
        return f'<c {attrs} t="b"><v>{int(value)}</v></c>'
    if isinstance(value, (int, float)):
        if not math.isfinite(value):
            raise ValueError(f"{ref}: cannot store {value} in a cell")
        return f"<c {attrs}><v>{value!r}</v></c>"
    space = ' xml:space="preserve"' if value != value.strip() else ""
    return f'<c {attrs} t="inlineStr"><is><t{space}>{escape(value)}</t></is></c>'


def _split_ref(ref: str) -> tuple[int, int]:
    column, row = coordinate_from_string(ref)
    return row, column_index_from_string(column)


def set_cells(sheet_xml: str, values: Mapping[str, CellValue]) -> str:
    """The worksheet XML with the cells in ``values`` (``{"B5": 1.5}``) set; styles are kept."""
    found = _SHEET_DATA.search(sheet_xml)
    if found is None:
        raise PackageError("the worksheet has no sheetData")
    rows: dict[int, tuple[str, dict[int, str]]] = {}
    for row in _ROW.finditer(found.group(1) or ""):
        attrs = row.group(1)
        number = int(re.search(r'\br="(\d+)"', attrs).group(1))  # type: ignore[union-attr]
        cells = {}
        for cell in _CELL.finditer(row.group(3) or ""):
            position = _ATTR_R.search(cell.group(1))
            if position is None:
                raise PackageError(f"row {number} has a cell without a reference")
            cells[column_index_from_string(position.group(1))] = cell.group(0)
        rows[number] = (attrs, cells)
    for ref, value in values.items():
        row_number, column = _split_ref(ref)
        attrs, cells = rows.setdefault(row_number, (f' r="{row_number}"', {}))
        old = cells.get(column)
        style_match = _ATTR_S.search(old.split(">", 1)[0]) if old else None
        cells[column] = _cell_xml(ref, style_match.group(1) if style_match else None, value)
        rows[row_number] = (_SPANS.sub("", attrs), cells)
    body = "".join(
        f"<row{attrs}>{''.join(cells[c] for c in sorted(cells))}</row>" if cells else f"<row{attrs}/>"
        for number, (attrs, cells) in sorted(rows.items())
    )
    return sheet_xml[: found.start()] + f"<sheetData>{body}</sheetData>" + sheet_xml[found.end() :]


def patch_sheet(package_bytes: bytes, sheet: str, values: Mapping[str, CellValue]) -> bytes:
    """A copy of the package with ``values`` written into ``sheet``; every other part is unchanged."""
    source = zipfile.ZipFile(BytesIO(package_bytes))
    part = sheet_part(source, sheet)
    output = BytesIO()
    with zipfile.ZipFile(output, "w") as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == part:
                data = set_cells(data.decode("utf-8"), values).encode("utf-8")
            target.writestr(info, data, compress_type=info.compress_type)
    return output.getvalue()

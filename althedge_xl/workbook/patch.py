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
from collections.abc import Callable, Mapping
from io import BytesIO
from xml.etree import ElementTree
from xml.sax.saxutils import escape

from openpyxl.utils.cell import column_index_from_string, coordinate_from_string, get_column_letter

from althedge_xl.workbook.package import check_parts, read_part

CellValue = float | int | str | bool | None

_SHEET_DATA = re.compile(
    r"<(?P<p>(?:[A-Za-z_][\w.-]*:)?)sheetData\b[^>]*?(?:/>|>(?P<body>.*?)</(?P=p)sheetData\s*>)", re.S
)
_ATTR_R = re.compile(r"""(?:^|\s)r\s*=\s*["']([A-Za-z]*)(\d+)["']""")
_ATTR_S = re.compile(r"""(?:^|\s)s\s*=\s*["'](\d+)["']""")
_SPANS = re.compile(r"""\s+spans\s*=\s*["'][^"']*["']""")


class PackageError(Exception):
    """The package does not have the sheet, or its parts are not what a workbook holds."""


def _local(name: str) -> str:
    """``{namespace}sheet`` → ``sheet``: parts are looked up whatever their namespace prefixes."""
    return name.rsplit("}", 1)[-1]


def _parse(package: zipfile.ZipFile, part: str) -> ElementTree.Element:
    try:
        return ElementTree.fromstring(read_part(package, package.getinfo(part)))
    except KeyError:
        raise PackageError(f"the package has no {part}") from None
    except ElementTree.ParseError as exc:
        raise PackageError(f"{part} is not well-formed XML ({exc})") from None


def sheet_part(package: zipfile.ZipFile, sheet: str) -> str:
    """The zip path of the worksheet called ``sheet`` (through workbook.xml and its relationships).

    Read with an XML parser, so attribute order, namespace prefixes and quoting do not matter.
    """
    rel_id = None
    for element in _parse(package, "xl/workbook.xml").iter():
        if _local(element.tag) == "sheet" and element.get("name") == sheet:
            rel_id = next((v for k, v in element.attrib.items() if k.startswith("{") and _local(k) == "id"), None)
            break
    if rel_id is None:
        raise PackageError(f"the workbook has no sheet called {sheet}")
    target = None
    for element in _parse(package, "xl/_rels/workbook.xml.rels").iter():
        if _local(element.tag) == "Relationship" and element.get("Id") == rel_id:
            target = element.get("Target")
            break
    if not target:
        raise PackageError(f"the workbook's relationships do not say where sheet {sheet} is")
    return target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join("xl", target))


def _cell_xml(ref: str, style: str | None, value: CellValue, p: str = "") -> str:
    attrs = f'r="{ref}"' + (f' s="{style}"' if style is not None else "")
    if value is None:
        return f"<{p}c {attrs}/>"
    if isinstance(value, bool):
        return f'<{p}c {attrs} t="b"><{p}v>{int(value)}</{p}v></{p}c>'
    if isinstance(value, (int, float)):
        if not math.isfinite(value):
            raise ValueError(f"{ref}: cannot store {value} in a cell")
        return f"<{p}c {attrs}><{p}v>{value!r}</{p}v></{p}c>"
    space = ' xml:space="preserve"' if value != value.strip() else ""
    return f'<{p}c {attrs} t="inlineStr"><{p}is><{p}t{space}>{escape(value)}</{p}t></{p}is></{p}c>'


def _split_ref(ref: str) -> tuple[int, int]:
    column, row = coordinate_from_string(ref)
    return row, column_index_from_string(column)


def _rows(body: str, p: str) -> dict[int, tuple[str, dict[int, str]]]:
    """Row number → (row attributes, column → cell XML) of the sheetData ``body``; every reference explicit.

    A row or cell without its optional ``r`` attribute follows the one before it (ECMA-376, 18.3.1.73 and
    18.3.1.4), and gets its reference written out, so that inserting cells cannot shift it.
    """
    row_pattern = re.compile(rf"<{p}row\b([^>]*?)(/>|>(.*?)</{p}row\s*>)", re.S)
    cell_pattern = re.compile(rf"<{p}c\b([^>]*?)(/>|>.*?</{p}c\s*>)", re.S)
    rows: dict[int, tuple[str, dict[int, str]]] = {}
    number = 0
    for row in row_pattern.finditer(body):
        attrs = row.group(1)
        position = _ATTR_R.search(attrs)
        number = int(position.group(2)) if position else number + 1
        if position is None:
            attrs = f' r="{number}"{attrs}'
        cells: dict[int, str] = {}
        column = 0
        for cell in cell_pattern.finditer(row.group(3) or ""):
            ref = _ATTR_R.search(cell.group(1))
            xml = cell.group(0)
            if ref is not None and ref.group(1):
                column = column_index_from_string(ref.group(1).upper())
            else:
                column += 1
                xml = f'<{p}c r="{get_column_letter(column)}{number}"' + xml[len(f"<{p}c") :]
            cells[column] = xml
        rows[number] = (attrs, cells)
    return rows


def set_cells(sheet_xml: str, values: Mapping[str, CellValue], styles: Mapping[str, str] | None = None) -> str:
    """The worksheet XML with the cells in ``values`` (``{"B5": 1.5}``) set; styles are kept.

    ``styles`` gives the style (index into the stylesheet's ``cellXfs``) of cells it names, over the one kept.

    Works whatever prefix the sheet gives SpreadsheetML's namespace (``<x:row>``), and with rows or cells
    without their optional ``r`` attribute.
    """
    found = _SHEET_DATA.search(sheet_xml)
    if found is None:
        raise PackageError("the worksheet has no sheetData")
    p = found.group("p")
    rows = _rows(found.group("body") or "", p)
    for ref, value in values.items():
        row_number, column = _split_ref(ref)
        attrs, cells = rows.setdefault(row_number, (f' r="{row_number}"', {}))
        old = cells.get(column)
        style_match = _ATTR_S.search(old.split(">", 1)[0][len(p) + 2 :]) if old else None
        style = (styles or {}).get(ref) or (style_match.group(1) if style_match else None)
        cells[column] = _cell_xml(ref, style, value, p)
        rows[row_number] = (_SPANS.sub("", attrs), cells)
    body = "".join(
        f"<{p}row{attrs}>{''.join(cells[c] for c in sorted(cells))}</{p}row>" if cells else f"<{p}row{attrs}/>"
        for number, (attrs, cells) in sorted(rows.items())
    )
    return sheet_xml[: found.start()] + f"<{p}sheetData>{body}</{p}sheetData>" + sheet_xml[found.end() :]


def patch_sheet(package_bytes: bytes, sheet: str, values: Mapping[str, CellValue]) -> bytes:
    """A copy of the package with ``values`` written into ``sheet``; every other part is unchanged.

    Raises :class:`~althedge_xl.workbook.package.WorkbookError` for a package that cannot be read within
    bounds, :class:`PackageError` when the sheet is not there.
    """
    part = sheet_part(open_package(package_bytes), sheet)
    return rewrite_parts(package_bytes, {part: lambda xml: set_cells(xml, values)})


def open_package(package_bytes: bytes) -> zipfile.ZipFile:
    """The package as a zip archive whose parts are within bounds; :class:`PackageError` if it is not a zip."""
    try:
        source = zipfile.ZipFile(BytesIO(package_bytes))
    except zipfile.BadZipFile as exc:
        raise PackageError(f"a damaged zip package ({exc})") from None
    check_parts(source, "the workbook")
    return source


def rewrite_parts(package_bytes: bytes, edits: Mapping[str, Callable[[str], str]]) -> bytes:
    """A copy of the package with each part named in ``edits`` (its XML text) replaced by what its function
    returns; every other part is copied byte for byte, and a part whose text comes back the same keeps its bytes.
    """
    source = open_package(package_bytes)
    output = BytesIO()
    with zipfile.ZipFile(output, "w") as target:
        for info in source.infolist():
            data = read_part(source, info)
            if info.filename in edits:
                text = data.decode("utf-8")
                edited = edits[info.filename](text)
                data = data if edited == text else edited.encode("utf-8")
            target.writestr(info, data, compress_type=info.compress_type)
    return output.getvalue()

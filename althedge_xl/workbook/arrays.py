"""Cached text inside array formulas, stored the way Excel stores it.

xlsxwriter caches a value only for an array formula's first cell; the builder writes the others
as plain cells, which puts text in the shared-strings table (``t="s"``). Excel itself stores the
text result of a formula cell inline (``t="str"``), and the cells of an array range are results of
its formula, so this rewrites them that way.
"""

from __future__ import annotations

import re
import zipfile
from io import BytesIO

from openpyxl.utils.cell import range_boundaries

from althedge_xl.workbook.vba import rezip

_ARRAY = re.compile(r'<c r="([A-Z]+\d+)"[^>]*><f t="array" ref="([A-Z]+\d+:[A-Z]+\d+)"')
_SHARED_CELL = re.compile(r'<c r="([A-Z]+)(\d+)"((?: s="\d+")?) t="s"><v>(\d+)</v></c>')
_SHARED_STRING = re.compile(r"<si>(.*?)</si>", re.S)
_TEXT = re.compile(r"<t(?: [^>]*)?>(.*?)</t>", re.S)


def _shared_strings(package: zipfile.ZipFile) -> list[str]:
    """The shared strings, still XML-escaped as they stand in the file."""
    if "xl/sharedStrings.xml" not in package.namelist():
        return []
    xml = package.read("xl/sharedStrings.xml").decode("utf-8")
    return ["".join(_TEXT.findall(item)) for item in _SHARED_STRING.findall(xml)]


def _rewrite(sheet_xml: str, strings: list[str]) -> str:
    ranges = []
    for anchor, ref in _ARRAY.findall(sheet_xml):
        ranges.append((anchor, range_boundaries(ref)))
    if not ranges:
        return sheet_xml

    def inline(match: re.Match[str]) -> str:
        column, row, style, index = match.groups()
        ref = f"{column}{row}"
        col = range_boundaries(f"{ref}:{ref}")[0]
        for anchor, (c1, r1, c2, r2) in ranges:
            if ref != anchor and c1 <= col <= c2 and r1 <= int(row) <= r2:
                return f'<c r="{ref}"{style} t="str"><v>{strings[int(index)]}</v></c>'
        return match.group(0)

    return _SHARED_CELL.sub(inline, sheet_xml)


def inline_array_text(package_bytes: bytes) -> bytes:
    """The package with the text cached in array-formula ranges stored inline, as Excel does."""
    with zipfile.ZipFile(BytesIO(package_bytes)) as package:
        strings = _shared_strings(package)
        changed = {}
        for name in package.namelist():
            if name.startswith("xl/worksheets/sheet") and name.endswith(".xml"):
                xml = package.read(name).decode("utf-8")
                new = _rewrite(xml, strings)
                if new != xml:
                    changed[name] = new.encode("utf-8")
    return rezip(package_bytes, changed) if changed else package_bytes

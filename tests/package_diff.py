"""What differs between two workbook packages, said cell by cell, for the tests that compare builds byte for byte.

A worksheet part is compared cell by cell (``Sheet!B5: 1.4267781641394466 -> 1.4267781641394468, relative
1.6e-16``), a chart part value by value, any other part by its size; when every part is the same but the files
are not, the zip container itself differs (order, dates or compression of the parts).
"""

from __future__ import annotations

import io
import math
import posixpath
import zipfile
from collections.abc import Iterator
from pathlib import Path
from xml.etree import ElementTree

_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_CHART = "{http://schemas.openxmlformats.org/drawingml/2006/chart}"
_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_PACKAGE_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
#: Differences listed at most; the count says how many there were.
SHOWN = 40


def _parts(package: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(package)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def _sheet_names(parts: dict[str, bytes]) -> dict[str, str]:
    """Worksheet part name (``xl/worksheets/sheet3.xml``) to the sheet's name, from workbook.xml and its rels."""
    try:
        book = ElementTree.fromstring(parts["xl/workbook.xml"])
        rels = ElementTree.fromstring(parts["xl/_rels/workbook.xml.rels"])
    except (KeyError, ElementTree.ParseError):
        return {}
    targets = {rel.get("Id"): rel.get("Target", "") for rel in rels.iter(f"{_PACKAGE_REL}Relationship")}
    names = {}
    for sheet in book.iter(f"{_MAIN}sheet"):
        target = targets.get(sheet.get(f"{_REL}id"), "")
        part = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join("xl", target))
        names[part] = sheet.get("name", part)
    return names


def _cells(xml: bytes) -> dict[str, tuple[str | None, ...]]:
    """Each cell of a worksheet part by address: (type, style, formula, value)."""
    cells = {}
    for cell in ElementTree.fromstring(xml).iter(f"{_MAIN}c"):
        formula, value = cell.find(f"{_MAIN}f"), cell.find(f"{_MAIN}v")
        cells[cell.get("r", "?")] = (
            cell.get("t"),
            cell.get("s"),
            None if formula is None else (formula.text or "") + str(sorted(formula.attrib.items())),
            None if value is None else value.text,
        )
    return cells


def _chart_values(xml: bytes) -> list[str | None]:
    return [value.text for value in ElementTree.fromstring(xml).iter(f"{_CHART}v")]


def _relative(old: str | None, new: str | None) -> str:
    try:
        a, b = float(old or ""), float(new or "")
    except ValueError:
        return ""
    if a == b or not (math.isfinite(a) and math.isfinite(b)):
        return ""
    return f", relative {abs(b - a) / max(abs(a), abs(b)):.1e}"


def _cell_lines(where: str, old: bytes, new: bytes) -> Iterator[str]:
    before, after = _cells(old), _cells(new)
    found = False
    for address in sorted(before.keys() | after.keys(), key=lambda a: (len(a), a)):
        was, now = before.get(address), after.get(address)
        if was == now:
            continue
        found = True
        if was is None or now is None:
            yield f"{where}!{address}: {'added' if was is None else 'removed'}"
        elif was[:3] != now[:3]:
            yield f"{where}!{address}: type, style or formula {was[:3]} -> {now[:3]}"
        else:
            yield f"{where}!{address}: {was[3]} -> {now[3]}{_relative(was[3], now[3])}"
    if not found:
        yield f"{where}: differs outside its cells (columns, names, layout)"


def _chart_lines(name: str, old: bytes, new: bytes) -> Iterator[str]:
    before, after = _chart_values(old), _chart_values(new)
    if len(before) != len(after):
        yield f"{name}: {len(before)} cached values -> {len(after)}"
        return
    found = False
    for index, (was, now) in enumerate(zip(before, after, strict=True)):
        if was != now:
            found = True
            yield f"{name} value {index}: {was} -> {now}{_relative(was, now)}"
    if not found:
        yield f"{name}: differs outside its cached values"


def differences(old: bytes | Path, new: bytes | Path) -> list[str]:
    """One line per difference between two workbook packages (empty when the bytes are equal)."""
    old_bytes = old.read_bytes() if isinstance(old, Path) else old
    new_bytes = new.read_bytes() if isinstance(new, Path) else new
    if old_bytes == new_bytes:
        return []
    before, after = _parts(old_bytes), _parts(new_bytes)
    sheets = _sheet_names(after)
    lines = [f"part {name}: {'added' if name in after else 'removed'}" for name in sorted(before.keys() ^ after.keys())]
    for name in sorted(before.keys() & after.keys(), key=lambda part: (part not in sheets, part)):  # sheets first
        if before[name] == after[name]:
            continue
        try:
            if name in sheets:
                lines.extend(_cell_lines(sheets[name], before[name], after[name]))
                continue
            if name.startswith("xl/charts/chart"):
                lines.extend(_chart_lines(name, before[name], after[name]))
                continue
        except ElementTree.ParseError:
            pass
        lines.append(f"part {name}: {len(before[name]):,} bytes -> {len(after[name]):,}")
    return lines or ["every part is the same: the zip container differs (order, dates or compression of the parts)"]


def describe(old: bytes | Path, new: bytes | Path, what: str) -> str:
    """A failure message: ``what``, then the differences (the first :data:`SHOWN` of them)."""
    lines = differences(old, new)
    shown = "\n  ".join(lines[:SHOWN])
    more = f"\n  ... and {len(lines) - SHOWN} more" if len(lines) > SHOWN else ""
    return f"{what}; {len(lines)} difference{'s' if len(lines) != 1 else ''}:\n  {shown}{more}"

"""A fake of the part of an xlwings ``Book`` that the Refresh button uses, over a workbook file's cells.

It holds each sheet's values (Excel's cached ones), formulas, legacy array formulas and which cells are
locked, and behaves as Excel does where the button depends on it: a write to a locked cell of a
protected sheet fails (the template protects every sheet), and so does a write to part of an array
formula (Excel: "You can't change part of an array"). Defined names (``book.names``) and the charts'
series formulas are there too. Every value and formula given is recorded (``book.given``), and every
message box shown (``book.app.alerts``).
"""

from __future__ import annotations

import html
import io
import re
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
from openpyxl.utils.cell import column_index_from_string, get_column_letter, range_boundaries
from openpyxl.worksheet.formula import ArrayFormula

#: A workbook-level defined name (a sheet's own, such as its print area, has ``localSheetId``).
_DEFINED_NAME = re.compile(r'<definedName name="([^"]+)"(?![^>]*localSheetId)[^>]*>([^<]+)</definedName>')
_AREA = re.compile(r"^'?([^'!]+)'?!(\$?[A-Z]+\$?\d+(?::\$?[A-Z]+\$?\d+)?)$")


class ExcelError(Exception):
    """What Excel's object model raises (a COM error under Windows)."""


def cells_of(ref: str) -> list[list[str]]:
    """The addresses of ``ref``, row by row."""
    ref = ref.replace("$", "")
    min_col, min_row, max_col, max_row = range_boundaries(ref if ":" in ref else f"{ref}:{ref}")
    return [[f"{get_column_letter(c)}{r}" for c in range(min_col, max_col + 1)] for r in range(min_row, max_row + 1)]


class SheetApi:
    """``sheet.api``: Excel's Worksheet object, its protection only."""

    def __init__(self, protected: bool, password: str = "") -> None:
        self.ProtectContents = protected
        self.ProtectDrawingObjects = protected
        self.ProtectScenarios = protected
        self.Protection = type("Protection", (), {"AllowFormattingCells": False, "AllowFormattingColumns": True,
                                                  "AllowFormattingRows": False})()  # fmt: skip
        self.password = password
        self.calls: list[tuple[str, tuple, dict]] = []

    def Unprotect(self, password: str = "") -> None:
        self.calls.append(("Unprotect", (password,), {}))
        if password != self.password:
            raise ExcelError("The password you supplied is not correct.")
        self.ProtectContents = self.ProtectDrawingObjects = self.ProtectScenarios = False

    def Protect(self, password: str = "", **options: Any) -> None:
        self.calls.append(("Protect", (password,), options))
        self.ProtectContents = bool(options.get("Contents", True))
        self.ProtectDrawingObjects = bool(options.get("DrawingObjects", True))
        self.ProtectScenarios = bool(options.get("Scenarios", True))


class Series:
    def __init__(self, formula: str) -> None:
        self.Formula = formula


class ChartApi:
    """Excel's Chart object: its series (``SeriesCollection()``, ``SeriesCollection(i)``, one-based)."""

    def __init__(self, formulas: list[str]) -> None:
        self.series = [Series(f) for f in formulas]
        self.Count = len(self.series)

    def SeriesCollection(self, index: int | None = None) -> Any:
        return self if index is None else self.series[index - 1]


class Chart:
    def __init__(self, formulas: list[str]) -> None:
        self.api = (None, ChartApi(formulas))  # xlwings under Windows: (ChartObject, Chart)


class Range:
    def __init__(self, sheet: Sheet, ref: str) -> None:
        self.sheet, self.ref = sheet, ref.replace("$", "")

    def options(self, **_: Any) -> Range:
        return self

    def _cells(self) -> list[list[str]]:
        return cells_of(self.ref)

    @property
    def address(self) -> str:
        return re.sub(r"([A-Z]+)(\d+)", r"$\1$\2", self.ref)

    @property
    def row(self) -> int:
        return int(re.match(r"[A-Z]+(\d+)", self.ref)[1])  # type: ignore[index]

    @property
    def column(self) -> int:
        return column_index_from_string(re.match(r"([A-Z]+)", self.ref)[1])  # type: ignore[index]

    @property
    def value(self) -> Any:
        rows = [[self.sheet.values.get(c) for c in row] for row in self._cells()]
        return rows[0][0] if len(rows) == 1 and len(rows[0]) == 1 and ":" not in self.ref else rows

    @value.setter
    def value(self, rows: Any) -> None:
        self.sheet.check_writable(self._cells(), whole_arrays=False)
        self.sheet.writes.append(self.ref)
        self.sheet.given.append(rows)
        if not isinstance(rows, list):  # xlwings writes a single value into a single cell
            rows = [[rows]]
        for names, row in zip(self._cells(), rows, strict=True):
            for name, value in zip(names, row, strict=True):
                self.sheet.values[name] = value
                self.sheet.formulas.pop(name, None)

    @property
    def formula(self) -> Any:
        """As Excel gives it: a formula's text (each cell of an array its array's), a constant as text, "" blank."""
        rows = [[self.sheet.formula_of(c) for c in row] for row in self._cells()]
        return rows[0][0] if len(rows) == 1 and len(rows[0]) == 1 else tuple(tuple(r) for r in rows)

    @formula.setter
    def formula(self, text: str) -> None:
        [[cell]] = self._cells()
        self.sheet.check_writable([[cell]], whole_arrays=False)
        self.sheet.given.append(text)
        self.sheet.formulas[cell] = text

    @property
    def api(self) -> Any:
        """Excel's Range object: its ``CurrentArray`` (the whole array the range is part of) only."""
        anchor = self.sheet.array_of(self._cells()[0][0])
        if anchor is None:
            raise ExcelError("No array at this cell.")
        array = Range(self.sheet, self.sheet.arrays[anchor][0])
        return type("RangeApi", (), {"CurrentArray": type("CurrentArray", (), {"Address": array.address})()})()

    @property
    def has_array(self) -> bool:
        return self.sheet.array_of(self._cells()[0][0]) is not None

    @property
    def formula_array(self) -> str | None:
        anchor = self.sheet.array_of(self._cells()[0][0])
        return "=" + self.sheet.arrays[anchor][1] if anchor else None

    @formula_array.setter
    def formula_array(self, text: str) -> None:
        cells = self._cells()
        self.sheet.check_writable(cells, whole_arrays=True)
        self.sheet.given.append(text)
        self._clear(cells)
        self.sheet.arrays[cells[0][0]] = (self.ref, text.removeprefix("="))
        self.sheet.arrays_changed()

    def clear_contents(self) -> None:
        cells = self._cells()
        self.sheet.check_writable(cells, whole_arrays=True)
        self._clear(cells)

    def _clear(self, cells: list[list[str]]) -> None:
        inside = {c for row in cells for c in row}
        for anchor in [a for a in self.sheet.arrays if a in inside]:
            del self.sheet.arrays[anchor]
        self.sheet.arrays_changed()
        for cell in inside:
            self.sheet.values.pop(cell, None)
            self.sheet.formulas.pop(cell, None)

    @property
    def number_format(self) -> str:
        return self.sheet.number_formats.get(self._cells()[0][0], "General")

    @number_format.setter
    def number_format(self, value: str) -> None:
        for row in self._cells():
            for cell in row:
                self.sheet.number_formats[cell] = value


class Sheet:
    def __init__(self, name: str, given: list, protected: bool = True) -> None:
        self.name = name
        self.values: dict[str, Any] = {}
        self.formulas: dict[str, str] = {}
        self.arrays: dict[str, tuple[str, str]] = {}  # anchor -> (its range, its formula without "=")
        self._members: dict[str, str] | None = None
        self.unlocked: set[str] = set()
        self.number_formats: dict[str, str] = {}
        self.charts: list[Chart] = []
        self.writes: list[str] = []
        self.given = given
        self.api = SheetApi(protected)

    def range(self, ref: str) -> Range:
        return Range(self, ref)

    @property
    def used_range(self) -> Range:
        cells = [
            *self.values,
            *self.formulas,
            *(c for ref, _ in self.arrays.values() for r in cells_of(ref) for c in r),
        ]
        rows = [int(re.match(r"[A-Z]+(\d+)", c)[1]) for c in cells]  # type: ignore[index]
        columns = [column_index_from_string(re.match(r"([A-Z]+)", c)[1]) for c in cells]  # type: ignore[index]
        return Range(self, f"{get_column_letter(min(columns))}{min(rows)}:{get_column_letter(max(columns))}{max(rows)}")

    def array_of(self, cell: str) -> str | None:
        if self._members is None:
            self._members = {c: anchor for anchor, (ref, _) in self.arrays.items() for r in cells_of(ref) for c in r}
        return self._members.get(cell)

    def arrays_changed(self) -> None:
        self._members = None

    def formula_of(self, cell: str) -> str:
        anchor = self.array_of(cell)
        if anchor is not None:
            return "=" + self.arrays[anchor][1]
        if cell in self.formulas:
            return self.formulas[cell]
        value = self.values.get(cell)
        return "" if value is None else str(value)

    def check_writable(self, cells: list[list[str]], whole_arrays: bool) -> None:
        inside = {c for row in cells for c in row}
        if self.api.ProtectContents and inside - self.unlocked:
            raise ExcelError("The cell or chart you're trying to change is on a protected sheet.")
        for anchor in {a for c in inside if (a := self.array_of(c)) is not None}:
            members = {c for row in cells_of(self.arrays[anchor][0]) for c in row}
            if not (whole_arrays and members <= inside):
                raise ExcelError("You can't change part of an array.")


class Name:
    def __init__(self, book: ExcelBook, name: str, refers_to: str) -> None:
        self.book, self.name, self.refers_to = book, name, refers_to

    @property
    def refers_to_range(self) -> Range:
        area = _AREA.match(self.refers_to.removeprefix("="))
        if area is None or area[1] not in self.book.sheets:
            raise ExcelError(f"{self.name} is not a range")
        return self.book.sheets[area[1]].range(area[2])


class Names(dict):
    """``book.names``: ``name in names``, ``names[name]``, and iterated as ``Name`` objects."""

    def __iter__(self):
        return iter(list(self.values()))

    def __contains__(self, name: object) -> bool:
        return dict.__contains__(self, name)


class Sheets(dict):
    def __iter__(self):
        return iter(list(self.values()))


class App:
    def __init__(self) -> None:
        self.alerts: list[dict] = []

    def alert(self, prompt, title=None, buttons="ok", mode=None, callback=None):
        self.alerts.append({"prompt": prompt, "title": title, "mode": mode})
        return "ok"


class ExcelBook:
    """The workbook at ``path`` as the button sees it open in Excel: ``sheets`` (only those named),
    ``names``, ``app``."""

    def __init__(self, path: Path, sheets: tuple[str, ...]) -> None:
        content = path.read_bytes()
        values = openpyxl.load_workbook(io.BytesIO(content), data_only=True)
        formulas = openpyxl.load_workbook(io.BytesIO(content))
        self.given: list = []
        self.sheets = Sheets()
        for name in sheets:
            sheet = Sheet(name, self.given, protected=formulas[name].protection.sheet)
            for row in values[name].iter_rows():
                for cell in row:
                    if cell.value is not None:
                        sheet.values[cell.coordinate] = cell.value
            for row in formulas[name].iter_rows():
                for cell in row:
                    if not cell.protection.locked:
                        sheet.unlocked.add(cell.coordinate)
                    if isinstance(cell.value, ArrayFormula):
                        sheet.arrays[cell.coordinate] = (cell.value.ref, cell.value.text.removeprefix("="))
                    elif isinstance(cell.value, str) and cell.value.startswith("="):
                        sheet.formulas[cell.coordinate] = cell.value
                    if cell.number_format != "General":
                        sheet.number_formats[cell.coordinate] = cell.number_format
            self.sheets[name] = sheet
        self.names = Names()
        with zipfile.ZipFile(path) as archive:
            workbook_xml = archive.read("xl/workbook.xml").decode("utf-8")
            self._charts(archive)
        for name, target in _DEFINED_NAME.findall(workbook_xml):
            self.names[name] = Name(self, name, "=" + html.unescape(target))
        self.app = App()

    def _charts(self, archive: zipfile.ZipFile) -> None:
        """Each chart's series formulas, on the sheet its first series reads (the template's charts do)."""
        for part in sorted(n for n in archive.namelist() if re.fullmatch(r"xl/charts/chart\d+\.xml", n)):
            xml = archive.read(part).decode("utf-8")
            series = []
            for body in re.findall(r"<c:ser>(.*?)</c:ser>", xml, re.S):
                refs = re.findall(r"<c:f>([^<]+)</c:f>", body)
                series.append(f"=SERIES(,{','.join(html.unescape(r) for r in refs)},{len(series) + 1})")
            area = _AREA.match(html.unescape(re.findall(r"<c:f>([^<]+)</c:f>", xml)[0])) if series else None
            if area and area[1] in self.sheets:
                self.sheets[area[1]].charts.append(Chart(series))

    def texts(self) -> list[str]:
        """Every text the run gave the book: values and formulas written, and messages shown."""
        written = [str(v) for rows in self.given for row in (rows if isinstance(rows, list) else [[rows]]) for v in row]
        return written + [a["prompt"] for a in self.app.alerts]

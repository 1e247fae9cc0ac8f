"""A thin layer over an xlsxwriter worksheet: inputs, formulas, arrays, names, cached values.

Input cells are unlocked, named and validated; formula cells are locked. Every formula cell can
carry a cached value (from a first pass through the headless engine), so readers that do not
recalculate show numbers rather than zeros.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from xlsxwriter.utility import xl_cell_to_rowcol, xl_range_abs, xl_rowcol_to_cell
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from althedge_xl.workbook.styles import Styles

Cached = Mapping[tuple[str, str], Any]


class SheetWriter:
    """Writes one sheet; ``cached`` maps (sheet, address) to the value a formula computed."""

    def __init__(self, book: Workbook, sheet: Worksheet, styles: Styles, cached: Cached) -> None:
        self.book = book
        self.sheet = sheet
        self.name = sheet.get_name()
        self.styles = styles
        self.cached = cached
        self.formulas: list[str] = []

    def name_range(self, name: str, ref: str) -> None:
        """Define a workbook-level name for ``ref`` (a cell or range of this sheet)."""
        if ":" in ref:
            first, last = ref.split(":")
            (r1, c1), (r2, c2) = xl_cell_to_rowcol(first), xl_cell_to_rowcol(last)
            absolute = xl_range_abs(r1, c1, r2, c2)
        else:
            row, col = xl_cell_to_rowcol(ref)
            absolute = xl_rowcol_to_cell(row, col, row_abs=True, col_abs=True)
        self.book.define_name(name, f"='{self.name}'!{absolute}")

    def text(self, cell: str, value: str, style: str = "text") -> None:
        self.sheet.write_string(cell, value, self.styles[style])

    def value(self, cell: str, value: Any, style: str = "number") -> None:
        """A constant that is not an input (a sample, a label column)."""
        self.sheet.write(cell, value, self.styles[style])

    def data(self, cell: str, value: Any, kind: str = "number") -> None:
        """A cell that refresh writes: unlocked, plain (not an input the user types)."""
        if value is None:
            self.sheet.write_blank(cell, None, self.styles.data(kind))
        else:
            self.sheet.write(cell, value, self.styles.data(kind))

    def input(
        self,
        cell: str,
        value: Any,
        style: str,
        name: str | None = None,
        validation: Mapping[str, Any] | None = None,
    ) -> None:
        """An input cell: unlocked, input style, optionally named and validated."""
        fmt = self.styles.input(style)
        if value is None:
            self.sheet.write_blank(cell, None, fmt)
        elif isinstance(value, str) and value.startswith("="):
            self._formula(cell, value, fmt)
        else:
            self.sheet.write(cell, value, fmt)
        if name:
            self.name_range(name, cell)
        if validation:
            self.sheet.data_validation(cell, dict(validation))

    def formula(self, cell: str, formula: str, style: str = "number", name: str | None = None) -> None:
        """A locked formula cell with its cached value."""
        self._formula(cell, formula, self.styles[style])
        if name:
            self.name_range(name, cell)

    def _formula(self, cell: str, formula: str, fmt: Any) -> None:
        cached = self.cached.get((self.name, cell))
        self.formulas.append(cell)
        if cached is None:
            self.sheet.write_formula(cell, formula, fmt)
        else:
            self.sheet.write_formula(cell, formula, fmt, cached)

    def array(
        self,
        ref: str,
        formula: str,
        style: str = "number",
        name: str | None = None,
        column_styles: Sequence[str] | None = None,
    ) -> None:
        """A legacy (CSE) array formula over ``ref``, which Excel, LibreOffice and the engine all
        evaluate; every cell of the range gets its cached value and its column's style."""
        first, last = ref.split(":")
        (r1, c1), (r2, c2) = xl_cell_to_rowcol(first), xl_cell_to_rowcol(last)
        styles = list(column_styles) if column_styles else [style] * (c2 - c1 + 1)
        anchor = self.cached.get((self.name, first))
        fmt = self.styles[styles[0]]
        self.sheet.write_array_formula(r1, c1, r2, c2, "{" + formula + "}", fmt, anchor if anchor is not None else 0)
        self.formulas.append(ref)
        for row in range(r1, r2 + 1):
            for col in range(c1, c2 + 1):
                if (row, col) == (r1, c1):
                    continue
                value = self.cached.get((self.name, xl_rowcol_to_cell(row, col)))
                self.sheet.write(row, col, 0 if value is None else value, self.styles[styles[col - c1]])
        if name:
            self.name_range(name, ref)

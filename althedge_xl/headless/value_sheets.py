"""Sheets that hold only values (History, Prices), handed to the engine as whole ranges.

The engine makes one node per cell it reads, and a range its formulas refer to is assembled from
those nodes: History's ~1,900 daily rows cost more to build and calculate than every formula of the
report's sheets together. A sheet without a single formula needs none of that. Its cells are taken
out of the engine's reading, and each reference the formulas make to it (a cell, a range, a name's
range) is given to the engine as one input value, built from the cells exactly as the engine reads
them: a float rounded to 15 decimals, a blank cell empty. The results are the same, which the tests
check cell by cell against the engine reading every cell.

A sheet is taken only when each of its cells is a plain number, text or TRUE/FALSE; a reference the
engine names in a way this module does not read (a whole column, say) raises :class:`NotPlain`,
and the caller computes the ordinary way.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

CellKey = tuple[str, str]
"""(sheet name as in the workbook, cell address like ``"B5"``)."""

#: openpyxl's data types of a plain value: number, text, boolean.
_PLAIN_TYPES = frozenset({"n", "s", "b"})

#: A node of the engine on one sheet: ``'[Book.xlsm]SHEET'!B5`` or ``'[Book.xlsm]SHEET'!B5:C370``.
_NODE = re.compile(r"^'\[[^\]]*\](?P<sheet>.+)'!(?P<ref>\$?[A-Z]{1,3}\$?\d+(?::\$?[A-Z]{1,3}\$?\d+)?)$")


class NotPlain(Exception):
    """The engine refers to a taken sheet in a way :func:`range_inputs` cannot build."""


@dataclass
class ValueSheets:
    """The cells taken from the sheets that hold only values, by the sheet's name in capitals."""

    titles: dict[str, str] = field(default_factory=dict)
    values: dict[str, dict[tuple[int, int], Any]] = field(default_factory=dict)
    #: openpyxl's cells of each taken sheet, as they were read.
    originals: dict[str, dict[tuple[int, int], Any]] = field(default_factory=dict)

    def restore(self, book: Any) -> None:
        """Give the taken sheets of ``book`` their cells back (the values here are forgotten)."""
        for upper, cells in self.originals.items():
            book[self.titles[upper]]._cells.update(cells)
        self.titles.clear()
        self.values.clear()
        self.originals.clear()

    def cells(self) -> dict[CellKey, Any]:
        """Every taken cell as (sheet, address) -> value, as the computed workbook holds it."""
        from openpyxl.utils.cell import get_column_letter

        return {
            (self.titles[upper], f"{get_column_letter(column)}{row}"): value
            for upper, grid in self.values.items()
            for (row, column), value in grid.items()
        }


def take_value_sheets(book: Any, overrides: Mapping[CellKey, Any] | None = None) -> ValueSheets:
    """Empty every sheet of ``book`` holding only plain values, and return what it held.

    ``overrides`` (cell -> value, this computation only) that fall on a taken sheet are applied to
    the values taken; the caller leaves them out of the engine's inputs.
    """
    taken = ValueSheets()
    for sheet in book.worksheets:
        cells = sheet._cells
        if not cells or not all(cell.data_type in _PLAIN_TYPES for cell in cells.values()):
            continue
        grid = {}
        for at, cell in cells.items():
            value = cell.value
            if value is None:
                continue
            grid[at] = round(value, 15) if isinstance(value, float) else value
        upper = sheet.title.upper()
        taken.titles[upper] = sheet.title
        taken.values[upper] = grid
        taken.originals[upper] = dict(cells)
        cells.clear()
    if overrides:
        from openpyxl.utils.cell import coordinate_to_tuple

        for (sheet_name, address), value in overrides.items():
            grid_of = taken.values.get(sheet_name.upper())
            if grid_of is not None:
                grid_of[coordinate_to_tuple(address)] = value
    return taken


def range_inputs(data_nodes: Any, taken: ValueSheets) -> dict[str, Any]:
    """The engine's input value of each of its nodes on a taken sheet (``data_nodes``: the model's)."""
    import schedula as sh
    from formulas.ranges import Ranges
    from openpyxl.utils.cell import coordinate_to_tuple

    inputs: dict[str, Any] = {}
    for node in data_nodes:
        if not isinstance(node, str) or "]" not in node:
            continue
        sheet = node.partition("]")[2].partition("'!")[0]
        grid_of = taken.values.get(sheet)
        if grid_of is None:
            continue
        match = _NODE.match(node)
        if match is None:
            raise NotPlain(node)
        corners = [coordinate_to_tuple(corner.replace("$", "")) for corner in match["ref"].split(":")]
        (first_row, first_column), (last_row, last_column) = corners[0], corners[-1]
        grid = np.empty((last_row - first_row + 1, last_column - first_column + 1), dtype=object)
        grid.fill(sh.EMPTY)  # np.full would turn the marker into plain text
        for (row, column), value in _within(grid_of, first_row, first_column, last_row, last_column):
            grid[row - first_row, column - first_column] = value
        inputs[node] = Ranges().push(node, grid)
    return inputs


def _within(grid: dict[tuple[int, int], Any], r1: int, c1: int, r2: int, c2: int) -> list[tuple[tuple[int, int], Any]]:
    if (r2 - r1 + 1) * (c2 - c1 + 1) <= len(grid):
        return [((r, c), grid[(r, c)]) for r in range(r1, r2 + 1) for c in range(c1, c2 + 1) if (r, c) in grid]
    return [(at, value) for at, value in grid.items() if r1 <= at[0] <= r2 and c1 <= at[1] <= c2]

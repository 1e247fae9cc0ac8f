"""A workbook's formulas read once, and its circular references found from them before the engine runs.

The formula engine computes a cell that refers to itself (directly or through other cells) as
blank, without a word, so the workbook is checked first: every formula cell (an array formula
standing for its whole range) is linked to the formula cells it refers to, directly, through a
range, or through a defined name, and a cycle in those links is a circular reference.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

Node = tuple[str, int, int]
"""(sheet, row, column) of a formula cell; an array formula is its anchor."""


@dataclass(frozen=True)
class Formula:
    """One formula cell (an array formula's anchor): where it is and its tokens (openpyxl's Tokenizer)."""

    sheet: str
    row: int
    column: int
    coordinate: str
    tokens: Sequence[Any]

    @property
    def node(self) -> Node:
        return self.sheet, self.row, self.column


def formula_cells(book: Any) -> list[Formula]:
    """Every formula of ``book`` (an openpyxl workbook read with formulas), tokenized, sheet by sheet.

    Reads the cells the file holds (not every position of each sheet's used range, which openpyxl
    would create as blank cells).
    """
    from openpyxl.formula import Tokenizer
    from openpyxl.worksheet.formula import ArrayFormula

    found = []
    for sheet in book.worksheets:
        for (row, column), cell in sorted(sheet._cells.items()):
            value = cell.value
            text = value.text if isinstance(value, ArrayFormula) else value
            if isinstance(text, str) and text.startswith("=") and cell.data_type == "f":
                found.append(Formula(sheet.title, row, column, cell.coordinate, Tokenizer(text).items))
    return found


_CELL = re.compile(r"^\$?([A-Za-z]{1,3})\$?(\d+)$")
_COLUMNS = re.compile(r"^\$?([A-Za-z]{1,3}):\$?([A-Za-z]{1,3})$")
_ROWS = re.compile(r"^\$?(\d+):\$?(\d+)$")


def circular_references(book: Any, formulas: Sequence[Formula]) -> str:
    """The first circular reference of ``book`` as text (``"Hedge!B8 -> Hedge!B9 -> Hedge!B8"``), or ''.

    ``formulas`` are ``book``'s, from :func:`formula_cells`.
    """
    if not formulas:
        return ""
    owner = _owners(book, [f.node for f in formulas])
    names = _name_destinations(book)
    links: dict[Node, set[Node]] = {}
    for formula in formulas:
        targets: set[Node] = set()
        for token in formula.tokens:
            if token.type == "OPERAND" and token.subtype == "RANGE":
                for sheet, bounds in _resolve(token.value, formula.sheet, names):
                    targets.update(_formula_nodes_in(owner.get(sheet, {}), bounds))
        links[formula.node] = targets
    for component in _strongly_connected(links):
        if len(component) > 1 or component[0] in links[component[0]]:
            return " -> ".join(_label(n) for n in _cycle_path(component, links))
    return ""


def referenced_sheets(book: Any, formulas: Sequence[Formula]) -> set[str]:
    """The sheets ``formulas`` (``book``'s, from :func:`formula_cells`) refer to, directly or through names."""
    names = _name_destinations(book)
    found: set[str] = set()
    for formula in formulas:
        for token in formula.tokens:
            if token.type == "OPERAND" and token.subtype == "RANGE":
                found.update(sheet for sheet, _ in _resolve(token.value, formula.sheet, names))
    return found


def _owners(book: Any, formulas: Sequence[Node]) -> dict[str, dict[tuple[int, int], Node]]:
    """Per sheet, each cell whose value a formula gives -> that formula's node (array ranges included)."""
    from openpyxl.utils.cell import range_boundaries

    owner: dict[str, dict[tuple[int, int], Node]] = {}
    for node in formulas:
        owner.setdefault(node[0], {})[(node[1], node[2])] = node
    for sheet in book.worksheets:
        for anchor, ref in sheet.array_formulae.items():
            min_col, min_row, max_col, max_row = range_boundaries(ref)
            cells = owner.setdefault(sheet.title, {})
            found = cells.get(_row_col(anchor))
            if found is None:
                continue
            for r in range(min_row, max_row + 1):
                for c in range(min_col, max_col + 1):
                    cells[(r, c)] = found
    return owner


def _row_col(address: str) -> tuple[int, int]:
    from openpyxl.utils.cell import coordinate_to_tuple

    row, column = coordinate_to_tuple(address.replace("$", ""))
    return int(row), int(column)


def _name_destinations(book: Any) -> dict[str, list[tuple[str, str]]]:
    names: dict[str, list[tuple[str, str]]] = {}
    for name, definition in book.defined_names.items():
        try:
            names[name.upper()] = [(sheet, ref) for sheet, ref in definition.destinations]
        except Exception:  # a name whose sheet was deleted (#REF!) refers to nothing
            continue
    return names


Bounds = tuple[int, int, int, int]
"""(first row, first column, last row, last column)."""


def _resolve(reference: str, sheet: str, names: dict[str, list[tuple[str, str]]]) -> list[tuple[str, Bounds]]:
    """(sheet, bounds) of the cells a formula's reference (``B9``, ``'Hedge'!B9:C10``, ``NOTIONAL``) covers."""
    if "!" in reference:
        sheet_part, _, ref = reference.rpartition("!")
        sheet = sheet_part.strip("'").replace("''", "'")
        if sheet.startswith("["):  # another workbook
            return []
        bounds = _bounds(ref)
        return [(sheet, bounds)] if bounds else []
    bounds = _bounds(reference)
    if bounds:
        return [(sheet, bounds)]
    found = []
    for target_sheet, ref in names.get(reference.upper(), []):
        target = _bounds(ref)
        if target:
            found.append((target_sheet, target))
    return found


def _bounds(ref: str) -> Bounds | None:
    from openpyxl.utils.cell import column_index_from_string

    parts = ref.split(":")
    if len(parts) == 2 and _COLUMNS.match(ref):
        first, last = (column_index_from_string(p.replace("$", "")) for p in parts)
        return 1, first, 1_048_576, last
    if len(parts) == 2 and _ROWS.match(ref):
        first, last = (int(p.replace("$", "")) for p in parts)
        return first, 1, last, 16_384
    corners = [_CELL.match(p) for p in parts]
    if len(parts) > 2 or not all(corners):
        return None
    rows = [int(m.group(2)) for m in corners if m]
    cols = [column_index_from_string(m.group(1).upper()) for m in corners if m]
    return min(rows), min(cols), max(rows), max(cols)


def _formula_nodes_in(owner: dict[tuple[int, int], Node], bounds: Bounds) -> set[Node]:
    r1, c1, r2, c2 = bounds
    if (r2 - r1 + 1) * (c2 - c1 + 1) <= len(owner):
        return {owner[(r, c)] for r in range(r1, r2 + 1) for c in range(c1, c2 + 1) if (r, c) in owner}
    return {node for (r, c), node in owner.items() if r1 <= r <= r2 and c1 <= c <= c2}


def _strongly_connected(links: dict[Node, set[Node]]) -> Iterator[list[Node]]:
    """Tarjan's strongly connected components, iteratively (no recursion limit)."""
    index: dict[Node, int] = {}
    low: dict[Node, int] = {}
    on_stack: set[Node] = set()
    stack: list[Node] = []
    for root in sorted(links):
        if root in index:
            continue
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        work = [(root, iter(sorted(links[root])))]
        while work:
            node, successors = work[-1]
            for nxt in successors:
                if nxt not in index:
                    index[nxt] = low[nxt] = len(index)
                    stack.append(nxt)
                    on_stack.add(nxt)
                    work.append((nxt, iter(sorted(links.get(nxt, ())))))
                    break
                if nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    yield sorted(component)


def _cycle_path(component: list[Node], links: dict[Node, set[Node]]) -> list[Node]:
    """A path from the component's first cell back to itself, through the component (breadth first)."""
    members = set(component)
    start = component[0]
    previous: dict[Node, Node] = {}
    frontier = [start]
    while frontier:
        following = []
        for node in frontier:
            for nxt in sorted(links[node] & members):
                if nxt == start:
                    path = [node]
                    while path[-1] != start:
                        path.append(previous[path[-1]])
                    return [start, *reversed(path[:-1]), start] if node != start else [start, start]
                if nxt not in previous:
                    previous[nxt] = node
                    following.append(nxt)
        frontier = following
    return [start, start]


def _label(node: Node) -> str:
    from openpyxl.utils.cell import get_column_letter

    sheet, row, column = node
    return f"{sheet}!{get_column_letter(column)}{row}"

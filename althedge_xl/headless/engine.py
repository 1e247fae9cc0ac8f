"""The workbook computed without Excel: the ``formulas`` engine with AltHedge's functions registered.

Each AltHedge function is registered in the engine's function table under its Excel name and is
fed what xlwings would pass in Excel (every argument as a list of rows because the UDFs declare
``ndim=2``, blank cells as ``None``, error cells as their error text); its result comes back as
Excel shows it (numbers, text, TRUE/FALSE, arrays fitted to the formula's range, error values).

The engine never takes a value the file caches for a formula cell as an input, whoever wrote the
file: the cells of an array formula's range other than its anchor hold only the last result
(Excel writes it, LibreOffice writes ``#VALUE!`` there for functions it does not know), so they
are dropped before the engine reads the sheets. A circular reference stops the computation with
the cells it runs through (:mod:`althedge_xl.headless.cycles`).
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import sys
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from althedge_xl.excel.errors import ExcelError, error_code_of
from althedge_xl.headless.cycles import Formula, circular_references, formula_cells, referenced_sheets
from althedge_xl.headless.engine_table import complete_table, function_table
from althedge_xl.headless.reading import (
    addresses,
    drop_cached_array_values,
    drop_names_out_of_reach,
    formulas_saved_as_text,
    read_for_engine,
)
from althedge_xl.headless.udf_bridge import REASONS, failures_by_cell, register_functions
from althedge_xl.headless.value_sheets import NotPlain, ValueSheets, range_inputs, take_value_sheets
from althedge_xl.workbook.package import WorkbookError, check_readable

#: Functions the engine resolves itself although they are not in its function table.
_ENGINE_SPECIALS = frozenset({"INDIRECT", "LAMBDA", "LET", "_XLFN.LAMBDA", "_XLFN.LET"})


CellKey = tuple[str, str]
"""(sheet name as in the workbook, cell address like ``"B5"``)."""

#: What an error value means when no AltHedge function gave a reason (Excel's own errors).
GENERIC_REASONS = {
    "#DIV/0!": "division by zero",
    "#N/A": "no value available",
    "#NAME?": "an unknown name or function",
    "#NULL!": "ranges that do not intersect",
    "#NUM!": "not a valid number",
    "#REF!": "a reference to a cell that is not there",
    "#VALUE!": "a value of the wrong type",
}


@dataclass
class ComputedWorkbook:
    """Every computed cell value by (sheet, address), and the workbook's defined names."""

    path: Path
    cells: dict[CellKey, Any]
    names: dict[str, tuple[str, str]] = field(default_factory=dict)
    sheets: list[str] = field(default_factory=list)
    reasons: dict[CellKey, str] = field(default_factory=dict)
    #: Each cell of an array formula's range (anchor excepted) -> the anchor holding the formula.
    anchors: dict[CellKey, CellKey] = field(default_factory=dict)

    def value(self, sheet: str, address: str) -> Any:
        """The computed value of one cell (None when blank; an error as its code, ``"#N/A"``)."""
        return self.cells.get((sheet, address.replace("$", "").upper()))

    def error(self, sheet: str, address: str) -> ExcelError | None:
        """The cell's error with its reason (the AltHedge function's, else Excel's meaning), or None."""
        key = (sheet, address.replace("$", "").upper())
        code = error_code_of(self.cells.get(key))
        if code is None:
            return None
        for where in (key, self.anchors.get(key)):
            text = self.reasons.get(where) if where else None
            if text and error_code_of(text) == code and len(text) > len(code):
                return ExcelError(code, text[len(code) :].strip())
        return ExcelError(code, GENERIC_REASONS.get(code, ""))

    def shown(self, sheet: str, address: str) -> Any:
        """The cell as a report shows it: its value, or its :class:`ExcelError` with the reason."""
        found = self.error(sheet, address)
        return found if found is not None else self.value(sheet, address)

    def named(self, name: str) -> Any:
        """The value of a named cell, or a list of rows for a named range."""
        try:
            sheet, ref = self.names[name.upper()]
        except KeyError:
            raise WorkbookError(f"the named range {name} the report needs is missing from {self.path.name}") from None
        if ":" not in ref:
            return self.value(sheet, ref)
        return [[self.value(sheet, a) for a in row] for row in addresses(ref)]

    def where(self, name: str) -> tuple[str, str]:
        """(sheet, reference) a defined name points to."""
        self.named(name)  # raises, naming the missing range
        return self.names[name.upper()]

    def named_shown(self, name: str) -> Any:
        """:meth:`named`, with each error cell as its :class:`ExcelError` (see :meth:`shown`)."""
        sheet, ref = self.where(name)
        if ":" not in ref:
            return self.shown(sheet, ref)
        return [[self.shown(sheet, a) for a in row] for row in addresses(ref)]

    def errors(self) -> Iterator[tuple[str, str, str]]:
        """(sheet, cell, error text) of every cell that computed to an Excel error."""
        from openpyxl.utils.cell import coordinate_to_tuple

        order = {name: i for i, name in enumerate(self.sheets)}
        failed = [key for key, value in self.cells.items() if error_code_of(value)]
        for sheet, address in sorted(
            failed, key=lambda key: (order.get(key[0], len(order)), coordinate_to_tuple(key[1]))
        ):
            yield sheet, address, str(self.error(sheet, address))


def unknown_functions(formulas: Sequence[Formula]) -> list[tuple[str, str, str]]:
    """(sheet, cell, function) for every call the engine would not know (it would give #NAME?).

    ``formulas`` are a workbook's, from :func:`~althedge_xl.headless.cycles.formula_cells`. The
    engine's statistical functions are loaded (with scipy) only if the workbook calls a function
    the table does not have yet.
    """
    found = _unknown(formulas)
    if found:
        ours = register_functions()
        complete_table(keep={*ours, *(f"_XLUDF.{name}" for name in ours)})
        found = _unknown(formulas)
    return found


def _unknown(formulas: Sequence[Formula]) -> list[tuple[str, str, str]]:
    known = set(function_table()) | _ENGINE_SPECIALS
    found = []
    for formula in formulas:
        for token in formula.tokens:
            if token.type == "FUNC" and token.subtype == "OPEN":
                name = token.value[:-1].upper()
                if name not in known:
                    found.append((formula.sheet, formula.coordinate, name))
    return found


def compute(
    path: str | os.PathLike[str],
    overrides: Mapping[CellKey, Any] | None = None,
    sheets: Sequence[str] | None = None,
) -> ComputedWorkbook:
    """Compute the workbook at ``path`` with the engine; the file is only read.

    ``overrides`` replaces the values of some cells for this computation only (the file is not
    changed), as if the user had typed them. ``sheets`` limits the work to those sheets and what
    they depend on (the report needs six of eleven); by default every sheet is computed.
    """
    source = Path(path)
    check_readable(source)
    bar_off = _import_tqdm_without_bar()
    register_functions()
    book, formulas_read, emptied = _read(source, sheets)
    as_text = formulas_saved_as_text(book)
    if as_text:
        sheet, cell, text = as_text[0]
        more = f" and {len(as_text) - 1} more cells" if len(as_text) > 1 else ""
        raise WorkbookError(
            f"{source.name}: formulas saved as text in {sheet}!{cell}{more} ({text[:60]!r} is text, not a "
            "formula), so nothing would be computed from them; re-enter them (in Excel: Find and Replace '=' "
            "with '=' in formulas) or save the file again, with formulas, from the tool that wrote it"
        )
    unknown = unknown_functions(formulas_read)
    if unknown:
        sheet, cell, name = unknown[0]
        raise WorkbookError(f"{sheet}!{cell} uses the function {name}, which the formula engine does not know")
    cycle = circular_references(book, formulas_read)
    if cycle:
        raise WorkbookError(f"{source.name}: a circular reference, the formula engine cannot compute it: {cycle}")
    anchors = drop_cached_array_values(book)
    names = _defined_names(book)
    drop_names_out_of_reach(book, emptied)
    taken = take_value_sheets(book, overrides)
    inputs = {f"'[{source.name}]{sheet.upper()}'!{cell}": value for (sheet, cell), value in (overrides or {}).items()}
    REASONS.clear()
    try:
        with _engine_quiet(bar_off):
            solution = _calculate(source, book, sheets, taken, inputs)
    except Exception as exc:  # the engine's own failures, reported as one line
        raise WorkbookError(
            f"{source.name}: the formula engine could not compute it ({type(exc).__name__}: {exc})"
        ) from None
    cells = _solution_cells(solution, book.sheetnames)
    cells.update(taken.cells())
    return ComputedWorkbook(source, cells, names, book.sheetnames, failures_by_cell(book.sheetnames), anchors)


def _import_tqdm_without_bar() -> bool:
    """Import tqdm, the engine's progress bar, with its bar off; False when it was imported before.

    tqdm reads ``TQDM_DISABLE`` once, when it is imported (and takes an empty value for "show the
    bar"); the variable is set for that import only, then given back as it was.
    """
    if "tqdm" in sys.modules:
        return False
    before = os.environ.get("TQDM_DISABLE")
    os.environ["TQDM_DISABLE"] = "1"
    try:
        import tqdm  # noqa: F401
    finally:
        if before is None:
            del os.environ["TQDM_DISABLE"]
        else:
            os.environ["TQDM_DISABLE"] = before
    return True


@contextlib.contextmanager
def _engine_quiet(bar_off: bool) -> Iterator[None]:
    """While the engine works: its log only for errors, and its progress bar off the command's stderr.

    The engine logs what it cannot resolve (a missing reference, say), which the report shows as
    error cells with their reasons, and draws a tqdm bar on stderr while it builds the model. Unless
    tqdm was imported with the bar off (``bar_off``, :func:`_import_tqdm_without_bar`), what is
    written on stderr meanwhile is dropped (``sys.stderr`` is the process's: one computation at a
    time, as the reasons of :data:`REASONS` already require). numpy's floating-point warnings are
    off too: the engine's own arithmetic (a ``SUM`` beyond 1.8e308) shows an overflow as ``#NUM!``
    in its cell, as Excel does, and AltHedge's functions turn theirs into errors with a reason.
    """
    engine_log = logging.getLogger("formulas")
    level = engine_log.level
    engine_log.setLevel(logging.ERROR)
    hide = contextlib.nullcontext() if bar_off else contextlib.redirect_stderr(io.StringIO())
    try:
        with hide, np.errstate(all="ignore"):
            yield
    finally:
        engine_log.setLevel(level)


def _read(source: Path, sheets: Sequence[str] | None) -> tuple[Any, list[Formula], set[str]]:
    """The workbook read for ``sheets`` (all by default), its formulas and the sheets read empty.

    Sheets the scan found unreachable are read empty; should a formula still refer to one of them
    (the scan reads text, the check here reads the parsed references), every sheet is read after all.
    """
    read = read_for_engine(source, sheets)
    found = formula_cells(read.book)
    emptied = {sheet.upper() for sheet in read.emptied}
    if emptied and {sheet.upper() for sheet in referenced_sheets(read.book, found)} & emptied:
        read = read_for_engine(source)
        found = formula_cells(read.book)
    return read.book, found, read.emptied


def _calculate(
    source: Path, book: Any, sheets: Sequence[str] | None, taken: ValueSheets, overrides: dict[str, Any]
) -> Any:
    """The engine's solution for ``book``, the sheets ``taken`` from it given as whole ranges.

    ``overrides`` are the engine's inputs for cells the user's values replace, every sheet's.
    Should the engine refer to a taken sheet in a way :func:`range_inputs` cannot build, the cells
    go back and the engine reads them one by one, as it would anyway.
    """
    import formulas

    model = _model(formulas.ExcelModel(), source, book, sheets, set(taken.titles.values()))
    try:
        on_taken = {f"'[{source.name}]{upper}'!" for upper in taken.values}
        inputs = {key: value for key, value in overrides.items() if not key.startswith(tuple(on_taken))}
        inputs.update(range_inputs(model.dsp.data_nodes, taken))
    except NotPlain:
        taken.restore(book)
        model = _model(formulas.ExcelModel(), source, book, sheets, set())
        inputs = overrides
    return model.calculate(inputs=inputs) if inputs else model.calculate()


def _model(model: Any, source: Path, book: Any, sheets: Sequence[str] | None, taken: set[str]) -> Any:
    """The engine's model of ``book`` (read from ``source``): every sheet, or ``sheets`` and their inputs.

    The engine is handed the workbook already read (its own reader's, with the cached values of
    array formulas dropped), where it keeps the books it has read, so the file is read once. The
    ``taken`` sheets (emptied, see :mod:`~althedge_xl.headless.value_sheets`) are not pushed.
    """
    import schedula as sh
    from formulas.excel import BOOK
    from openpyxl.utils.cell import get_column_letter

    model.basedir = str(source.parent.resolve())
    sh.get_nested_dicts(model.books, source.name.upper())[BOOK] = book
    _, context = model.add_book(source.name)
    if not sheets:
        return model.pushes(*(ws for ws in book.worksheets if ws.title not in taken), context=context).finish()
    ranges = [
        f"'[{source.name}]{name.upper()}'!A1:{get_column_letter(book[name].max_column)}{book[name].max_row}"
        for name in sheets
        if name in book.sheetnames and name not in taken
    ]
    return model.from_ranges(*ranges).finish(complete=False)


def _solution_cells(solution: Any, sheetnames: list[str]) -> dict[CellKey, Any]:
    import schedula as sh
    from formulas.ranges import Ranges
    from formulas.tokens.operand import XlError
    from openpyxl.utils.cell import get_column_letter

    real = {name.upper(): name for name in sheetnames}
    cells: dict[CellKey, Any] = {}
    for key, value in solution.items():
        if not isinstance(key, str) or not isinstance(value, Ranges) or key.split("!")[0].endswith("]'"):
            continue
        bounds = value.ranges[0]
        sheet = real.get(str(bounds.get("sheet", "")).upper())
        if sheet is None or _whole_rows_or_columns(bounds):
            continue
        grid = np.asarray(value.value, dtype=object)
        for i in range(grid.shape[0]):
            for j in range(grid.shape[1]):
                v = grid[i, j]
                if v is sh.EMPTY:
                    continue
                if isinstance(v, XlError):
                    v = str(v)
                elif isinstance(v, np.generic):
                    v = v.item()
                address = f"{get_column_letter(int(bounds['n1']) + j)}{int(bounds['r1']) + i}"
                cells[(sheet, address)] = v
    return cells


def _whole_rows_or_columns(bounds: Mapping[str, Any]) -> bool:
    """Whether the engine's ``bounds`` of a range are whole rows (``3:3``) or columns (``B:B``).

    The engine numbers their open side from 0; their cells are each collected from their own node.
    """
    return int(bounds.get("n1", 1)) == 0 or int(bounds.get("r1", 1)) == 0


def _defined_names(book: Any) -> dict[str, tuple[str, str]]:
    names: dict[str, tuple[str, str]] = {}
    for name, definition in book.defined_names.items():
        try:
            for sheet, ref in definition.destinations:
                names[name.upper()] = (sheet, ref.replace("$", ""))
        except Exception:  # a name whose sheet was deleted (#REF!): left out, reported when needed
            continue
    return names

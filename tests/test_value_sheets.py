"""The sheets holding only values are given to the engine as whole ranges, with the same results (issue 14).

The reference is the engine reading every cell one by one, as it does without
:mod:`althedge_xl.headless.value_sheets`; every computed cell of every sheet must be equal.
"""

from __future__ import annotations

import io
import math
import re
import zipfile
from pathlib import Path

import pytest

from althedge_xl.headless import engine, value_sheets
from althedge_xl.headless.reading import engine_package
from althedge_xl.headless.report import ERROR_SHEETS

TEMPLATE = Path(__file__).resolve().parents[1] / "workbook" / "AltHedge.xlsm"
#: A spot price (the spot table's first row) and the perpetual's mark on the Prices sheet, as --prices replaces them.
#: The template's sheets without a formula: what the fast path takes from the engine's reading (Start has
#: one formula, the line dating the values, from Prices).
VALUE_SHEETS = ("Prices", "History", "xlwings.conf")
OVERRIDES = {("Prices", "B5"): 91_234.5, ("Prices", "B28"): 88_000.0}


def _cell_by_cell(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(engine, "take_value_sheets", lambda book, overrides=None: value_sheets.ValueSheets())


def _same(a: object, b: object) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return a == b or (math.isnan(a) and math.isnan(b))
    return a == b and type(a) is type(b)


def _differences(fast: engine.ComputedWorkbook, slow: engine.ComputedWorkbook) -> list[str]:
    """Every cell the engine computed reading cell by cell, where the fast path differs.

    On the report's sheets alone the engine computes only the value-sheet cells they refer to; the
    fast path knows every value there, so it may hold more cells, but only on those sheets.
    """
    found = [f"{k}: {fast.cells.get(k)!r} != {v!r}" for k, v in slow.cells.items() if not _same(fast.cells.get(k), v)]
    found += [f"{k}: only in the fast path" for k in set(fast.cells) - set(slow.cells) if k[0] not in VALUE_SHEETS]
    return sorted(found)


@pytest.mark.parametrize("sheets", [None, ERROR_SHEETS], ids=["every sheet", "the report's sheets"])
@pytest.mark.parametrize("overrides", [None, OVERRIDES], ids=["as saved", "prices replaced"])
def test_same_cells_as_the_engine_reading_every_cell(monkeypatch, sheets, overrides):
    fast = engine.compute(TEMPLATE, overrides, sheets)
    with monkeypatch.context() as patch:
        _cell_by_cell(patch)
        slow = engine.compute(TEMPLATE, overrides, sheets)
    assert {s for s, _ in fast.cells} >= {"History", "Prices", "HedgeRatio", "Hedge"}
    assert _differences(fast, slow) == []
    assert fast.reasons == slow.reasons


def test_the_template_sheets_without_formulas_are_taken():
    book = engine.read_for_engine(TEMPLATE).book
    taken = value_sheets.take_value_sheets(book)
    assert sorted(taken.titles.values()) == sorted(VALUE_SHEETS)
    assert not book["History"]._cells and book["Hedge"]._cells


def test_a_price_override_on_a_value_sheet_reaches_the_hedge():
    # The hedge's notional does not depend on the BTC mark (Prices!B28); its size does: 20,000 / 80,000 = 0.25 BTC.
    book = engine.compute(TEMPLATE, {("Prices", "B28"): 80_000.0}, ERROR_SHEETS)
    assert book.value("Prices", "B28") == 80_000.0
    assert book.named("NOTIONAL") == 20_000
    assert book.named("CONTRACTS") == pytest.approx(0.25)


def test_a_reference_it_cannot_build_falls_back_to_every_cell(monkeypatch):
    def refuse(data_nodes, taken):
        raise value_sheets.NotPlain("'[AltHedge.xlsm]HISTORY'!B:B")

    fast = engine.compute(TEMPLATE, OVERRIDES, ERROR_SHEETS)
    monkeypatch.setattr(engine, "range_inputs", refuse)
    fallen_back = engine.compute(TEMPLATE, OVERRIDES, ERROR_SHEETS)
    assert _differences(fast, fallen_back) == []


def test_a_sheet_with_a_formula_is_not_taken():
    book = engine.read_for_engine(TEMPLATE).book
    book["History"]["P2"] = "=1+1"
    taken = value_sheets.take_value_sheets(book)
    assert "HISTORY" not in taken.values and book["History"]._cells


def test_drawings_are_left_out_and_nothing_else():
    package = TEMPLATE.read_bytes()
    before = zipfile.ZipFile(io.BytesIO(package))
    after = zipfile.ZipFile(io.BytesIO(engine_package(package)))
    assert before.namelist() == after.namelist()
    relationship = re.compile(rb"<Relationship\b[^>]*/>")
    dropped = []
    for name in before.namelist():
        old, new = before.read(name), after.read(name)
        if not name.startswith("xl/worksheets/_rels/"):
            assert old == new, name
            continue
        kept = relationship.findall(new)
        dropped += [r for r in relationship.findall(old) if r not in kept]
        assert all(r in relationship.findall(old) for r in kept), name
    # The Hedge and Backtest sheets' charts go; the comments' VML drawings stay.
    assert len(dropped) == 2 and all(b'/relationships/drawing"' in r for r in dropped)
    assert any(b"vmlDrawing" in after.read(n) for n in after.namelist() if n.startswith("xl/worksheets/_rels/"))

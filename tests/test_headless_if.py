"""The formula engine's IF returns its branch itself on one condition, as Excel's returns a reference.

Excel's documented behaviour: IF can return a reference (``SUM(A1:IF(TRUE,B5,C5))`` is valid), so a blank
cell of a range passed through IF stays blank — COUNT skips it, ISBLANK is TRUE, a function sees it as
blank; with an array of conditions IF computes values element by element and a blank becomes 0.
"""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
from conftest import edited_template

from althedge_xl.headless.engine import compute
from althedge_xl.workbook.sheets.hedge import BYBIT_FIRST_ROW

FORMULAS = {
    # (formula, what Excel gives) over A1 = 1, A2 blank, A3 = 3, C1 = "t"
    "B1": ('=COUNT(IF(TRUE,A1:A3,""))', 2),  # the blank is not a number
    "B2": ('=COUNTBLANK(IF(TRUE,A1:A3,""))', 1),
    "B3": ('=IF(ISBLANK(IF(TRUE,A2)),"blank","not")', "blank"),
    "B4": ('=IF(TRUE,A2)&"x"', "x"),  # a blank joins as empty text, not "0"
    "B5": ("=IF(TRUE,A2)+1", 1),  # and adds as 0
    "B6": ("=SUM(IF(TRUE,A1:A3))", 4),
    "B7": ("=SUM(IF({1;1;0}=1,A1:A3,10))", 11),  # array condition: values, the blank as 0
    "B8": ("=IF(A2,1,2)", 2),  # a blank condition is FALSE
    "B9": ('=IF(A1=1,"yes","no")', "yes"),
    "B10": ("=IF(FALSE,1)", False),
}


@pytest.fixture(scope="module")
def computed(tmp_path_factory: pytest.TempPathFactory) -> object:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "S"
    sheet["A1"], sheet["A3"], sheet["C1"] = 1, 3, "t"
    sheet["D1"], sheet["D2"] = "=IF(C1,1,2)", "=IF(1/0,1,2)"
    for cell, (formula, _) in FORMULAS.items():
        sheet[cell] = formula
    path = tmp_path_factory.mktemp("if") / "If.xlsx"
    book.save(path)
    return compute(path)


@pytest.mark.parametrize("cell", FORMULAS, ids=[formula for formula, _ in FORMULAS.values()])
def test_if_as_excel_computes_it(computed, cell: str) -> None:
    assert computed.value("S", cell) == FORMULAS[cell][1]


def test_an_error_or_text_condition_is_an_error(computed) -> None:
    assert str(computed.value("S", "D1")).startswith("#VALUE!")
    assert str(computed.value("S", "D2")).startswith("#DIV/0!")


def test_a_blank_bybit_amount_on_the_hedge_sheet_is_the_rules_own(tmp_path: Path) -> None:
    # Bybit's second tier typed with its amount left blank. Given the range directly, a blank amount is the
    # exchanges' rule's: 2,000,000 x (1.0 % - 0.5 %) + 0 = 10,000 USDT. Through the sheet's IF it arrived
    # as 0 (a deduction of 0, silently) before the engine's IF kept the range's blanks.
    row = BYBIT_FIRST_ROW + 1
    edits: dict[tuple[str, str], object] = {
        ("Hedge", "B10"): "bybit",
        ("Hedge", f"H{row}"): 2_000_000,
        ("Hedge", f"I{row}"): 10_000_000,
        ("Hedge", f"J{row}"): 0.01,
        ("Hedge", f"K{row}"): None,
        ("Hedge", f"L{row}"): 50,
        ("Portfolio", "E8"): 10_000_000,
    }
    book = compute(edited_template(tmp_path, edits))
    assert book.value("Hedge", "C11") == 0.01
    assert book.value("Hedge", "D11") == pytest.approx(2_000_000 * (0.01 - 0.005) + 0, rel=1e-12)
    assert book.value("Hedge", "E11") == 50

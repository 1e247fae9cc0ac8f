"""The report reads only the sheets its own sheets' formulas reach (issue 14: a faster report).

The expected sheets are worked out here from openpyxl's own formula tokenizer and defined names,
independently of the text scan of :mod:`althedge_xl.headless.sheet_reach`.
"""

from __future__ import annotations

import openpyxl
import pytest
from conftest import TEMPLATE, edited_template
from openpyxl.formula import Tokenizer
from openpyxl.worksheet.formula import ArrayFormula

from althedge_xl.headless import engine, reading, sheet_reach
from althedge_xl.headless.report import ERROR_SHEETS


def _closure_by_tokenizer(path, wanted):
    book = openpyxl.load_workbook(path)
    names = {}
    for name, definition in book.defined_names.items():
        try:
            names[name.upper()] = {sheet for sheet, _ in definition.destinations}
        except AttributeError:  # the VBA wrappers' macro names refer to no sheet
            continue
    refs = {}
    for sheet in book.worksheets:
        found = set()
        for row in sheet.iter_rows():
            for cell in row:
                text = cell.value.text if isinstance(cell.value, ArrayFormula) else cell.value
                if not (isinstance(text, str) and text.startswith("=")):
                    continue
                for token in Tokenizer(text).items:
                    if token.type == "OPERAND" and token.subtype == "RANGE":
                        if "!" in token.value:
                            found.add(token.value.rpartition("!")[0].strip("'"))
                        else:
                            found |= names.get(token.value.upper(), set())
        refs[sheet.title] = found
    reached, todo = set(), list(wanted)
    while todo:
        sheet = todo.pop()
        if sheet not in reached:
            reached.add(sheet)
            todo.extend(refs[sheet])
    return reached


def test_the_reports_sheets_reach_what_the_tokenizer_finds():
    expected = _closure_by_tokenizer(TEMPLATE, ERROR_SHEETS)
    assert "Backtest" not in expected and "History" in expected
    assert sheet_reach.reachable_sheets(TEMPLATE.read_bytes(), ERROR_SHEETS) == expected


def test_a_reference_to_another_sheet_is_followed(tmp_path):
    # an empty cell of the Funding sheet made to read the Backtest sheet's measured BTC volatility
    book = edited_template(tmp_path, {("Funding", "D5"): "=Backtest!B10*0+1"})
    assert "Backtest" in sheet_reach.reachable_sheets(book.read_bytes(), ["Funding"])
    assert sheet_reach.reachable_sheets(book.read_bytes(), ["Funding"]) == _closure_by_tokenizer(book, ["Funding"])


@pytest.mark.parametrize("formula", ['=INDIRECT("Backtest!B10")', "=SUM(Portfolio:Stress!A1)"])
def test_what_the_scan_cannot_follow_means_every_sheet(tmp_path, formula):
    book = edited_template(tmp_path, {("Funding", "D5"): formula})
    assert sheet_reach.reachable_sheets(book.read_bytes(), ["Funding"]) is None


def test_a_sheet_missed_by_the_scan_is_read_after_all(monkeypatch):
    expected = engine.compute(TEMPLATE, None, ERROR_SHEETS)
    monkeypatch.setattr("althedge_xl.headless.reading.reachable_sheets", lambda package, wanted: set(wanted))
    missed = engine.compute(TEMPLATE, None, ERROR_SHEETS)  # every sheet read: more cells, the same values
    assert {k: v for k, v in missed.cells.items() if k in expected.cells} == expected.cells


def test_unreached_sheets_are_read_empty():
    read = engine.read_for_engine(TEMPLATE, ERROR_SHEETS)
    assert read.emptied == {"Start", "Backtest", "Account", "xlwings.conf"}  # the report asks for Account itself
    assert not read.book["Backtest"]._cells and read.book["History"]._cells


def test_names_no_computed_formula_can_use_are_not_compiled(monkeypatch):
    read = engine.read_for_engine(TEMPLATE, ERROR_SHEETS)
    given = openpyxl.load_workbook(TEMPLATE).defined_names
    macros = {name for name, d in given.items() if d.vbProcedure}
    on_backtest = {
        name for name, d in given.items() if not d.vbProcedure and {s for s, _ in d.destinations} == {"Backtest"}
    }
    assert len(macros) >= 21 and on_backtest  # one macro name per function wrapper (and its wizard entry)
    reading.drop_names_out_of_reach(read.book, read.emptied)
    assert set(read.book.defined_names) == set(given) - macros - on_backtest

    computed = engine.compute(TEMPLATE, None, ERROR_SHEETS)
    monkeypatch.setattr(engine, "drop_names_out_of_reach", lambda book, emptied: None)
    with_every_name = engine.compute(TEMPLATE, None, ERROR_SHEETS)
    assert computed.cells == with_every_name.cells and computed.names == with_every_name.names


@pytest.mark.parametrize(
    ("part", "emptied"),
    [
        (
            b'<worksheet><cols/><sheetData><row r="1"><c r="A1"><v>1</v></c></row></sheetData>'
            b'<hyperlinks><hyperlink ref="A1"/></hyperlinks><mergeCells/></worksheet>',
            b"<worksheet><cols/><sheetData/><mergeCells/></worksheet>",
        ),
        (
            b"<x:worksheet><x:sheetData ><x:row/></x:sheetData ></x:worksheet>",
            b"<x:worksheet><sheetData/></x:worksheet>",
        ),
        (b"<worksheet><sheetData/></worksheet>", b"<worksheet><sheetData/></worksheet>"),
        (b"<worksheet><sheetData><row>", b"<worksheet><sheetData><row>"),  # cut short: left for the reader to refuse
        (
            b"<worksheet><sheetData><sheetDataX></sheetDataX></sheetData\n></worksheet>",  # a longer name is not its end
            b"<worksheet><sheetData/></worksheet>",
        ),
    ],
)
def test_a_sheet_read_empty_loses_its_cells_and_hyperlinks_only(part, emptied):
    assert reading._without_cells(part) == emptied

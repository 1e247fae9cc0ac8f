"""The template workbook's structure, read back with openpyxl and the zip itself (issue 4)."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import openpyxl
import pytest
from openpyxl.formula import Tokenizer
from openpyxl.worksheet.formula import ArrayFormula
from package_diff import describe

from althedge_xl import udfs
from althedge_xl.headless.template import build_workbook
from althedge_xl.workbook.build import SHEET_ORDER

ROOT = Path(__file__).resolve().parents[1]
COMMITTED = ROOT / "workbook" / "AltHedge.xlsm"
UDF_NAMES = {name for name, f in vars(udfs).items() if hasattr(f, "__althedge_udf__")}
#: Excel's own functions the template uses; anything else must be an AltHedge function.
EXCEL_FUNCTIONS = {
    "IF", "IFERROR", "VLOOKUP", "AND", "SUM", "SUMIF", "SUMPRODUCT", "INDEX", "MATCH", "COUNT", "MIN", "ROUND", "NA",
    "ISNUMBER", "LEFT", "MID", "DATEVALUE", "TIMEVALUE", "ROUNDUP", "ROUNDDOWN", "ISTEXT", "LEN",
}  # fmt: skip
INPUT_NAMES = (
    "RATIO_METHOD", "FLAT_RATIO", "SATELLITE_RATIO", "BETA_RATIO", "FG_TABLE", "CONTRACT_TYPE", "ENTRY_PRICE",
    "LEVERAGE", "BUFFER_WARNING", "FEE_RATE", "TIERS", "STRESS_BTC_SHOCK", "STRESS_ALT_SHOCK", "GRID_RELATIVE",
    "GRID_BTC", "HOLD_DAYS", "HEDGE_RULE", "COLLATERAL", "TIERS_BYBIT", "SPIKE_RISE", "HELD", "ORDER_BAND",
    "VOL_TABLE", "SIGNAL_THRESHOLDS", "SIGNAL_WINDOW", "BACKTEST_BAND", "BACKTEST_SCHEDULE",
)  # fmt: skip


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    return build_workbook(tmp_path_factory.mktemp("build") / "AltHedge.xlsm")


@pytest.fixture(scope="module")
def book(built):
    return openpyxl.load_workbook(built, keep_vba=True)


def test_sheets_in_order(book):
    assert book.sheetnames == list(SHEET_ORDER)


def test_rebuild_equals_committed_workbook(built):
    # The committed template must be what the builder writes today, byte for byte: worksheets, VBA, everything.
    assert built.read_bytes() == COMMITTED.read_bytes(), describe(
        COMMITTED, built, "rebuild with `althedge build-workbook --out workbook/AltHedge.xlsm`"
    )


def _cells(book, kind):
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                value = cell.value.text if isinstance(cell.value, ArrayFormula) else cell.value
                if kind == "formula" and isinstance(value, str) and value.startswith("="):
                    yield sheet, cell, value


def test_formulas_use_only_excel_and_althedge_functions(book):
    used = set()
    for _, _, formula in _cells(book, "formula"):
        used |= {t.value[:-1].upper() for t in Tokenizer(formula).items if t.type == "FUNC" and t.subtype == "OPEN"}
    assert used - UDF_NAMES <= EXCEL_FUNCTIONS, used - UDF_NAMES - EXCEL_FUNCTIONS
    assert {"HEDGE_NOTIONAL", "HEDGE_MARGIN", "SCENARIO_TABLE", "FUNDING_COST", "HEDGE_LIQUIDATION"} <= used


def _udf_calls(formula):
    return sum(
        1
        for t in Tokenizer(formula).items
        if t.type == "FUNC" and t.subtype == "OPEN" and t.value[:-1].upper() in UDF_NAMES
    )


def test_althedge_calls_stay_few(book):
    # Each call is a COM round trip in Excel. The working sheets recalculate with few calls (tables are
    # one array formula each); SelfCheck's calls have only constant arguments, so an edit never
    # recalculates them (Excel computes them on a full recalculation only).
    working = sum(_udf_calls(f) for sheet, _, f in _cells(book, "formula") if sheet.title != "SelfCheck")
    assert working <= 40, working
    for sheet, cell, formula in _cells(book, "formula"):
        if sheet.title == "SelfCheck" and _udf_calls(formula):
            refs = [t for t in Tokenizer(formula).items if t.type == "OPERAND" and t.subtype == "RANGE"]
            assert refs == [], f"SelfCheck!{cell.coordinate} depends on cells: {formula}"


def test_every_input_is_named_validated_unlocked(book):
    names = book.defined_names
    for name in INPUT_NAMES:
        assert name in names, name
        for sheet_name, ref in names[name].destinations:
            sheet = book[sheet_name]
            cells = sheet[ref] if ":" in ref else ((sheet[ref],),)
            for row in cells:
                for cell in row:
                    assert cell.protection.locked is False, (name, cell.coordinate)
                    assert any(cell.coordinate in dv.sqref for dv in sheet.data_validations.dataValidation), (
                        name,
                        cell.coordinate,
                    )


def test_formula_cells_locked_and_sheets_protected(book):
    for sheet, cell, _ in _cells(book, "formula"):
        if sheet.title == "Hedge" and cell.coordinate == "B6":
            continue  # the entry price: an input that starts as =BTC_MARK
        assert cell.protection.locked is not False, f"{sheet.title}!{cell.coordinate}"
    for name in SHEET_ORDER[:-1]:
        assert book[name].protection.sheet is True, name
        assert book[name].protection.password is None, name


def test_number_formats(book):
    assert "#,##0.00" in book["HedgeRatio"]["B14"].number_format  # NOTIONAL in USD
    assert book["HedgeRatio"]["B6"].number_format.startswith("0.00%")  # a ratio as a percentage
    assert book["Hedge"]["B11"].number_format == "#,##0.0"  # a price to BTCUSDT's 0.1 tick


def test_conditional_formats_and_chart(book, built):
    def rules(sheet):
        return [(str(cf.sqref), rule.formula) for cf in book[sheet].conditional_formatting for rule in cf.rules]

    assert any(ref == "B16" for ref, _ in rules("HedgeRatio"))  # over-hedged
    assert any(ref == "B12" and "BUFFER_WARNING" in f[0] for ref, f in rules("Hedge"))  # thin buffer
    assert any("E5" in f[0] for _, f in rules("Prices") if f)  # stale prices
    with zipfile.ZipFile(built) as archive:
        chart = archive.read("xl/charts/chart1.xml").decode()
    assert "Stress!$D$21:$D$31" in chart and "Stress!$J$21:$J$31" in chart


def test_cached_values_show_the_method_without_recalculating(built):
    # openpyxl data_only reads the values stored in the file: no engine, no Excel.
    values = openpyxl.load_workbook(built, data_only=True)
    stress = values["Stress"]
    assert [stress[f"E{r}"].value for r in range(11, 16)] == [-7_500, -10_000, -17_500, 3_000, -14_500]
    assert values["HedgeRatio"]["B14"].value == 20_000  # the method: 40 % of 50,000
    assert values["Hedge"]["B9"].value == 1_000  # the method: 20,000 at 20×
    sheet, ref = next(iter(values.defined_names["SELF_CHECK"].destinations))
    assert values[sheet][ref].value is True


def test_xlwings_conf(book):
    conf = book["xlwings.conf"]
    assert (conf["A1"].value, conf["B1"].value) == ("UDF Modules", "althedge_xl.udfs")


def test_self_check_covers_every_worked_example(book):
    from openpyxl.utils.cell import range_boundaries
    from openpyxl.worksheet.formula import ArrayFormula

    from althedge_xl.worked_examples import SELF_CHECK_EXAMPLES

    sheet = book["SelfCheck"]
    arrays = {anchor: range_boundaries(ref) for anchor, ref in sheet.array_formulae.items()}
    for i, example in enumerate(SELF_CHECK_EXAMPLES):
        row = 4 + i
        # The formula of the cell, or of the array formula (column C) whose range holds the row.
        anchor = next((a for a, (_, r1, _, r2) in arrays.items() if a.startswith("C") and r1 <= row <= r2), f"C{row}")
        value = sheet[anchor].value
        text = value.text if isinstance(value, ArrayFormula) else value
        assert re.match(rf"={example.function}\(", text), example.label
        assert sheet[f"B{row}"].value.startswith(f"{example.function}("), example.label


def test_array_results_are_cached_as_excel_stores_them(built):
    # Text results inside an array range are stored inline as formula results (t="str"), the way
    # Excel writes them, not as shared-string constants.
    from openpyxl.utils.cell import range_boundaries

    with zipfile.ZipFile(built) as archive:
        sheets = [n for n in archive.namelist() if n.startswith("xl/worksheets/sheet")]
        checked = 0
        for name in sheets:
            xml = archive.read(name).decode()
            for _anchor, ref in re.findall(r'<c r="([A-Z]+\d+)"[^>]*><f t="array" ref="([A-Z]+\d+:[A-Z]+\d+)"', xml):
                c1, r1, c2, r2 = range_boundaries(ref)
                for column, row, kind in re.findall(r'<c r="([A-Z]+)(\d+)"[^>]*? t="(\w+)"', xml):
                    col = range_boundaries(f"{column}{row}:{column}{row}")[0]
                    if c1 <= col <= c2 and r1 <= int(row) <= r2:
                        assert kind != "s", f"{name} {column}{row} in {ref}"
                        checked += 1
    assert checked >= 10  # the scenario table's labels and headers at least

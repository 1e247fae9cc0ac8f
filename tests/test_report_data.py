"""The report as data (JSON/CSV types), errors shown in their cells, cached values never used as inputs."""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from pathlib import Path

import openpyxl
import pytest
from conftest import TEMPLATE, edited_template

from althedge_xl.cli import main
from althedge_xl.headless.engine import compute
from althedge_xl.workbook.sheets._common import RATIO_METHODS


def _report_json(capsys, *argv: str) -> dict:
    assert main(["report", *argv, "--format", "json"]) == 0
    return json.loads(capsys.readouterr().out)


def _tables(data: dict) -> dict[str, dict]:
    return {t["title"]: t for t in data["tables"]}


def _values(table: dict) -> dict[str, object]:
    return {row[0]: row[1] for row in table["rows"]}


# --------------------------------------------------------------------------- cached values are not inputs


def _poison_array_caches(source: Path, target: Path, code: str) -> int:
    """Copy ``source`` with every cell of every array formula's range cached as the error ``code``.

    Edits the sheets' XML as LibreOffice's files hold it (``<c r=".." t="e"><v>#VALUE!</v></c>``);
    returns how many cells were poisoned.
    """
    book = openpyxl.load_workbook(source)
    ranges = {i: ws.array_formulae for i, ws in enumerate(book.worksheets, start=1) if ws.array_formulae}
    poisoned = 0
    with zipfile.ZipFile(source) as archive, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out:
        for item in archive.infolist():
            data = archive.read(item)
            found = re.fullmatch(r"xl/worksheets/sheet(\d+)\.xml", item.filename)
            if found and int(found.group(1)) in ranges:
                cells = {a for ref in ranges[int(found.group(1))].values() for a in _addresses(ref)}
                text = data.decode("utf-8")

                def poison(match: re.Match[str], cells: set[str] = cells) -> str:
                    nonlocal poisoned
                    attrs, body = match.group(1), match.group(2)
                    if re.search(r'\br="([A-Z]+\d+)"', attrs).group(1) not in cells:
                        return match.group(0)
                    poisoned += 1
                    attrs = re.sub(r'\st="[^"]*"', "", attrs) + ' t="e"'
                    formula = re.search(r"<f[^>]*/>|<f[^>]*>.*?</f>", body or "", re.S)
                    return f"<c{attrs}>{formula.group(0) if formula else ''}<v>{code}</v></c>"

                text = re.sub(r"<c(\s[^>]*?)(?:/>|>(.*?)</c>)", poison, text, flags=re.S)
                data = text.encode("utf-8")
            out.writestr(item, data)
    return poisoned


def _addresses(ref: str) -> list[str]:
    from openpyxl.utils.cell import get_column_letter, range_boundaries

    c1, r1, c2, r2 = range_boundaries(ref)
    return [f"{get_column_letter(c)}{r}" for r in range(r1, r2 + 1) for c in range(c1, c2 + 1)]


@pytest.fixture(scope="module")
def template_cells():
    return compute(TEMPLATE).cells


@pytest.mark.parametrize("code", ["#VALUE!", "#N/A"])
def test_cached_errors_in_array_formulas_change_nothing(tmp_path, template_cells, code):
    # LibreOffice writes #VALUE! into every cell of an array formula it cannot compute; the engine
    # must compute each array formula from its inputs, never from what the file caches.
    poisoned = tmp_path / f"Poisoned{code.strip('#!').replace('/', '')}.xlsm"
    count = _poison_array_caches(TEMPLATE, poisoned, code)
    cached = openpyxl.load_workbook(poisoned, data_only=True)
    book = openpyxl.load_workbook(TEMPLATE)
    array_ranges = [(ws.title, ref) for ws in book.worksheets for ref in ws.array_formulae.values()]
    assert len(array_ranges) >= 8
    cells_in_ranges = [cached[sheet][a] for sheet, ref in array_ranges for a in _addresses(ref)]
    assert count == len(cells_in_ranges)
    assert all(c.value == code for c in cells_in_ranges)  # the file really caches the error everywhere
    assert compute(poisoned).cells == template_cells


# --------------------------------------------------------------------------- errors shown, report goes on


def test_inverse_at_1x_shows_its_error_and_the_report_goes_on(tmp_path, capsys):
    # Inverse (COIN-M) short at 1x: margin = the whole notional, so no price liquidates it (DESIGN.md's
    # inverse formula: S/EP − WB − cum = 0 when WB = S/EP), a legitimate #NUM! with its reason.
    book = edited_template(tmp_path, {("Hedge", "B5"): "inverse", ("Hedge", "B8"): 1})
    data = _report_json(capsys, str(book))
    hedge = _values(_tables(data)["Hedge"])
    liq = hedge["Liquidation price by the binance rule (USD)"]
    assert liq["error"] == "#NUM!" and "liquidated" in liq["reason"]
    assert hedge["Hedge notional, short BTC (USD)"] == 20_000  # the rest is computed
    assert hedge["Initial margin on the hedge notional (USD)"] == 20_000  # 20,000 at 1x
    assert any(e["cell"] == "Hedge!B11" and e["error"] == "#NUM!" for e in data["errors"])
    net = _tables(data)["Scenario: BTC -15%, altcoins -20%"]["rows"][-1]
    assert net[-1] == -14_500  # DESIGN.md's worked scenario is untouched
    assert main(["report", str(book)]) == 0
    text = capsys.readouterr().out
    assert "Cells with errors" in text and "Hedge!B11" in text and "#NUM! " in text


def test_text_in_a_number_cell_is_shown_with_its_reason(tmp_path, capsys):
    book = edited_template(tmp_path, {("Hedge", "B8"): "twenty"})
    data = _report_json(capsys, str(book))
    margin = _values(_tables(data)["Hedge"])["Initial margin on the hedge notional (USD)"]
    assert margin == {"error": "#VALUE!", "reason": 'leverage is text ("twenty"), not a number'}


def test_a_circular_reference_is_named_with_its_cells(tmp_path, capsys):
    # Leverage (B8) computed from the margin (B9), which divides the notional by the leverage.
    book = edited_template(tmp_path, {("Hedge", "B8"): "=B9*0+20"})
    assert main(["report", str(book)]) == 2
    err = capsys.readouterr().err
    assert "circular reference" in err and "Hedge!B8 -> Hedge!B9 -> Hedge!B8" in err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_a_cell_referring_to_itself(tmp_path, capsys):
    book = edited_template(tmp_path, {("Stress", "B3"): "=B3/2"})
    assert main(["report", str(book)]) == 2
    assert "Stress!B3 -> Stress!B3" in capsys.readouterr().err


# --------------------------------------------------------------------------- JSON and CSV are data


def test_json_numbers_booleans_and_no_float_noise(capsys):
    data = _report_json(capsys, str(TEMPLATE))
    tables = _tables(data)
    hedge = _values(tables["Hedge"])
    assert hedge["Hedge notional, short BTC (USD)"] == 20_000  # DESIGN.md: 50,000 × 40 %
    assert hedge["Initial margin on the hedge notional (USD)"] == 1_000  # 20,000 at 20×
    assert hedge["Maintenance rate of the tier"] == 0.004  # Binance BTCUSDT first bracket
    assert hedge["Over-hedged: above 100% of the altcoins"] is False
    assert tables["Hedge"]["row_formats"][7] == "pct"  # the maintenance rate
    portfolio = tables["Portfolio"]["rows"]
    assert [r[-1] for r in portfolio[:4]] == [False, True, True, True]  # BTC is not hedged, the altcoins are
    in_force = [r[-1] for r in tables["Hedge ratio"]["rows"]]
    assert in_force[0] is True and not any(in_force[1:])  # the template's method is the first, Flat
    assert len(in_force) == len(RATIO_METHODS)
    # The stress grid by hand: BTC move b, altcoins (1 + b)(1 + r) − 1, short 20,000 gains −20,000·b.
    grid = tables["Stress grid, hedged P/L (USD)"]
    moves = [float(h.rstrip("%")) / 100 for h in grid["columns"][1:]]
    for row in grid["rows"]:
        b = float(row[0].rstrip("%")) / 100
        for r, value in zip(moves, row[1:], strict=True):
            expected = 50_000 * b + 50_000 * ((1 + b) * (1 + r) - 1) - 20_000 * b
            assert value == pytest.approx(expected, abs=1e-6)
            assert len(repr(abs(value)).replace(".", "").lstrip("0").rstrip("0")) <= 12  # no float noise
    assert "BTC perpetual" in data["stale"] and "ETH" in data["stale"]
    assert data["data_dates"]["spot"]["BTC"] and data["data_dates"]["prices_updated"]
    assert any(n.startswith("Stale") for n in data["notes"])
    assert data["errors"] == []


def test_csv_numbers_booleans_and_blocks(capsys):
    assert main(["report", str(TEMPLATE), "--format", "csv"]) == 0
    blocks = {}
    for block in capsys.readouterr().out.strip().split("\n\n"):
        title, body = block.split("\n", 1)
        blocks[title.removeprefix("# ")] = list(csv.reader(io.StringIO(body)))
    hedge = {row[0]: row[1] for row in blocks["Hedge"][1:]}
    assert hedge["Hedge notional, short BTC (USD)"] == "20000.0"
    assert hedge["Over-hedged: above 100% of the altcoins"] == "FALSE"
    assert float(hedge["Maintenance rate of the tier"]) == 0.004
    assert blocks["Cells with errors"] == [["Cell", "Error", "Reason"]]
    assert ["BTC perpetual"] in blocks["Stale"]
    assert blocks["Data dates"][0] == ["Data", "Date (UTC)"]


# --------------------------------------------------------------------------- --prices and --out say what they did


def test_prices_warnings_unknown_duplicate_and_btc(tmp_path, capsys):
    prices = tmp_path / "prices.csv"
    prices.write_text("symbol,price\nETH,2000\nDOT,5\nETH,2100\nBTC,100000\n")
    edited = edited_template(tmp_path, {("Portfolio", "C6"): 10, ("Portfolio", "E6"): None})
    assert main(["report", str(edited), "--prices", str(prices), "--format", "json"]) == 0
    captured = capsys.readouterr()
    err = captured.err.splitlines()
    assert any("line 4: ETH is given again (first on line 2); the last price, 2,100, is used" in e for e in err)
    assert any("line 3: no holding on the Portfolio sheet is DOT" in e for e in err)
    data = json.loads(captured.out)
    eth = next(r for r in _tables(data)["Portfolio"]["rows"] if r[0] == "ETH")
    assert eth[2] == 10 * 2100  # quantity × the last price given
    hedge = _values(_tables(data)["Hedge"])
    assert hedge["Mark price (USD)"] == 100_000 and hedge["Entry price (USD)"] == 100_000
    # Altcoins: ETH 10 × 2,100 + the template's SOL 12,000 and small caps 20,000 = 53,000; 40 % of it
    # is 21,200 USD, 0.212 BTC at 100,000 (0.001 BTC steps).
    assert hedge["Hedge notional, short BTC (USD)"] == 53_000 * 0.4
    assert hedge["Size to sell, rounded down to the step (BTC)"] == 0.212
    note = next(n for n in data["notes"] if n.startswith("Prices from prices.csv"))
    assert "BTC 100,000 (also the hedge's mark and entry price)" in note and "ETH 2,100" in note


def test_an_empty_prices_file_is_said(tmp_path, capsys):
    prices = tmp_path / "prices.csv"
    prices.write_text("symbol,price\n")
    assert main(["report", str(TEMPLATE), "--prices", str(prices)]) == 0
    assert "holds no prices; the report uses the Prices sheet's" in capsys.readouterr().err


def test_out_lists_what_it_wrote(tmp_path, capsys):
    assert main(["report", str(TEMPLATE), "--out", str(tmp_path), "--format", "json"]) == 0
    captured = capsys.readouterr()
    written = json.loads(captured.out)["written"]
    assert sorted(Path(w).name for w in written) == ["AltHedge-stress.png", "AltHedge-values.xlsx"]
    assert all(Path(w).is_file() for w in written)
    assert [line for line in captured.err.splitlines() if line.startswith("althedge: wrote ")] == [
        f"althedge: wrote {w}" for w in written
    ]


def test_a_workbook_without_an_extension_is_reported(tmp_path, capsys):
    # Its content decides (an Excel 2007+ package), not its name.
    bare = tmp_path / "AltHedge"
    bare.write_bytes(TEMPLATE.read_bytes())
    data = _report_json(capsys, str(bare))
    assert _values(_tables(data)["Hedge"])["Hedge notional, short BTC (USD)"] == 20_000
    not_a_workbook = tmp_path / "notes"
    not_a_workbook.write_text("symbol,price\n")
    assert main(["report", str(not_a_workbook)]) == 2
    assert "not an Excel workbook" in capsys.readouterr().err

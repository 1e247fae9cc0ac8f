"""The template computed without Excel: ``althedge report`` and the headless engine (issue 5)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl
import pytest
from conftest import edited_template

from althedge_xl.cli import main
from althedge_xl.core import margin, scenario, sizing
from althedge_xl.headless.engine import compute
from althedge_xl.headless.report import stale_note
from althedge_xl.worked_examples import SELF_CHECK_EXAMPLES

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = ROOT / "workbook" / "AltHedge.xlsm"


@pytest.fixture(scope="module")
def computed():
    return compute(TEMPLATE)


def test_template_reproduces_the_method(computed):
    # DESIGN.md's worked table: altcoins 50,000 at 40 % → 20,000; 20× → 1,000 margin; the 15 % correction.
    assert computed.named("ALT_VALUE") == 50_000
    assert computed.named("TOTAL_VALUE") == 100_000
    assert computed.named("NOTIONAL") == 20_000
    assert computed.named("MARGIN") == 1_000
    table = computed.named("STRESS_TABLE")
    assert [row[4] for row in table[1:]] == [-7_500, -10_000, -17_500, 3_000, -14_500]
    assert [row[0] for row in table[1:]] == ["BTC", "Altcoins", "Total spot", "Short BTC futures", "Net change"]
    # Core-satellite on the template: the small caps (20,000) at 50 %. (The method's own 30,000 × 50 %
    # = 15,000 example is on SelfCheck.)
    assert computed.named("SATELLITE_VALUE") == 20_000
    assert computed.value("HedgeRatio", "D7") == 20_000 * 0.5
    assert computed.named("OVERHEDGED") is False
    assert computed.named("SELF_CHECK") is True


def test_self_check_rows_each_pass(computed):
    for i, example in enumerate(SELF_CHECK_EXAMPLES):
        assert computed.value("SelfCheck", f"E{4 + i}") is True, example.label


def test_liquidation_at_the_sample_mark_by_hand(computed):
    # Binance USDⓈ-M short, tier 1 (MMR 0.4 %, cum 0): LP = (WB + Q·EP) / (Q·(1 + MMR)), WB = Q·EP/L.
    ep, q, lev = computed.named("ENTRY_PRICE"), computed.named("CONTRACTS"), 20
    assert computed.named("LIQ_PRICE") == pytest.approx((q * ep / lev + q * ep) / (q * 1.004), abs=0.005)
    assert q == pytest.approx(int(20_000 / ep * 1_000) / 1_000)  # 0.001 BTC steps, rounded down


def test_every_formula_cell_evaluates_without_error(computed):
    assert list(computed.errors()) == []


def test_edited_copy_matches_core(tmp_path):
    # Other holdings, another ratio, leverage and shock, computed independently with althedge_xl.core.
    holdings = {"BTC": 80_000.0, "ETH": 25_000.0, "SOL": 5_000.0, "Small caps": 12_500.0}
    edits = {("Portfolio", f"E{5 + i}"): v for i, v in enumerate(holdings.values())}
    edits |= {("HedgeRatio", "B6"): 0.35, ("Hedge", "B8"): 8, ("Stress", "B3"): -0.25, ("Stress", "B4"): -0.4}
    computed = compute(edited_template(tmp_path, edits))
    alts = [25_000.0, 5_000.0, 12_500.0]
    notional = sizing.hedge_notional(alts, 0.35)
    assert computed.named("NOTIONAL") == pytest.approx(notional)
    assert computed.named("MARGIN") == pytest.approx(notional / 8)
    net = scenario.scenario_pnl([80_000, sum(alts)], [-0.25, -0.4], notional, -0.25)
    assert computed.named("STRESS_NET") == pytest.approx(net)
    # By hand too: 80,000 × −25 % + 42,500 × −40 % + 0.35 × 42,500 × 25 %.
    assert net == pytest.approx(-20_000 - 17_000 + 0.35 * 42_500 * 0.25)
    ep = computed.named("ENTRY_PRICE")
    assert computed.named("LIQ_PRICE") == pytest.approx(
        margin.liquidation_price_in_tier(ep, 8, 0.004, 0, "short", "linear", computed.named("CONTRACTS"))
    )


def test_report_prints_the_method_and_leaves_the_file_alone(tmp_path, capsys):
    copy = tmp_path / "AltHedge.xlsm"
    shutil.copy2(TEMPLATE, copy)
    before, mtime = copy.read_bytes(), copy.stat().st_mtime_ns
    assert main(["report", str(copy)]) == 0
    out = capsys.readouterr().out
    for text in ("Portfolio", "Hedge ratio", "Scenario: BTC -15%, altcoins -20%", "Stress grid", "Funding"):
        assert text in out
    assert "-14,500.00" in out and "3,000.00" in out and "20,000.00" in out
    titles = [line for line in out.splitlines() if line and not line.startswith((" ", "="))]
    order = [
        titles.index(t) for t in ("Portfolio", "Hedge ratio", "Hedge", "Scenario: BTC -15%, altcoins -20%", "Funding")
    ]
    assert order == sorted(order)
    assert copy.read_bytes() == before and copy.stat().st_mtime_ns == mtime


@pytest.mark.parametrize("tqdm_disable", ["", "0"])
def test_the_engines_progress_bar_never_reaches_stderr(tmp_path, tqdm_disable):
    # Regression: the engine's tqdm bar filled stderr when TQDM_DISABLE was set but empty (tqdm reads
    # it once, at import, and an empty value means "show the bar").
    env = {**os.environ, "PYTHONPATH": str(ROOT), "TQDM_DISABLE": tqdm_disable}
    done = subprocess.run(
        [sys.executable, "-m", "althedge_xl.cli", "report", str(TEMPLATE)], env=env, cwd=tmp_path, capture_output=True
    )
    assert done.returncode == 0 and done.stderr == b""
    assert b"-14,500.00" in done.stdout


@pytest.mark.parametrize("tqdm_first", [False, True])
def test_compute_leaves_the_environment_and_stderr_alone(tmp_path, tqdm_first):
    # In a program of its own: TQDM_DISABLE is set only while tqdm is first imported, and a tqdm
    # imported before (bar on) still writes nothing while the engine works.
    code = (
        f"import os{', tqdm' if tqdm_first else ''}\n"
        "from althedge_xl.headless.engine import compute\n"
        f"compute({str(TEMPLATE)!r}, None, ['Portfolio', 'Hedge'])\n"
        "print(repr(os.environ.get('TQDM_DISABLE')))"
    )
    env = {key: value for key, value in os.environ.items() if key != "TQDM_DISABLE"}
    env["PYTHONPATH"] = str(ROOT)
    done = subprocess.run([sys.executable, "-c", code], env=env, cwd=tmp_path, capture_output=True, text=True)
    assert (done.returncode, done.stdout.strip(), done.stderr) == (0, "None", "")


def test_report_json_and_csv(capsys):
    assert main(["report", str(TEMPLATE), "--format", "json"]) == 0
    tables = {t["title"]: t for t in json.loads(capsys.readouterr().out)["tables"]}
    scenario_rows = tables["Scenario: BTC -15%, altcoins -20%"]["rows"]
    assert scenario_rows[-1] == ["Net change", 100_000, -0.145, 85_500, -14_500]
    assert main(["report", str(TEMPLATE), "--format", "csv"]) == 0
    assert "Net change,100000.0,-0.145,85500.0,-14500.0" in capsys.readouterr().out


def test_report_out_writes_values_copy_and_chart(tmp_path, capsys):
    assert main(["report", str(TEMPLATE), "--out", str(tmp_path)]) == 0
    values = openpyxl.load_workbook(tmp_path / "AltHedge-values.xlsx")
    assert values["Stress"]["E15"].value == -14_500
    assert not any(c.data_type == "f" for s in values.worksheets for row in s.iter_rows() for c in row)
    assert (tmp_path / "AltHedge-stress.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_prices_file_replaces_sample_prices_for_the_report_only(tmp_path, capsys):
    prices = tmp_path / "prices.csv"
    prices.write_text("symbol,price\nETH,2000\n")
    edited = edited_template(tmp_path, {("Portfolio", "C6"): 10, ("Portfolio", "E6"): None})
    before = edited.read_bytes()
    assert main(["report", str(edited), "--prices", str(prices), "--format", "json"]) == 0
    tables = {t["title"]: t for t in json.loads(capsys.readouterr().out)["tables"]}
    eth = next(r for r in tables["Portfolio"]["rows"] if r[0] == "ETH")
    assert eth[2] == 10 * 2000  # quantity × the price from the file
    assert edited.read_bytes() == before


@pytest.mark.parametrize(
    ("breakage", "message"),
    [
        ("missing", "no such file"),
        ("not_a_workbook", "not an Excel workbook"),
        ("deleted_sheet", "the sheet Stress the report needs is missing"),
        ("unknown_function", "Hedge!B18 uses the function NOSUCHFUNCTION, which the formula engine does not know"),
        ("deleted_name", "the named range NOTIONAL the report needs is missing"),
    ],
)
def test_broken_workbooks_give_one_clear_line(tmp_path, capsys, breakage, message):
    path = tmp_path / "Broken.xlsm"
    if breakage == "not_a_workbook":
        path.write_text("date,close\n")
    elif breakage != "missing":
        book = openpyxl.load_workbook(TEMPLATE, keep_vba=True)
        if breakage == "deleted_sheet":
            del book["Stress"]
        elif breakage == "unknown_function":
            book["Hedge"]["B18"] = "=NOSUCHFUNCTION(1)"
        elif breakage == "deleted_name":
            del book.defined_names["NOTIONAL"]
        book.save(path)
    assert main(["report", str(path)]) == 2
    captured = capsys.readouterr()
    assert captured.err.strip().splitlines() == [f"althedge: {captured.err.strip().removeprefix('althedge: ')}"]
    assert message in captured.err
    assert "Traceback" not in captured.err


def test_template_is_a_zip_with_vba():
    with zipfile.ZipFile(TEMPLATE) as archive:
        assert "xl/vbaProject.bin" in archive.namelist()
    assert os.access(TEMPLATE, os.R_OK)


def test_stale_note_names_the_dated_future(computed):
    # The template's sample values are all marked stale, the quarterly block's too.
    assert computed.named("QUARTERLY_STALE") is True
    note = stale_note(computed)
    assert note.startswith("Stale (last good values, last refresh ")
    assert note.endswith("BTC perpetual, BTC dated future, Fear & Greed")


def test_prices_file_from_excel_csv_utf8_with_bom(tmp_path, capsys):
    # Excel's "CSV UTF-8" starts the file with a byte-order mark.
    prices = tmp_path / "prices.csv"
    prices.write_bytes("symbol,price\r\nETH,2000\r\n".encode("utf-8-sig"))
    edited = edited_template(tmp_path, {("Portfolio", "C6"): 10, ("Portfolio", "E6"): None})
    assert main(["report", str(edited), "--prices", str(prices), "--format", "json"]) == 0
    tables = {t["title"]: t for t in json.loads(capsys.readouterr().out)["tables"]}
    assert next(r for r in tables["Portfolio"]["rows"] if r[0] == "ETH")[2] == 10 * 2000


def test_prices_file_errors_name_the_files_own_line(tmp_path, capsys):
    prices = tmp_path / "prices.csv"
    prices.write_text("# my prices, 17 June\nsymbol,price\n\nETH,2000\nSOL,abc\n")
    assert main(["report", str(TEMPLATE), "--prices", str(prices)]) == 2
    err = capsys.readouterr().err
    assert err == f'althedge: {prices} line 5: the price of SOL is not a number ("abc")\n'


def test_report_on_its_own_sheets_equals_the_full_computation(tmp_path):
    # The command line computes only the sheets its tables read (and what they depend on); the
    # tables must be those of the whole workbook computed.
    from althedge_xl.headless.render import to_csv
    from althedge_xl.headless.report import ERROR_SHEETS, report_tables

    full = report_tables(compute(TEMPLATE))
    partial = report_tables(compute(TEMPLATE, sheets=ERROR_SHEETS))
    assert to_csv(partial) == to_csv(full)

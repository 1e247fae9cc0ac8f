"""The template as a user opens it: every sample value of one date, nothing expired, each figure
with its format, one message for a holding without a price (issue 21).

Expected values come from the market history in ``../shared/data`` read here, by hand: the recorded
``premiumIndex`` response dates everything (2025-06-17 08:38:08 UTC), and the closes, Fear & Greed
and funding of that date are looked up in their files.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import re
from pathlib import Path

import openpyxl
import pytest
from conftest import DATA_DIR, TEMPLATE, edited_template

from althedge_xl import udfs
from althedge_xl.cli import main
from althedge_xl.headless.engine import compute
from althedge_xl.workbook.sheets._common import RATIO_METHODS
from althedge_xl.workbook.styles import DANGER_FILL

#: The recorded premiumIndex response: its BTCUSDT entry's ``time`` is the moment every sample is of.
PREMIUM = json.loads((DATA_DIR / "wire_samples" / "binance_usdm_fapi_v1_premiumIndex.json").read_text())
PERP = next(c for c in PREMIUM if c["symbol"] == "BTCUSDT")
MOMENT = dt.datetime.fromtimestamp(PERP["time"] / 1000, dt.timezone.utc)
DAY = MOMENT.strftime("%Y-%m-%d")  # 2025-06-17
#: The recorded moment as the funding file writes times (to the millisecond), for comparing them as text.
PERP_ISO = MOMENT.strftime("%Y-%m-%dT%H:%M:%S.999Z")


def _rows(relative: str) -> list[dict[str, str]]:
    with open(DATA_DIR / relative, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def _report(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["report", *args])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="module")
def report_json() -> dict:
    import contextlib
    import io

    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        assert main(["report", str(TEMPLATE), "--format", "json"]) == 0
    return json.loads(buffer.getvalue())


def _table(report: dict, title: str) -> dict:
    return next(t for t in report["tables"] if t["title"] == title or t["title"].startswith(f"{title}:"))


def _row(table: dict, label: str) -> tuple[object, str]:
    """(value, format) of the label/value row whose label starts with ``label``."""
    for i, (item, value) in enumerate(table["rows"]):
        if str(item).startswith(label):
            return value, table["row_formats"][i]
    raise AssertionError(f"no row {label!r} in {table['title']}")


# ---------------------------------------------------------------------------------------------
# One as-of date
# ---------------------------------------------------------------------------------------------


def test_every_sample_value_is_of_the_premium_index_date(report_json):
    assert DAY == "2025-06-17"
    dates = report_json["data_dates"]
    assert set(dates["spot"].values()) == {DAY}
    assert dates["perpetual"][:10] == dates["dated_future"][:10] == dates["fear_greed"] == DAY
    assert dates["as_of"][:10] == DAY
    assert dates["funding_history_last"][:10] == DAY
    assert dates["history_last_day"] == DAY


def test_the_values_are_the_recorded_ones_of_that_date(report_json):
    book = openpyxl.load_workbook(TEMPLATE)
    prices, history = book["Prices"], book["History"]
    closes = next(r for r in _rows("prices/daily_close_wide.csv") if r["date"] == DAY)
    spot = {prices[f"A{r}"].value: (prices[f"B{r}"].value, prices[f"C{r}"].value) for r in range(5, 25)}
    for symbol in ("BTC", "ETH", "SOL", "BNB", "XRP", "ADA", "DOGE", "AVAX"):
        assert spot[symbol] == (float(closes[symbol]), DAY)
    fear_greed = next(r for r in _rows("sentiment/fear_greed_daily.csv") if r["date"] == DAY)
    assert report_json["tables"][1]["note"].startswith(f"Fear & Greed index {fear_greed['value']} ")
    # The last funding settlement at or before the recorded moment: 2025-06-17T08:00:00.006Z, 0.00005776.
    settled = [r for r in _rows("funding/binance_usdm_btcusdt_funding_8h.csv") if r["funding_time_utc"] <= PERP_ISO]
    last_time = max(r for r in range(5, 275) if prices[f"H{r}"].value)
    assert prices[f"H{last_time}"].value == settled[-1]["funding_time_utc"] == "2025-06-17T08:00:00.006Z"
    assert prices[f"I{last_time}"].value == float(settled[-1]["funding_rate"])
    # History ends on that day, in both of its blocks.
    assert history["A370"].value == DAY and history["A371"].value is None
    long_dates = [history[f"H{r}"].value for r in range(5, history.max_row + 1) if history[f"H{r}"].value]
    assert long_dates[-1] == DAY


def test_the_entry_price_follows_that_dates_mark(report_json, tmp_path):
    hedge = _table(report_json, "Hedge")
    assert _row(hedge, "Entry price")[0] == _row(hedge, "Mark price")[0] == float(PERP["markPrice"]) == 106_599.9
    # A fill typed on the Hedge sheet replaces it; the mark stays.
    typed = compute(edited_template(tmp_path, {("Hedge", "B6"): 105_000.0}))
    assert typed.named("ENTRY_PRICE") == 105_000.0 and typed.named("MARK_PRICE") == 106_599.9


def test_start_and_prices_state_the_date_in_one_line():
    book = compute(TEMPLATE)
    line = book.value("Prices", "C1")
    assert line.startswith(f"Template sample values, all of {DAY} (UTC)")
    assert book.value("Start", "B8") == line
    assert openpyxl.load_workbook(TEMPLATE)["Start"]["B8"].value == "=AS_OF_LINE"


def test_the_dated_future_is_alive_with_its_real_expiry(report_json):
    funding = _table(report_json, "Funding")
    symbol = _row(funding, "Dated future")[0]
    # Binance delivers BTCUSDT_YYMMDD at 08:00 UTC on that day; the nearest live one a week out is June's.
    assert symbol == "BTCUSDT_250627" and symbol in {c["symbol"] for c in PREMIUM}
    expiry = dt.datetime(2025, 6, 27, 8, tzinfo=dt.timezone.utc)
    days, fmt = _row(funding, "Days to expiry")
    assert days == pytest.approx((expiry - MOMENT).total_seconds() / 86_400, abs=1e-9) and fmt == "num"
    assert days > 0 and _row(funding, "Cheaper hedge")[0] in ("Perpetual", "Dated future")


# ---------------------------------------------------------------------------------------------
# Nothing expired is used
# ---------------------------------------------------------------------------------------------


def test_a_future_past_its_expiry_on_the_as_of_date_is_refused(tmp_path):
    # The values refreshed on 2026-02-20 (say the spot prices), the dated future kept from the sample.
    book = compute(edited_template(tmp_path, {("Prices", "D3"): "2026-02-20T10:00:00.000Z"}))
    expiry = dt.datetime(2025, 6, 27, 8, tzinfo=dt.timezone.utc)
    as_of = dt.datetime(2026, 2, 20, 10, tzinfo=dt.timezone.utc)
    assert book.named("DATED_DAYS") == pytest.approx((expiry - as_of).total_seconds() / 86_400, abs=1e-6)
    for name in ("BASIS", "DATED_COST"):
        error = book.error(*book.where(name))
        assert error is not None and error.code == "#NUM!" and "past its expiry" in error.reason
    verdict = book.named("CHEAPER_HEDGE")
    assert (
        verdict
        == "BTCUSDT_250627 expired 2025-06-27 (the values are of 2026-02-20): no comparison; refresh for a live contract"
    )
    assert book.value("Funding", "C21") == verdict


def test_the_functions_refuse_a_future_with_no_days_left():
    for days in (0, -10.5):
        for result in (
            udfs.BASIS_ANNUALIZED(101_500, 100_000, days),
            udfs.DATED_HEDGE_COST(20_000, 101_500, 100_000, days),
            udfs.FUNDING_BREAKEVEN(101_500, 100_000, days),
        ):
            assert str(result).startswith("#NUM! days_to_expiry must be greater than 0: the future is at or past")


# ---------------------------------------------------------------------------------------------
# The report: every block, each row with its format
# ---------------------------------------------------------------------------------------------


def test_the_signals_block_is_in_every_format(capsys, report_json):
    signals = _table(report_json, "Signals")
    labels = [row[0] for row in signals["rows"]]
    assert labels[-1] == "Suggested direction" and len(labels) == 5
    direction, votes = signals["rows"][-1][3], signals["rows"][-1][4]
    assert direction in ("scale up", "hold", "scale down")
    # The direction is the sign of the votes' sum, each signal voting by what it says.
    said = [{"scale up": 1, "hold": 0, "scale down": -1}[row[3]] for row in signals["rows"][:-1]]
    assert votes == sum(said) and direction == ("scale up" if votes > 0 else "scale down" if votes < 0 else "hold")
    assert signals["row_formats"] == ["pct", "pct", "pct", "int", "int"]
    reason = signals["rows"][-1][5]
    for fmt in ("table", "csv"):
        code, out, _ = _report(capsys, str(TEMPLATE), "--format", fmt)
        assert code == 0
        assert "Suggested direction" in out and direction in out and reason in out


def test_money_ratios_and_leverage_each_in_their_format(capsys, report_json):
    hedge = _table(report_json, "Hedge")
    assert _row(hedge, "Collateral needed")[1] == "usd"
    assert _row(hedge, "Collateral posted")[1] == "usd"
    assert _row(hedge, "Add to survive")[1] == "usd"
    assert _row(hedge, "Its effective leverage")[1] == _row(hedge, "Leverage")[1] == "leverage"
    assert _row(hedge, "Margin buffer")[1] == "pct"
    # The effective leverage by hand: the size sold times the entry price, over the collateral it needs.
    size, entry = _row(hedge, "Size to sell")[0], _row(hedge, "Entry price")[0]
    needed = _row(hedge, "Collateral needed")[0]
    leverage = size * entry / needed
    code, out, _ = _report(capsys, str(TEMPLATE))
    assert code == 0
    line = next(line for line in out.splitlines() if line.startswith("Its effective leverage"))
    assert line.split()[-1] == f"{leverage:.2f}×"
    posted = next(line for line in out.splitlines() if line.startswith("Collateral posted"))
    assert re.search(r"\b\d{1,3}(,\d{3})*\.\d{2}$", posted)  # money: two decimals, thousands separated


def test_labels_have_no_nested_brackets(report_json):
    for table in report_json["tables"]:
        for text in [*table["columns"], *(row[0] for row in table["rows"] if isinstance(row[0], str))]:
            assert not re.search(r"\([^)]*\(", text), (table["title"], text)


def test_red_fill_only_where_the_start_sheets_legend_says():
    """Start: "Red fill: over-hedged or an error." The over-hedge flag, nothing else (no cell of the template
    computes to an error)."""
    book = openpyxl.load_workbook(TEMPLATE)
    red = DANGER_FILL.lstrip("#").upper()
    painted = set()
    for sheet in book.worksheets:
        for ranges, rules in sheet.conditional_formatting._cf_rules.items():
            for rule in rules:
                fill = rule.dxf.fill if rule.dxf is not None else None
                if fill is not None and red in str(fill.bgColor.rgb).upper():
                    painted.add(f"{sheet.title}!{ranges.sqref}")
    assert "Red fill: over-hedged or an error." in " ".join(str(c.value) for c in book["Start"]["B"] if c.value)
    assert painted == {"HedgeRatio!B16"}  # OVERHEDGED


# ---------------------------------------------------------------------------------------------
# A holding without a price
# ---------------------------------------------------------------------------------------------


def test_a_holding_without_a_price_is_one_message(tmp_path, capsys):
    edited = edited_template(tmp_path, {("Portfolio", "A9"): "PEPE", ("Portfolio", "C9"): 1_000_000})
    message = "no price for PEPE: add it on Prices, then refresh"
    code, out, err = _report(capsys, str(edited))
    assert code == 4  # the report is incomplete (3 is an internal error)
    assert out.count(message) == 1 and out.count("#N/A") == 1
    assert err.count(message) == 1 and "incomplete" in err
    code, out, _ = _report(capsys, str(edited), "--format", "json")
    data = json.loads(out)
    assert code == 4 and data["incomplete"] == [message]
    assert data["errors"] == [{"cell": "Portfolio!F9", "error": "#N/A", "reason": message}]
    assert [t["title"] for t in data["tables"]] == ["Portfolio"]
    code, out, _ = _report(capsys, str(edited), "--format", "csv")
    assert code == 4 and out.count("#N/A") <= 2  # the holding's cell and its line in the errors block


# ---------------------------------------------------------------------------------------------
# Texts
# ---------------------------------------------------------------------------------------------

_NUMBERS = {"two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7}


def test_start_counts_the_ways_hedge_ratio_offers():
    start = " ".join(str(c.value) for c in openpyxl.load_workbook(TEMPLATE)["Start"]["B"] if c.value)
    counts = re.findall(r"\b(\w+) ways\b", start)
    assert counts and {_NUMBERS[c] for c in counts} == {len(RATIO_METHODS)} == {6}


def test_self_check_cites_what_a_user_can_open():
    sheet = openpyxl.load_workbook(TEMPLATE)["SelfCheck"]
    sources = [sheet[f"F{r}"].value for r in range(4, sheet.max_row + 1) if sheet[f"F{r}"].value]
    assert sources
    for source in sources:
        assert "DESIGN.md" not in source and "issue" not in source, source
        assert "the method's" in source or "binance.com" in source or "Binance's contract" in source, source


def test_example_splits_the_majors_as_the_template(capsys):
    assert main(["example", "--format", "json"]) == 0
    portfolio = json.loads(capsys.readouterr().out)["tables"][0]["rows"]
    sheet = openpyxl.load_workbook(TEMPLATE)["Portfolio"]
    template = [(sheet[f"A{r}"].value, sheet[f"E{r}"].value) for r in range(5, 9)]
    assert [(row[0], row[2]) for row in portfolio[:-1]] == template
    assert ("ETH", 18_000) in template and ("SOL", 12_000) in template


def test_backtest_csv_counts_trades_in_whole_numbers(capsys):
    args = ["backtest", "--start", "2024-01-01", "--end", "2024-03-31", "--rules", "flat40", "--format", "csv"]
    assert main(args) == 0
    rows = list(csv.reader(capsys.readouterr().out.splitlines()))
    header = next(r for r in rows if "Trades" in r)
    column = header.index("Trades")
    values = [r[column] for r in rows[rows.index(header) + 1 :] if len(r) > column and r[0]]
    assert values and all(re.fullmatch(r"\d+", v) for v in values), values


def test_every_command_line_option_has_help():
    import argparse

    from althedge_xl.cli import build_parser

    parser = build_parser()
    subparsers = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    missing = [
        f"{name} {action.option_strings or action.dest}"
        for name, sub in subparsers.choices.items()
        for action in sub._actions
        if not isinstance(action, argparse._HelpAction) and not action.help
    ]
    assert missing == []


def test_lite_readme_keeps_the_main_readmes_caveats(tmp_path):
    from althedge_xl.cli.lite import write_bundle

    write_bundle(tmp_path, pypi=False, workbook=False)
    text = (tmp_path / "README.txt").read_text()
    assert "re-enter the formulas once" in text
    assert "no Python install" not in text
    assert "on a computer with Python" in text and "althedge refresh" in text


def test_as_of_moment_is_the_recorded_one():
    assert Path(TEMPLATE).is_file()
    assert openpyxl.load_workbook(TEMPLATE)["Prices"]["D3"].value == MOMENT.strftime("%Y-%m-%dT%H:%M:%SZ")


def test_a_refresh_dates_the_values_and_a_kept_future_past_its_expiry_is_refused(workbook):
    """A refresh on 2025-07-01 that fetches spot prices but not the dated future: the sheet keeps the
    sample's BTCUSDT_250627 (delivered 2025-06-27), and the values are now of 2025-07-01."""
    import dataclasses

    from test_refresh import _fetch, _snapshot

    from althedge_xl.workbook.refresh import refresh_workbook

    now = "2025-07-01T09:00:00.000Z"
    snapshot = dataclasses.replace(_snapshot(future_ok=False), created_at=now)
    refresh_workbook(workbook, fetch=_fetch(snapshot))
    book = compute(workbook)
    assert book.value("Prices", "D3") == now
    assert book.value("Prices", "C1").startswith("Values of the refresh of 2025-07-01 09:00 UTC from binance")
    assert book.value("Start", "B8") == book.value("Prices", "C1")
    assert book.named("QUARTERLY_SYMBOL") == "BTCUSDT_250627"
    assert book.named("DATED_DAYS") == pytest.approx(-4 - 1 / 24, abs=1e-6)  # 2025-06-27 08:00 to 07-01 09:00
    assert book.named("CHEAPER_HEDGE").startswith("BTCUSDT_250627 expired 2025-06-27 (the values are of 2025-07-01)")

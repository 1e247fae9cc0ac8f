"""Where ``althedge backtest`` takes its days (issue 25): a market-history folder, or a workbook's History sheet.

The order: ``--data``, ``--workbook``, ``$ALTHEDGE_DATA``, a checkout's ``../shared/data``, the shipped
template. The template's History (its long block: closes, the day's funding, Fear & Greed) must give
the same backtest as the market-history folder over the same days; ``refresh --history`` extends
that block with the days after its last (fed recorded data, never the network).
"""

from __future__ import annotations

import csv
import dataclasses
import math
from pathlib import Path

import numpy as np
import openpyxl
import pytest
from conftest import TEMPLATE
from test_feeds import _no_network  # noqa: F401  (autouse: no network in this module either)
from test_refresh import FakeBook, _daily_closes, _fetch, _fetch_closes, _snapshot
from test_template_as_of import DAY as AS_OF  # the template's sample date, read from the recorded snapshot

from althedge_xl import market
from althedge_xl.cli import main, market_history
from althedge_xl.headless.backtest import TEMPLATE_PORTFOLIO, History, load_history, run_backtest
from althedge_xl.headless.history_sheet import load_workbook_history
from althedge_xl.workbook.refresh import refresh_workbook
from althedge_xl.workbook.refresh_excel import refresh_book

ASSETS = ("BTC", "ETH", "SOL", "AVAX")


def _data_over(history: History, dates: list[str]) -> History:
    """``history`` cut to ``dates`` (which must be consecutive rows of it)."""
    first = history.dates.index(dates[0])
    window = slice(first, first + len(dates))
    assert history.dates[window] == dates
    return History(
        dates,
        {a: history.closes[a][window] for a in ASSETS},
        history.funding[window],
        history.fear_greed[window],
    )


def _csv_day_funding(data_dir: Path) -> dict[str, float]:
    """Every recorded BTCUSDT settlement summed per UTC day, straight from the CSV."""
    per_day: dict[str, float] = {}
    with open(data_dir / "funding" / "binance_usdm_btcusdt_funding_8h.csv", newline="") as f:
        for row in csv.DictReader(f):
            per_day[row["funding_time_utc"][:10]] = per_day.get(row["funding_time_utc"][:10], 0.0) + float(
                row["funding_rate"]
            )
    return per_day


def _assert_same_backtest(a: History, b: History) -> None:
    """Every rule's equity on every day, and every metric, equal to 1e-9 (relative)."""
    left, right = (run_backtest(h, TEMPLATE_PORTFOLIO) for h in (a, b))
    assert left.dates == right.dates
    for rule_a, rule_b in zip(left.rules, right.rules, strict=True):
        assert rule_a.label == rule_b.label
        np.testing.assert_allclose(rule_a.path.equity, rule_b.path.equity, rtol=1e-9, atol=0)
    from althedge_xl.core.backtest import metrics_table

    for row_a, row_b in zip(metrics_table(left), metrics_table(right), strict=True):
        for x, y in zip(row_a, row_b, strict=True):
            if isinstance(x, float) and not math.isnan(x):
                assert y == pytest.approx(x, rel=1e-9, abs=1e-9)
            else:
                assert x == y or (isinstance(y, float) and math.isnan(y))


def test_the_templates_history_is_the_market_history(data_dir):
    sheet = load_workbook_history(TEMPLATE)
    data = load_history(data_dir)
    # every day since 2021, to the template's sample date
    assert sheet.dates == [d for d in data.dates if "2021-01-01" <= d <= AS_OF] and sheet.dates[-1] == AS_OF
    same = _data_over(data, sheet.dates)
    for asset in ASSETS:
        np.testing.assert_array_equal(sheet.closes[asset], same.closes[asset])
    # The funding of each day, summed here from the CSV's settlements, independently of both readers.
    per_day = _csv_day_funding(data_dir)
    expected = np.array([per_day.get(d, math.nan) for d in sheet.dates])
    np.testing.assert_allclose(sheet.funding, expected, rtol=1e-12, atol=0)
    assert np.isnan(sheet.funding).sum() == sum(d not in per_day for d in sheet.dates)
    np.testing.assert_array_equal(sheet.fear_greed, same.fear_greed)
    _assert_same_backtest(sheet, same)


def _source_line(capsys) -> tuple[str, str]:
    captured = capsys.readouterr()
    lines = captured.err.splitlines()
    assert len(lines) == 1 and captured.out.startswith("# Backtest"), captured.err
    return lines[0], captured.out


#: Every rule: the period starts on the first day all of them can decide, 90 days into the source's days
#: (README: 2020-12-21 on the market history; 2021-01-01 + 90 days = 2021-04-01 on History's long block).
ARGS = ["backtest", "--format", "csv"]


def test_the_order_of_the_sources(data_dir, tmp_path, monkeypatch, capsys):
    mine = tmp_path / "Mine.xlsm"
    mine.write_bytes(TEMPLATE.read_bytes())
    monkeypatch.setenv("ALTHEDGE_DATA", str(data_dir))
    # --data first, even with --workbook named
    assert main([*ARGS, "--data", str(data_dir), "--workbook", str(mine)]) == 0
    line, _ = _source_line(capsys)
    assert line == f"althedge: backtest on the market-history folder {data_dir}: 2020-12-21 to 2026-02-20 (1887 days)"
    # then --workbook, before $ALTHEDGE_DATA
    assert main([*ARGS, "--workbook", str(mine)]) == 0
    line, from_workbook = _source_line(capsys)
    assert line == f"althedge: backtest on the History sheet of {mine}: 2021-04-01 to {AS_OF} (1538 days)"
    # then $ALTHEDGE_DATA
    assert main(ARGS) == 0
    assert _source_line(capsys)[0].startswith(f"althedge: backtest on the market-history folder {data_dir} ($ALTHEDGE")
    # then the checkout's ../shared/data
    monkeypatch.delenv("ALTHEDGE_DATA")
    assert main(ARGS) == 0
    assert _source_line(capsys)[0].startswith(f"althedge: backtest on the market-history folder {data_dir}:")
    # and last the template's History, which is the workbook's: the same table
    monkeypatch.setattr(market_history, "checkout_data_dir", lambda: None)
    assert main(ARGS) == 0
    line, from_template = _source_line(capsys)
    assert line == (
        "althedge: backtest on the History sheet of the template this installation ships: "
        f"2021-04-01 to {AS_OF} (1538 days)"
    )
    assert from_template == from_workbook


@pytest.mark.parametrize(
    ("option", "name", "expected"),
    [
        ("--workbook", "Missing.xlsm", "Missing.xlsm (--workbook): no such workbook; `althedge init` copies the "
         "template, `althedge refresh --history FILE` brings its History up to date"),
        ("--data", "nowhere", "nowhere (--data): no such folder; a market-history folder holds prices/, funding/, "
         "sentiment/"),
        ("ALTHEDGE_DATA", "nowhere", "nowhere ($ALTHEDGE_DATA): no such folder; a market-history folder holds"),
    ],
)  # fmt: skip
def test_a_missing_source_is_one_line_naming_it(tmp_path, monkeypatch, capsys, option, name, expected):
    path = tmp_path / name
    if option.startswith("--"):
        argv = ["backtest", option, str(path)]
    else:
        monkeypatch.setenv(option, str(path))
        argv = ["backtest"]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.splitlines() == [err.strip()] and err.startswith(f"althedge: {tmp_path / expected}")


def test_a_workbook_without_history_days(tmp_path, capsys):
    book = openpyxl.Workbook()
    book.active.title = "History"
    book.save(tmp_path / "Empty.xlsx")
    assert main(["backtest", "--workbook", str(tmp_path / "Empty.xlsx")]) == 2
    assert capsys.readouterr().err.strip() == (
        f"althedge: {tmp_path / 'Empty.xlsx'}: its History sheet has no day in H5 and below to backtest on"
    )


@pytest.mark.parametrize(
    ("cell", "typed", "reason"),
    [
        ("J100", "n/a", "History!J100 holds 'n/a', not a number"),
        ("H100", "March 1st", "History!H100 holds 'March 1st', not a date (YYYY-MM-DD)"),
        # row 100 is 2021-04-06 (2021-01-01 is row 5, plus 95 days): typed over with an earlier day
        ("H100", "2021-01-02", "History!H100 is 2021-01-02, not after 2021-04-05: the days must go from the oldest "
         "to the newest"),
    ],
)  # fmt: skip
def test_a_cell_the_backtest_cannot_read_is_named(tmp_path, capsys, cell, typed, reason):
    book = openpyxl.load_workbook(TEMPLATE, keep_vba=True)
    book["History"][cell] = typed
    book.save(tmp_path / "Typed.xlsm")
    assert main(["backtest", "--workbook", str(tmp_path / "Typed.xlsm")]) == 2
    assert capsys.readouterr().err.strip() == f"althedge: {tmp_path / 'Typed.xlsm'}: {reason}"


# --- refresh --history extends the daily history ---------------------------------------------------------

#: The long block of the test's workbook ends here (before the template's last day); the refresh must add the
#: days after it, past the template's, to the last recorded close (2026-02-20).
CUT = "2025-03-31"
#: The refresh's funding history: the recorded settlements from the cut on (the CSV's last is 2025-11-12 08:00).
FUNDING_FROM = "2025-03-31"


def _cut_workbook(folder: Path, last_day: str) -> Path:
    """A copy of the template whose long block ends on ``last_day`` (its later rows blanked)."""
    book = openpyxl.load_workbook(TEMPLATE, keep_vba=True)
    sheet = book["History"]
    for row in range(5, sheet.max_row + 1):
        if sheet[f"H{row}"].value is not None and str(sheet[f"H{row}"].value) > last_day:
            for column in "HIJKLMN":
                sheet[f"{column}{row}"] = None
    path = folder / "Cut.xlsm"
    book.save(path)
    return path


def recorded_snapshot(data_dir: Path, since: str) -> market.MarketSnapshot:
    """The refresh's snapshot with the recorded funding settlements and Fear & Greed days from ``since`` on."""
    with open(data_dir / "funding" / "binance_usdm_btcusdt_funding_8h.csv", newline="") as f:
        points = tuple(
            market.FundingPoint(r["funding_time_utc"], float(r["funding_rate"]))
            for r in csv.DictReader(f)
            if r["funding_time_utc"] >= since
        )
    with open(data_dir / "sentiment" / "fear_greed_daily.csv", newline="") as f:
        index = tuple(
            market.FearGreedPoint(r["date"], int(r["value"]), r["classification"])
            for r in csv.DictReader(f)
            if r["date"] >= since
        )
    snapshot = _snapshot()
    funding = dataclasses.replace(snapshot.funding_history, points=points)
    return dataclasses.replace(
        snapshot, funding_history=funding, fear_greed=dataclasses.replace(snapshot.fear_greed, history=index)
    )


def test_refresh_history_extends_the_days_the_backtest_reads(data_dir, tmp_path, capsys):
    path = _cut_workbook(tmp_path, CUT)
    assert load_workbook_history(path).dates[-1] == CUT
    closes = _daily_closes("2026-02-20")  # the recorded closes, 366 days to the last
    update = refresh_workbook(
        path, fetch=_fetch(recorded_snapshot(data_dir, FUNDING_FROM)), history=True, fetch_closes=_fetch_closes(closes)
    )
    assert update.written
    refreshed = load_workbook_history(path)
    market_days = load_history(data_dir).dates
    assert refreshed.dates == [d for d in market_days if d >= "2021-01-01"] and refreshed.dates[-1] == "2026-02-20"
    data = _data_over(load_history(data_dir), refreshed.dates)
    for asset in ASSETS:
        np.testing.assert_array_equal(refreshed.closes[asset], data.closes[asset])
    np.testing.assert_array_equal(refreshed.fear_greed, data.fear_greed)
    # Funding: each whole day the refresh's history covers is the CSV's day sum; 2025-11-12 has only two
    # of its three settlements in the history (its last), so it is left blank, never filled; after it none.
    per_day = _csv_day_funding(data_dir)
    expected = np.array([per_day[d] if d <= "2025-11-11" else math.nan for d in refreshed.dates])
    np.testing.assert_allclose(refreshed.funding, expected, rtol=1e-12, atol=0)
    # so the refreshed workbook backtests to its last close, as the market history does with that day blank
    data.funding[refreshed.dates.index("2025-11-12")] = math.nan
    _assert_same_backtest(refreshed, data)
    assert main(["backtest", "--workbook", str(path), "--rules", "flat40", "--format", "json"]) == 0
    assert "2021-01-01 to 2026-02-20 (1876 days)" in capsys.readouterr().err  # flat 40 % decides on day one


def test_refresh_history_adds_no_day_across_a_gap(data_dir, tmp_path):
    path = _cut_workbook(tmp_path, "2024-12-31")  # the 366 days fetched begin on 2025-02-20
    update = refresh_workbook(
        path,
        fetch=_fetch(recorded_snapshot(data_dir, FUNDING_FROM)),
        history=True,
        fetch_closes=_fetch_closes(_daily_closes("2026-02-20")),
    )
    assert load_workbook_history(path).dates[-1] == "2024-12-31"
    assert (
        "History: the daily history ends on 2024-12-31 and the closes fetched begin on 2025-02-20: no day was added "
        "(the days between cannot be fetched)"
    ) in update.messages


def test_the_refresh_button_extends_the_daily_history_as_the_command_line_does(data_dir, tmp_path):
    path = _cut_workbook(tmp_path, CUT)
    fake = FakeBook(path, sheets=("Prices", "Portfolio", "History"))
    closes = _fetch_closes(_daily_closes("2026-02-20"))
    snapshot = _fetch(recorded_snapshot(data_dir, FUNDING_FROM))
    refresh_book(fake, fetch=snapshot, fetch_closes=closes)
    refresh_workbook(path, fetch=snapshot, history=True, fetch_closes=closes)
    from_file = openpyxl.load_workbook(path, data_only=True)["History"]
    days = [d for d in load_history(data_dir).dates if d >= "2021-01-01"]  # to 2026-02-20, the last recorded
    first = 5 + days.index("2025-04-01")  # the day after the cut
    last = 5 + len(days) - 1
    assert fake.sheets["History"].values[f"H{last}"] == "2026-02-20"
    for row in range(first, last + 1):
        for column in "HIJKLMN":
            assert fake.sheets["History"].values.get(f"{column}{row}") == from_file[f"{column}{row}"].value

"""The backtest's conventions, as its docstring and the README state them, rebuilt by hand.

``rebuild`` below is written from the numbered conventions of
:func:`althedge_xl.core.backtest.backtest` (and the README's backtest paragraph) alone, in plain
Python over the real CSVs of ../shared/data read with the csv module: holdings, decisions, the
schedule's days, the no-trade band, no trade at the last close, fees, funding netted per UTC day,
equity after the opening fee, and every metric. Nothing is taken from the module's output.
"""

from __future__ import annotations

import csv
import itertools
import json
import math
import statistics
from pathlib import Path

import pytest

from althedge_xl import udfs
from althedge_xl.cli import main
from althedge_xl.core.backtest import backtest
from althedge_xl.core.errors import MissingValueError
from althedge_xl.headless.backtest import load_history, run_backtest

#: The template's holdings: BTC held, not hedged; the altcoins hedged.
PORTFOLIO = {"BTC": 50_000.0, "ETH": 18_000.0, "SOL": 12_000.0, "AVAX": 20_000.0}
#: The Fear & Greed table's edges (index, ratio): DESIGN.md's bands, linear in between.
FG_EDGES = [(0, 0.75), (20, 0.50), (40, 0.30), (60, 0.20), (80, 0.10), (100, 0.0)]


@pytest.fixture(scope="module")
def csvs(data_dir: Path):
    with open(data_dir / "prices" / "daily_close_wide.csv", newline="") as f:
        closes = {r["date"]: r for r in csv.DictReader(f)}
    funding: dict[str, float] = {}  # item 5: the settlements stamped on one UTC day, summed
    with open(data_dir / "funding" / "binance_usdm_btcusdt_funding_8h.csv", newline="") as f:
        for r in csv.DictReader(f):
            day = r["funding_time_utc"][:10]
            funding[day] = funding.get(day, 0.0) + float(r["funding_rate"])
    with open(data_dir / "sentiment" / "fear_greed_daily.csv", newline="") as f:
        fear_greed = {r["date"]: float(r["value"]) for r in csv.DictReader(f)}
    return closes, funding, fear_greed


def fg_ratio(index: float) -> float:
    for (x0, y0), (x1, y1) in itertools.pairwise(FG_EDGES):
        if x0 <= index <= x1:
            return y0 + (y1 - y0) * (index - x0) / (x1 - x0)
    raise AssertionError(index)


def rebuild(csvs, first: str, last: str, rule: str, schedule: str, band: float, fee: float) -> dict[str, float]:
    closes, funding, fear_greed = csvs
    days = sorted(d for d in closes if first <= d <= last)
    T = len(days) - 1
    close = lambda d, asset: float(closes[d][asset])  # noqa: E731
    # 1. Holdings bought at the close of day 0, then held.
    units = {a: v / close(days[0], a) for a, v in PORTFOLIO.items() if a != "BTC"}
    btc_units = PORTFOLIO["BTC"] / close(days[0], "BTC")
    q = hedge = received = paid = fees = 0.0
    trades, equity, held = 0, [], []
    for t, d in enumerate(days):
        b = close(d, "BTC")
        if t >= 1:
            hedge += -q * (b - close(days[t - 1], "BTC"))  # 4. the short held after the previous close
            if d in funding:  # 5. one net amount per day, then received or paid
                amount = q * b * funding[d]
                if amount > 0:
                    received += amount
                else:
                    paid += -amount
        alt_value = sum(u * close(d, a) for a, u in units.items())
        # 3. Trades at closes 0 .. T-1 on the schedule's days, beyond the band.
        on_schedule = {
            "daily": True,
            "weekly": t % 7 == 0,
            "monthly": t == 0 or d[:7] != days[t - 1][:7],
        }[schedule]
        if t < T and on_schedule:
            # 2. The ratio decided at this close (Fear & Greed: the index dated this day).
            ratio = 0.40 if rule == "flat40" else fg_ratio(fear_greed[d])
            target = ratio * alt_value / b
            if abs(target - q) > band * target:
                fees += fee * abs(target - q) * b
                q = target
                trades += 1
        held.append(q)
        equity.append(alt_value + btc_units * b + hedge + received - paid - fees)  # 6.
    # 7. Metrics from E_0, the equity after the opening fee.
    r = [equity[t] / equity[t - 1] - 1 for t in range(1, T + 1)]
    falls, peak_at, peak = [], [], -math.inf
    for t, e in enumerate(equity):
        if e > peak:
            peak, top = e, t
        falls.append(e / peak - 1)
        peak_at.append(top)
    trough = min(range(len(falls)), key=falls.__getitem__)
    worst = sorted(r)[: max(1, math.ceil(0.05 * T))]
    return {
        "final_equity": equity[-1],
        "total_return": equity[-1] / equity[0] - 1,
        "annual_return": (equity[-1] / equity[0]) ** (365 / T) - 1,
        "annual_volatility": statistics.stdev(r) * math.sqrt(365),
        "max_drawdown": falls[trough],
        "peak": peak_at[trough],
        "trough": trough,
        "worst_30_days": min(equity[t] / equity[t - 30] - 1 for t in range(30, T + 1)),
        "cvar_5": sum(worst) / len(worst),
        "funding_received": received,
        "funding_paid": paid,
        "fees": fees,
        "trades": trades,
        "days_hedged": sum(held[t - 1] > 0 for t in range(1, T + 1)) / T,
    }


@pytest.mark.parametrize(
    ("rule", "schedule", "band"),
    [
        ("flat40", "weekly", 0.10),
        ("flat40", "daily", 0.0),
        ("fear_greed", "daily", 0.10),
        ("fear_greed", "monthly", 0.0),
    ],
)
def test_a_window_rebuilt_from_the_stated_conventions(csvs, data_dir, rule, schedule, band):
    first, last, fee = "2021-03-01", "2021-05-31", 0.0005  # 92 closes, the May 2021 crash inside
    expected = rebuild(csvs, first, last, rule, schedule, band, fee)
    result = run_backtest(
        load_history(data_dir), PORTFOLIO, rules=[rule], band=band, fee=fee, schedule=schedule, start=first, end=last
    )
    got = result.rules[1]
    m = got.metrics
    actual = {
        "final_equity": m.final_equity,
        "total_return": m.total_return,
        "annual_return": m.annual_return,
        "annual_volatility": m.annual_volatility,
        "max_drawdown": m.max_drawdown,
        "peak": m.peak,
        "trough": m.trough,
        "worst_30_days": m.worst_30_days,
        "cvar_5": m.cvar_5,
        "funding_received": got.path.funding_received,
        "funding_paid": got.path.funding_paid,
        "fees": got.path.fees,
        "trades": got.trades,
        "days_hedged": got.days_hedged,
    }
    assert actual == pytest.approx(expected, rel=1e-9, abs=1e-9)
    assert expected["trades"] >= 2 and expected["funding_received"] > 0  # the window exercises both


def test_no_trade_after_the_period(capsys, data_dir):
    # Two closes: the short is opened at the first, and the second is the period's last: no trade there.
    # By hand: 40 % of the altcoins' 50,000 is 20,000 USD, one trade, fee 0.05 % = 10.00.
    args = ["backtest", "--rules", "flat40", "--start", "2021-01-02", "--end", "2021-01-03", "--format", "json"]
    assert main([*args, "--data", str(data_dir)]) == 0
    (table,) = json.loads(capsys.readouterr().out)["tables"]
    flat = dict(zip(table["columns"], table["rows"][1], strict=True))
    assert flat["Trades"] == 1 and flat["Fees paid"] == pytest.approx(20_000 * 0.0005)


DATES = ("2024-01-01", "2024-01-02", "2024-01-03", "2024-01-04")


class TestBlankClosesInsideThePeriod:
    @pytest.mark.parametrize(("btc", "coin"), [([100.0, None, 99.0, 98.0], None), (None, [10.0, None, 9.0, 9.5])])
    def test_the_same_reason_for_btc_and_altcoins(self, btc, coin):
        btc = btc or [100.0, 90.0, 99.0, 98.0]
        coin = coin or [10.0, 8.0, 9.0, 9.5]
        column = lambda xs: [[x] for x in xs]  # noqa: E731
        dates = column(DATES)
        got = udfs.BACKTEST(dates, column(btc), column(coin), [[1000.0]], None, None, None, "flat50")
        assert isinstance(got, str) and got.startswith("#N/A ")
        assert "has a blank inside the period (on 2024-01-02)" in got
        with pytest.raises(MissingValueError, match="blank inside the period"):
            backtest(DATES, [math.nan if x is None else x for x in btc], [math.nan if x is None else x for x in coin],
                     [1000.0], rules="flat50")  # fmt: skip

    @pytest.mark.parametrize(("btc", "coin"), [([None, 90.0, 99.0, 98.0], None), (None, [None, 8.0, 9.0, 9.5])])
    def test_a_leading_blank_starts_the_period_later_for_btc_as_for_altcoins(self, btc, coin):
        # A first close left blank, BTC's or a coin's, is a day before the data begins: the period starts on the next.
        btc = btc or [100.0, 90.0, 99.0, 98.0]
        coin = coin or [10.0, 8.0, 9.0, 9.5]
        column = lambda xs: [[x] for x in xs]  # noqa: E731
        got = udfs.BACKTEST(column(DATES), column(btc), column(coin), [[1000.0]], None, None, None, "flat50")
        assert not isinstance(got, str), got
        unhedged = next(row for row in got if row[0] == "Unhedged")
        # Buy and hold from 2024-01-02: 1,000 of the coin at 8 becomes 1000 x 9.5 / 8 (BTC not held: no BTC weight).
        assert unhedged[1] == pytest.approx(1000.0 * 9.5 / 8.0)

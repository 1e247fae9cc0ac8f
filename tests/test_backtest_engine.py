"""Tests of althedge_xl.core.backtest and the signals: independent answers from the raw CSVs.

The reference equity path is a plain Python loop over ../shared/data (closes, the funding
settlements summed per UTC day with a dict, fees) written here from DESIGN.md's "Backtest
conventions"; volatility, outperformance, funding regime and the metrics are recomputed with
pandas/numpy. Nothing is pasted from the module's output.
"""

from __future__ import annotations

import csv
import math
import re
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from althedge_xl.core.backtest import backtest, metrics_table, parse_rules
from althedge_xl.core.backtest.engine import simulate
from althedge_xl.core.errors import BadNumberError, MissingValueError, WrongTypeError
from althedge_xl.core.ratio_rules import hedge_ratio_volatility
from althedge_xl.core.stats.signals import (
    hedge_signals,
    suggestion,
    trailing_funding,
    trailing_outperformance,
    trailing_vol,
)

#: The template's holdings (DESIGN.md's portfolio; AVAX stands in for the small caps).
ALTS = {"ETH": 18_000.0, "SOL": 12_000.0, "AVAX": 20_000.0}
BTC_HELD = 50_000.0


@pytest.fixture(scope="module")
def raw(data_dir: Path):
    """The three CSVs read with the csv module: closes by date, funding summed per day, F&G by date."""
    with open(data_dir / "prices" / "daily_close_wide.csv", newline="") as f:
        closes = {r["date"]: r for r in csv.DictReader(f)}
    daily: dict[str, float] = {}
    with open(data_dir / "funding" / "binance_usdm_btcusdt_funding_8h.csv", newline="") as f:
        for r in csv.DictReader(f):
            daily[r["funding_time_utc"][:10]] = daily.get(r["funding_time_utc"][:10], 0.0) + float(r["funding_rate"])
    with open(data_dir / "sentiment" / "fear_greed_daily.csv", newline="") as f:
        fg = {r["date"]: float(r["value"]) for r in csv.DictReader(f)}
    return closes, daily, fg


@pytest.fixture(scope="module")
def arrays(raw):
    """The same history as the arrays the module takes (blank = NaN)."""
    closes, daily, fg = raw
    dates = sorted(closes)
    num = lambda v: float(v) if v else math.nan  # noqa: E731
    btc = np.array([num(closes[d]["BTC"]) for d in dates])
    alts = np.array([[num(closes[d][a]) for a in ALTS] for d in dates])
    funding = np.array([daily.get(d, math.nan) for d in dates])
    index = np.array([fg.get(d, math.nan) for d in dates])
    return dates, btc, alts, funding, index


def _run(arrays, **kw):
    dates, btc, alts, funding, index = arrays
    kw.setdefault("funding", funding)
    return backtest(dates, btc, alts, list(ALTS.values()), BTC_HELD, fear_greed=index, **kw)


def _loop(raw, days, ratio, band, fee, with_funding):
    """DESIGN.md's conventions, one day at a time: decide at the close, hold the next day."""
    closes, daily, _ = raw
    first = closes[days[0]]
    units = {a: v / float(first[a]) for a, v in ALTS.items()}
    btc_units = BTC_HELD / float(first["BTC"])
    q = hedge = received = paid = fees = 0.0
    path, trades = [], 0
    for i, d in enumerate(days):
        b = float(closes[d]["BTC"])
        if i:
            hedge += -q * (b - float(closes[days[i - 1]]["BTC"]))
            if with_funding and d in daily:
                amount = q * b * daily[d]  # a short receives when the rate is positive
                received += max(amount, 0.0)
                paid += max(-amount, 0.0)
        alt_value = sum(u * float(closes[d][a]) for a, u in units.items())
        target = ratio * alt_value / b
        if i < len(days) - 1 and abs(target - q) > band * target:  # the last close trades nothing
            fees += abs(target - q) * b * fee
            q = target
            trades += 1
        path.append(alt_value + btc_units * b + hedge + received - paid - fees)
    return path, trades, paid


class TestFlatRuleAgainstAPlainLoop:
    @pytest.mark.parametrize(
        ("fee", "with_funding", "band"),
        [(0.0, False, 0.1), (0.0005, False, 0.1), (0.0005, True, 0.1), (0.001, True, 0.0)],
    )
    def test_equity_path(self, raw, arrays, fee, with_funding, band):
        result = _run(
            arrays,
            rules="flat40",
            fee=fee,
            band=band,
            start="2021-01-01",
            end="2025-11-12",
            funding=arrays[3] if with_funding else None,
        )
        expected, trades, paid = _loop(raw, list(result.dates), 0.40, band, fee, with_funding)
        got = result.rules[1].path.equity
        np.testing.assert_allclose(got, expected, rtol=1e-9, atol=0)
        assert result.rules[1].trades == trades
        assert result.rules[1].path.funding_paid == pytest.approx(paid, rel=1e-9, abs=1e-9)

    def test_unhedged_is_the_portfolio_held(self, raw, arrays):
        result = _run(arrays, rules="flat40", start="2021-01-01")
        closes = raw[0]
        d0, d1 = result.dates[0], result.dates[-1]
        held = BTC_HELD * float(closes[d1]["BTC"]) / float(closes[d0]["BTC"]) + sum(
            v * float(closes[d1][a]) / float(closes[d0][a]) for a, v in ALTS.items()
        )
        assert result.rules[0].metrics.final_equity == pytest.approx(held, rel=1e-12)
        assert result.rules[0].trades == 0 and result.rules[0].path.fees == 0.0

    def test_days_without_funding_are_named(self, raw, arrays):
        result = _run(arrays, rules="flat40", start="2025-11-01")
        # the funding file ends 2025-11-12T08:00Z (data README); every later day has no record
        assert result.days_without_funding[0] == "2025-11-13"
        assert result.days_without_funding[-1] == result.dates[-1] == "2026-02-20"
        assert len(result.days_without_funding) == sum(d not in raw[1] for d in result.dates[1:])


class TestNoLookAhead:
    @settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(cut=st.integers(10, 500), factor=st.floats(0.3, 3.0), seed=st.integers(0, 2**16))
    def test_changing_the_future_changes_nothing_before(self, arrays, cut, factor, seed):
        dates, btc, alts, funding, index = (a[-700:] for a in arrays)
        base = backtest(dates, btc, alts, list(ALTS.values()), BTC_HELD, funding, index)
        t = cut  # rows after the period's first day
        first = dates.index(base.dates[0])
        rng = np.random.default_rng(seed)
        b2, a2, f2, i2 = btc.copy(), alts.copy(), funding.copy(), index.copy()
        later = slice(first + t + 1, None)
        b2[later] *= factor * rng.uniform(0.8, 1.2, b2[later].shape)
        a2[later] *= rng.uniform(0.5, 2.0, a2[later].shape)
        f2[later] = rng.uniform(-0.003, 0.003, f2[later].shape)
        i2[later] = rng.integers(0, 101, i2[later].shape)
        moved = backtest(dates, b2, a2, list(ALTS.values()), BTC_HELD, f2, i2, start=base.dates[0])
        for old, new in zip(base.rules, moved.rules, strict=True):
            np.testing.assert_array_equal(old.ratio[: t + 1], new.ratio[: t + 1], err_msg=old.key)
            np.testing.assert_array_equal(old.path.quantity[: t + 1], new.path.quantity[: t + 1], err_msg=old.key)
            np.testing.assert_array_equal(old.path.equity[: t + 1], new.path.equity[: t + 1], err_msg=old.key)


class TestIdentities:
    def test_zero_costs_hedge_pl_is_minus_quantity_times_btc_moves(self, raw, arrays):
        result = _run(arrays, fee=0.0, funding=None)
        closes = raw[0]
        b = np.array([float(closes[d]["BTC"]) for d in result.dates])
        unhedged = result.rules[0].path.equity
        for rule in result.rules[1:]:
            q = rule.path.quantity
            hedge_pl = np.concatenate([[0.0], np.cumsum(-q[:-1] * np.diff(b))])
            np.testing.assert_allclose(rule.path.equity - unhedged, hedge_pl, rtol=0, atol=1e-6, err_msg=rule.key)

    @pytest.mark.parametrize("rule", ["flat50", "volatility", "fear_greed"])
    def test_band_zero_daily_trades_on_every_day_the_target_changed(self, raw, arrays, rule):
        result = _run(arrays, rules=rule, band=0.0, start="2022-01-01", end="2023-12-31")
        got = result.rules[1]
        closes, _, fg = raw
        days = list(result.dates)
        first = closes[days[0]]
        units = {a: v / float(first[a]) for a, v in ALTS.items()}
        wide = pd.DataFrame({a: [float(closes[d][a]) for d in sorted(closes)] for a in ("BTC",)}, index=sorted(closes))
        vol = (np.log(wide["BTC"]).diff().rolling(30).std() * math.sqrt(365)).loc[days].to_numpy()
        if rule == "flat50":
            ratio = np.full(len(days), 0.5)
        elif rule == "volatility":
            # the default table's edges (30/40/55/70/85 % → 10/20/30/50/75 %), by np.interp here
            ratio = np.interp(vol, [0.30, 0.40, 0.55, 0.70, 0.85], [0.10, 0.20, 0.30, 0.50, 0.75])
        else:
            ratio = np.interp([fg[d] for d in days], [0, 20, 40, 60, 80, 100], [0.75, 0.5, 0.3, 0.2, 0.1, 0.0])
        alt_value = np.array([sum(u * float(closes[d][a]) for a, u in units.items()) for d in days])
        target = ratio * alt_value / np.array([float(closes[d]["BTC"]) for d in days])
        decided = target[:-1]  # the last close's target would be held after the period: never traded
        changed = 1 + int(np.count_nonzero(decided[1:] != decided[:-1]))  # the opening trade, then changes
        assert got.trades == changed
        np.testing.assert_allclose(got.path.quantity, np.append(decided, decided[-1]), rtol=1e-12)

    def test_band_zero_trades_only_when_the_target_changes(self):
        # BTC and the coin stand still on days 2, 3 and 5: the 50 % target changes on days 1 and 4 only
        dates = [f"2024-01-0{i}" for i in range(1, 7)]
        btc = [100.0, 110.0, 110.0, 110.0, 90.0, 90.0]
        coin = [10.0, 12.0, 12.0, 12.0, 8.0, 8.0]
        r = backtest(dates, btc, coin, [1000.0], rules="flat50", band=0.0, fee=0.001)
        assert r.rules[1].trades == 3  # opening, day 2, day 5
        # fees: 5 BTC at 100, then |5.4545 - 5| at 110, then |4.4444 - 5.4545| at 90, each x 0.1 %
        fees = (5 * 100 + (6000 / 1100 - 5) * 110 + (6000 / 1100 - 400 / 90) * 90) * 0.001
        assert r.rules[1].path.fees == pytest.approx(fees, rel=1e-12)

    def test_weekly_and_monthly_schedules_trade_only_on_their_days(self, arrays):
        for schedule, days in (("weekly", 7), ("monthly", None)):
            result = _run(arrays, rules="flat40", band=0.0, schedule=schedule, start="2022-01-01", end="2022-12-31")
            traded = np.flatnonzero(result.rules[1].path.traded)
            if days:
                # closes 0, 7, ..., 357 of the 365; close 364 is the period's last, which trades nothing
                assert (traded % days == 0).all() and traded.size == 52
            else:
                assert [result.dates[i][5:] for i in traded] == [f"{m:02d}-01" for m in range(1, 13)]


class TestMetrics:
    def test_metrics_equal_pandas(self, arrays):
        result = _run(arrays, start="2021-06-01")
        for rule in result.rules:
            e = pd.Series(rule.path.equity)
            m = rule.metrics
            r = e.pct_change().dropna()
            assert m.annual_volatility == pytest.approx(r.std() * math.sqrt(365), rel=1e-10)
            dd = e / e.cummax() - 1
            assert m.max_drawdown == pytest.approx(dd.min(), rel=1e-12)
            assert result.dates[m.trough] == result.dates[int(dd.idxmin())]
            assert m.peak == int(e.iloc[: m.trough + 1].idxmax())
            assert m.drawdown_usd == pytest.approx((e.cummax() - e).max(), rel=1e-12)
            assert m.worst_30_days == pytest.approx((e / e.shift(30) - 1).min(), rel=1e-12)
            k = math.ceil(0.05 * len(r))
            assert m.cvar_5 == pytest.approx(np.sort(r.to_numpy())[:k].mean(), rel=1e-12)
            years = (len(e) - 1) / 365
            assert m.annual_return == pytest.approx((e.iloc[-1] / e.iloc[0]) ** (1 / years) - 1, rel=1e-10)

    def test_drawdown_avoided_per_1000_of_cost(self, raw, arrays):
        result = _run(arrays, rules="flat40", start="2021-06-01")
        path, _, paid = _loop(raw, list(result.dates), 0.40, 0.1, 0.0005, True)
        unhedged, _, _ = _loop(raw, list(result.dates), 0.0, 0.1, 0.0005, True)
        drawdown = lambda e: float((pd.Series(e).cummax() - pd.Series(e)).max())  # noqa: E731 (USD)
        fees = result.rules[1].path.fees
        assert paid > 0  # 2021-2026 had days of negative funding, which the short paid
        expected = (drawdown(unhedged) - drawdown(path)) / (fees + paid) * 1000
        assert result.rules[1].avoided_per_1000 == pytest.approx(expected, rel=1e-9)
        assert math.isnan(result.rules[0].avoided_per_1000)

    def test_drawdown_avoided_without_funding_is_per_fee(self, arrays):
        result = _run(arrays, funding=None, start="2021-06-01")  # no funding: every cost is a fee
        base = result.rules[0].metrics.drawdown_usd
        for rule in result.rules[1:]:
            expected = (base - rule.metrics.drawdown_usd) / rule.path.fees * 1000
            assert rule.avoided_per_1000 == pytest.approx(expected, rel=1e-12)
        assert math.isnan(result.rules[0].avoided_per_1000)

    def test_table_has_one_row_per_rule_and_every_metric(self, arrays):
        result = _run(arrays)
        table = metrics_table(result)
        assert [row[0] for row in table][:3] == ["Unhedged", "Flat 25%", "Flat 40%"]
        assert all(len(row) == 16 for row in table) and len(table) == 9


class TestSignals:
    def test_trailing_vol_equals_pandas(self, arrays):
        btc = arrays[1]
        expected = np.log(pd.Series(btc)).diff().rolling(30).std() * math.sqrt(365)
        np.testing.assert_allclose(trailing_vol(btc, 30), expected.to_numpy(), rtol=1e-10, equal_nan=True)

    def test_outperformance_equals_pandas(self, arrays):
        _, btc, alts, _, _ = arrays
        frame = pd.DataFrame(alts[-400:])
        w = np.array([0.2, 0.3, 0.5])
        basket = (frame / frame.shift(14)).to_numpy() @ w - 1
        expected = basket - pd.Series(btc[-400:]).pct_change(14).to_numpy()
        got = trailing_outperformance(alts[-400:], btc[-400:], 14, w)
        np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-14, equal_nan=True)

    def test_funding_regime_equals_pandas(self, arrays):
        funding = arrays[3]
        expected = pd.Series(funding).rolling(30, min_periods=1).mean() * 365
        got = trailing_funding(funding, 30)
        np.testing.assert_allclose(got[29:], expected.to_numpy()[29:], rtol=1e-10, equal_nan=True)

    def test_volatility_ratio_by_hand(self):
        # the default edges: 30→10, 40→20, 55→30, 70→50, 85→75 %; 62.5 % is halfway between 55 and 70
        assert hedge_ratio_volatility(0.625) == pytest.approx(0.40, abs=1e-12)
        assert hedge_ratio_volatility(2.0) == pytest.approx(0.75, abs=1e-12)
        values = np.linspace(0, 1.5, 301)
        assert (np.diff(hedge_ratio_volatility(values)) >= 0).all()  # more volatility never less hedge

    def test_signals_at_the_last_close(self, arrays):
        _, btc, alts, funding, index = arrays
        signals = hedge_signals(btc[-60:], alts[-60:], funding, index[-1], [18, 12, 20])
        vol = float(np.log(pd.Series(btc[-31:])).diff().std() * math.sqrt(365))
        assert signals[1].value == pytest.approx(vol, rel=1e-10)
        recorded = pd.Series(funding).dropna()
        assert signals[2].value == pytest.approx(recorded.iloc[-30:].mean() * 365, rel=1e-10)
        assert signals[3].value == index[-1]
        assert signals[1].vote == (1 if vol > 0.70 else -1 if vol < 0.40 else 0)
        score, word, why = suggestion(signals)
        assert score == sum(s.vote for s in signals)
        assert word == ("scale up" if score > 0 else "scale down" if score < 0 else "hold") and why


class TestBadInputs:
    @pytest.mark.parametrize(
        ("kwargs", "error", "text"),
        [
            ({"band": 1.5}, BadNumberError, "band"),
            ({"band": -0.1}, BadNumberError, "band"),
            ({"fee": 5.0}, BadNumberError, "fee"),
            ({"start": "2019-01-01"}, MissingValueError, "outside the data"),
            ({"end": "2027-01-01"}, MissingValueError, "outside the data"),
            ({"start": "2020-01-05"}, MissingValueError, "too early"),
            ({"rules": "flat40,yolo"}, WrongTypeError, "unknown rule"),
            ({"schedule": "hourly"}, WrongTypeError, "schedule"),
        ],
    )
    def test_clear_errors(self, arrays, kwargs, error, text):
        with pytest.raises(error, match=text):
            _run(arrays, **kwargs)

    def test_one_price_and_text_and_blank_windows(self):
        with pytest.raises(MissingValueError):
            backtest(["2024-01-01"], [100.0], [10.0], [1000.0])
        with pytest.raises(WrongTypeError):
            backtest(["2024-01-01", "2024-01-02"], ["a", "b"], [10.0, 11.0], [1000.0])
        with pytest.raises(BadNumberError, match="worth nothing"):
            backtest(["2024-01-01", "2024-01-02"], [100.0, 101.0], [10.0, 11.0], [0.0])
        with pytest.raises(MissingValueError, match="window"):
            trailing_vol([1.0, 2.0, 3.0], float("nan"))
        with pytest.raises(MissingValueError):
            trailing_vol([100.0] * 5, 30)

    @pytest.mark.parametrize(
        ("alt_values", "btc_value", "text"),
        [
            ([1000.0, 1e308], 0.0, "alt_values column 2 is 1e+308 USD: above 1e+15 USD"),
            ([1000.0, 1000.0], 2e15, "btc_value is 2e+15 USD: above 1e+15 USD"),
        ],
    )
    def test_a_holding_beyond_any_portfolio_is_refused_without_a_warning(self, alt_values, btc_value, text):
        days = ["2024-01-01", "2024-01-02", "2024-01-03"]
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            with pytest.raises(BadNumberError, match=re.escape(text)):
                backtest(days, [100.0, 90.0, 99.0], [[10.0, 1.0], [8.0, 1.0], [9.0, 1.0]], alt_values, btc_value)
        assert [str(w.message) for w in caught] == []

    def test_prices_whose_value_overflows_are_refused_without_a_warning(self):
        # 1,000 USD bought at 1e-300 is 1e303 coins; at 1e300 they would be worth 1e603 USD, beyond a float
        days = ["2024-01-01", "2024-01-02", "2024-01-03"]
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            with pytest.raises(BadNumberError, match="the portfolio's value overflows"):
                backtest(days, [100.0, 90.0, 99.0], [1e-300, 1e300, 1.0], [1000.0], rules="flat50")
        assert [str(w.message) for w in caught] == []

    def test_rule_names(self):
        assert parse_rules("Flat 40%, minimum variance, F&G") == ("unhedged", "flat40", "minvar", "fear_greed")


def _day_by_day(ratio, spot, alt, btc, funding, allowed, band, fee):
    """The replay's conventions written as one loop over the days, adding every total as it goes."""
    n = len(btc)
    q = hedge = received = paid = fees = 0.0
    equity, held = [], []
    for t in range(n):
        if t:
            hedge -= q * (btc[t] - btc[t - 1])
            if funding[t] == funding[t]:  # a day without a record adds nothing
                amount = q * btc[t] * funding[t]
                if amount > 0.0:
                    received += amount
                else:
                    paid -= amount
        if t < n - 1 and allowed[t] and ratio[t] == ratio[t]:  # never at the last close
            target = ratio[t] * alt[t] / btc[t]
            if abs(target - q) > band * target:
                fees += abs(target - q) * btc[t] * fee
                q = target
        held.append(q)
        equity.append(spot[t] + hedge + received - paid - fees)
    return equity, held, received, paid, fees


def test_simulate_is_the_day_by_day_loop_to_the_bit():
    # The running totals are numpy cumulative sums: they must add in the loop's order, so every figure is the same
    # float as adding day by day (and the template's cached backtest the same on every machine).
    rng = np.random.default_rng(2026)
    for _ in range(200):
        n = int(rng.integers(2, 300))
        btc = 100 * np.exp(np.cumsum(rng.normal(0, 0.03, n)))
        alt = 1000 * np.exp(np.cumsum(rng.normal(0, 0.05, n)))
        spot = alt + 500 * btc / btc[0]
        ratio = np.where(rng.random(n) < 0.1, np.nan, rng.uniform(0, 1.5, n))
        if _ % 10 == 0:  # a rule that never wants a short (unhedged), with days it cannot decide
            ratio = np.where(rng.random(n) < 0.3, np.nan, 0.0)
        funding = np.where(rng.random(n) < 0.2, np.nan, rng.normal(0.0001, 0.0005, n))
        allowed = list(rng.random(n) < 0.7)
        band, fee = float(rng.choice([0.0, 0.1, 0.3])), float(rng.choice([0.0, 0.0005, 0.001]))
        path = simulate(ratio, spot, alt, btc, funding, allowed, band, fee)
        equity, held, received, paid, fees = _day_by_day(
            ratio.tolist(), spot.tolist(), alt.tolist(), btc.tolist(), funding.tolist(), allowed, band, fee
        )
        assert path.equity.tolist() == equity and path.quantity.tolist() == held
        assert path.traded.tolist() == [abs(b - a) for a, b in zip([0.0, *held[:-2]], held[:-1], strict=True)] + [0.0]
        assert (path.funding_received, path.funding_paid, path.fees) == (received, paid, fees)

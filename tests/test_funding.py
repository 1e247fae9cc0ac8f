"""Funding cost, basis and break-even (althedge_xl.core.funding)."""

from __future__ import annotations

import csv

import numpy as np
import pytest

from althedge_xl.core.errors import BadNumberError, MissingValueError, WrongTypeError
from althedge_xl.core.funding import (
    basis_annualized,
    cumulative_funding,
    dated_hedge_cost,
    funding_breakeven,
    funding_cost,
)


class TestFundingCost:
    def test_issue_example(self):
        # Issue 3: 20,000 short at +0.01 % per 8 h for 30 days → −180 (received); long → +180.
        assert funding_cost(20_000, 0.0001, 30) == pytest.approx(-180.0, abs=1e-9)
        assert funding_cost(20_000, 0.0001, 30, side="long") == pytest.approx(180.0, abs=1e-9)

    def test_negative_rate_short_pays(self):
        assert funding_cost(20_000, -0.0001, 30) == pytest.approx(180.0, abs=1e-9)

    def test_interval(self):
        # 4-hour settlements: 6 a day, 1 day at 0.01 % on 10,000 → a long pays 6.
        assert funding_cost(10_000, 0.0001, 1, 4, "long") == pytest.approx(6.0)

    def test_real_rates_of_13_march_2020(self, data_dir):
        # Binance BTCUSDT settlements of 2020-03-13 (shared data README "Known values").
        with open(data_dir / "funding" / "binance_usdm_btcusdt_funding_8h.csv") as f:
            rates = [
                float(r["funding_rate"]) for r in csv.DictReader(f) if r["funding_time_utc"].startswith("2020-03-13")
            ]
        assert rates == [-0.00016073, -0.003, -0.00065378]
        # A short pays when rates are negative: 20,000 × (0.00016073 + 0.003 + 0.00065378).
        assert funding_cost(20_000, rates) == pytest.approx(20_000 * (0.00016073 + 0.003 + 0.00065378))

    def test_series_with_days_is_an_error(self):
        with pytest.raises(WrongTypeError, match="days applies to a single"):
            funding_cost(20_000, [0.0001, 0.0002], 30)

    def test_single_rate_needs_days(self):
        with pytest.raises(MissingValueError, match="days"):
            funding_cost(20_000, 0.0001)

    def test_a_series_of_one_rate_is_a_series(self):
        assert funding_cost(20_000, [0.0001]) == pytest.approx(-2.0)  # one settlement: 20,000 × 0.01 %

    def test_each_settlement_at_its_mark(self, data_dir):
        # The real settlements of 2020-03-13, each valued at a mark price: a short of q = 20,000 / 5,000
        # = 4 BTC pays q · Σ Mₜ·|rₜ| (the rates are negative). Marks chosen here, computed by hand.
        rates = [-0.00016073, -0.003, -0.00065378]
        marks = [5_000.0, 4_500.0, 5_200.0]
        expected = 4 * (5_000 * 0.00016073 + 4_500 * 0.003 + 5_200 * 0.00065378)
        assert funding_cost(20_000, rates, mark_prices=marks) == pytest.approx(expected)
        # The notional valued at another entry price: q = 20,000 / 4,000 = 5 BTC.
        assert funding_cost(20_000, rates, mark_prices=marks, entry_price=4_000) == pytest.approx(expected * 5 / 4)

    def test_marks_must_match_the_rates(self):
        with pytest.raises(WrongTypeError, match="one price per rate"):
            funding_cost(20_000, [0.0001, 0.0001], mark_prices=[100_000])
        with pytest.raises(BadNumberError, match="mark_prices"):
            funding_cost(20_000, [0.0001, 0.0001], mark_prices=[100_000, 0])
        with pytest.raises(WrongTypeError, match="not with days"):
            funding_cost(20_000, 0.0001, 30, mark_prices=[100_000])

    @pytest.mark.parametrize("rate", [0.01, -0.0031, 0.05])
    def test_rates_the_exchange_could_not_charge(self, rate):
        # BTCUSDT's rate is clamped to ±0.3 % a period; 0.01 typed for 0.01 % would charge 100 times too much.
        with pytest.raises(BadNumberError, match=r"beyond BTCUSDT's clamp of ±0.3%.*did you mean"):
            funding_cost(20_000, rate, 30)

    def test_the_clamp_itself_is_a_rate(self, data_dir):
        # Every recorded settlement 2020–2025 lies within ±0.3 % (the data README), the extremes included.
        with open(data_dir / "funding" / "binance_usdm_btcusdt_funding_8h.csv") as f:
            rates = [float(r["funding_rate"]) for r in csv.DictReader(f)]
        assert max(map(abs, rates)) == 0.003
        funding_cost(20_000, rates)

    @pytest.mark.parametrize(
        ("args", "match"),
        [
            ((20_000, 0.2, 30), "funding_rate"),
            ((20_000, 0.0001, 30, 0), "interval_hours"),
            ((20_000, 0.0001, -1), "days"),
        ],
    )
    def test_bad_numbers(self, args, match):
        with pytest.raises(BadNumberError, match=match):
            funding_cost(*args)

    def test_cumulative(self):
        np.testing.assert_allclose(cumulative_funding(20_000, [0.0001, 0.0001, -0.0003]), [-2, -4, 2])


class TestBasis:
    def test_definition(self):
        # (F/S − 1)·365/days, DESIGN.md: 101,500 vs 100,000 with 90 days → 1.5 % × 365/90.
        assert basis_annualized(101_500, 100_000, 90) == pytest.approx(0.015 * 365 / 90)

    def test_dated_cost_over_whole_life_is_the_basis(self):
        assert dated_hedge_cost(20_000, 101_500, 100_000, 90) == pytest.approx(-20_000 * 0.015)

    def test_breakeven_makes_costs_equal(self):
        rate = funding_breakeven(101_500, 100_000, 90)
        assert funding_cost(20_000, rate, 30) == pytest.approx(dated_hedge_cost(20_000, 101_500, 100_000, 90, 30))

    def test_bad_days(self):
        with pytest.raises(BadNumberError, match="days_to_expiry"):
            basis_annualized(101_500, 100_000, 0)


def test_dated_hedge_cannot_outlast_its_future():
    # Held 200 days on a 90-day future would earn more than the whole basis (−300): refused.
    with pytest.raises(BadNumberError, match="past the future's expiry"):
        dated_hedge_cost(20_000, 101_500, 100_000, 90, 200)


def test_days_with_a_series_of_rates_is_refused_even_as_a_range():
    with pytest.raises(WrongTypeError, match="days applies to a single"):
        funding_cost(20_000, [0.0001, 0.0002], [30, 60])

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

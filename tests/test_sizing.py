"""Hedge notional, contracts and the Fear & Greed ratio (althedge_xl.core.sizing)."""

from __future__ import annotations

import numpy as np
import pytest

from althedge_xl.core.errors import BadNumberError, WrongTypeError
from althedge_xl.core.sizing import hedge_contracts, hedge_notional, hedge_ratio_fear_greed


class TestHedgeNotional:
    @pytest.mark.parametrize(
        ("values", "ratio", "betas", "expected"),
        [
            (50_000, 0.40, 1.0, 20_000.0),  # the method: altcoins 50,000 × 40 %
            ([30_000, 20_000], 0.40, 1.0, 20_000.0),  # the same as a range (majors + small caps)
            (30_000, 0.50, 1.0, 15_000.0),  # the method's core-satellite: satellite 30,000 × 50 %
            ([30_000, 20_000], 0.40, [1.2, 1.5], 0.40 * (30_000 * 1.2 + 20_000 * 1.5)),  # definition
        ],
    )
    def test_method_values(self, values, ratio, betas, expected):
        assert hedge_notional(values, ratio, betas) == pytest.approx(expected, abs=1e-9)

    def test_scalar_in_scalar_out_and_ratio_sweep(self):
        assert isinstance(hedge_notional(50_000, 0.4), float)
        sweep = hedge_notional([30_000, 20_000], [0.25, 0.5])
        np.testing.assert_allclose(sweep, [12_500, 25_000])

    @pytest.mark.parametrize(
        ("ratio", "error"), [(-0.1, BadNumberError), (3.5, BadNumberError), (np.nan, BadNumberError)]
    )
    def test_bad_ratio(self, ratio, error):
        with pytest.raises(error, match="hedge_ratio"):
            hedge_notional(50_000, ratio)

    def test_negative_value_and_shape_clash(self):
        with pytest.raises(BadNumberError, match="alt_values"):
            hedge_notional([-1, 2], 0.4)
        with pytest.raises(WrongTypeError, match="different shapes"):
            hedge_notional([1, 2, 3], 0.4, [1, 2])

    def test_inputs_not_modified(self):
        values = np.array([30_000.0, 20_000.0])
        hedge_notional(values, 0.4, values)
        np.testing.assert_array_equal(values, [30_000.0, 20_000.0])


class TestHedgeContracts:
    @pytest.mark.parametrize(
        ("notional", "price", "contract", "step", "rounding", "expected"),
        [
            (20_000, 100_000, "linear", None, "down", 0.2),  # issue 3: 20,000 at 100,000 → 0.2 BTC
            (20_000, 100_000, "inverse", None, "down", 200),  # issue 3: 200 contracts of 100 USD
            (12_345, 67_890, "linear", None, "down", 0.181),  # 12,345/67,890 = 0.18184 BTC → down to 0.181
            (12_345, 67_890, "linear", None, "nearest", 0.182),
            (12_345, 67_890, "linear", None, "up", 0.182),
            (30_000, 100_000, "linear", 0.1, "down", 0.3),  # CME Micro 0.1 BTC: 0.3/0.1 is 3 steps, not 2.9999
            (1_200_000, 100_000, "linear", 5, "down", 10.0),  # CME 5 BTC: 12 BTC → 2 contracts of 5
            (1_200_000, 100_000, "linear", 5, "nearest", 10.0),
            (1_300_000, 100_000, "linear", 5, "nearest", 15.0),  # 13 BTC: 2.6 steps → 3
            (20_050, 100_000, "inverse", None, "nearest", 201),  # 200.5 contracts, half away from zero
            (20_050, 100_000, "inverse", None, "down", 200),
            (20_050, 100_000, "inverse", 10, "down", 2_005),  # 10 USD contracts (COIN-M altcoins)
            (0, 100_000, "linear", None, "down", 0.0),  # no hedge, no order
        ],
    )
    def test_rounding_rule(self, notional, price, contract, step, rounding, expected):
        assert hedge_contracts(notional, price, contract, step, rounding) == pytest.approx(expected, abs=1e-12)

    def test_down_never_exceeds_the_notional(self):
        notionals = np.linspace(1_000, 50_000, 97)
        qty = hedge_contracts(notionals, 97_123.4)
        assert np.all(qty * 97_123.4 <= notionals + 1e-9)
        assert np.all(np.abs(qty * 1000 - np.round(qty * 1000)) < 1e-9)  # exact multiples of the step

    def test_regression_tiny_step_rounded_to_whole_btc(self):
        # Fuzzer: HEDGE_CONTRACTS(20000, 100000, "linear", 1e-13) returned 0 (any step ≤ 1e-12 printed
        # with 0 decimals); 20,000 / 100,000 is 0.2 BTC in any step that divides it.
        assert hedge_contracts(20_000, 100_000, "linear", 1e-13) == pytest.approx(0.2, abs=1e-13)

    @pytest.mark.parametrize(
        ("args", "match"),
        [
            ((50, 100_000), "less than the exchange's minimum of one step"),  # 0.0005 BTC
            ((150, 100_000, "linear", 0.001, "down", 200), "below the exchange's minimum of 200 USD"),
            ((99, 100_000, "linear", 0.001, "down", 0), "one step"),
            ((99, 100_000, "inverse"), "one contract"),
        ],
    )
    def test_below_the_exchange_minimum(self, args, match):
        with pytest.raises(BadNumberError, match=match):
            hedge_contracts(*args)

    def test_the_minimum_itself_is_accepted(self):
        # BTCUSDT: 100 USDT minimum; 0.001 BTC at 100,000 is exactly 100.
        assert hedge_contracts(100, 100_000) == 0.001

    @pytest.mark.parametrize("contract", ["Linear", " INVERSE "])
    def test_contract_words_ignore_case(self, contract):
        hedge_contracts(20_000, 100_000, contract)

    def test_unknown_words_list_choices(self):
        with pytest.raises(WrongTypeError, match='"linear", "inverse"'):
            hedge_contracts(20_000, 100_000, "quanto")
        with pytest.raises(WrongTypeError, match='"down", "nearest", "up"'):
            hedge_contracts(20_000, 100_000, "linear", None, "sideways")

    @pytest.mark.parametrize(
        ("args", "name"), [((20_000, 0), "price"), ((-1, 1e5), "notional"), ((1, 1e5, "linear", 0), "step")]
    )
    def test_bad_numbers(self, args, name):
        with pytest.raises(BadNumberError, match=name):
            hedge_contracts(*args)


class TestHedgeRatioFearGreed:
    @pytest.mark.parametrize(
        ("index", "expected"),
        [
            (50, 0.25),  # issue 3: neutral, middle of the 40–60 band 20–30 %
            (20, 0.50),  # issue 3: edge of the ≤20 band
            (90, 0.05),  # issue 3: middle of the ≥80 band 0–10 %
            (0, 0.75),  # top of the ≤20 band
            (100, 0.0),
            (10, 0.625),  # halfway between the edges 0→75 % and 20→50 %
            (30, 0.40),  # the gap between bands: halfway 50 % → 30 %
        ],
    )
    def test_default_table(self, index, expected):
        assert hedge_ratio_fear_greed(index) == pytest.approx(expected, abs=1e-12)

    def test_bands_of_the_method_hold(self):
        # The method's bands: ≥80 → 0–10 %, 40–60 → 20–30 %, ≤20 → 50–75 %.
        for lo, hi, rmin, rmax in [(80, 100, 0.0, 0.10), (40, 60, 0.20, 0.30), (0, 20, 0.50, 0.75)]:
            ratios = hedge_ratio_fear_greed(np.linspace(lo, hi, 41))
            assert ratios.min() >= rmin - 1e-12 and ratios.max() <= rmax + 1e-12

    def test_more_fear_never_less_hedge(self):
        ratios = hedge_ratio_fear_greed(np.arange(0, 101))
        assert np.all(np.diff(ratios) <= 0)

    def test_user_table_any_row_order(self):
        table = [[100, 0.1], [0, 0.9]]
        assert hedge_ratio_fear_greed(50, table) == pytest.approx(0.5)

    @pytest.mark.parametrize("index", [-1, 101, np.nan])
    def test_index_out_of_range(self, index):
        with pytest.raises(BadNumberError, match="fear_greed"):
            hedge_ratio_fear_greed(index)

    def test_bad_tables(self):
        with pytest.raises(WrongTypeError, match="two columns"):
            hedge_ratio_fear_greed(50, [1, 2, 3])
        with pytest.raises(BadNumberError, match="different"):
            hedge_ratio_fear_greed(50, [[10, 0.5], [10, 0.4]])
        with pytest.raises(BadNumberError, match="ratios"):
            hedge_ratio_fear_greed(50, [[0, 0.5], [100, 4.0]])


def test_negative_beta_weighted_exposure_is_refused():
    # A short hedge against holdings that move against BTC would add risk, not remove it.
    with pytest.raises(BadNumberError, match="negative"):
        hedge_notional([30_000, 20_000], 0.4, [-1.0, 0.5])


def test_overhedged_flag():
    from althedge_xl.core.sizing import is_overhedged

    assert is_overhedged(50_000, [30_000, 20_000]) is False  # exactly 100 % is not over
    assert is_overhedged(50_001, [30_000, 20_000]) is True
    np.testing.assert_array_equal(is_overhedged([10, 60], [50]), [False, True])
    with pytest.raises(BadNumberError, match="alt_values"):
        is_overhedged(1, [-5])

"""Initial margin (althedge_xl.core.margin), the liquidation price and buffer in one tier given, by Binance's and
Bybit's rule (althedge_xl.core.liquidation.liquidation_price with a maintenance rate).

Every liquidation price here is worked by hand in the test from the exchange's published formula
(DESIGN.md, "Exchange formulas"), or is a published worked example.
"""

from __future__ import annotations

import numpy as np
import pytest

from althedge_xl.core.errors import BadNumberError, MissingValueError, WrongTypeError
from althedge_xl.core.liquidation import liquidation_price, margin_buffer
from althedge_xl.core.margin import initial_margin

# Rates and cums of the kind Binance's brackets have (its 2024-10-24 response's first three): floor, rate, cum.
RECORDED_BRACKETS = [(0, 0.004, 0), (50_000, 0.005, 50), (600_000, 0.0065, 950)]


def linear_short_by_hand(q, ep, wb, mmr, cum):
    """WB + (−1)·Q·(LP − EP) = Q·LP·MMR − cum solved for LP (Binance USDⓈ-M)."""
    return (wb + cum + q * ep) / (q * (1 + mmr))


def linear_long_by_hand(q, ep, wb, mmr, cum):
    return (q * ep - wb - cum) / (q * (1 - mmr))


class TestInitialMargin:
    def test_method(self):
        assert initial_margin(20_000, 20) == 1_000.0  # the method: 20,000 at 5 % margin

    def test_150x_is_accepted(self):
        # Binance's first BTCUSDT bracket allows 150× since 2025-08-21 (../shared/data/README.md).
        assert initial_margin(30_000, 150) == 200.0

    def test_broadcast(self):
        np.testing.assert_allclose(initial_margin([[20_000], [40_000]], [[10, 20]]), [[2_000, 1_000], [4_000, 2_000]])

    @pytest.mark.parametrize(("lev", "match"), [(0.5, "at least 1"), (151, "at most 150"), (np.inf, "finite")])
    def test_bad_leverage(self, lev, match):
        with pytest.raises(BadNumberError, match=match):
            initial_margin(20_000, lev)


class TestBinanceRule:
    def test_design_worked_numbers(self):
        # DESIGN.md: EP 100,000, 20×, MMR 0.4 %, cum 0 → short 104,581.67, long 95,381.53.
        assert round(liquidation_price(100_000, 20), 2) == 104_581.67
        assert round(liquidation_price(100_000, 20, side="long"), 2) == 95_381.53
        # DESIGN.md: inverse, 200 contracts at 100,000, WB 0.01 BTC (= 20×), MMR 0.4 % → 104,842.11.
        assert round(liquidation_price(100_000, 20, contract="inverse", quantity=200), 2) == 104_842.11

    @pytest.mark.parametrize(
        ("q", "ep", "lev", "bracket"),
        [(0.2, 100_000, 20, 0), (1, 60_000, 10, 1), (10, 100_000, 20, 2), (0.5, 61_234.5, 3, 0)],
    )
    def test_linear_against_formula_by_hand(self, q, ep, lev, bracket):
        _, mmr, cum = RECORDED_BRACKETS[bracket]
        short = liquidation_price(ep, lev, mmr, cum, "short", "linear", q)
        long = liquidation_price(ep, lev, mmr, cum, "long", "linear", q)
        assert short == pytest.approx(linear_short_by_hand(q, ep, q * ep / lev, mmr, cum), abs=0.005)
        assert long == pytest.approx(linear_long_by_hand(q, ep, q * ep / lev, mmr, cum), abs=0.005)

    def test_bracket_2_short_of_60000_at_10x(self):
        # 60,000 USDT at 10×: bracket 2 (0.50 %, cum 50). By hand: (6,000 + 50 + 60,000) / 1.005.
        assert liquidation_price(60_000, 10, 0.005, 50, "short", "linear", 1) == pytest.approx(66_050 / 1.005)

    def test_inverse_long_by_hand(self):
        s, ep, lev, mmr = 200 * 100, 100_000, 20, 0.004
        wb = s / ep / lev
        expected = s * (1 + mmr) / (s / ep + wb)
        assert liquidation_price(ep, lev, side="long", contract="inverse") == pytest.approx(expected, abs=0.005)

    def test_collateral_replaces_notional_over_leverage(self):
        # 0.2 BTC short at 100,000 with 5,000 USDT posted: (5,000 + 20,000) / (0.2 · 1.004).
        lp = liquidation_price(100_000, 20, 0.004, 0, "short", "linear", 0.2, 5_000)
        assert lp == pytest.approx(25_000 / (0.2 * 1.004))

    def test_short_liquidates_where_equity_meets_maintenance(self):
        q, ep, lev, mmr, cum = 5, 100_000, 20, 0.005, 50
        lp = liquidation_price(ep, lev, mmr, cum, "short", "linear", q)
        equity = q * ep / lev - q * (lp - ep)
        assert equity == pytest.approx(q * lp * mmr - cum, abs=1e-6)


class TestBybitRule:
    def test_help_centre_example(self):
        # Bybit's help centre: long 1 BTC at 20,000, 50×, MMR 0.5 % → 19,700 (IM 400, MM 100 at entry).
        assert liquidation_price(20_000, 50, 0.005, 0, "long", "linear", 1, rule="bybit") == pytest.approx(19_700)
        # Binance's rule on the same position gives another price: 19,698.49 (maintenance at LP).
        binance = liquidation_price(20_000, 50, 0.005, 0, "long", "linear", 1)
        assert round(binance, 2) == round((20_000 - 400) / 0.995, 2) == 19_698.49

    def test_short_with_deduction_by_hand(self):
        # 30 BTC at 100,000 (3,000,000), 20×, MMR 1 %, mmDeduction 10,000: MM = 30,000 − 10,000 = 20,000;
        # short LP = EP + (WB − MM)/Q = 100,000 + (150,000 − 20,000)/30.
        lp = liquidation_price(100_000, 20, 0.01, 10_000, "short", "linear", 30, rule="bybit")
        assert lp == pytest.approx(100_000 + 130_000 / 30)

    def test_inverse_by_hand(self):
        # 200 contracts of 100 USD at 100,000, 20×: WB 0.01 BTC, MM = 0.2 · 0.005 = 0.001 BTC at entry;
        # a short loses S·(1/EP − 1/LP) BTC, so 1/LP = 1/EP − (WB − MM)/S.
        lp = liquidation_price(100_000, 20, 0.005, 0, "short", "inverse", 200, rule="bybit")
        assert lp == pytest.approx(1 / (1 / 100_000 - 0.009 / 20_000))

    def test_ten_usd_contracts(self):
        # 2,000 contracts of 10 USD are the same 20,000 USD as 200 of 100 USD.
        ten = liquidation_price(100_000, 20, 0.004, 0, "short", "inverse", 2_000, contract_usd=10)
        assert ten == pytest.approx(liquidation_price(100_000, 20, 0.004, 0, "short", "inverse", 200))


class TestRefusals:
    def test_quantity_needed(self):
        with pytest.raises(MissingValueError, match="quantity"):
            liquidation_price(100_000, 20, 0.005, 50)
        with pytest.raises(MissingValueError, match="quantity"):
            liquidation_price(100_000, 20, collateral=1_000)

    def test_unliquidatable_positions(self):
        with pytest.raises(BadNumberError, match="cannot be liquidated"):
            liquidation_price(100_000, 1, 0.004, 0, "short", "inverse")
        with pytest.raises(BadNumberError, match="cannot be liquidated"):
            liquidation_price(100_000, 1, 0.0, 0, "long")

    @pytest.mark.parametrize("collateral", [0, -5])
    def test_collateral_must_be_positive(self, collateral):
        with pytest.raises(BadNumberError, match="collateral must be greater than 0"):
            liquidation_price(100_000, 20, 0.004, 0, "short", "linear", 0.2, collateral)

    def test_collateral_below_maintenance_at_entry(self):
        with pytest.raises(BadNumberError, match="liquidated at once"):
            liquidation_price(100_000, 20, 0.004, 0, "short", "linear", 0.2, 50)  # MM at entry is 80

    def test_maintenance_rate_at_or_above_one_over_leverage(self):
        with pytest.raises(BadNumberError, match="below 1/leverage"):
            liquidation_price(100_000, 20, 0.06)

    @pytest.mark.parametrize(
        ("kwargs", "match"),
        [({"side": "flat"}, '"short", "long"'), ({"rule": "kraken"}, 'rule must be one of "binance", "bybit"')],
    )
    def test_bad_words(self, kwargs, match):
        with pytest.raises(WrongTypeError, match=match):
            liquidation_price(100_000, 20, **kwargs)


class TestMarginBuffer:
    def test_at_entry_equals_distance_to_liquidation(self):
        assert margin_buffer(100_000, 100_000, 20) == pytest.approx(
            linear_short_by_hand(1, 100_000, 100_000 / 20, 0.004, 0) / 100_000 - 1
        )

    def test_with_collateral_and_bybit(self):
        # Bybit, 1 BTC short at 20,000 with 2,000 posted: LP = 20,000 + (2,000 − 100), mark 21,000.
        assert margin_buffer(20_000, 21_000, 50, 0.005, 0, "linear", 1, 2_000, "bybit") == pytest.approx(
            21_900 / 21_000 - 1
        )

    def test_negative_beyond_liquidation(self):
        assert margin_buffer(100_000, 110_000, 20) < 0

    def test_bad_mark(self):
        with pytest.raises(BadNumberError, match="mark_price"):
            margin_buffer(100_000, 0, 20)

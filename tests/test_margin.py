"""Initial margin, maintenance tiers, liquidation price and buffer (althedge_xl.core.margin).

Every liquidation price here is worked by hand in the test from Binance's published formula
(DESIGN.md, "Exchange formulas"), or is DESIGN.md's own worked number.
"""

from __future__ import annotations

import numpy as np
import pytest

from althedge_xl.core.errors import BadNumberError, MissingValueError, WrongTypeError
from althedge_xl.core.margin import (
    initial_margin,
    liquidation_price,
    maintenance_amounts,
    maintenance_tier,
    margin_buffer,
)

# Binance BTCUSDT tiers as published in 2026 (DESIGN.md): floor, rate, maintenance amount.
PUBLISHED_TIERS = [
    (0, 0.004, 0),
    (300_000, 0.005, 300),
    (800_000, 0.0065, 1_500),
    (3_000_000, 0.01, 12_000),
    (12_000_000, 0.02, 132_000),
    (70_000_000, 0.025, 482_000),
]


def linear_short_by_hand(q, ep, lev, mmr, cum):
    """WB + (−1)·Q·(LP − EP) = Q·LP·MMR − cum solved for LP, WB = Q·EP/L (Binance USDⓈ-M)."""
    wb = q * ep / lev
    return (wb + cum + q * ep) / (q * (1 + mmr))


def linear_long_by_hand(q, ep, lev, mmr, cum):
    wb = q * ep / lev
    return (q * ep - wb - cum) / (q * (1 - mmr))


class TestInitialMargin:
    def test_method(self):
        assert initial_margin(20_000, 20) == 1_000.0  # the method: 20,000 at 5 % margin

    def test_broadcast(self):
        np.testing.assert_allclose(initial_margin([[20_000], [40_000]], [[10, 20]]), [[2_000, 1_000], [4_000, 2_000]])

    @pytest.mark.parametrize(("lev", "match"), [(0.5, "at least 1"), (200, "at most 125"), (np.inf, "finite")])
    def test_bad_leverage(self, lev, match):
        with pytest.raises(BadNumberError, match=match):
            initial_margin(20_000, lev)


class TestTiers:
    def test_derived_amounts_equal_published(self):
        floors = [t[0] for t in PUBLISHED_TIERS]
        rates = [t[1] for t in PUBLISHED_TIERS]
        np.testing.assert_allclose(maintenance_amounts(floors, rates), [t[2] for t in PUBLISHED_TIERS], atol=1e-9)

    @pytest.mark.parametrize(
        ("notional", "expected"),
        [(20_000, (0.004, 0)), (300_000, (0.004, 0)), (300_001, (0.005, 300)), (5_000_000, (0.01, 12_000))],
    )
    def test_tier_in_force(self, notional, expected):
        assert maintenance_tier(notional) == pytest.approx(expected)

    def test_above_last_tier(self):
        with pytest.raises(MissingValueError, match="above the last tier"):
            maintenance_tier(200_000_000)


class TestLiquidationPrice:
    def test_design_worked_numbers(self):
        # DESIGN.md: EP 100,000, 20×, MMR 0.4 %, cum 0 → short 104,581.67, long 95,381.53.
        assert round(liquidation_price(100_000, 20), 2) == 104_581.67
        assert round(liquidation_price(100_000, 20, side="long"), 2) == 95_381.53
        # DESIGN.md: inverse, 200 contracts at 100,000, WB 0.01 BTC (= 20×), MMR 0.4 % → 104,842.11.
        assert round(liquidation_price(100_000, 20, contract="inverse", quantity=200), 2) == 104_842.11

    @pytest.mark.parametrize(
        ("q", "ep", "lev", "tier"),
        [(0.2, 100_000, 20, 0), (5, 100_000, 20, 1), (30, 98_765.4, 10, 2), (0.5, 61_234.5, 3, 0)],
    )
    def test_linear_against_formula_by_hand(self, q, ep, lev, tier):
        _, mmr, cum = PUBLISHED_TIERS[tier]
        short = liquidation_price(ep, lev, mmr, cum, "short", "linear", q)
        long = liquidation_price(ep, lev, mmr, cum, "long", "linear", q)
        assert short == pytest.approx(linear_short_by_hand(q, ep, lev, mmr, cum), abs=0.005)
        assert long == pytest.approx(linear_long_by_hand(q, ep, lev, mmr, cum), abs=0.005)

    def test_inverse_long_by_hand(self):
        s, ep, lev, mmr = 200 * 100, 100_000, 20, 0.004
        wb = s / ep / lev
        expected = s * (1 + mmr) / (s / ep + wb)
        assert liquidation_price(ep, lev, side="long", contract="inverse") == pytest.approx(expected, abs=0.005)

    def test_short_liquidates_where_equity_meets_maintenance(self):
        # At LP the isolated equity equals the maintenance margin (the formula's definition).
        q, ep, lev, mmr, cum = 5, 100_000, 20, 0.005, 300
        lp = liquidation_price(ep, lev, mmr, cum, "short", "linear", q)
        equity = q * ep / lev - q * (lp - ep)
        assert equity == pytest.approx(q * lp * mmr - cum, abs=1e-6)

    def test_quantity_needed_with_maintenance_amount(self):
        with pytest.raises(MissingValueError, match="quantity"):
            liquidation_price(100_000, 20, 0.005, 300)

    def test_unliquidatable_positions(self):
        # An inverse short at 1×: its BTC margin equals its whole value, S/EP − WB = 0.
        with pytest.raises(BadNumberError, match="cannot be liquidated"):
            liquidation_price(100_000, 1, 0.004, 0, "short", "inverse")
        # A 1× linear long liquidates only at 0, which is not a price either.
        with pytest.raises(BadNumberError, match="cannot be liquidated"):
            liquidation_price(100_000, 1, 0.0, 0, "long")

    @pytest.mark.parametrize("side", ["flat", 3])
    def test_bad_side(self, side):
        with pytest.raises(WrongTypeError, match='"short", "long"'):
            liquidation_price(100_000, 20, side=side)


class TestMarginBuffer:
    def test_at_entry_equals_distance_to_liquidation(self):
        assert margin_buffer(100_000, 100_000, 20) == pytest.approx(
            linear_short_by_hand(1, 100_000, 20, 0.004, 0) / 100_000 - 1
        )

    def test_negative_beyond_liquidation(self):
        assert margin_buffer(100_000, 110_000, 20) < 0

    def test_bad_mark(self):
        with pytest.raises(BadNumberError, match="mark_price"):
            margin_buffer(100_000, 0, 20)


def test_maintenance_rate_at_or_above_one_over_leverage_is_refused():
    # 20× puts 5 % margin up; a 6 % maintenance rate would liquidate the position at entry (the
    # formula would put a short's liquidation price below its entry, 99,056.60, which is no price).
    with pytest.raises(BadNumberError, match="below 1/leverage"):
        liquidation_price(100_000, 20, 0.06)
    with pytest.raises(BadNumberError, match="below 1/leverage"):
        liquidation_price(100_000, 100, 0.02, 0, "long")

"""Liquidation with the exchange's tiers, and the collateral a BTC spike needs (althedge_xl.core.liquidation).

Expected prices are Binance's and Bybit's published formulas worked by hand in the test, on the
brackets Binance returned on 2024-10-24 (../shared/data/margin) or on a table written here.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from althedge_xl.core.conventions import BINANCE_BTCUSDT, BYBIT_BTCUSDT
from althedge_xl.core.errors import BadNumberError, MissingValueError, WrongTypeError
from althedge_xl.core.liquidation import (
    collateral_for_rise,
    maintenance_tier,
    position_liquidation,
    resolve_tiers,
    rise_survived,
)

#: A Bybit-style table with a deduction: 2,000,000 × (1 % − 0.5 %) = 10,000.
BYBIT_TWO = [[0, 2e6, 0.005, 0, 100], [2e6, 4e6, 0.01, 10_000, 50]]


class TestBinanceTiers:
    def test_bracket_1_design_example(self):
        # DESIGN.md: 20× short from 100,000, bracket 1 (0.40 %, cum 0) → 104,581.67.
        price, mmr, cum, most = position_liquidation(100_000, 0.2, 20)
        assert (round(price, 2), mmr, cum, most) == (104_581.67, 0.004, 0, 125)

    def test_bracket_2_short_of_60000_at_10x(self):
        # The case: 60,000 USDT at 10× falls in bracket 2 (0.50 %, cum 50).
        # LP = (WB + cum + Q·EP) / (Q·(1 + MMR)) = (6,000 + 50 + 60,000) / 1.005; Q·LP = 65,721 is in bracket 2.
        price, mmr, cum, _ = position_liquidation(60_000, 1, 10)
        assert price == pytest.approx(66_050 / 1.005) and (mmr, cum) == (0.005, 50)

    def test_bracket_3_short_and_long(self):
        # 10 BTC at 100,000 (1,000,000 USDT) at 20×: WB 50,000, bracket 3 (0.65 %, cum 950).
        short, mmr, cum, most = position_liquidation(100_000, 10, 20)
        assert short == pytest.approx((50_000 + 950 + 1_000_000) / (10 * 1.0065)) and (mmr, cum, most) == (
            0.0065,
            950,
            75,
        )
        long, *_ = position_liquidation(100_000, 10, 20, None, "long")
        assert long == pytest.approx((1_000_000 - 50_000 - 950) / (10 * 0.9935))

    def test_tier_changes_between_entry_and_liquidation(self):
        # 0.49 BTC at 100,000 = 49,000 (bracket 1) at 20×. Bracket 1 alone gives LP 104,581.67, where the
        # notional 51,245 is in bracket 2; recomputed there: (2,450 + 50 + 49,000) / (0.49 · 1.005).
        first = (2_450 + 49_000) / (0.49 * 1.004)
        assert 0.49 * first > 50_000
        price, mmr, cum, _ = position_liquidation(100_000, 0.49, 20)
        assert price == pytest.approx(51_500 / (0.49 * 1.005)) and (mmr, cum) == (0.005, 50)
        assert 0.49 * price > 50_000

    def test_inverse_design_example(self):
        # DESIGN.md: 200 contracts at 100,000, WB 0.01 BTC, MMR 0.4 % → 104,842.11.
        price, *_ = position_liquidation(100_000, 200, 20, None, "short", "inverse")
        assert round(price, 2) == 104_842.11

    def test_leverage_above_the_brackets_maximum(self):
        # The issue: 125× on a 1,000,000 USDT short; Binance caps bracket 3 at 75×.
        with pytest.raises(BadNumberError, match="Binance allows at most 75× for a 1,000,000 USDT position"):
            position_liquidation(100_000, 10, 125)
        position_liquidation(100_000, 10, 75)  # the maximum itself is allowed

    def test_beyond_the_last_tier(self):
        table = [[0, 50_000, 0.004, 0, 125]]
        with pytest.raises(MissingValueError, match="beyond the last tier"):
            position_liquidation(100_000, 0.49, 20, None, "short", "linear", "binance", table)


class TestBybitTiers:
    def test_help_centre_example(self):
        # Bybit: long 1 BTC at 20,000, 50×, 0.5 % → 19,700 (its first BTCUSDT risk limit is 0.5 %).
        price, mmr, *_ = position_liquidation(20_000, 1, 50, None, "long", "linear", "bybit")
        assert price == pytest.approx(19_700) and mmr == 0.005

    def test_tier_at_entry_with_deduction(self):
        # 30 BTC at 100,000 = 3,000,000 (tier 2 at entry): MM = 30,000 − 10,000; LP = EP + (150,000 − 20,000)/30.
        price, mmr, cum, most = position_liquidation(100_000, 30, 20, None, "short", "linear", "bybit", BYBIT_TWO)
        assert price == pytest.approx(100_000 + 130_000 / 30) and (mmr, cum, most) == (0.01, 10_000, 50)

    def test_above_the_default_first_risk_limit(self):
        with pytest.raises(MissingValueError, match="above the last tier of Bybit BTCUSDT"):
            position_liquidation(100_000, 30, 20, None, "short", "linear", "bybit")

    def test_tables_of_one_exchange_never_go_with_the_other_rule(self):
        with pytest.raises(WrongTypeError, match="the tiers are Bybit's but the rule is binance"):
            position_liquidation(100_000, 0.2, 20, None, "short", "linear", "binance", BYBIT_BTCUSDT)
        with pytest.raises(WrongTypeError, match="the tiers are Binance's but the rule is bybit"):
            resolve_tiers(BINANCE_BTCUSDT, "bybit", "linear")


ROUND_TRIPS = list(
    itertools.product(
        ["binance", "bybit"],
        ["linear", "inverse"],
        [20_000, 45_000, 400_000, 1_000_000],  # 45,000 at +20 % crosses from bracket 1 into bracket 2
        [0.05, 0.2, 0.4, 1.5],
    )
)


class TestSpike:
    def test_worked_by_hand(self):
        # 20,000 USDT short from 100,000 (0.2 BTC), +40 %: LP 140,000, notional 28,000 in bracket 1:
        # WB = Q·LP·(1 + MMR) − cum − Q·EP = 0.2·140,000·1.004 − 20,000.
        assert collateral_for_rise(20_000, 100_000, 0.40) == pytest.approx(0.2 * 140_000 * 1.004 - 20_000)
        # Bybit: WB = Q·(LP − EP) + Q·EP·MMR − d = 0.2·40,000 + 20,000·0.005.
        assert collateral_for_rise(20_000, 100_000, 0.40, "linear", "bybit") == pytest.approx(8_000 + 100)

    @pytest.mark.parametrize(("rule", "contract", "notional", "rise"), ROUND_TRIPS)
    def test_round_trip(self, rule, contract, notional, rise):
        # The collateral needed, posted, gives a liquidation price exactly X % above entry.
        ep = 97_000.0
        needed = collateral_for_rise(notional, ep, rise, contract, rule)
        size = notional / ep if contract == "linear" else notional / 100
        price, *_ = position_liquidation(ep, size, 1, needed, "short", contract, rule)
        assert price == pytest.approx(ep * (1 + rise), rel=1e-12)
        assert rise_survived(needed, notional, ep, contract, rule) == pytest.approx(rise, rel=1e-10)

    def test_round_trip_across_a_bracket(self):
        needed = collateral_for_rise(45_000, 100_000, 0.2)
        assert 0.45 * 120_000 > 50_000  # the notional at LP is in bracket 2 ...
        assert needed == pytest.approx(0.45 * 120_000 * 1.005 - 50 - 45_000)  # ... and its cum is used

    def test_a_column_of_rises(self):
        np.testing.assert_allclose(
            collateral_for_rise(20_000, 100_000, [[0.1], [0.4]]), [[0.2 * 110_000 * 1.004 - 20_000], [8_112]]
        )

    @pytest.mark.parametrize(
        ("rise", "match"), [(0, "rise must be greater than 0"), (-0.1, "greater than 0"), (40, "did you mean 40%")]
    )
    def test_bad_rises(self, rise, match):
        with pytest.raises(BadNumberError, match=match):
            collateral_for_rise(20_000, 100_000, rise)

    @pytest.mark.parametrize("collateral", [0, -1])
    def test_bad_collateral(self, collateral):
        with pytest.raises(BadNumberError, match="collateral must be greater than 0"):
            rise_survived(collateral, 20_000, 100_000)

    def test_bad_rule_and_tables(self):
        with pytest.raises(WrongTypeError, match='rule must be one of "binance", "bybit"'):
            collateral_for_rise(20_000, 100_000, 0.4, "linear", "kraken")
        with pytest.raises(BadNumberError, match="gaps or overlap"):
            collateral_for_rise(
                20_000, 100_000, 0.4, "linear", "binance", [[0, 5e4, 0.004, 0, 125], [6e4, 6e5, 0.005, 50, 100]]
            )


def test_maintenance_tier_of_a_notional():
    assert maintenance_tier(60_000) == (0.005, 50, 100)  # bracket 2 of the 2024-10-24 response
    assert maintenance_tier(60_000, None, "bybit") == (0.005, 0, 100)
    with pytest.raises(BadNumberError, match="notional"):
        maintenance_tier(-1)

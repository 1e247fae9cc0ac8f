"""Liquidation with the exchange's tiers, and the collateral a BTC spike needs (althedge_xl.core.liquidation).

Expected prices are Binance's and Bybit's published formulas worked by hand in the test, on the
brackets Binance returned on 2026-03-05 (the default) or 2024-10-24 (../shared/data/margin, read in
place by conftest.binance_brackets), or on a table written here.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from conftest import BRACKETS_OLDER, binance_brackets
from hypothesis import given, settings
from hypothesis import strategies as st

from althedge_xl.core.conventions import BINANCE_BTCUSDT, BINANCE_BTCUSDT_2024_10_24, BYBIT_BTCUSDT
from althedge_xl.core.errors import AltHedgeInputError, BadNumberError, MissingValueError, WrongTypeError
from althedge_xl.core.liquidation import maintenance_tier, position_liquidation, resolve_tiers
from althedge_xl.core.spike import MAX_RISE, collateral_for_rise, rise_survived
from althedge_xl.udfs import HEDGE_SPIKE_COLLATERAL, HEDGE_SPIKE_SURVIVED

#: Binance's BTCUSDT brackets of 2026-03-05, the default: (floor, cap, rate, cum, max leverage).
BRACKETS = binance_brackets()

#: A Bybit-style table with a deduction: 2,000,000 × (1 % − 0.5 %) = 10,000.
BYBIT_TWO = [[0, 2e6, 0.005, 0, 100], [2e6, 4e6, 0.01, 10_000, 50]]


def short_by_hand(q, ep, wb, bracket):
    """Binance USDⓈ-M short: LP = (WB + cum + Q·EP) / (Q·(1 + MMR)), in one bracket."""
    _, _, mmr, cum, _ = bracket
    return (wb + cum + q * ep) / (q * (1 + mmr))


class TestBinanceTiers:
    def test_bracket_1_design_example(self):
        # DESIGN.md: 20× short from 100,000, bracket 1 (0.40 %, cum 0, 150× since 2025-08-21) → 104,581.67.
        price, mmr, cum, most = position_liquidation(100_000, 0.2, 20)
        assert (round(price, 2), mmr, cum, most) == (104_581.67, *BRACKETS[0][2:])
        assert price == pytest.approx(short_by_hand(0.2, 100_000, 1_000, BRACKETS[0]))

    def test_bracket_2_short_of_400000_at_10x(self):
        # 4 BTC at 100,000 = 400,000 USDT at 10×: bracket 2 (300,000–800,000); Q·LP stays there.
        price, mmr, cum, most = position_liquidation(100_000, 4, 10)
        assert price == pytest.approx(short_by_hand(4, 100_000, 40_000, BRACKETS[1]))
        assert BRACKETS[1][0] < 4 * price <= BRACKETS[1][1] and (mmr, cum, most) == BRACKETS[1][2:]

    def test_bracket_3_short_and_long(self):
        # 10 BTC at 100,000 (1,000,000 USDT) at 20×: WB 50,000, bracket 3 (0.65 %, cum 1,500, 75×).
        _, _, rate, cum3, most3 = BRACKETS[2]
        short, mmr, cum, most = position_liquidation(100_000, 10, 20)
        assert short == pytest.approx((50_000 + cum3 + 1_000_000) / (10 * (1 + rate)))
        assert (mmr, cum, most) == (rate, cum3, most3)
        long, *_ = position_liquidation(100_000, 10, 20, None, "long")
        assert long == pytest.approx((1_000_000 - 50_000 - cum3) / (10 * (1 - rate)))

    def test_tier_changes_between_entry_and_liquidation(self):
        # 2.9 BTC at 100,000 = 290,000 (bracket 1) at 20×. Bracket 1 alone gives LP 104,581.67, where the
        # notional 303,287 is in bracket 2; recomputed there with its rate and cum.
        first = short_by_hand(2.9, 100_000, 14_500, BRACKETS[0])
        assert 2.9 * first > BRACKETS[0][1]
        price, mmr, cum, _ = position_liquidation(100_000, 2.9, 20)
        assert price == pytest.approx(short_by_hand(2.9, 100_000, 14_500, BRACKETS[1]))
        assert (mmr, cum) == BRACKETS[1][2:4] and 2.9 * price > BRACKETS[1][0]

    def test_the_older_table_stays_available_as_dated_data(self):
        # A 2 BTC short at 100,000 and 20×: 104,581.67 by today's table (bracket 1), 104,502.49 by the
        # 2024-10-24 one, whose bracket 2 (from 50,000: 0.50 %, cum 50) the notional at LP falls in.
        older = binance_brackets(date=BRACKETS_OLDER)
        assert round(position_liquidation(100_000, 2, 20)[0], 2) == 104_581.67
        price, *_ = position_liquidation(100_000, 2, 20, None, "short", "linear", "binance", BINANCE_BTCUSDT_2024_10_24)
        assert price == pytest.approx(short_by_hand(2, 100_000, 10_000, older[1])) and round(price, 2) == 104_502.49

    def test_inverse_design_example(self):
        # DESIGN.md: 200 contracts at 100,000, WB 0.01 BTC, MMR 0.4 % → 104,842.11.
        price, *_ = position_liquidation(100_000, 200, 20, None, "short", "inverse")
        assert round(price, 2) == 104_842.11

    def test_leverage_above_the_brackets_maximum(self):
        # The issue: 125× on a 1,000,000 USDT short; Binance caps bracket 3 at 75×.
        with pytest.raises(BadNumberError, match="Binance allows at most 75× for a 1,000,000 USDT position"):
            position_liquidation(100_000, 10, 125)
        position_liquidation(100_000, 10, 75)  # the maximum itself is allowed

    def test_150x_in_the_first_bracket_only(self):
        # 150× is the first bracket's maximum (to 300,000 USDT); the second allows 100×.
        assert BRACKETS[0][4] == 150 and BRACKETS[1][4] == 100
        price, *_, most = position_liquidation(100_000, 2, 150)  # 200,000 USDT
        assert price == pytest.approx(short_by_hand(2, 100_000, 200_000 / 150, BRACKETS[0])) and most == 150
        with pytest.raises(BadNumberError, match="Binance allows at most 100× for a 400,000 USDT position"):
            position_liquidation(100_000, 4, 150)
        with pytest.raises(BadNumberError, match="leverage must be at most 150"):
            position_liquidation(100_000, 0.1, 151)

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
        [20_000, 270_000, 400_000, 1_000_000],  # 270,000 at +20 % crosses from bracket 1 into bracket 2
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
        size = notional / ep if contract == "linear" else notional / 100  # contracts of 100 USD
        price, *_ = position_liquidation(ep, size, 1, needed, "short", contract, rule, None, 100)
        assert price == pytest.approx(ep * (1 + rise), rel=1e-12)
        assert rise_survived(needed, notional, ep, contract, rule) == pytest.approx(rise, rel=1e-10)

    def test_round_trip_across_a_bracket(self):
        needed = collateral_for_rise(270_000, 100_000, 0.2)
        _, _, rate, cum, _ = BRACKETS[1]
        assert BRACKETS[0][1] < 2.7 * 120_000  # the notional at LP is in bracket 2 ...
        assert needed == pytest.approx(2.7 * 120_000 * (1 + rate) - cum - 270_000)  # ... and its cum is used

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
        with pytest.raises(WrongTypeError, match=r'rule must be one of "binance", "bybit", .*not .kraken.'):
            collateral_for_rise(20_000, 100_000, 0.4, "linear", "kraken")
        with pytest.raises(BadNumberError, match="gaps or overlap"):
            collateral_for_rise(
                20_000, 100_000, 0.4, "linear", "binance", [[0, 5e4, 0.004, 0, 125], [6e4, 6e5, 0.005, 50, 100]]
            )


RULE_AND_CONTRACT = st.sampled_from(list(itertools.product(["binance", "bybit"], ["linear", "inverse"])))
NOTIONAL = st.floats(10, 3e9)
ENTRY = st.floats(10, 1e6)


def answer(function, *args):
    """The function's value, or None where it refuses (an AltHedge input error)."""
    try:
        return function(*args)
    except AltHedgeInputError:
        return None


class TestSpikeFunctionsInvertEachOther:
    """Wherever either spike function answers, the other answers with its argument back (default tables)."""

    def test_the_issues_inverse_case(self):
        # 10,000 USD of BTCUSD at 100 is 100 BTC at entry, beyond the default table (to 50 BTC): both refuse, and
        # say why, where the collateral function used to answer 66.8 that the other then refused.
        refused = "#N/A a notional of 100.00 is above the last tier of Binance BTCUSD"
        assert HEDGE_SPIKE_COLLATERAL(10_000, 100, 2, "inverse").startswith(refused)
        assert HEDGE_SPIKE_SURVIVED(66.8, 10_000, 100, "inverse").startswith(refused)

    @settings(max_examples=400, deadline=None)
    @given(RULE_AND_CONTRACT, NOTIONAL, ENTRY, st.floats(1e-3, MAX_RISE))
    def test_from_a_rise(self, rule_and_contract, notional, entry, rise):
        rule, contract = rule_and_contract
        needed = answer(collateral_for_rise, notional, entry, rise, contract, rule)
        if needed is not None:
            assert rise_survived(needed, notional, entry, contract, rule) == pytest.approx(rise, rel=1e-9)

    @settings(max_examples=400, deadline=None)
    @given(RULE_AND_CONTRACT, NOTIONAL, ENTRY, st.floats(1e-3, 3.0))
    def test_from_a_collateral(self, rule_and_contract, notional, entry, share):
        # Collateral as a share of the notional in its currency (USDT linear, BTC inverse).
        rule, contract = rule_and_contract
        collateral = share * (notional if contract == "linear" else notional / entry)
        survived = answer(rise_survived, collateral, notional, entry, contract, rule)
        if survived is not None and survived <= MAX_RISE:  # above, the rise is refused as a likely unit slip
            back = collateral_for_rise(notional, entry, survived, contract, rule)
            assert back == pytest.approx(collateral, rel=1e-8)


def test_maintenance_tier_of_a_notional():
    assert maintenance_tier(250_000) == BRACKETS[0][2:]  # bracket 1 of the 2026-03-05 response
    assert maintenance_tier(250_000, BINANCE_BTCUSDT_2024_10_24) == binance_brackets(date=BRACKETS_OLDER)[1][2:]
    assert maintenance_tier(60_000, None, "bybit") == (0.005, 0, 100)
    with pytest.raises(BadNumberError, match="notional"):
        maintenance_tier(-1)

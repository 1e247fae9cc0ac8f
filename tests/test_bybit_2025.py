"""Bybit's margin calculation of 2025-09-02 under the dated rule ``bybit-2025``, beside ``bybit`` (its worked examples).

Sources (quoted in althedge_xl/core/exchanges/bybit.py):

* "Liquidation Price Calculation under Isolated Mode (Unified Trading Account)", "Last updated on 2026-05-27
  20:12:42", copy at
  https://www.kbybit.com/en/help-center/article/Liquidation-Price-Calculation-under-Isolated-Mode-Unified-Trading-Account
  (inverse): LP (Long) = [Size × (MMR + 1)] ÷ [(Size ÷ EP) + (Size ÷ EP ÷ Leverage) + (Extra Margin Added ÷
  (1 + Taker Fee Rate)) + MM Deduction]; LP (Short) = [Size × (1 − MMR)] ÷ [(Size ÷ EP) − (Size ÷ EP ÷ Leverage) −
  (Extra Margin Added ÷ (1 − Taker Fee Rate)) − MM Deduction].
* "The New Margin Calculation: Adjustments and Implications", "Last updated on 2025-09-18 17:04:44", copy at
  https://testnet.bytick.com/en/help-center/article/Understanding-the-Adjustment-and-Impact-of-the-New-Margin-Calculation
  (USDT, isolated, from 2025-09-02): Position IM = (Size × Entry ÷ Leverage) + [Entry × Size × (1 ± 1 ÷ Leverage) ×
  Taker Fee Rate]; Position MM = [(Size × Mark Price × MM Rate) − MM Deduction] + [the same fee term].
* The 2024 version of the inverse page (bybit.nl copy, "2024-09-10 12:42:47"), the formula of rule ``bybit``:
  LP (Long) = Contract Quantity / [Position Value + (IM − MM)], Position Value = Quantity / Entry, IM = PV /
  Leverage, MM = PV × MMR − MMD; its example "60,000 USD of BTCUSD ... at 50,000 USD with 10x leverage ... MMR is
  0.5% and no extra margin".

Neither 2025/2026 page's worked example could be read (both are cut off), so ``bybit`` stays on the formulas Bybit's
published examples follow, and these formulas are checked against themselves written out by hand.
Each expected value is the page's formula written out here with numpy, never the code's output.
"""

from __future__ import annotations

import dataclasses
import itertools

import numpy as np
import pytest

from althedge_xl import udfs
from althedge_xl.core.conventions import BYBIT_BTCUSD_INVERSE, BYBIT_BTCUSDT
from althedge_xl.core.cross import cross_liquidation
from althedge_xl.core.errors import WrongTypeError
from althedge_xl.core.exchanges import ALL_RULES, RULES, exchange_profile
from althedge_xl.core.exchanges.profile import ExchangeProfile
from althedge_xl.core.liquidation import liquidation_price, position_liquidation
from althedge_xl.core.spike import collateral_for_rise, rise_survived
from althedge_xl.core.tier_liquidation import resolve_tiers

#: A BTCUSD risk limit with a deduction (BTC), rows floor, cap, MMR, MMD, max leverage.
INVERSE_TWO = [[0, 150, 0.005, 0, 100], [150, 300, 0.01, 0.75, 50]]


def page_2026_inverse(side, size, entry, leverage, mmr, mmd, extra, taker):
    """The 2026 page's inverse formula, as printed."""
    if side == "long":
        return size * (mmr + 1) / (size / entry + size / entry / leverage + extra / (1 + taker) + mmd)
    return size * (1 - mmr) / (size / entry - size / entry / leverage - extra / (1 - taker) - mmd)


class TestInverse2026:
    """Long and short, with extra margin and a taker fee, through every function that takes a collateral."""

    S, EP, L, MMR, EXTRA, TAKER = 60_000.0, 50_000.0, 10.0, 0.005, 0.05, 0.00055

    @pytest.mark.parametrize("side", ["long", "short"])
    @pytest.mark.parametrize("mmd", [0.0, 0.0004])
    def test_one_tier_given(self, side, mmd):
        # collateral = Initial Margin (Size ÷ EP ÷ Leverage, without the fee to close, which cancels) + Extra Margin.
        collateral = self.S / self.EP / self.L + self.EXTRA
        expected = page_2026_inverse(side, self.S, self.EP, self.L, self.MMR, mmd, self.EXTRA, self.TAKER)
        got = liquidation_price(
            self.EP, self.L, self.MMR, mmd, side, "inverse", self.S, collateral, "bybit-2025", fee_rate=self.TAKER
        )
        assert got == pytest.approx(expected, rel=1e-14)
        cell = udfs.HEDGE_LIQ_PRICE(
            self.EP, self.L, self.MMR, mmd, side, "inverse", self.S, collateral, "bybit-2025", None, self.TAKER
        )
        assert cell == pytest.approx(expected, rel=1e-14)

    @pytest.mark.parametrize("side", ["long", "short"])
    def test_in_the_risk_limit_table(self, side):
        # Bybit's first BTCUSD risk limit (0.5 %, up to 150 BTC): the notional at LP, 60,000 / LP, is in it.
        collateral = self.S / self.EP / self.L + self.EXTRA
        expected = page_2026_inverse(side, self.S, self.EP, self.L, self.MMR, 0.0, self.EXTRA, self.TAKER)
        price, mmr, mmd, most = position_liquidation(
            self.EP, self.S, self.L, collateral, side, "inverse", "bybit-2025", None, None, self.TAKER
        )
        assert (price, mmr, mmd, most) == (pytest.approx(expected, rel=1e-14), 0.005, 0.0, 100.0)
        row = udfs.HEDGE_LIQUIDATION(
            self.EP, self.S, self.L, collateral, side, "inverse", "bybit-2025", None, None, self.TAKER
        )
        assert row[0][0] == pytest.approx(expected, rel=1e-14)

    def test_the_tier_is_the_one_at_the_liquidation_price(self):
        # 12,000,000 USD short at 50,000, 5×: 240 BTC at entry (risk limit 2), at LP (above entry) fewer BTC. In
        # limit 2 (1 %, MMD 0.75 BTC) the price gives a notional below 300 and above 150: that tier is the one.
        size, lev = 12_000_000.0, 5.0
        collateral = size / self.EP / lev + 2.0
        expected = page_2026_inverse("short", size, self.EP, lev, 0.01, 0.75, 2.0, self.TAKER)
        assert 150 < size / expected <= 300
        price, mmr, mmd, _ = position_liquidation(
            self.EP, size, lev, collateral, "short", "inverse", "bybit-2025", INVERSE_TWO, None, self.TAKER
        )
        assert (price, mmr, mmd) == (pytest.approx(expected, rel=1e-14), 0.01, 0.75)

    def test_a_column_of_positions_is_each_its_own(self):
        # The numpy path over several cells gives what the formula gives for each.
        sizes = np.array([[20_000.0], [60_000.0], [200_000.0]])
        extras = np.array([[0.0], [0.05], [0.3]])
        collateral = sizes / self.EP / self.L + extras
        for side in ("long", "short"):
            got = liquidation_price(
                self.EP, self.L, None, None, side, "inverse", sizes, collateral, "bybit-2025", fee_rate=self.TAKER
            )
            expected = [
                page_2026_inverse(side, s, self.EP, self.L, self.MMR, 0.0, e, self.TAKER)
                for s, e in zip(sizes.ravel(), extras.ravel(), strict=True)
            ]
            np.testing.assert_allclose(np.asarray(got).ravel(), expected, rtol=1e-14)

    def test_without_a_taker_rate_the_extra_margin_counts_in_full(self):
        # No default taker rate is cited: blank (and 0) divide the extra margin by 1.
        collateral = self.S / self.EP / self.L + self.EXTRA
        expected = page_2026_inverse("long", self.S, self.EP, self.L, self.MMR, 0.0, self.EXTRA, 0.0)
        got = liquidation_price(self.EP, self.L, self.MMR, 0, "long", "inverse", self.S, collateral, "bybit-2025")
        assert got == pytest.approx(expected, rel=1e-14)
        # ... and without extra margin the taker rate changes nothing: the fee to close cancels.
        plain = liquidation_price(self.EP, self.L, self.MMR, 0, "long", "inverse", self.S, rule="bybit-2025")
        with_fee = liquidation_price(
            self.EP, self.L, self.MMR, 0, "long", "inverse", self.S, rule="bybit-2025", fee_rate=0.001
        )
        assert plain == with_fee

    def test_the_2024_pages_example_by_both_rules(self):
        # The 2024 page's example: 60,000 USD of BTCUSD at 50,000, 10×, MMR 0.5 %, no extra margin.
        # 2026 formula: long 60,000 · 1.005 / (1.2 + 0.12) = 45,681.82; short 60,000 · 0.995 / (1.2 − 0.12) = 55,277.78.
        long = liquidation_price(self.EP, self.L, self.MMR, 0, "long", "inverse", self.S, rule="bybit-2025")
        short = liquidation_price(self.EP, self.L, self.MMR, 0, "short", "inverse", self.S, rule="bybit-2025")
        assert (round(long, 2), round(short, 2)) == (45_681.82, 55_277.78)
        # bybit (the 2024 page's formula): MM = 1.2 · 0.5 % = 0.006 at entry;
        # long 60,000 / (1.2 + 0.12 − 0.006) = 45,662.10, short 60,000 / (1.2 − 0.12 + 0.006) = 55,248.62.
        long = liquidation_price(self.EP, self.L, self.MMR, 0, "long", "inverse", self.S, rule="bybit")
        short = liquidation_price(self.EP, self.L, self.MMR, 0, "short", "inverse", self.S, rule="bybit")
        assert (round(long, 2), round(short, 2)) == (45_662.10, 55_248.62)


class TestLinear2025:
    """USDT: maintenance valued at the mark price (so at LP) since 2025-09-02; the fee to close cancels."""

    def test_long_and_short_by_hand(self):
        # Long 1 BTC at 20,000, 50×, MMR 0.5 %, 300 USDT of extra margin (collateral 700):
        # 700 + (LP − 20,000) = LP · 0.005  →  LP = (20,000 − 700) / 0.995; short: LP = (20,000 + 700) / 1.005.
        long = liquidation_price(20_000, 50, 0.005, 0, "long", "linear", 1, 700, "bybit-2025")
        short = liquidation_price(20_000, 50, 0.005, 0, "short", "linear", 1, 700, "bybit-2025")
        assert long == pytest.approx(19_300 / 0.995, rel=1e-14)
        assert short == pytest.approx(20_700 / 1.005, rel=1e-14)

    def test_the_fee_to_close_cancels(self):
        # The 2025-09-02 definitions give IM and MM the same fee term: a taker rate changes nothing on linear.
        plain = liquidation_price(20_000, 50, 0.005, 0, "long", "linear", 1, 700, "bybit-2025")
        assert (
            liquidation_price(20_000, 50, 0.005, 0, "long", "linear", 1, 700, "bybit-2025", fee_rate=0.00055) == plain
        )

    def test_the_published_example_under_bybit_only(self):
        # The USDT page's example: 19,700 under bybit. bybit-2025 values MM at LP: (20,000 − 400) / 0.995.
        assert udfs.HEDGE_LIQ_PRICE(20_000, 50, 0.005, 0, "long", "linear", 1, None, "bybit") == 19_700.0
        now = udfs.HEDGE_LIQ_PRICE(20_000, 50, 0.005, 0, "long", "linear", 1, None, "bybit-2025")
        assert round(now, 2) == round(19_600 / 0.995, 2) == 19_698.49


class TestCross:
    def test_the_legacy_cross_example_stays_under_bybit(self):
        # help.bybit.com legacy inverse page: balance 0.5 BTC, long 10,000 contracts at 8,000, fee 0.075 % at the
        # bankruptcy price: published 5,739.50, the exact root 5,739.08 rounded up to the 0.5 tick.
        # Its equation: BP = 1.00075 · 10,000 / (10,000/8,000 + 0.5); 10,000 · (1/8,000 − 1/LP) =
        # −(0.5 − 10,000/8,000 · 0.5 % − 10,000 · 0.00075 / BP).
        bankruptcy = 1.00075 * 10_000 / (10_000 / 8_000 + 0.5)
        exact = 1 / (1 / 8_000 + (0.5 - 10_000 / 8_000 * 0.005 - 10_000 * 0.00075 / bankruptcy) / 10_000)
        price = cross_liquidation(8_000, 10_000, 0.5, 0, 0, "long", "inverse", "bybit", None, 0.00075)
        assert price == pytest.approx(exact, rel=1e-14)
        assert np.ceil(price * 2) / 2 == 5_739.5

    def test_bybit_2025_the_whole_wallet_at_the_liquidation_price(self):
        # MM at the mark price, no extra margin to net: 0.5 + 10,000·(1/8,000 − 1/LP) = 10,000·0.005/LP.
        price = cross_liquidation(8_000, 10_000, 0.5, 0, 0, "long", "inverse", "bybit-2025", None, 0.00075)
        assert price == pytest.approx(10_000 * 1.005 / (10_000 / 8_000 + 0.5), rel=1e-14)
        cell = udfs.HEDGE_LIQ_CROSS(8_000, 10_000, 0.5, 0, 0, "long", "inverse", "BYBIT-2025", None, 0.00075)
        assert cell == pytest.approx(10_000 * 1.005 / (10_000 / 8_000 + 0.5), rel=1e-14)


class TestDatedRule:
    def test_accepted_wherever_a_rule_is(self):
        assert "bybit-2025" in ALL_RULES and "bybit-2025" not in RULES  # not one of the Hedge sheet's exchanges
        # Short 1 BTC at 20,000 with 2,000 posted, MM at LP: 2,000 − (LP − 20,000) = 0.005·LP, LP = 22,000 / 1.005.
        assert udfs.HEDGE_MARGIN_BUFFER(20_000, 19_800, 50, 0.005, 0, "linear", 1, 2_000, "Bybit-2025") == (
            pytest.approx(22_000 / 1.005 / 19_800 - 1, rel=1e-13)
        )
        assert udfs.HEDGE_MAINT_TIER(1_000_000, None, "bybit-2025") == [[0.005, 0.0, 100.0]]
        # 20,000 USDT short from 100,000 (0.2 BTC), +40 %: WB = Q·LP·(1 + MMR) − d − Q·EP = 0.2·140,000·1.005 − 20,000.
        assert udfs.HEDGE_SPIKE_COLLATERAL(20_000, 100_000, 0.4, "linear", "bybit-2025") == pytest.approx(8_140)
        assert udfs.HEDGE_SPIKE_SURVIVED(8_140, 20_000, 100_000, "linear", "bybit-2025") == pytest.approx(0.4)
        # Bybit's BTCUSDT funding, every 8 hours: 20,000 · 0.01 % · 3 · 30 received by the short.
        assert udfs.FUNDING_COST(20_000, 0.0001, 30, None, "short", None, None, "bybit-2025") == pytest.approx(-180)

    def test_reads_bybits_tables(self):
        assert resolve_tiers(BYBIT_BTCUSDT, "bybit-2025", "linear") is BYBIT_BTCUSDT
        price, *_ = position_liquidation(
            50_000, 60_000, 10, None, "long", "inverse", "bybit-2025", BYBIT_BTCUSD_INVERSE
        )
        assert price == pytest.approx(page_2026_inverse("long", 60_000, 50_000, 10, 0.005, 0, 0, 0), rel=1e-14)
        with pytest.raises(WrongTypeError, match="the tiers are Bybit's but the rule is binance"):
            resolve_tiers(BYBIT_BTCUSDT, "binance", "linear")

    def test_an_unknown_rule_names_the_dated_one(self):
        with pytest.raises(WrongTypeError, match=r'"okx", "bybit-2025", not .bybit-2019.'):
            exchange_profile("bybit-2019")

    def test_no_other_name_for_the_earlier_formulas(self):
        # bybit itself is the rule of Bybit's worked examples: no dated alias of it.
        with pytest.raises(WrongTypeError, match=r"not .bybit-2024."):
            exchange_profile("bybit-2024")
        assert udfs.HEDGE_LIQ_PRICE(20_000, 50, 0.005, 0, "long", "linear", 1, None, "bybit-2024").startswith("#VALUE!")


#: Round trips of the spike functions under bybit-2025 (the default first risk limits only: a notional at LP
#: above 2,000,000 USDT, or 150 BTC, is beyond them).
ROUND_TRIPS = [
    (contract, notional, rise)
    for contract, notional, rise in itertools.product(
        ["linear", "inverse"], [20_000, 270_000, 400_000, 1_000_000], [0.05, 0.2, 0.4, 1.5]
    )
    if not (contract == "linear" and notional * (1 + rise) > 2e6)
]


class TestSpike:
    @pytest.mark.parametrize(("contract", "notional", "rise"), ROUND_TRIPS)
    def test_round_trip(self, contract, notional, rise):
        # The collateral needed, posted, gives a liquidation price exactly X % above entry, and back.
        ep = 97_000.0
        needed = collateral_for_rise(notional, ep, rise, contract, "bybit-2025")
        size = notional / ep if contract == "linear" else notional / 100  # contracts of 100 USD
        price, *_ = position_liquidation(ep, size, 1, needed, "short", contract, "bybit-2025", None, 100)
        assert price == pytest.approx(ep * (1 + rise), rel=1e-12)
        assert rise_survived(needed, notional, ep, contract, "bybit-2025") == pytest.approx(rise, rel=1e-10)

    def test_inverse_by_hand(self):
        # 10,000 USD of BTCUSD short from 100,000, +40 %: at LP 140,000 the short has lost S·(1/EP − 1/LP) BTC and
        # MM there is S·MMR/LP (0.07 BTC, first risk limit, 0.5 %): WB = S·(1/EP − 1/LP) + S·MMR/LP.
        expected = 10_000 * (1 / 100_000 - 1 / 140_000) + 10_000 * 0.005 / 140_000
        got = collateral_for_rise(10_000, 100_000, 0.4, "inverse", "bybit-2025")
        assert got == pytest.approx(expected, rel=1e-13)

    @pytest.mark.parametrize("contract", ["linear", "inverse"])
    def test_arrays_and_cells_agree(self, contract):
        # The numpy path over a range and the per-cell kernel give the same bits, a taker rate given.
        sizes = np.array([[0.05], [0.3], [1.0], [1.4]]) * (1 if contract == "linear" else 100)
        table = exchange_profile("bybit-2025").tiers[contract]
        many = liquidation_price(100_000, 20, None, None, "short", contract, sizes, None, "bybit-2025", None, 5e-4)
        cells = [
            position_liquidation(100_000, q, 20, None, "short", contract, "bybit-2025", table, None, 5e-4)[0]
            for q in sizes.ravel()
        ]
        assert np.asarray(many).ravel().tolist() == cells


class TestContractRules:
    """A profile can give one contract its own valuation and fee price; the code reads them, whatever the exchange."""

    def test_valuation_per_contract(self):
        # Maintenance at LP for linear and at entry for inverse, in one profile.
        mixed = dataclasses.replace(exchange_profile("bybit-2025"), contract_valuations={"inverse": "entry"})
        # Inverse at entry: long 60,000 at 50,000, 10×: 1/LP = 1/EP + (WB − MM)/S, MM = 1.2 · 0.005.
        inverse = liquidation_price(50_000, 10, 0.005, 0, "long", "inverse", 60_000, rule=mixed)
        assert inverse == pytest.approx(1 / (1 / 50_000 + (0.12 - 0.006) / 60_000), rel=1e-14)
        linear = liquidation_price(20_000, 50, 0.005, 0, "long", "linear", 1, rule=mixed)
        assert linear == pytest.approx(19_600 / 0.995, rel=1e-14)

    def test_extra_margin_net_of_the_fee_on_a_linear_contract(self):
        # The generic code: a linear long's extra margin divided by 1 − f (the sign of the bankruptcy-price notional).
        net = dataclasses.replace(exchange_profile("bybit-2025"), contract_fee_prices={"linear": "extra_margin"})
        got = liquidation_price(20_000, 50, 0.005, 0, "long", "linear", 1, 700, net, fee_rate=0.001)
        assert got == pytest.approx((20_000 - 400 - 300 / 0.999) / 0.995, rel=1e-14)

    def test_bad_contract_rules_are_refused(self):
        profile = exchange_profile("bybit-2025")
        with pytest.raises(ValueError, match="fee_price must be one of"):
            dataclasses.replace(profile, contract_fee_prices={"inverse": "sometimes"})
        with pytest.raises(ValueError, match="a rule per contract is for one of"):
            dataclasses.replace(profile, contract_valuations={"option": "entry"})
        assert isinstance(profile.for_contract("linear"), ExchangeProfile)

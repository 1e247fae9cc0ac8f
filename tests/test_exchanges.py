"""Exchange profiles as data (issue 22): rule names, cited values, the fee term of the liquidation condition.

Every expected number is a hand computation written out here from the liquidation condition
WB + P/L = MM + fee · N(LP) (N the notional at the liquidation price, MM valued where the profile
says), or an exchange's published example cited by its address.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from althedge_xl import udfs
from althedge_xl.core.errors import BadNumberError, MissingValueError, WrongTypeError
from althedge_xl.core.exchanges import PROFILES, RULES, exchange_profile
from althedge_xl.core.exchanges.profile import ExchangeProfile
from althedge_xl.core.liquidation import liquidation_price, margin_buffer, position_liquidation
from althedge_xl.core.spike import collateral_for_rise, rise_survived

#: Profile attributes that hold a number or a table, each of which must say where it comes from.
CITED = (
    "valuation",
    "amounts",
    "fee_rate",
    "tiers",
    "contract_usd",
    "ticks",
    "tick_rounding",
    "funding_interval_hours",
    "funding_cap",
)


class TestProfiles:
    @pytest.mark.parametrize("name", RULES)
    def test_every_value_cites_its_source(self, name):
        profile = PROFILES[name]
        for attribute in CITED:
            value = getattr(profile, attribute)
            given = value is not None and (not isinstance(value, dict) or any(v is not None for v in value.values()))
            if given:
                assert profile.sources.get(attribute), f"{name}.{attribute} has no source"

    @pytest.mark.parametrize("name", RULES)
    def test_default_tables_belong_to_their_exchange(self, name):
        for contract, table in PROFILES[name].tiers.items():
            if table is not None:
                assert table.exchange == name, contract

    def test_the_six_exchanges(self):
        assert set(RULES) >= {"binance", "bybit"}
        assert all(name == name.lower() for name in RULES)

    def test_a_profile_is_checked(self):
        with pytest.raises(ValueError, match="valuation"):
            dataclasses.replace(PROFILES["binance"], valuation="midpoint")


class TestRuleNames:
    @pytest.mark.parametrize("typed", ["BINANCE", "Binance", " binance "])
    def test_any_case_in_every_function(self, typed):
        assert udfs.HEDGE_LIQ_PRICE(100_000, 20, rule=typed) == udfs.HEDGE_LIQ_PRICE(100_000, 20)
        assert udfs.HEDGE_LIQUIDATION(100_000, 2, 20, rule=typed) == udfs.HEDGE_LIQUIDATION(100_000, 2, 20)
        assert udfs.HEDGE_MAINT_TIER(250_000, rule=typed) == udfs.HEDGE_MAINT_TIER(250_000)
        assert udfs.HEDGE_MARGIN_BUFFER(100_000, 100_000, 20, rule=typed) == udfs.HEDGE_MARGIN_BUFFER(
            100_000, 100_000, 20
        )
        assert udfs.HEDGE_SPIKE_COLLATERAL(20_000, 100_000, 0.4, rule=typed) == udfs.HEDGE_SPIKE_COLLATERAL(
            20_000, 100_000, 0.4
        )
        assert udfs.HEDGE_SPIKE_SURVIVED(8_112, 20_000, 100_000, rule=typed) == udfs.HEDGE_SPIKE_SURVIVED(
            8_112, 20_000, 100_000
        )

    def test_bybit_in_capitals(self):
        # Bybit's help centre (linear): long 1 BTC at 20,000, 50×, MMR 0.5 % → 19,700.
        assert udfs.HEDGE_LIQ_PRICE(20_000, 50, 0.005, 0, "long", "linear", 1, None, "BYBIT") == 19_700.0

    def test_an_unknown_exchange_lists_the_rules(self):
        found = udfs.HEDGE_LIQ_PRICE(100_000, 20, rule="kraken")
        assert found.startswith("#VALUE! rule must be one of") and all(f'"{name}"' in found for name in RULES)
        with pytest.raises(WrongTypeError, match="kraken"):
            exchange_profile("kraken")


class TestFeeTerm:
    """The fee to close, fee · N(LP), added to the maintenance margin: each case worked by hand."""

    F = 0.0005

    def test_maintenance_at_the_liquidation_price_linear(self):
        # Short 0.2 BTC at 100,000, 20×: WB = 1,000; Binance bracket 1 (0.40 %, cum 0).
        # WB − Q·(LP − EP) = Q·LP·(MMR + f)  →  LP = (WB + Q·EP) / (Q·(1 + MMR + f)) = 21,000 / (0.2 · 1.0045).
        by_hand = 21_000 / (0.2 * 1.0045)
        assert liquidation_price(100_000, 20, 0.004, 0, "short", "linear", 0.2, fee_rate=self.F) == pytest.approx(
            by_hand, rel=1e-14
        )
        # Long: WB + Q·(LP − EP) = Q·LP·(MMR + f)  →  LP = (Q·EP − WB) / (Q·(1 − MMR − f)) = 19,000 / (0.2 · 0.9955).
        long = liquidation_price(100_000, 20, 0.004, 0, "long", "linear", 0.2, fee_rate=self.F)
        assert long == pytest.approx(19_000 / (0.2 * 0.9955), rel=1e-14)
        # Blank mmr: the default table's tier (bracket 1 for 20,000 USDT) gives the same.
        price, *_ = position_liquidation(100_000, 0.2, 20, fee_rate=self.F)
        assert price == pytest.approx(by_hand, rel=1e-14)

    def test_maintenance_at_the_liquidation_price_inverse(self):
        # Short 200 contracts of 100 USD (S = 20,000) at 100,000, WB 0.01 BTC, MMR 0.4 %, cum 0:
        # WB − S·(1/LP − 1/EP) = S·(MMR + f)/LP  →  LP = S·(1 − MMR − f) / (S/EP − WB) = 20,000·0.9955 / 0.19.
        lp = liquidation_price(100_000, 20, 0.004, 0, "short", "inverse", 200, 0.01, fee_rate=self.F)
        assert lp == pytest.approx(20_000 * 0.9955 / (0.2 - 0.01), rel=1e-14)

    def test_maintenance_at_entry_fee_at_the_bankruptcy_price_linear(self):
        # Bybit values the fee to close at the bankruptcy price BP (its cross formula's Quantity × fee / BP).
        # Its example with a fee: long 1 BTC at 20,000, 50×: WB 400, MM = 100 at entry.
        # BP: WB + Q·(BP − EP) = f·Q·BP  →  BP = (Q·EP − WB) / (Q·(1 − f)) = 19,600 / 0.9995; fee F = f·Q·BP;
        # LP: WB + Q·(LP − EP) = MM + F  →  LP = EP − (WB − F − MM) / Q.
        fee = self.F * 19_600 / 0.9995
        lp = liquidation_price(20_000, 50, 0.005, 0, "long", "linear", 1, rule="bybit", fee_rate=self.F)
        assert lp == pytest.approx(20_000 - (400 - fee - 100), rel=1e-14)
        # Short: WB − Q·(BP − EP) = f·Q·BP  →  BP = (WB + Q·EP) / (Q·(1 + f)); LP = EP + (WB − F − MM) / Q.
        fee = self.F * 20_400 / 1.0005
        short = liquidation_price(20_000, 50, 0.005, 0, "short", "linear", 1, rule="bybit", fee_rate=self.F)
        assert short == pytest.approx(20_000 + (400 - fee - 100), rel=1e-14)

    def test_maintenance_at_entry_fee_at_the_bankruptcy_price_inverse(self):
        # Long 60,000 contracts of 1 USD at 50,000, 10×: position value 1.2 BTC, WB 0.12, MM = 0.006 at entry.
        # BP = S·(1 + f) / (WB + S/EP) (Bybit's page: 1.00075 × 10000 / (10000/8000 + 0.5)); F = f·S/BP;
        # 1/LP = 1/EP + (WB − F − MM) / S.
        fee = self.F * 60_000 / (60_000 * 1.0005 / (0.12 + 1.2))
        lp = liquidation_price(50_000, 10, 0.005, 0, "long", "inverse", 60_000, rule="bybit", fee_rate=self.F)
        assert lp == pytest.approx(1 / (1 / 50_000 + (0.12 - fee - 0.006) / 60_000), rel=1e-14)

    def test_maintenance_at_entry_fee_at_the_liquidation_price(self):
        # A profile valuing maintenance at entry and the fee at LP (the generic code, whatever the exchange):
        # long: WB + Q·(LP − EP) = MM + f·Q·LP  →  LP = (Q·EP − WB + MM) / (Q·(1 − f)) = 19,700 / 0.9995;
        # short: WB − Q·(LP − EP) = MM + f·Q·LP  →  LP = (Q·EP + WB − MM) / (Q·(1 + f)) = 20,300 / 1.0005.
        at_lp = dataclasses.replace(PROFILES["bybit"], fee_price="liquidation")
        long = liquidation_price(20_000, 50, 0.005, 0, "long", "linear", 1, rule=at_lp, fee_rate=self.F)
        assert long == pytest.approx(19_700 / 0.9995, rel=1e-14)
        short = liquidation_price(20_000, 50, 0.005, 0, "short", "linear", 1, rule=at_lp, fee_rate=self.F)
        assert short == pytest.approx(20_300 / 1.0005, rel=1e-14)
        # Inverse long: WB + S·(1/EP − 1/LP) = MM + f·S/LP  →  LP = S·(1 + f) / (WB − MM + S/EP).
        inverse = liquidation_price(50_000, 10, 0.005, 0, "long", "inverse", 60_000, rule=at_lp, fee_rate=self.F)
        assert inverse == pytest.approx(60_000 * 1.0005 / (0.12 - 0.006 + 1.2), rel=1e-14)

    def test_no_fee_is_the_published_formula(self):
        # fee_rate 0 and blank give Binance's and Bybit's numbers exactly (they publish no fee term).
        assert liquidation_price(100_000, 20, fee_rate=0) == liquidation_price(100_000, 20)
        assert udfs.HEDGE_LIQ_PRICE(20_000, 50, 0.005, 0, "long", "linear", 1, None, "bybit", None, 0) == 19_700.0

    def test_margin_buffer_with_a_fee(self):
        # The buffer of the short above: LP / mark − 1 with LP = 21,000 / (0.2 · 1.0045), mark 102,000.
        buffer = margin_buffer(100_000, 102_000, 20, 0.004, 0, quantity=0.2, fee_rate=self.F)
        assert buffer == pytest.approx(21_000 / (0.2 * 1.0045) / 102_000 - 1, rel=1e-12)
        assert udfs.HEDGE_MARGIN_BUFFER(
            100_000, 102_000, 20, 0.004, 0, "linear", 0.2, None, "binance", None, self.F
        ) == (pytest.approx(buffer, rel=1e-15))

    def test_spike_collateral_with_a_fee(self):
        # 20,000 USDT short from 100,000 surviving +40 % (LP 140,000, 28,000 USDT in bracket 1):
        # Binance WB = Q·LP·(1 + MMR + f) − cum − Q·EP = 0.2 · 140,000 · 1.0045 − 20,000.
        binance = collateral_for_rise(20_000, 100_000, 0.4, fee_rate=self.F)
        assert binance == pytest.approx(0.2 * 140_000 * 1.0045 - 20_000, rel=1e-13)
        # Bybit: net of the fee the wallet must be W' = Q·(LP − EP) + Q·EP·MMR − d = 8,000 + 100, and the fee at
        # the bankruptcy price takes f·(W + N)/(1 + f) of W, so W' = (W − f·N)/(1 + f): W = 8,100 · 1.0005 + 10.
        bybit = collateral_for_rise(20_000, 100_000, 0.4, "linear", "bybit", None, self.F)
        assert bybit == pytest.approx(8_100 * 1.0005 + 0.0005 * 20_000, rel=1e-13)
        assert udfs.HEDGE_SPIKE_COLLATERAL(20_000, 100_000, 0.4, "linear", "bybit", None, self.F) == pytest.approx(
            8_114.05, rel=1e-13
        )
        # ... and each survives exactly +40 %.
        assert rise_survived(binance, 20_000, 100_000, fee_rate=self.F) == pytest.approx(0.4, rel=1e-12)
        assert udfs.HEDGE_SPIKE_SURVIVED(8_114.05, 20_000, 100_000, "linear", "bybit", None, self.F) == pytest.approx(
            0.4, rel=1e-12
        )

    @pytest.mark.parametrize(("rule", "contract"), [("bybit", "linear"), ("bybit", "inverse"), ("binance", "inverse")])
    def test_arrays_and_cells_agree_with_a_fee(self, rule, contract):
        # The numpy path over a range and the per-cell kernel give the same bits, the fee in either place.
        sizes = np.array([[0.05], [0.3], [1.0], [1.4]]) * (1 if contract == "linear" else 100 if rule == "bybit" else 1)
        table = PROFILES[rule].tiers[contract]
        many = liquidation_price(100_000, 20, None, None, "short", contract, sizes, None, rule, None, self.F)
        cells = [
            position_liquidation(100_000, q, 20, None, "short", contract, rule, table, None, self.F)[0]
            for q in sizes.ravel()
        ]
        assert np.asarray(many).ravel().tolist() == cells
        posted = (500.0, 2_000.0) if contract == "linear" else (0.005, 0.02)  # USDT, or BTC
        rises = rise_survived([[w] for w in posted], 20_000, 100_000, contract, rule, None, self.F)
        survived = [rise_survived(w, 20_000, 100_000, contract, rule, None, self.F) for w in posted]
        assert np.asarray(rises).ravel().tolist() == survived

    def test_over_a_range_of_sizes_each_cell_is_its_own(self):
        sizes = np.array([[0.2], [4.0], [10.0], [29.0]])
        many = liquidation_price(100_000, 10, None, None, "short", "linear", sizes, fee_rate=self.F)
        one_by_one = [position_liquidation(100_000, q, 10, fee_rate=self.F)[0] for q in sizes.ravel()]
        assert np.asarray(many).ravel().tolist() == one_by_one
        # 4 BTC is 400,000 USDT, Binance bracket 2 (0.50 %, cum 300): LP = (40,000 + 300 + 400,000) / (4 · 1.0055).
        assert one_by_one[1] == pytest.approx(440_300 / (4 * 1.0055), rel=1e-14)

    @pytest.mark.parametrize(
        ("fee", "match"), [(-0.001, "must not be negative"), (0.05, r"did you mean 0.05% \(0.0005\)")]
    )
    def test_refused_fee_rates(self, fee, match):
        with pytest.raises(BadNumberError, match=match):
            liquidation_price(100_000, 20, fee_rate=fee)
        assert udfs.HEDGE_LIQUIDATION(100_000, 2, 20, None, "short", "linear", "binance", None, None, fee).startswith(
            "#NUM! fee_rate"
        )

    def test_a_profile_without_a_cited_fee_asks_for_it(self):
        silent = dataclasses.replace(PROFILES["binance"], name="binance", fee_rate=None)
        with pytest.raises(MissingValueError, match="give fee_rate"):
            position_liquidation(100_000, 0.2, 20, rule=silent)
        price, *_ = position_liquidation(100_000, 0.2, 20, rule=silent, fee_rate=0)
        assert price == position_liquidation(100_000, 0.2, 20)[0]


def test_profiles_are_records_not_code():
    # Every exchange is one ExchangeProfile; nothing but data distinguishes them.
    assert all(isinstance(p, ExchangeProfile) for p in PROFILES.values())


class TestFundingByExchange:
    """FUNDING_COST's last argument: the exchange's BTC funding interval by default, and its cap as the limit."""

    def test_interval_of_the_exchange(self):
        # Bybit's BTCUSDT settles every 480 minutes (its instruments documentation, 2025-01-02): 30 days are
        # 90 settlements; a 20,000 short at +0.01 % receives 20,000 · 0.0001 · 90 = 180.
        assert udfs.FUNDING_COST(20_000, 0.0001, 30, None, "short", None, None, "BYBIT") == pytest.approx(-180)

    def test_cap_of_the_exchange(self):
        # Bybit caps BTCUSDT at ±0.375 % (upperFundingRate 0.00375), Binance's recorded extremes are ±0.3 %:
        # 0.35 % is a rate Bybit can charge and Binance cannot.
        bybit = udfs.FUNDING_COST(20_000, 0.0035, 1, None, "short", None, None, "bybit")
        assert bybit == pytest.approx(-20_000 * 0.0035 * 3)
        assert udfs.FUNDING_COST(20_000, 0.0035, 1).startswith("#NUM! funding_rate 0.0035 is 0.35% a settlement")
        refused = udfs.FUNDING_COST(20_000, 0.004, 1, None, "short", None, None, "bybit")
        assert refused.startswith("#NUM! funding_rate 0.004") and "Bybit's BTC clamp of ±0.375%" in refused

    def test_an_interval_nobody_cites_is_asked_for(self):
        found = udfs.FUNDING_COST(20_000, 0.0001, 30, None, "short", None, None, "weex")
        assert found == "#N/A WEEX publishes no BTC funding interval AltHedge can cite: give interval_hours"
        assert udfs.FUNDING_COST(20_000, 0.0001, 30, 8, "short", None, None, "weex") == pytest.approx(-180)

    def test_without_a_rule_nothing_changes(self):
        assert udfs.FUNDING_COST(20_000, 0.0001, 30) == udfs.FUNDING_COST(20_000, 0.0001, 30, 8) == -180.0

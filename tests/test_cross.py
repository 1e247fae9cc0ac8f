"""HEDGE_LIQ_CROSS: one position of a cross-margin account, by Binance's and Bybit's published cross formulas.

Binance's example (two long positions sharing a wallet of 1,535,443.01 USDT) is its help centre's
worked example of "How to Calculate Liquidation Price of USDⓈ-M Futures Contracts",
https://www.binance.com/en/support/faq/b3c689c1f50a44cabb3a84e663b81d93 , whose inputs and
answers freqtrade's test suite carries ("From calc example", freqtrade
tests/exchange/test_binance.py::test_liquidation_price_binance at c9ae5e1). Bybit's is the cross
example of https://help.bybit.com/hc/en-us/articles/360039261334-How-to-calculate-Liquidation-Price-Inverse-Contract-
"""

from __future__ import annotations

import math

import pytest

from althedge_xl import udfs
from althedge_xl.core.cross import cross_liquidation
from althedge_xl.core.errors import BadNumberError
from althedge_xl.core.liquidation import position_liquidation

WALLET = 1_535_443.01
#: (entry, quantity, mark price, MMR, cum) of the example's two positions, as the page gives them.
BTC = (32_481.98, 109.488, 31_967.27, 0.025, 16_300.0)
ETH = (1_456.84, 3_683.979, 1_335.18, 0.10, 135_365.0)


def other_position(entry, quantity, mark, mmr, cum):
    """The page's TMM and UPNL of the other position: Q·mark·MMR − cum, and Q·(mark − entry) for a long."""
    return quantity * mark * mmr - cum, quantity * (mark - entry)


def table_with(mmr, cum, lower_rate):
    """A two-bracket table whose second bracket is the example's (rate, cum), the first chosen so that
    Binance's rule cum = floor · (rate − previous rate) holds: floor = cum / (rate − lower rate)."""
    floor = cum / (mmr - lower_rate)
    return [[0, floor, lower_rate, 0, 50], [floor, 1e9, mmr, cum, 10]]


class TestBinanceCrossExample:
    def test_eth_leg(self):
        maintenance, pnl = other_position(*BTC)
        tiers = table_with(0.10, 135_365.0, 0.05)
        price = udfs.HEDGE_LIQ_CROSS(ETH[0], ETH[1], WALLET, maintenance, pnl, "long", "linear", "binance", tiers)
        assert round(price, 2) == 1_153.26

    def test_btc_leg(self):
        maintenance, pnl = other_position(*ETH)
        tiers = table_with(0.025, 16_300.0, 0.005)
        price = udfs.HEDGE_LIQ_CROSS(BTC[0], BTC[1], WALLET, maintenance, pnl, "long", "linear", "BINANCE", tiers)
        assert round(price, 2) == 26_316.89

    @pytest.mark.parametrize(("position", "lower", "published"), [(ETH, 0.05, 1_114.78), (BTC, 0.005, 18_778.73)])
    def test_isolated_with_the_same_wallet(self, position, lower, published):
        # The page's isolated case: TMM = UPNL = 0.
        entry, quantity, _, mmr, cum = position
        tiers = table_with(mmr, cum, lower)
        assert (
            round(cross_liquidation(entry, quantity, WALLET, 0, 0, "long", "linear", "binance", tiers), 2) == published
        )
        price, *_ = position_liquidation(entry, quantity, 1, WALLET, "long", "linear", "binance", tiers)
        assert round(price, 2) == published

    def test_the_tier_is_the_one_at_the_liquidation_price(self):
        # ETH at entry is 5,366,967.96 USDT; a first bracket reaching past it would hold the entry, not the price.
        tiers = table_with(0.10, 135_365.0, 0.05)
        assert tiers[0][1] < ETH[1] * 1_153.26 < ETH[0] * ETH[1]


class TestBybitCrossExample:
    def test_inverse_long_with_the_fee_to_close(self):
        # "account balance of 0.5BTC and buy long 10000 contracts at 8,000 USD using Cross Margin", BTC's
        # minimum maintenance rate 0.5 %, taker 0.075 %: Bankruptcy Price = 1.00075 × 10000 / (10000/8000 + 0.5)
        # = 5,718.57; Quantity × (1/EP − 1/LP) = −(Balance − Quantity/EP × MM − Quantity × 0.00075 / BP).
        bankruptcy = 1.00075 * 10_000 / (10_000 / 8_000 + 0.5)
        assert round(bankruptcy, 2) == 5_718.57  # the page's
        by_hand = 1 / (1 / 8_000 + (0.5 - 10_000 / 8_000 * 0.005 - 10_000 * 0.00075 / bankruptcy) / 10_000)
        price = udfs.HEDGE_LIQ_CROSS(8_000, 10_000, 0.5, 0, 0, "long", "inverse", "bybit", None, 0.00075)
        assert price == pytest.approx(by_hand, rel=1e-12)
        # The page prints 5,739.50: the unrounded 5,739.08 rounded up to BTCUSD's 0.5 tick.
        assert round(price, 2) == 5_739.08 and math.ceil(price / 0.5) * 0.5 == 5_739.50


class TestRefusals:
    def test_an_account_liquidated_already(self):
        with pytest.raises(BadNumberError, match="liquidated already"):
            cross_liquidation(100_000, 2, 10_000, 6_000, -5_000)
        assert udfs.HEDGE_LIQ_CROSS(100_000, 2, 10_000, -1).startswith("#NUM! other_maintenance must not be negative")

    def test_the_other_positions_move_the_price(self):
        # A short alone with 10,000 USDT vs the same wallet with 2,000 USDT of other positions' losses:
        # LP = (WB − TMM + UPNL + Q·EP) / (Q·(1 + MMR)).
        assert cross_liquidation(100_000, 2, 10_000, 500, -1_500) == pytest.approx(208_000 / (2 * 1.004), rel=1e-14)

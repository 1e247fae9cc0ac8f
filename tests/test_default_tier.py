"""The default tier table and what a blank maintenance rate means, through the Excel functions.

The default is Binance's BTCUSDT brackets of 2026-03-05 (../shared/data/margin, read in place by
conftest.binance_brackets); every expected price is Binance's published formula (DESIGN.md,
"Exchange formulas") worked by hand here on the rows of that file.
"""

from __future__ import annotations

import inspect
from fractions import Fraction

import pytest
from conftest import binance_brackets

from althedge_xl.udfs import (
    HEDGE_LIQ_PRICE,
    HEDGE_LIQUIDATION,
    HEDGE_MAINT_TIER,
    HEDGE_MARGIN,
    HEDGE_MARGIN_BUFFER,
)
from althedge_xl.udfs.margin import LIQ_HELP

BRACKETS = binance_brackets()


def short_by_hand(q: float, ep: float, leverage: float, bracket: tuple[float, ...]) -> float:
    """Binance USDⓈ-M isolated short, WB = Q·EP / L: LP = (WB + cum + Q·EP) / (Q·(1 + MMR)), exactly."""
    _, _, mmr, cum, _ = (Fraction(x) for x in bracket)
    q_, ep_ = Fraction(q), Fraction(ep)
    return float((q_ * ep_ / Fraction(leverage) + cum + q_ * ep_) / (q_ * (1 + mmr)))


def bracket_of(notional: float) -> tuple[float, ...]:
    """The recorded bracket with floor < notional ≤ cap (the first from 0)."""
    return next(b for b in BRACKETS if b[0] < notional <= b[1] or notional == b[0] == 0)


class TestTheCurrentTable:
    def test_maint_tier_of_250000(self):
        # Binance says 0.40 % / 0 / 150× for 250,000 USDT today (the 2024-10-24 table said 0.50 % / 50 / 100×).
        assert HEDGE_MAINT_TIER(250_000) == [[0.004, 0.0, 150.0]] == [list(BRACKETS[0][2:])]

    @pytest.mark.parametrize("notional", [299_999.99, 300_000, 300_000.01])
    def test_edges_of_the_first_bracket(self, notional):
        assert HEDGE_MAINT_TIER(notional) == [list(bracket_of(notional)[2:])]
        assert bracket_of(notional) == (BRACKETS[0] if notional <= 300_000 else BRACKETS[1])

    def test_two_btc_short_at_20x(self):
        # 2 BTC at 100,000 = 200,000 USDT, bracket 1; 104,581.67 by Binance's table.
        price, mmr, amount, most = HEDGE_LIQUIDATION(100_000, 2, 20)[0]
        assert price == pytest.approx(short_by_hand(2, 100_000, 20, BRACKETS[0]), abs=1e-9)
        assert round(price, 2) == 104_581.67 and (mmr, amount, most) == BRACKETS[0][2:]
        assert HEDGE_LIQ_PRICE(100_000, 20, None, None, "short", "linear", 2) == pytest.approx(price, abs=1e-9)

    def test_150x_accepted_in_bracket_1_refused_in_bracket_2(self):
        price, *_ = HEDGE_LIQUIDATION(100_000, 2, 150)[0]
        assert price == pytest.approx(short_by_hand(2, 100_000, 150, BRACKETS[0]), abs=1e-9)
        assert HEDGE_LIQUIDATION(100_000, 4, 150) == "#NUM! Binance allows at most 100× for a 400,000 USDT position"
        assert HEDGE_MARGIN(30_000, 150) == 200.0
        assert HEDGE_MARGIN(30_000, 151) == "#NUM! leverage must be at most 150"


class TestBlankMaintenanceRate:
    def test_the_positions_own_tier(self):
        # 10 BTC at 100,000 = 1,000,000 USDT: bracket 3 (800,000–3,000,000: 0.65 %, cum 1,500, at most 75×).
        bracket = bracket_of(1_000_000)
        assert bracket == BRACKETS[2] and bracket[4] == 75
        # At 75× the price is the bracket's: (13,333.33 + 1,500 + 1,000,000) / 10.065 = 100,827.95
        # (the 100,827.96 is a cent off: the exact value is 100,827.9516…).
        expected = short_by_hand(10, 100_000, 75, bracket)
        assert round(expected, 4) == 100_827.9516
        assert HEDGE_LIQ_PRICE(100_000, 75, None, None, "short", "linear", 10) == pytest.approx(expected, abs=1e-9)
        # Blank cells as Excel passes them are the same as omitted arguments.
        blank = HEDGE_LIQ_PRICE([[100_000]], [[75]], [[None]], [[None]], [["short"]], [["linear"]], [[10]])
        assert blank == pytest.approx(expected, abs=1e-9)

    def test_the_tiers_maximum_leverage_is_enforced(self):
        # The first tier's rate gave 100,398.41 at 125×, a leverage Binance refuses at that size.
        assert HEDGE_LIQ_PRICE(100_000, 125, None, None, "short", "linear", 10) == (
            "#NUM! Binance allows at most 75× for a 1,000,000 USDT position"
        )

    def test_a_column_of_sizes_each_in_its_tier(self):
        got = HEDGE_LIQ_PRICE(100_000, 20, None, None, "short", "linear", [[2], [4], [10]])
        expected = [short_by_hand(q, 100_000, 20, bracket_of(q * 100_000)) for q in (2, 4, 10)]
        assert [row[0] for row in got] == pytest.approx(expected, abs=1e-9)

    def test_with_collateral(self):
        # 10 BTC at 50× (bracket 3 allows 75×) with 20,000 USDT posted in place of the initial margin.
        _, _, mmr, cum, _ = bracket_of(1_000_000)
        expected = (20_000 + cum + 1_000_000) / (10 * (1 + mmr))
        got = HEDGE_LIQ_PRICE(100_000, 50, None, None, "short", "linear", 10, 20_000)
        assert got == pytest.approx(expected)

    def test_size_unknown_means_the_first_tier(self):
        # No quantity: the first tier, as on SelfCheck (DESIGN.md: 20× from 100,000 → 104,581.67).
        assert round(HEDGE_LIQ_PRICE(100_000, 20), 2) == 104_581.67
        assert HEDGE_LIQ_PRICE(100_000, 150) == pytest.approx(short_by_hand(1, 100_000, 150, BRACKETS[0]))
        assert HEDGE_LIQ_PRICE(100_000, 151) == "#NUM! leverage must be at most 150"
        # Bybit's default first risk limit allows 100×.
        refused = HEDGE_LIQ_PRICE(100_000, 101, None, None, "short", "linear", None, None, "bybit")
        assert refused.startswith("#NUM! Bybit allows at most 100× in its first tier")
        # And the help says so.
        assert "first tier" in LIQ_HELP["mmr"] and "first tier applies" in inspect.getdoc(HEDGE_LIQ_PRICE.__wrapped__)

    def test_beyond_the_default_table(self):
        # Bybit's default is its first risk limit only (to 2,000,000 USDT): 30 BTC at 100,000 is beyond it.
        got = HEDGE_LIQ_PRICE(100_000, 20, None, None, "short", "linear", 30, None, "bybit")
        assert got.startswith("#N/A a notional of 3,000,000.00 is above the last tier of Bybit BTCUSDT")
        assert got.endswith("or this position's tier as mmr and maint_amount")
        # An absurd size is named in a few digits, not the 300 of a float written out in full.
        absurd = HEDGE_LIQ_PRICE(1e300, 20, None, None, "short", "linear", 1)
        assert absurd.startswith("#N/A a notional of 1e+300 is above the last tier of Binance BTCUSDT")
        assert len(absurd) < 300

    def test_bybit_default_risk_limit(self):
        # Bybit's help centre: long 1 BTC at 20,000, 50× → 19,700; its first BTCUSDT risk limit is 0.5 %.
        got = HEDGE_LIQ_PRICE(20_000, 50, None, None, "long", "linear", 1, None, "bybit")
        assert got == pytest.approx(20_000 - (400 - 100))

    def test_a_rate_given_is_one_tier(self):
        # The user's rate and amount are taken as given, whatever the size.
        got = HEDGE_LIQ_PRICE(100_000, 20, 0.005, 300, "short", "linear", 10)
        assert got == pytest.approx((50_000 + 300 + 1_000_000) / (10 * 1.005))
        assert HEDGE_LIQ_PRICE(100_000, 20, 0.004, None) == pytest.approx(short_by_hand(1, 100_000, 20, BRACKETS[0]))

    def test_an_amount_without_a_rate(self):
        assert HEDGE_LIQ_PRICE(100_000, 20, None, 300, "short", "linear", 10).startswith(
            "#N/A maint_amount is given without mmr"
        )

    def test_margin_buffer_follows(self):
        lp = short_by_hand(10, 100_000, 75, bracket_of(1_000_000))
        got = HEDGE_MARGIN_BUFFER(100_000, 100_500, 75, None, None, "linear", 10)
        assert got == pytest.approx(lp / 100_500 - 1)

    @pytest.mark.parametrize("function", [HEDGE_LIQ_PRICE, HEDGE_MARGIN_BUFFER])
    def test_signature_defaults_are_blank(self, function):
        parameters = inspect.signature(function).parameters
        assert parameters["mmr"].default is None and parameters["maint_amount"].default is None

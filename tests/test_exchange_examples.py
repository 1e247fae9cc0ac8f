"""Each exchange's published worked examples and open-source test expectations, through the functions.

Every expected value is the source's own, rounded as the source rounds it, and cited by address;
where a source gives only a condition, the test works the condition out by hand.
"""

from __future__ import annotations

import pytest

from althedge_xl import udfs
from althedge_xl.core.errors import BadNumberError, MissingValueError
from althedge_xl.core.exchanges.convert import tiers_from_contracts
from althedge_xl.core.liquidation import liquidation_price, position_liquidation
from althedge_xl.core.tiers import tier_table

#: freqtrade's tests/exchange/test_exchange.py::test_get_liquidation_price (commit c9ae5e1): MMR 1 %, cum 0.01,
#: taker 0.0006, isolated, wallet = amount · open rate / leverage. (exchange, short, leverage, open rate, amount,
#: expected). Gate's rows are OKX's formula too and are left out (gate is not one of the rules).
FREQTRADE = [
    ("binance", True, 5.0, 10.0, 1.0, 11.89108910891089),
    ("binance", True, 3.0, 10.0, 1.0, 13.211221122079207),
    ("binance", True, 5.0, 8.0, 1.0, 9.514851485148514),
    ("binance", True, 5.0, 10.0, 0.6, 11.897689768976898),
    ("binance", False, 5, 10, 1.0, 8.070707070707071),
    ("binance", False, 5, 8, 1.0, 6.454545454545454),
    ("binance", False, 3, 10, 1.0, 6.723905723905723),
    ("binance", False, 5, 10, 0.6, 8.063973063973064),
    ("okx", True, 3, 10, 1.0, 13.193482419684678),
    ("okx", False, 3.0, 10.0, 1.0, 6.738090425173506),
    ("bybit", False, 1.0, 10.0, 1.0, 0.1),
    ("bybit", False, 3.0, 10.0, 1.0, 6.7666666),
    ("bybit", False, 5.0, 10.0, 1.0, 8.1),
    ("bybit", False, 10.0, 10.0, 1.0, 9.1),
    ("bybit", True, 1.0, 10.0, 1.0, 19.9),
    ("bybit", True, 3.0, 10.0, 1.0, 13.233333),
    ("bybit", True, 5.0, 10.0, 1.0, 11.9),
    ("bybit", True, 10.0, 10.0, 1.0, 10.9),
]


@pytest.mark.parametrize(("rule", "short", "leverage", "entry", "amount", "expected"), FREQTRADE)
def test_freqtrade_expectations(rule, short, leverage, entry, amount, expected):
    # freqtrade's formulas: Binance with cum 0.01; OKX ignores cum and adds the taker fee at LP; Bybit ignores the
    # deduction (0 here as well) and has no fee.
    cum = 0.01 if rule == "binance" else 0.0
    fee = 0.0006 if rule == "okx" else None
    side = "short" if short else "long"
    price = udfs.HEDGE_LIQ_PRICE(entry, leverage, 0.01, cum, side, "linear", amount, None, rule, None, fee)
    assert price == pytest.approx(expected)  # freqtrade compares with pytest.approx's defaults too


class TestJesse:
    """jesse's tests/test_parent_strategy.py: isolated, MMR 0.4 % at entry (Bybit's rule), no fee."""

    def test_short(self):
        # balance 10,000, leverage 2, sell 2,000 at 10: round(liquidation_price, 2) == 14.96.
        assert round(udfs.HEDGE_LIQ_PRICE(10, 2, 0.004, 0, "short", "linear", 2_000, None, "bybit"), 2) == 14.96

    def test_long(self):
        # buy 250 at 80, leverage 2: 40.32.
        assert round(udfs.HEDGE_LIQ_PRICE(80, 2, 0.004, 0, "long", "linear", 250, None, "bybit"), 2) == 40.32


class TestMexc:
    # https://blog.mexc.fm/liquidation-in-futures-2 : "buy a 0.1 BTC position of BTCUSDT futures at 50,000 USDT,
    # the initial leverage is 25x", Maintenance Margin = 50000 × 0.1 × 0.4% = 20, Position Margin = 200,
    # "Liquidation Price for the Long position = (20 − 200 + 50000 × 0.1) / 0.1 = 48,200" (commission excluded).

    def test_blog_example(self):
        assert udfs.HEDGE_LIQ_PRICE(50_000, 25, 0.004, 0, "long", "linear", 0.1, None, "MEXC", None, 0) == 48_200

    def test_binance_rule_gives_another_price(self):
        assert round(udfs.HEDGE_LIQ_PRICE(50_000, 25, 0.004, 0, "long", "linear", 0.1), 2) == 48_192.77

    def test_the_fee_rate_is_asked_for(self):
        # MEXC's support article adds "Liquidation Fees" to the condition and publishes no rate.
        found = udfs.HEDGE_LIQ_PRICE(50_000, 25, 0.004, 0, "long", "linear", 0.1, None, "mexc")
        assert found.startswith("#N/A MEXC adds the fee to close") and "give fee_rate" in found

    def test_no_table_is_shipped(self):
        found = udfs.HEDGE_LIQUIDATION(50_000, 0.1, 25, None, "long", "linear", "mexc", None, None, 0)
        assert found.startswith("#N/A AltHedge ships no MEXC linear BTC tier table")


class TestOkx:
    def test_fee_at_the_liquidation_price_by_hand(self):
        # OKX: (margin + P/L) = position value at LP × (MMR + taker). Short 0.2 BTC at 100,000, 20× (WB 1,000),
        # MMR 0.4 %, taker 0.05 %: WB − Q·(LP − EP) = Q·LP·0.0045 → LP = 21,000 / (0.2 · 1.0045).
        price = liquidation_price(100_000, 20, 0.004, 0, "short", "linear", 0.2, rule="okx", fee_rate=0.0005)
        assert price == pytest.approx(21_000 / (0.2 * 1.0045), rel=1e-14)

    def test_no_default_fee(self):
        with pytest.raises(MissingValueError, match="OKX adds the fee to close"):
            liquidation_price(100_000, 20, 0.004, 0, "short", "linear", 0.2, rule="okx")


class TestBingx:
    def test_taker_fee_by_default(self):
        # BingX liquidates at maintenance + taker fee to close (0.05 %, its BTC-USDT contract's takerFeeRate):
        # short 0.2 BTC at 100,000, 20×, MMR 0.4 %, amount 0 → LP = 21,000 / (0.2 · (1 + 0.004 + 0.0005)).
        price = udfs.HEDGE_LIQ_PRICE(100_000, 20, 0.004, 0, "short", "linear", 0.2, None, "bingx")
        assert price == pytest.approx(21_000 / (0.2 * 1.0045), rel=1e-14)

    def test_its_table_is_asked_for(self):
        assert udfs.HEDGE_LIQ_PRICE(100_000, 20, rule="bingx").startswith("#N/A AltHedge ships no BingX linear")


#: WEEX's TRB/USDT tiers after the update of 2023-09-15 ("WEEX Futures will adjust the leverage and margin tiers
#: for TRB/USDT USDT-M Futures", https://www.weex-tr.com/en-TR/help/articles/23006169884185), in contracts:
#: first, last, max leverage, maintenance rate (one rate for the whole position, no amount).
TRB = [
    [0, 5_000, 10, 0.025],
    [5_001, 25_000, 5, 0.05],
    [25_001, 400_000, 3, 0.10],
    [400_001, 1_000_000, 2, 0.125],
    [1_000_001, 500_000_000, 1, 0.50],
]


class TestWeexShapedTables:
    def test_contract_counted_tiers_become_notional(self):
        # 0.01 TRB a contract (a size chosen for the test) at 100 USDT: 1 USDT a contract.
        table = tiers_from_contracts(TRB, 0.01, 100, "weex", "TRBUSDT")
        assert table.rows()[:2] == [[0, 5_000, 0.025, 0, 10], [5_000, 25_000, 0.05, 0, 5]]
        assert table.caps[-1] == 500_000_000

    def test_accepted_under_weex_refused_under_binance(self):
        rows = tiers_from_contracts(TRB, 0.01, 100, "weex").rows()
        assert udfs.HEDGE_MAINT_TIER(6_000, rows, "weex") == [[0.05, 0.0, 5.0]]
        refused = udfs.HEDGE_MAINT_TIER(6_000, rows, "binance")
        # Binance's rule needs 5,000 × (5 % − 2.5 %) = 125 as the second tier's amount.
        assert refused.startswith("#NUM! tiers row 2: the maintenance amount is 0.00 but the exchanges' rule")
        assert "gives 125.00" in refused and "one rate on the whole position" in refused

    def test_an_amount_is_refused_under_weex(self):
        with pytest.raises(BadNumberError, match="WEEX charges one rate on the whole position"):
            tier_table([[0, 5_000, 0.025, 0, 10], [5_000, 25_000, 0.05, 125, 5]], "weex", amounts="none")

    def test_whole_position_rate_at_the_liquidation_price(self):
        # WEEX Futures Pro: short LP = mark − (value − MM) / (Q · (1 + MMR)); one position, isolated, mark = entry:
        # LP = (WB + Q·EP) / (Q·(1 + MMR)). Notional table of WEEX's 2026 shape: 0–50,000 USDT 0.5 %,
        # 50,000–100,000 1 %. Short 0.45 BTC at 100,000 with 3,000 USDT: (3,000 + 45,000) / (0.45 · 1.005).
        table = [[0, 50_000, 0.005, 0, 100], [50_000, 100_000, 0.01, 0, 50]]
        price, mmr, *_ = position_liquidation(100_000, 0.45, 20, 3_000, "short", "linear", "weex", table)
        assert price == pytest.approx(48_000 / (0.45 * 1.005), rel=1e-14) and mmr == 0.005

    def test_liquidated_where_the_rate_jumps(self):
        # With 5,400 USDT neither tier holds its own price: tier 1's, 50,400 / (0.45 · 1.005) = 111,442, is past
        # the cap's price 50,000 / 0.45 = 111,111.11; tier 2's, 50,400 / (0.45 · 1.01) = 110,891, is below it.
        # At 111,111.11 the equity is 5,400 − 0.45 · 11,111.11 = 400: above tier 1's 250, below tier 2's 500.
        table = [[0, 50_000, 0.005, 0, 100], [50_000, 100_000, 0.01, 0, 50]]
        price, mmr, *_ = position_liquidation(100_000, 0.45, 20, 5_400, "short", "linear", "weex", table)
        assert price == pytest.approx(50_000 / 0.45, rel=1e-14) and mmr == 0.01

    def test_nothing_uncited_is_shipped(self):
        assert udfs.HEDGE_LIQ_PRICE(100_000, 20, rule="weex").startswith("#N/A AltHedge ships no WEEX linear")
        found = udfs.HEDGE_LIQ_PRICE(100_000, 20, 0.005, 0, "short", "inverse", 100, None, "weex")
        assert found.startswith("#N/A AltHedge has no cited WEEX inverse contract size: give contract_usd")

"""BingX's BTC-USDT tiers as its API documentation prints them, the default of the ``bingx`` rule.

The source: BingX's API documentation (https://bingx-api.github.io/docs-v3/, published from the
repository github.com/BingX-API/docs-v3; commit d84f954707dfb75f4e9dc7c09da9e50e128334a7 of
2025-10-29, file static/js/app.4ba922b42c5d07b46306.js), section "Position and Maintenance Margin
Ratio", ``GET /openApi/swap/v1/maintMarginRatio``, example response (its ``timestamp`` 1716388317402
is 2024-05-22 14:31:57 UTC), quoted in :data:`DOCUMENTED_BODY`. The liquidation condition is BingX's
"Perpetual Futures Forced Liquidation Rules" (margin + P/L = maintenance margin + taker fee to close,
https://support.bingx.com/hc/en-001/articles/10689309996185) with the maintenance margin of its
margin page, notional at the mark price × rate − maintenance amount
(https://bingx.com/en/support/articles/360045900114/); the taker rate 0.05 % is the documentation's
BTC-USDT contract example. BingX publishes no worked liquidation example: the prices below are that
condition solved by hand in each test.
"""

from __future__ import annotations

import json

import pytest

from althedge_xl import udfs
from althedge_xl.core.exchanges import exchange_profile
from althedge_xl.core.tiers import tier_table

#: The example response of GET /openApi/swap/v1/maintMarginRatio in BingX's API documentation (see above).
DOCUMENTED_BODY = """
{"code": 0, "msg": "", "timestamp": 1716388317402, "data": [
 {"tier": "Tier 1", "symbol": "BTC-USDT", "minPositionVal": "0", "maxPositionVal": "150000",
  "maintMarginRatio": "0.003800", "maintAmount": "0.000000"},
 {"tier": "Tier 2", "symbol": "BTC-USDT", "minPositionVal": "150000", "maxPositionVal": "900000",
  "maintMarginRatio": "0.004000", "maintAmount": "30.000000"}]}
"""
#: BingX's taker rate for BTC-USDT in the same documentation's GET /openApi/swap/v2/quote/contracts example.
TAKER = 0.0005


def documented_rows() -> list[list[float]]:
    """The documented tiers as rows floor, cap, rate, amount (the body read here, not the profile)."""
    data = json.loads(DOCUMENTED_BODY)["data"]
    return [
        [float(t["minPositionVal"]), float(t["maxPositionVal"]), float(t["maintMarginRatio"]), float(t["maintAmount"])]
        for t in data
    ]


class TestTheDefaultTable:
    def test_is_the_documented_response(self):
        table = exchange_profile("bingx").default_tiers("linear")
        assert [row[:4] for row in table.rows()] == documented_rows()
        assert (table.symbol, table.as_of) == ("BTC-USDT", "recorded 2024-05-22")

    def test_amounts_follow_bingx_cumulative_rule(self):
        # 150,000 × (0.0040 − 0.0038) = 30: the table passes the check the "cumulative" profile applies.
        rows = [[*row, 125] for row in documented_rows()]
        assert tier_table(rows, "bingx", amounts="cumulative").amounts == (0.0, 30.0)

    @pytest.mark.parametrize(
        ("notional", "expected"),
        [(149_999.99, [0.0038, 0.0, 125.0]), (150_000, [0.0038, 0.0, 125.0]), (150_000.01, [0.004, 30.0, 125.0])],
    )
    def test_tier_edges(self, notional, expected):
        assert udfs.HEDGE_MAINT_TIER(notional, rule="bingx") == [expected]

    def test_beyond_the_documented_tiers_the_full_table_is_asked_for(self):
        result = udfs.HEDGE_MAINT_TIER(900_000.01, rule="bingx")
        assert isinstance(result, str) and "above the last tier of BingX BTC-USDT (recorded 2024-05-22)" in result


class TestLiquidationInTheDefaultTable:
    def test_short_in_tier_1(self):
        # Short 0.2 BTC at 100,000, 20×: WB = 1,000. At LP: WB + Q·(EP − LP) = Q·LP·0.0038 − 0 + Q·LP·0.0005
        # → LP = (1,000 + 20,000) / (0.2 · 1.0043); its notional 0.2 · LP ≈ 20,910 is in tier 1.
        price = udfs.HEDGE_LIQ_PRICE(100_000, 20, side="short", quantity=0.2, rule="bingx")
        assert price == pytest.approx(21_000 / (0.2 * (1 + 0.0038 + TAKER)), rel=1e-12)

    def test_short_in_tier_2(self):
        # Short 2 BTC at 100,000, 20×: WB = 10,000; tier 2 at LP (notional ≈ 209,089):
        # WB + Q·(EP − LP) = Q·LP·0.004 − 30 + Q·LP·0.0005 → LP = (10,000 + 200,000 + 30) / (2 · 1.0045).
        price = udfs.HEDGE_LIQ_PRICE(100_000, 20, side="short", quantity=2, rule="bingx")
        assert price == pytest.approx(210_030 / (2 * (1 + 0.004 + TAKER)), rel=1e-12)

    def test_long_in_tier_2(self):
        # Long 2 BTC at 100,000, 20×: WB + Q·(LP − EP) = Q·LP·0.004 − 30 + Q·LP·0.0005
        # → LP = (200,000 − 10,000 − 30) / (2 · (1 − 0.0045)); notional at LP ≈ 190,828, tier 2.
        price = udfs.HEDGE_LIQ_PRICE(100_000, 20, side="long", quantity=2, rule="bingx")
        assert price == pytest.approx(189_970 / (2 * (1 - 0.004 - TAKER)), rel=1e-12)

    def test_a_position_beyond_900000_asks_for_the_full_table(self):
        result = udfs.HEDGE_LIQ_PRICE(100_000, 20, side="short", quantity=10, rule="bingx")
        assert isinstance(result, str) and "give the exchange's full table" in result

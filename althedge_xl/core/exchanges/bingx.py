"""BingX USDT-M perpetual (BTC-USDT): its profile.

BingX liquidates when the position's margin falls to the maintenance margin plus the taker fee to
close; the maintenance margin is the notional at the mark price times the tier's rate less a
cumulative maintenance amount, so at liquidation both are valued at the liquidation price. BingX
does not publish the closed form; :func:`~althedge_xl.core.margin.price_in_tier` solves its stated
condition. Its tier endpoint needs an API key and no BTC-USDT table is published that AltHedge can
cite: none is shipped.
"""

from __future__ import annotations

from typing import Final

from althedge_xl.core.exchanges.profile import ExchangeProfile, TierFeed

#: BingX's forced-liquidation rules and its maintenance-margin rule.
RULES_PAGE: Final = (
    "https://support.bingx.com/hc/en-001/articles/10689309996185-Perpetual-Futures-Forced-Liquidation-Rules"
)
MAINTENANCE_PAGE: Final = "https://bingx.com/en/support/articles/360045900114/"
#: BTC-USDT in GET /openApi/swap/v2/quote/contracts, as ccxt 4.5.90's bingx.py records it (undated).
CONTRACTS_BODY: Final = "GET /openApi/swap/v2/quote/contracts, BTC-USDT (sample in ccxt 4.5.90 bingx.py, undated)"

PROFILE: Final = ExchangeProfile(
    name="bingx",
    label="BingX",
    valuation="liquidation",
    amounts="cumulative",
    fee_rate=0.0005,
    tiers={"linear": None, "inverse": None},
    contract_usd=None,
    ticks={"linear": 0.1, "inverse": None},
    tick_rounding=None,
    funding_interval_hours=8.0,
    funding_cap=None,
    sources={
        "valuation": f"{MAINTENANCE_PAGE}: maintenance margin = notional position value x rate - maintenance amount, "
        "position value = position amount x last mark price",
        "amounts": f"{MAINTENANCE_PAGE}: a maintenance amount per tier (USDT-M)",
        "fee_rate": f"{RULES_PAGE}: liquidation when margin <= maintenance margin + taker fee; taker rate 0.0005 "
        f"from {CONTRACTS_BODY}",
        "tiers": "none: GET /openApi/swap/v1/maintMarginRatio needs an API key and no BTC-USDT table is published",
        "ticks": f"pricePrecision 1 (tick 0.1): {CONTRACTS_BODY}",
        "tick_rounding": "BingX does not say how the shown price is rounded: shown unrounded",
        "funding_interval_hours": "GET /openApi/swap/v2/quote/premiumIndex, BTC-USDT fundingIntervalHours 8 "
        "(sample in ccxt 4.5.90 bingx.py, 2022-12-26)",
        "tier_feed": "GET /openApi/swap/v1/maintMarginRatio is in ccxt 4.5.90 bingx.py's private API (a key)",
    },
    tier_feed=TierFeed(
        market="BTC/USDT:USDT",
        endpoint="GET /openApi/swap/v1/maintMarginRatio",
        ccxt_id="bingx",
        keyless=False,
        why_not="BingX's maintenance-margin endpoint (GET /openApi/swap/v1/maintMarginRatio) needs an API key. "
        "Type its BTC-USDT tiers into the other exchanges' table on the Hedge sheet",
    ),
)

"""BingX USDT-M perpetual (BTC-USDT): its profile.

BingX liquidates when the position's margin falls to the maintenance margin plus the taker fee to
close; the maintenance margin is the notional at the mark price times the tier's rate less a
cumulative maintenance amount, so at liquidation both are valued at the liquidation price. BingX
does not publish the closed form; :func:`~althedge_xl.core.margin.price_in_tier` solves its stated
condition. Its tier endpoint needs an API key; the default BTC-USDT table is the response its API
documentation prints (2024-05-22), whose first two tiers reach 900,000 USDT.
"""

from __future__ import annotations

from typing import Final

from althedge_xl.core.exchanges.profile import ExchangeProfile, TierFeed
from althedge_xl.core.tiers import TierTable

#: BingX's forced-liquidation rules and its maintenance-margin rule.
RULES_PAGE: Final = (
    "https://support.bingx.com/hc/en-001/articles/10689309996185-Perpetual-Futures-Forced-Liquidation-Rules"
)
MAINTENANCE_PAGE: Final = "https://bingx.com/en/support/articles/360045900114/"
#: BingX's API documentation (https://bingx-api.github.io/docs-v3/), whose source is the repository
#: BingX-API/docs-v3: its examples as of commit d84f954 (2025-10-29).
API_DOCS: Final = (
    "BingX API documentation (https://bingx-api.github.io/docs-v3/; github.com/BingX-API/docs-v3 at d84f954, "
    "2025-10-29, static/js/app.4ba922b42c5d07b46306.js)"
)
#: BTC-USDT in GET /openApi/swap/v2/quote/contracts, as that documentation's example prints it (undated).
CONTRACTS_BODY: Final = f"GET /openApi/swap/v2/quote/contracts, BTC-USDT example of the {API_DOCS} (undated)"

#: BingX USDT-M BTC-USDT maintenance tiers: floor, cap (USDT), maintenance rate, maintenance amount
#: (USDT), as the example response of ``GET /openApi/swap/v1/maintMarginRatio`` in BingX's API
#: documentation gives them (``"timestamp": 1716388317402``, 2024-05-22): 0–150,000 at 0.38 %, amount 0;
#: 150,000–900,000 at 0.40 %, amount 30 (= 150,000 × 0.02 %, the cumulative rule). Only these two
#: tiers are printed: a larger position needs BingX's full table. The endpoint gives no maximum
#: leverage per tier; both tiers carry the contract's 125× (``maxLongLeverage`` of the same
#: documentation's BTC-USDT contract example), which BingX may lower in the second tier.
BINGX_BTCUSDT: Final = TierTable(
    floors=(0.0, 150_000.0),
    caps=(150_000.0, 900_000.0),
    rates=(0.0038, 0.004),
    amounts=(0.0, 30.0),
    max_leverage=(125.0, 125.0),
    exchange="bingx",
    symbol="BTC-USDT",
    source="BingX GET /openApi/swap/v1/maintMarginRatio (API documentation example, first two tiers)",
    as_of="recorded 2024-05-22",
)

PROFILE: Final = ExchangeProfile(
    name="bingx",
    label="BingX",
    valuation="liquidation",
    amounts="cumulative",
    fee_rate=0.0005,
    tiers={"linear": BINGX_BTCUSDT, "inverse": None},
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
        "tiers": f"linear: GET /openApi/swap/v1/maintMarginRatio BTC-USDT example response of the {API_DOCS}, "
        "timestamp 1716388317402 (2024-05-22), tiers 1-2 (0-150,000 USDT 0.0038 amount 0; 150,000-900,000 0.004 "
        "amount 30); max leverage: that documentation's BTC-USDT contract example, maxLongLeverage 125 (the "
        "endpoint has no per-tier maximum); inverse: none",
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
        "Type its BTC-USDT tiers beyond the documented two into its table on the Hedge sheet, TIERS_BINGX",
    ),
)

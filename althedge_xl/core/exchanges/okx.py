"""OKX perpetual swaps (BTC-USDT-SWAP linear, BTC-USD-SWAP inverse): its profile.

OKX liquidates when the margin ratio, (margin + P/L) / position value at the mark price, falls to
the maintenance rate plus the liquidation fee rate (the taker fee): maintenance and fee are both
valued at the liquidation price, and its tiers (counted in contracts) carry one rate for the whole
position and no amount. OKX publishes no default fee rate AltHedge can cite: the functions ask for
``fee_rate``. No BTC tier table is shipped (the BTC-USDT-SWAP table is not published in a form it
can cite; the BTCUSD one of 2023-06-09 counts 100 USD contracts, not a notional).
"""

from __future__ import annotations

from typing import Final

from althedge_xl.core.exchanges.profile import ExchangeProfile, TierFeed

#: OKX's tiered maintenance margin rules and the academy page with the fee in the condition.
TIERS_PAGE: Final = "https://www.okx.com/help/v-tiered-maintenance-margin-ratio-rules"
MARGIN_PAGE: Final = "https://www.okex.com/academy/en/vii-usdt-delivery-contracts-margin"
#: Its isolated-margin page, whose closed form freqtrade implements (exchange.py at c9ae5e1).
ISOLATED_PAGE: Final = (
    "https://www.okx.com/support/hc/en-us/articles/360053909592-VI-Introduction-to-the-isolated-mode-of-Single-"
    "Multi-currency-Portfolio-margin"
)
#: A GET /api/v5/public/funding-rate body for BTC-USDT-SWAP, as a third-party library keeps it in its tests.
FUNDING_BODY: Final = (
    "GET /api/v5/public/funding-rate, ts 1703070685309 (2023-12-20), third-party copy: JKorf/OKX.Net "
    "OKX.Net.UnitTests/Endpoints/UnifiedApi/ExchangeData/GetFundingRates.txt at 6dd7bdd"
)
INSTRUMENTS: Final = (
    "GET /api/v5/public/instruments?instType=SWAP (nautilus_trader http_get_instruments_swap.json at 3d0c60e)"
)

PROFILE: Final = ExchangeProfile(
    name="okx",
    label="OKX",
    valuation="liquidation",
    amounts="none",
    fee_rate=None,
    tiers={"linear": None, "inverse": None},
    contract_usd=100.0,
    ticks={"linear": 0.1, "inverse": 0.1},
    tick_rounding=None,
    funding_interval_hours=8.0,
    funding_cap=0.00375,
    sources={
        "valuation": f"{MARGIN_PAGE}: margin ratio = (fixed margin + UPL) / position value at the mark price; "
        f"liquidation below the maintenance margin ratio + liquidation fee rate ({TIERS_PAGE}, updated 2025-05-16)",
        "amounts": f"{TIERS_PAGE}: one maintenance rate per tier for the whole position",
        "fee_rate": f"{ISOLATED_PAGE}: the liquidation fee is the taker fee; no default rate published",
        "tiers": "none: no BTC-USDT-SWAP table published in a citable copy",
        "contract_usd": f"BTC-USD-SWAP ctVal 100 USD: {INSTRUMENTS}",
        "ticks": f"BTC-USDT-SWAP and BTC-USD-SWAP tickSz 0.1: {INSTRUMENTS}",
        "tick_rounding": "OKX does not say how the shown price is rounded: shown unrounded",
        "funding_interval_hours": f"BTC-USDT-SWAP {FUNDING_BODY}: fundingTime 1703088000000 to nextFundingTime "
        "1703116800000, 8 h; BTC-USD-SWAP funding-rate push, 8 h (recorded in ccxt 4.5.90 okx.py, 2023-11-23)",
        "funding_cap": f"BTC-USDT-SWAP {FUNDING_BODY}: maxFundingRate 0.00375, minFundingRate -0.00375; BTC-USD-SWAP "
        "the same (recorded in ccxt 4.5.90 okx.py, 2023-11-23)",
        "tier_feed": "https://www.okx.com/docs-v5/en/#rest-api-public-data-get-position-tiers: public, no key; "
        "ccxt 4.5.90 okx.py fetch_market_leverage_tiers (lines 7376-7468) passes minSz and maxSz, which count "
        "contracts for SWAP, as minNotional and maxNotional",
    },
    tier_feed=TierFeed(
        market="BTC/USDT:USDT",
        endpoint="GET /api/v5/public/position-tiers",
        ccxt_id="okx",
        keyless=True,
        units="contracts",
    ),
)

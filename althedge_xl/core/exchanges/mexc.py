"""MEXC USDT-M perpetual (BTC_USDT): its profile.

MEXC's worked example values the maintenance margin at entry (entry × size × rate) and excludes
fees; its support article adds "liquidation fees" to the condition without a rate. So the fee term
has no default: the functions ask for ``fee_rate`` (0 reproduces the published example). Its risk
limits are counted in contracts (0.0001 BTC each) with one rate for the whole position and no
amount; no dated BTC_USDT table can be cited, so none is shipped.
"""

from __future__ import annotations

from typing import Final

from althedge_xl.core.exchanges.profile import ExchangeProfile, TierFeed

#: MEXC's liquidation article with the formula and its worked example (commission excluded).
EXAMPLE_PAGE: Final = "https://blog.mexc.fm/liquidation-in-futures-2"
#: Its support article: "Position Margin + Unrealized P&L <= Maintenance Margin + Liquidation Fees".
RULES_PAGE: Final = "https://www.mexc.com/support/articles/360044646391"
CONTRACT_DOC: Final = "https://www.mexc.com/api-docs/futures/market-endpoints/get-contract-info"

PROFILE: Final = ExchangeProfile(
    name="mexc",
    label="MEXC",
    valuation="entry",
    amounts="none",
    fee_rate=None,
    tiers={"linear": None, "inverse": None},
    contract_usd=None,
    ticks={"linear": 0.1, "inverse": None},
    tick_rounding=None,
    funding_interval_hours=8.0,
    funding_cap=0.003,
    sources={
        "valuation": f"{EXAMPLE_PAGE}: Maintenance Margin = 50000 x 0.1 x 0.4% at the opening price",
        "amounts": f"{CONTRACT_DOC}: risk limits by volume (riskBaseVol, riskIncrVol, riskIncrMmr), no amount",
        "fee_rate": f"{RULES_PAGE} adds liquidation fees without a rate; {EXAMPLE_PAGE} excludes commission: none",
        "tiers": "none: no dated BTC_USDT risk-limit table published in a form AltHedge can cite",
        "ticks": f"{CONTRACT_DOC}: BTC_USDT priceUnit 0.1 (undated)",
        "tick_rounding": "MEXC does not say how the shown price is rounded: shown unrounded",
        "funding_interval_hours": "GET /api/v1/contract/funding_rate/BTC_USDT: collectCycle 8 (recorded in ccxt "
        "4.5.90 mexc.py, 2022-01-26)",
        "funding_cap": "GET /api/v1/contract/funding_rate/BTC_USDT: maxFundingRate 0.003, minFundingRate -0.003 "
        "(recorded in ccxt 4.5.90 mexc.py, 2022-01-26)",
        "tier_feed": f"{CONTRACT_DOC}: public, no key; ccxt 4.5.90 mexc.py fetch_leverage_tiers (lines 4489-4631) "
        "steps riskIncrVol contracts from 0 to maxVol and labels the contract counts minNotional and maxNotional",
    },
    tier_feed=TierFeed(
        market="BTC/USDT:USDT",
        endpoint="GET /api/v1/contract/detail",
        ccxt_id="mexc",
        keyless=True,
        units="contracts",
    ),
)

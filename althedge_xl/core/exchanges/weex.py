"""WEEX USDT-M perpetual (BTCUSDT): its profile.

WEEX liquidates when (position margin + P/L) / position value at the mark price falls to the
tier's maintenance rate: maintenance valued at the liquidation price, one rate for the whole
position, no amount and no fee term (its liquidation-process article adds a closing fee under
cross margin, without a rate). It publishes its tiers in contracts ("Cont") or in USDT;
:func:`~althedge_xl.core.exchanges.convert.tiers_from_contracts` turns the first into the second.
No BTCUSDT table, contract size or funding figures can be cited: none is shipped, and a function
that needs one asks for it.
"""

from __future__ import annotations

from typing import Final

from althedge_xl.core.exchanges.profile import ExchangeProfile, TierFeed

#: WEEX's estimated-liquidation-price articles (Futures and Futures Pro).
LIQUIDATION_PAGE: Final = (
    "https://weexsupport.zendesk.com/hc/en-us/articles/4417905343129-WEEX-Futures-Estimated-liquidation-price"
)
PRO_PAGE: Final = (
    "https://weexsupport.zendesk.com/hc/en-us/articles/24780414317593-WEEX-Futures-Pro-Estimated-liquidation-price"
)
#: WEEX's liquidation-process article (cross margin: maintenance rate plus the closing fee rate).
PROCESS_PAGE: Final = "https://weexsupport.zendesk.com/hc/en-us/articles/4410873070489--Liquidation-process"

PROFILE: Final = ExchangeProfile(
    name="weex",
    label="WEEX",
    valuation="liquidation",
    amounts="none",
    fee_rate=0.0,
    tiers={"linear": None, "inverse": None},
    contract_usd=None,
    ticks={"linear": None, "inverse": None},
    tick_rounding=None,
    funding_interval_hours=None,
    funding_cap=None,
    sources={
        "valuation": f"{LIQUIDATION_PAGE}: margin rate = (position margin + unrealized P/L) / (face value x "
        f"contracts x latest mark price); {PRO_PAGE}: LP = mark - (value - MM) / (Q x (1 -/+ MMR))",
        "amounts": "https://weexsupport.zendesk.com/hc/en-us/articles/5491591989785-Maintenance-Margin-Rate: one "
        "minimum maintenance rate per tier, no amount",
        "fee_rate": f"{LIQUIDATION_PAGE} and {PRO_PAGE}: the condition has no fee term; {PROCESS_PAGE} adds "
        "'the closing fee rate' to the maintenance rate under cross margin (no rate published; its isolated-margin "
        "text not read)",
        "tiers": "none: no BTCUSDT tier table published in a citable copy",
        "tick_rounding": "WEEX does not say how the shown price is rounded: shown unrounded",
        "tier_feed": "ccxt 4.5.90's WEEX client has no tier call (fetchLeverageTiers and fetchMarketLeverageTiers: False)",
    },
    tier_feed=TierFeed(
        market="BTC/USDT:USDT",
        endpoint="",
        ccxt_id=None,
        keyless=False,
        why_not="ccxt's WEEX client has no call for its tiers, so AltHedge cannot fetch them. "
        "Type its BTCUSDT tiers into its table on the Hedge sheet, TIERS_WEEX (in USDT; amount 0)",
    ),
)

"""Bybit linear (BTCUSDT) and inverse (BTCUSD): its profile and the first BTC risk limits.

Bybit values the maintenance margin at entry: MM = N(EP) · MMR − mmDeduction, in the risk limit the
position's notional at entry falls in. Its published formulas have no fee term.
"""

from __future__ import annotations

from typing import Final

from althedge_xl.core.exchanges.profile import ExchangeProfile, TierFeed
from althedge_xl.core.tiers import TierTable

#: Bybit BTCUSDT, first risk limit only: up to 2,000,000 USDT at 0.50 %, 100× (DESIGN.md; the
#: position stream examples of Bybit's API documentation show BTCUSDT's riskLimitValue 2,000,000 in
#: 2023-10-19). Bybit publishes the full table on its public endpoint ``GET /v5/market/risk-limit``;
#: ``althedge refresh --tiers --exchange bybit`` writes it, and
#: :func:`althedge_xl.core.tiers.tiers_from_ccxt` turns ccxt's answer into a table.
BYBIT_BTCUSDT: Final = TierTable(
    (0.0,), (2_000_000.0,), (0.005,), (0.0,), (100.0,), "bybit", "BTCUSDT", "Bybit's first risk limit", ""
)
#: Bybit BTCUSD inverse, first risk limit only (notional in BTC): up to 150 BTC at 0.50 %, 100×,
#: as the example of Bybit's ``GET /v5/market/risk-limit`` documentation prints it.
BYBIT_BTCUSD_INVERSE: Final = TierTable(
    (0.0,), (150.0,), (0.005,), (0.0,), (100.0,), "bybit", "BTCUSD", "Bybit API documentation example", ""
)

#: Bybit's help-centre page with the linear isolated formula and its worked example.
LINEAR_PAGE: Final = "https://www.bybit.com/en/help-center/article/Liquidation-Price-USDT-Contract"
#: Its inverse isolated formula (Unified Trading Account, the 2024-09-10 version).
INVERSE_PAGE: Final = "https://www.bybit.com/en/help-center/article/Liquidation-Price-Calculation-under-Isolated-Mode-Unified-Trading-Account"
#: Its cross-margin formula for inverse contracts (legacy help desk), whose fee to close is valued at
#: the bankruptcy price.
CROSS_PAGE: Final = (
    "https://help.bybit.com/hc/en-us/articles/360039261334-How-to-calculate-Liquidation-Price-Inverse-Contract-"
)
#: Its instruments documentation (BTCUSDT example of 2025-01-02).
INSTRUMENTS_DOC: Final = "https://bybit-exchange.github.io/docs/v5/market/instrument"

PROFILE: Final = ExchangeProfile(
    name="bybit",
    label="Bybit",
    valuation="entry",
    amounts="deduction",
    fee_rate=0.0,
    tiers={"linear": BYBIT_BTCUSDT, "inverse": BYBIT_BTCUSD_INVERSE},
    contract_usd=1.0,
    ticks={"linear": 0.1, "inverse": 0.5},
    tick_rounding=None,
    funding_interval_hours=8.0,
    funding_cap=0.00375,
    sources={
        "valuation": f"{LINEAR_PAGE}: Maintenance Margin = (Position Value x MMR) - Maintenance Margin Deduction, "
        "Position Value = Contract Size x Entry Price",
        "amounts": "https://bybit-exchange.github.io/docs/v5/market/risk-limit: mmDeduction as given",
        "fee_rate": f"{LINEAR_PAGE} and {INVERSE_PAGE} (2024-09-10): the formulas have no fee term",
        "tiers": "linear: DESIGN.md and Bybit's position stream examples (riskLimitValue 2,000,000, 2023-10-19), "
        "first risk limit only; inverse: the GET /v5/market/risk-limit documentation example",
        "contract_usd": f"{INVERSE_PAGE}: Contract Quantity is in USD (60,000 USD of BTCUSD), 1 USD a contract",
        "ticks": f"BTCUSDT tickSize 0.10: {INSTRUMENTS_DOC} (2025-01-02); BTCUSD tickSize 0.5: nautilus_trader "
        "http_get_instruments_inverse.json at 26987dc, and ccxt's recorded BTCUSD ticker of 2022-12-30",
        "tick_rounding": "Bybit does not say how the shown price is rounded (its legacy cross example's 5,739.50 is "
        "5,739.08 rounded up to 0.5): shown unrounded",
        "funding_interval_hours": f"{INSTRUMENTS_DOC}: BTCUSDT fundingInterval 480 minutes (2025-01-02)",
        "funding_cap": f"{INSTRUMENTS_DOC}: BTCUSDT upperFundingRate 0.00375, lowerFundingRate -0.00375 (2025-01-02)",
        "fee_price": f"{CROSS_PAGE}: the fee to close is Quantity x 0.00075 / Bankruptcy Price",
        "tier_feed": "https://bybit-exchange.github.io/docs/v5/market/risk-limit: public, no key; ccxt 4.5.90 "
        "fetch_market_leverage_tiers asks it with category=linear, tiers as riskLimitValue in USDT",
    },
    fee_price="bankruptcy",
    tier_feed=TierFeed(market="BTC/USDT:USDT", endpoint="GET /v5/market/risk-limit", ccxt_id="bybit", keyless=True),
)

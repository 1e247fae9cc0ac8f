"""Bybit linear (BTCUSDT) and inverse (BTCUSD): its profiles and the first BTC risk limits.

``bybit`` follows Bybit's published worked examples (USDT contract page, 19,700; Unified Trading
Account page of 2024-09-10; legacy inverse help desk, cross 5,739.50): the maintenance margin is
valued at entry, MM = N(EP) · MMR − mmDeduction, in the risk limit the position's notional at entry
falls in. Its published formulas have no fee term (the legacy cross formula values a given fee to
close at the bankruptcy price).

``bybit-2025`` is Bybit's margin calculation of 2025-09-02, which no published worked example checks:
the maintenance margin is valued at the mark price, so at the liquidation price, MM = N(LP) · MMR −
mmDeduction, in the risk limit N(LP) falls in. The initial and the maintenance margin both carry the
estimated fee to close, which cancels; on inverse contracts Bybit's formula of 2026-05-27 counts the
extra margin (collateral beyond the initial margin) net of the taker fee, EM ÷ (1 ± taker fee rate).
That page's USDT formula was not seen: linear follows the margin definitions of the 2025-09-02
calculation, in which the fee to close of the initial and of the maintenance margin is the same and
cancels, the extra margin counting in full.
"""

from __future__ import annotations

from dataclasses import replace
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
#: Its inverse isolated formula (Unified Trading Account): the 2024-09-10 version (copy at bybit.nl) and
#: the one "Last updated on 2026-05-27 20:12:42" (copy at kbybit.com).
INVERSE_PAGE: Final = "https://www.bybit.com/en/help-center/article/Liquidation-Price-Calculation-under-Isolated-Mode-Unified-Trading-Account"
INVERSE_PAGE_2024: Final = "https://bybit.nl/nl-NL/help-center/article/Liquidation-Price-Calculation-under-Isolated-Mode-Unified-Trading-Account"
INVERSE_PAGE_2026: Final = "https://www.kbybit.com/en/help-center/article/Liquidation-Price-Calculation-under-Isolated-Mode-Unified-Trading-Account"
#: Bybit's margin calculation from 2025-09-02 ("Last updated on 2025-09-18 17:04:44"; copy at
#: Bybit's testnet domain bytick.com): in isolated margin the maintenance margin is valued at the mark price.
MARGIN_2025_PAGE: Final = "https://testnet.bytick.com/en/help-center/article/Understanding-the-Adjustment-and-Impact-of-the-New-Margin-Calculation"
#: Its cross-margin formula for inverse contracts (legacy help desk), whose fee to close is valued at
#: the bankruptcy price.
CROSS_PAGE: Final = (
    "https://help.bybit.com/hc/en-us/articles/360039261334-How-to-calculate-Liquidation-Price-Inverse-Contract-"
)
#: Its instruments documentation (BTCUSDT example of 2025-01-02).
INSTRUMENTS_DOC: Final = "https://bybit-exchange.github.io/docs/v5/market/instrument"

#: Bybit's rule of its published worked examples: maintenance at entry, no fee term.
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
        "fee_rate": f"{LINEAR_PAGE} and {INVERSE_PAGE_2024} (2024-09-10): the formulas have no fee term",
        "tiers": "linear: DESIGN.md and Bybit's position stream examples (riskLimitValue 2,000,000, 2023-10-19), "
        "first risk limit only; inverse: the GET /v5/market/risk-limit documentation example",
        "contract_usd": f"{INVERSE_PAGE_2024}: Contract Quantity is in USD (60,000 USD of BTCUSD), 1 USD a contract",
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

#: Bybit's margin calculation of 2025-09-02, by a dated name: maintenance at the liquidation price,
#: the fee to close cancelling (inverse: except on the extra margin, net of the taker fee). Tables,
#: ticks and funding as above.
PROFILE_2025: Final = replace(
    PROFILE,
    name="bybit-2025",
    label="Bybit, margin calculation of 2025-09-02",
    exchange="bybit",
    valuation="liquidation",
    fee_price="cancels",
    contract_fee_prices={"inverse": "extra_margin"},
    sources={
        **PROFILE.sources,
        "valuation": f'{MARGIN_2025_PAGE} (2025-09-18): from 2025-09-02, isolated margin: "MM will be calculated '
        'using the Mark Price, while IM will continue to be based on the Entry Price"; USDT Position MM = '
        "[(Position Size x Mark Price x MM Rate) - MM Deduction] + [fee to close]; the risk limit follows the mark "
        f"price. Inverse: {INVERSE_PAGE} (copy {INVERSE_PAGE_2026}, 2026-05-27): LP (Long) = [Position Size x (MM Rate + 1)] / "
        "[(Position Size / Entry Price) + (Position Size / Entry Price / Leverage) + (Extra Margin Added / "
        "(1 + Taker Fee Rate)) + MM Deduction], i.e. MM valued at LP",
        "fee_rate": f"{INVERSE_PAGE_2026}: IM = (Position Value / Leverage) + Estimated Fee to Close Position, "
        "MM = (Position Value x MMR) - MMD + the estimated fee to close: the fee cancels but for the extra margin, "
        f"which its formulas divide by (1 + Taker Fee Rate) long, (1 - Taker Fee Rate) short; {MARGIN_2025_PAGE}: "
        "USDT IM and MM carry the same fee to close, [Entry Price x Position Size x (1 +/- 1 / Leverage) x Taker "
        "Fee Rate], which cancels. The USDT formula of the 2026 page was not seen. No default taker rate is cited: "
        "fee_rate (the taker rate) blank or 0 counts the extra margin in full",
        "fee_price": "linear: cancels (2025-09-02 margin definitions); inverse: extra_margin (2026-05-27 formula)",
    },
)

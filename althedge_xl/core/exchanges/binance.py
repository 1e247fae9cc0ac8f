"""Binance USDⓈ-M (linear BTCUSDT) and COIN-M (inverse BTCUSD): its profile and its dated BTC brackets.

Binance values the maintenance margin at the liquidation price: the bracket is the one the notional
at the liquidation price falls in, and each bracket's "cum" follows floor · (rate − previous rate)
+ previous cum. Its published isolated and cross formulas have no fee term.
"""

from __future__ import annotations

from typing import Final

from althedge_xl.core.exchanges.profile import ExchangeProfile, TierFeed
from althedge_xl.core.tiers import TierTable

_BINANCE_BRACKETS = "Binance GET /fapi/v1/leverageBracket"
_BTC_FLOORS_2026: Final = (0.0, 3e5, 8e5, 3e6, 1.2e7, 7e7, 1e8, 2.3e8, 4.8e8, 6e8, 8e8, 1.2e9)
_ETH_FLOORS_2026: Final = (0.0, 3e5, 8e5, 3e6, 1.2e7, 5e7, 6.5e7, 1.5e8, 3.2e8, 4e8, 5.3e8, 8e8)
_BTC_FLOORS_2024: Final = (0.0, 5e4, 6e5, 3e6, 1.2e7, 7e7, 1e8, 2.3e8, 4.8e8, 6e8, 8e8, 1.2e9)
_ETH_FLOORS_2024: Final = (0.0, 5e4, 6e5, 3e6, 1.2e7, 5e7, 6.5e7, 1.5e8, 3.2e8, 4e8, 5.3e8, 8e8)
_RATES: Final = (0.004, 0.005, 0.0065, 0.01, 0.02, 0.025, 0.05, 0.1, 0.125, 0.15, 0.25, 0.5)
_LEVERAGE_2024: Final = (125.0, 100.0, 75.0, 50.0, 25.0, 20.0, 10.0, 5.0, 4.0, 3.0, 2.0, 1.0)
_LEVERAGE_2026: Final = (150.0, *_LEVERAGE_2024[1:])

#: Binance USDⓈ-M BTCUSDT leverage brackets: floor, cap (USDT), maintenance rate, maintenance
#: amount "cum" (USDT), maximum leverage, as Binance's account endpoint returned them on
#: 2026-03-05 (freqtrade's weekly snapshot, binance_leverage_tiers.json at commit 2832c6b;
#: unchanged since 2025-08-21, when the first bracket went to 150×; widened to 300,000 on
#: 2025-06-19). Binance changes them without notice and the endpoint needs an API key: a dated
#: default, the newest recorded.
BINANCE_BTCUSDT: Final = TierTable(
    floors=_BTC_FLOORS_2026,
    caps=(*_BTC_FLOORS_2026[1:], 1.8e9),
    rates=_RATES,
    amounts=(
        0.0, 300.0, 1_500.0, 12_000.0, 132_000.0, 482_000.0, 2_982_000.0, 14_482_000.0, 26_482_000.0,
        41_482_000.0, 121_482_000.0, 421_482_000.0,
    ),
    max_leverage=_LEVERAGE_2026,
    exchange="binance",
    symbol="BTCUSDT",
    source=_BINANCE_BRACKETS,
    as_of="recorded 2026-03-05",
)  # fmt: skip
#: Binance USDⓈ-M ETHUSDT brackets, same response and date as :data:`BINANCE_BTCUSDT`.
BINANCE_ETHUSDT: Final = TierTable(
    floors=_ETH_FLOORS_2026,
    caps=(*_ETH_FLOORS_2026[1:], 1.2e9),
    rates=_RATES,
    amounts=(
        0.0, 300.0, 1_500.0, 12_000.0, 132_000.0, 382_000.0, 2_007_000.0, 9_507_000.0, 17_507_000.0,
        27_507_000.0, 80_507_000.0, 280_507_000.0,
    ),
    max_leverage=_LEVERAGE_2026,
    exchange="binance",
    symbol="ETHUSDT",
    source=_BINANCE_BRACKETS,
    as_of="recorded 2026-03-05",
)  # fmt: skip
#: The BTCUSDT brackets the same endpoint returned on 2024-10-24 (commit 3d9514d of the same
#: snapshot): right until 2025-06-19, kept as dated data (first bracket 0–50,000, 125×).
BINANCE_BTCUSDT_2024_10_24: Final = TierTable(
    floors=_BTC_FLOORS_2024,
    caps=(*_BTC_FLOORS_2024[1:], 1.8e9),
    rates=_RATES,
    amounts=(
        0.0, 50.0, 950.0, 11_450.0, 131_450.0, 481_450.0, 2_981_450.0, 14_481_450.0, 26_481_450.0,
        41_481_450.0, 121_481_450.0, 421_481_450.0,
    ),
    max_leverage=_LEVERAGE_2024,
    exchange="binance",
    symbol="BTCUSDT",
    source=_BINANCE_BRACKETS,
    as_of="recorded 2024-10-24",
)  # fmt: skip
#: The ETHUSDT brackets of 2024-10-24, dated data as :data:`BINANCE_BTCUSDT_2024_10_24`.
BINANCE_ETHUSDT_2024_10_24: Final = TierTable(
    floors=_ETH_FLOORS_2024,
    caps=(*_ETH_FLOORS_2024[1:], 1.2e9),
    rates=_RATES,
    amounts=(
        0.0, 50.0, 950.0, 11_450.0, 131_450.0, 381_450.0, 2_006_450.0, 9_506_450.0, 17_506_450.0,
        27_506_450.0, 80_506_450.0, 280_506_450.0,
    ),
    max_leverage=_LEVERAGE_2024,
    exchange="binance",
    symbol="ETHUSDT",
    source=_BINANCE_BRACKETS,
    as_of="recorded 2024-10-24",
)  # fmt: skip
#: Binance COIN-M BTCUSD perpetual, first bracket only (notional in BTC): 0–50 BTC at 0.40 %,
#: 125×, as the example of Binance's ``GET /dapi/v2/leverageBracket`` documentation prints it
#: (no recorded response is available; larger positions need the full table).
BINANCE_BTCUSD_INVERSE: Final = TierTable(
    (0.0,), (50.0,), (0.004,), (0.0,), (125.0,), "binance", "BTCUSD", "Binance API documentation example", ""
)

#: Binance's help-centre pages with the liquidation formulas (isolated and cross, USDⓈ-M and COIN-M).
USDM_PAGE: Final = "https://www.binance.com/en/support/faq/b3c689c1f50a44cabb3a84e663b81d93"
COINM_PAGE: Final = "https://www.binance.com/en/support/faq/ceccfcfb4e3a45e3b48b0b1bb1a8ae46"

PROFILE: Final = ExchangeProfile(
    name="binance",
    label="Binance",
    valuation="liquidation",
    amounts="cumulative",
    fee_rate=0.0,
    tiers={"linear": BINANCE_BTCUSDT, "inverse": BINANCE_BTCUSD_INVERSE},
    contract_usd=100.0,
    ticks={"linear": 0.1, "inverse": 0.1},
    tick_rounding=None,
    funding_interval_hours=8.0,
    funding_cap=0.003,
    sources={
        "valuation": f"{USDM_PAGE} and {COINM_PAGE}: the maintenance rate and amount of the level at the liquidation price",
        "amounts": f"{USDM_PAGE}: amount on level n = floor x (rate n - rate n-1) + amount on level n-1",
        "fee_rate": f"{USDM_PAGE}: the formula has no fee term",
        "tiers": "linear: GET /fapi/v1/leverageBracket as recorded 2026-03-05 (freqtrade binance_leverage_tiers.json "
        "at 2832c6b); inverse: the GET /dapi/v2/leverageBracket documentation example, first bracket only",
        "contract_usd": "GET /dapi/v1/exchangeInfo BTCUSD_PERP contractSize 100 (sample in ccxt 4.5.90 binance.py)",
        "ticks": "BTCUSDT tickSize 0.10: GET /fapi/v1/exchangeInfo recorded 2022-02-19 (nautilus_trader test data at "
        "d9c3d71); BTCUSD_PERP tickSize 0.1: GET /dapi/v1/exchangeInfo sample in ccxt 4.5.90 binance.py",
        "tick_rounding": "neither help-centre page says how the shown price is rounded: shown unrounded",
        "funding_interval_hours": "every recorded BTCUSDT settlement 2020-01-01 to 2025-11-12 is 8 h apart "
        "(binance_usdm_btcusdt_funding_8h.csv)",
        "funding_cap": "inferred from data: the recorded BTCUSDT extremes are exactly -0.3% and +0.3% "
        "(2020-03-13 08:00, 2020-02-12 00:00); Binance publishes no BTCUSDT cap",
        "tier_feed": "GET /fapi/v1/leverageBracket is signed (USER_DATA, an API key): ccxt 4.5.90 binance.py "
        "fetch_leverage_tiers (lines 11182-11253) calls it through fapiPrivateGetLeverageBracket",
    },
    tier_feed=TierFeed(
        market="BTC/USDT:USDT",
        endpoint="GET /fapi/v1/leverageBracket",
        ccxt_id="binance",
        keyless=False,
        why_not="Binance's brackets endpoint (GET /fapi/v1/leverageBracket) is signed: it needs an API key. "
        "The Hedge sheet keeps the dated table AltHedge ships; edit it there if Binance changed it",
    ),
)

"""Market conventions and the one parser for every named choice.

Values are the published ones DESIGN.md cites, each with its source and date. They change; the
workbook keeps editable copies, and these are only the defaults.
"""

from __future__ import annotations

from typing import Final

from althedge_xl.core.errors import WrongTypeError
from althedge_xl.core.tiers import TierTable

#: Hours between funding settlements of BTCUSDT (00:00, 08:00, 16:00 UTC).
FUNDING_INTERVAL_HOURS: Final = 8.0
#: BTCUSDT's funding rate is clamped to ±0.3 % a settlement (every recorded settlement 2020–2025
#: lies within it): a rate beyond it is no rate the exchange could charge, most often a per-cent
#: value typed as a fraction.
FUNDING_RATE_CLAMP: Final = 0.003

#: BTCUSDT quantity step in BTC and minimum order notional in USDT (Binance USDⓈ-M).
BTCUSDT_QUANTITY_STEP: Final = 0.001
BTCUSDT_MIN_NOTIONAL: Final = 100.0
#: Face value of one Binance COIN-M BTCUSD inverse contract, in USD (other COIN-M symbols: 10 USD).
INVERSE_CONTRACT_USD: Final = 100.0
#: How order sizes round to the exchange's step; "down" never exceeds the chosen notional.
ROUNDINGS: Final = ("down", "nearest", "up")

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
#: Bybit BTCUSDT, first risk limit only: up to 2,000,000 USDT at 0.50 %, 100× (DESIGN.md).
#: Bybit publishes the full table on its public endpoint ``GET /v5/market/risk-limit``;
#: :func:`althedge_xl.core.tiers.tiers_from_ccxt` turns ccxt's answer into a table.
BYBIT_BTCUSDT: Final = TierTable(
    (0.0,), (2_000_000.0,), (0.005,), (0.0,), (100.0,), "bybit", "BTCUSDT", "Bybit's first risk limit", ""
)
#: Bybit BTCUSD inverse, first risk limit only (notional in BTC): up to 150 BTC at 0.50 %, 100×,
#: as the example of Bybit's ``GET /v5/market/risk-limit`` documentation prints it.
BYBIT_BTCUSD_INVERSE: Final = TierTable(
    (0.0,), (150.0,), (0.005,), (0.0,), (100.0,), "bybit", "BTCUSD", "Bybit API documentation example", ""
)
#: The default table of each (exchange rule, contract).
DEFAULT_TIERS: Final = {
    ("binance", "linear"): BINANCE_BTCUSDT,
    ("binance", "inverse"): BINANCE_BTCUSD_INVERSE,
    ("bybit", "linear"): BYBIT_BTCUSDT,
    ("bybit", "inverse"): BYBIT_BTCUSD_INVERSE,
}

#: Largest hedge ratio accepted (300 % of the hedged value); above 100 % is allowed but flagged.
MAX_HEDGE_RATIO: Final = 3.0
#: Largest leverage accepted by any function: the highest maximum of any default tier table
#: (Binance's first BTCUSDT bracket, 150×). The tiered functions refuse a leverage above the
#: maximum of the position's own tier.
MAX_LEVERAGE: Final = max(table.max_leverage[0] for table in DEFAULT_TIERS.values())

SIDES: Final = ("short", "long")
CONTRACTS: Final = ("linear", "inverse")
#: Exchange rules of the liquidation functions (which notional picks the tier and values margin).
RULES: Final = ("binance", "bybit")


def parse_choice(value: object, name: str, allowed: tuple[str, ...]) -> str:
    """Return ``value`` as one of ``allowed``: case and surrounding spaces are ignored.

    Anything else raises :class:`WrongTypeError` listing the allowed words.

    >>> parse_choice(" Short ", "side", SIDES)
    'short'
    """
    if isinstance(value, str):
        word = value.strip().lower()
        if word in allowed:
            return word
    choices = ", ".join(f'"{a}"' for a in allowed)
    raise WrongTypeError(f"{name} must be one of {choices}, not {value!r}")

"""Market conventions and the one parser for every named choice.

Values are the published ones DESIGN.md cites, each with its source and date. They change; the
workbook keeps editable copies, and these are only the defaults.
"""

from __future__ import annotations

from typing import Final

from althedge_xl.core.errors import WrongTypeError
from althedge_xl.core.exchanges import ALL_RULES, PROFILES
from althedge_xl.core.exchanges.binance import (
    BINANCE_BTCUSD_INVERSE,
    BINANCE_BTCUSDT,
    BINANCE_BTCUSDT_2024_10_24,
    BINANCE_ETHUSDT,
    BINANCE_ETHUSDT_2024_10_24,
)
from althedge_xl.core.exchanges.bybit import BYBIT_BTCUSD_INVERSE, BYBIT_BTCUSDT

#: Every rule name a function's ``rule`` accepts (the exchanges', then the dated ones such as "bybit-2025").
RULES: Final = ALL_RULES

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

#: The default table of each (exchange rule, contract) that has one.
DEFAULT_TIERS: Final = {
    (name, contract): table
    for name, profile in PROFILES.items()
    for contract, table in profile.tiers.items()
    if table is not None
}

#: Largest hedge ratio accepted (300 % of the hedged value); above 100 % is allowed but flagged.
MAX_HEDGE_RATIO: Final = 3.0
#: Largest leverage accepted by any function: the highest maximum of any default tier table
#: (Binance's first BTCUSDT bracket, 150×). The tiered functions refuse a leverage above the
#: maximum of the position's own tier.
MAX_LEVERAGE: Final = max(table.max_leverage[0] for table in DEFAULT_TIERS.values())

SIDES: Final = ("short", "long")
CONTRACTS: Final = ("linear", "inverse")


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


__all__ = [
    "BINANCE_BTCUSDT",
    "BINANCE_BTCUSDT_2024_10_24",
    "BINANCE_BTCUSD_INVERSE",
    "BINANCE_ETHUSDT",
    "BINANCE_ETHUSDT_2024_10_24",
    "BTCUSDT_MIN_NOTIONAL",
    "BTCUSDT_QUANTITY_STEP",
    "BYBIT_BTCUSDT",
    "BYBIT_BTCUSD_INVERSE",
    "CONTRACTS",
    "DEFAULT_TIERS",
    "FUNDING_INTERVAL_HOURS",
    "FUNDING_RATE_CLAMP",
    "INVERSE_CONTRACT_USD",
    "MAX_HEDGE_RATIO",
    "MAX_LEVERAGE",
    "ROUNDINGS",
    "RULES",
    "SIDES",
    "parse_choice",
]

"""Market conventions and the one parser for every named choice.

Values are the published ones DESIGN.md cites (Binance BTCUSDT, 2026). They change;
the workbook keeps editable copies, and these are only the defaults.
"""

from __future__ import annotations

from typing import Final

from althedge_xl.core.errors import WrongTypeError

#: Hours between funding settlements of BTCUSDT (00:00, 08:00, 16:00 UTC).
FUNDING_INTERVAL_HOURS: Final = 8.0
#: Largest funding rate per interval accepted as input (5 %), above every major exchange's cap.
MAX_FUNDING_RATE: Final = 0.05

#: BTCUSDT quantity step in BTC.
BTCUSDT_QUANTITY_STEP: Final = 0.001
#: Face value of one Binance COIN-M BTCUSD inverse contract, in USD.
INVERSE_CONTRACT_USD: Final = 100.0

#: BTCUSDT maintenance tiers: (upper notional bound in USDT, maintenance margin rate).
#: Maintenance amounts are derived by :func:`althedge_xl.core.margin.maintenance_amounts`.
BTCUSDT_TIERS: Final = (
    (300_000.0, 0.004),
    (800_000.0, 0.005),
    (3_000_000.0, 0.0065),
    (12_000_000.0, 0.01),
    (70_000_000.0, 0.02),
    (100_000_000.0, 0.025),
)
#: First-tier maintenance margin rate and amount of BTCUSDT: the defaults of every margin function.
DEFAULT_MMR: Final = BTCUSDT_TIERS[0][1]
DEFAULT_MAINT_AMOUNT: Final = 0.0

#: Largest hedge ratio accepted (300 % of the hedged value); above 100 % is allowed but flagged.
MAX_HEDGE_RATIO: Final = 3.0
#: Largest leverage accepted (Binance's maximum for BTCUSDT).
MAX_LEVERAGE: Final = 125.0

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

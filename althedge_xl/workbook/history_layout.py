"""Where the History sheet keeps its two blocks; the builder and ``refresh --history`` share this map.

The recent block (the last year of daily closes, oldest first, always ending on the newest close)
is what refresh rewrites; the long block (every day since 2021, with the day's funding) comes from
the market history at build time and holds the crashes the Backtest replays.
"""

from __future__ import annotations

from typing import Final

SHEET: Final = "History"
#: Assets of both blocks (Binance USDT closes); AVAX stands in for the small caps.
ASSETS: Final = ("BTC", "ETH", "SOL", "AVAX")
HEADER_ROW: Final = 4
FIRST_ROW: Final = 5

#: The recent block: date, then one close per asset; 366 days give 365 daily returns.
RECENT_DAYS: Final = 366
RECENT_COLUMNS: Final = ("A", "B", "C", "D", "E")
RECENT_LAST_ROW: Final = FIRST_ROW + RECENT_DAYS - 1
#: When and where the recent block was last filled, and whether it is stale.
UPDATED_CELL: Final = "B2"
STALE_CELL: Final = "D2"

#: The long block: date, one close per asset, the day's BTCUSDT funding (sum of its settlements),
#: the day's Fear & Greed index.
LONG_COLUMNS: Final = ("H", "I", "J", "K", "L", "M", "N")

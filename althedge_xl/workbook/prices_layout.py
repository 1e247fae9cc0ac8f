"""Where the Prices sheet keeps what refresh writes; the builder and refresh share this map.

Every cell here holds a plain value (no formula), so refresh can rewrite it in place.
"""

from __future__ import annotations

from typing import Final

SHEET: Final = "Prices"

#: The spot block: one row per symbol, columns symbol, last price, time, source, stale, note.
SPOT_HEADER_ROW: Final = 4
SPOT_FIRST_ROW: Final = 5
SPOT_ROWS: Final = 20
SPOT_COLUMNS: Final = ("A", "B", "C", "D", "E", "F")
SPOT_HEADERS: Final = ("Symbol", "Last price (USDT)", "Time (UTC)", "Source", "Stale", "Note")

#: Label/value rows: (name of the value cell, label) with values in column B.
PERP_FIRST_ROW: Final = 27
PERP_FIELDS: Final = (
    ("PERP_SYMBOL", "Perpetual"),
    ("BTC_MARK", "Mark price (USDT)"),
    ("BTC_INDEX", "Index price (USDT)"),
    ("FUNDING_RATE", "Funding rate per interval"),
    ("FUNDING_INTERVAL", "Funding interval (hours)"),
    ("NEXT_FUNDING", "Next funding time (UTC)"),
    ("PERP_TIME", "Time (UTC)"),
    ("PERP_SOURCE", "Source"),
    ("PERP_STALE", "Stale"),
)
QUARTERLY_FIRST_ROW: Final = 38
QUARTERLY_FIELDS: Final = (
    ("QUARTERLY_SYMBOL", "Dated future"),
    ("QUARTERLY_PRICE", "Price (USDT)"),
    ("QUARTERLY_INDEX", "Index price (USDT)"),
    ("QUARTERLY_DAYS", "Days to expiry"),
    ("QUARTERLY_EXPIRY", "Expiry (UTC)"),
    ("QUARTERLY_TIME", "Time (UTC)"),
    ("QUARTERLY_SOURCE", "Source"),
    ("QUARTERLY_STALE", "Stale"),
)
FEAR_GREED_FIRST_ROW: Final = 47
FEAR_GREED_FIELDS: Final = (
    ("FG_VALUE", "Fear & Greed index"),
    ("FG_CLASS", "Classification"),
    ("FG_DATE", "Date"),
    ("FG_SOURCE", "Source"),
    ("FG_STALE", "Stale"),
)
UPDATED_CELL: Final = "B2"
#: The workbook's as-of moment (UTC ISO-8601): the template's sample moment, then each refresh's time.
#: Days to a dated future's expiry are counted from it, never from the computer's clock.
AS_OF_CELL: Final = "D3"
#: The one line that says what date the values are of (the Start sheet shows it too).
AS_OF_LINE_CELL: Final = "C1"
#: The exchange refresh asks (a ccxt id); the user may type another, e.g. "bybit".
EXCHANGE_CELL: Final = "B3"

#: Funding-rate history: settlement time in H, rate in I.
HISTORY_HEADER_ROW: Final = 4
HISTORY_FIRST_ROW: Final = 5
HISTORY_ROWS: Final = 270
HISTORY_TIME_COLUMN: Final = "H"
HISTORY_RATE_COLUMN: Final = "I"


def field_cells() -> dict[str, str]:
    """Name → cell of every label/value field (value in column B)."""
    cells: dict[str, str] = {}
    for first, fields in (
        (PERP_FIRST_ROW, PERP_FIELDS),
        (QUARTERLY_FIRST_ROW, QUARTERLY_FIELDS),
        (FEAR_GREED_FIRST_ROW, FEAR_GREED_FIELDS),
    ):
        for offset, (name, _) in enumerate(fields):
            cells[name] = f"B{first + offset}"
    return cells

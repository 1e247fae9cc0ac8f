"""An exchange's tier table on the Hedge sheet as ``althedge refresh --tiers`` writes it from its risk limits.

Each table keeps its place and shape (:data:`~althedge_xl.workbook.sheets.hedge.TIER_ROWS` rows of floor,
cap, maintenance rate, maintenance amount and maximum leverage): Bybit's is ``TIERS_BYBIT``, Binance's
``TIERS``, and an exchange without a table of its own writes ``TIERS_OTHER`` (the table the Hedge sheet
uses for every rule but Binance's and Bybit's). Rows beyond the exchange's tiers are cleared. The
heading says whose tiers they are, where they come from and when they were fetched, and says *stale*
when they are the cache's last good table rather than this refresh's; the note below the table says how
its amounts read, and for tiers counted in contracts the contract size and the price they were converted at.
"""

from __future__ import annotations

from typing import Any

from althedge_xl.core.exchanges import PROFILES
from althedge_xl.core.tiers import exchange_label
from althedge_xl.workbook.patch import CellValue
from althedge_xl.workbook.sheets.hedge import (
    BINANCE_FIRST_ROW,
    BYBIT_FIRST_ROW,
    OTHER_FIRST_ROW,
    TIER_COLUMNS,
    TIER_ROWS,
)

SHEET = "Hedge"
#: The first row of each exchange's own table; every other exchange writes the other exchanges' table.
TABLE_FIRST_ROWS = {"binance": BINANCE_FIRST_ROW, "bybit": BYBIT_FIRST_ROW}
#: How each kind of amount column (the profile's ``amounts``) is read, as the note says it.
AMOUNT_NOTES = {
    "cumulative": "amount = cum",
    "deduction": "amount = mmDeduction",
    "none": "one rate for the whole position, amount 0",
}


def first_row(exchange: str) -> int:
    """The first tier row of ``exchange``'s table on the Hedge sheet."""
    return TABLE_FIRST_ROWS.get(exchange, OTHER_FIRST_ROW)


def heading_cell(exchange: str) -> str:
    """The cell that says whose tiers the table holds, from where and when."""
    return f"H{first_row(exchange) - 2}"


def note_cell(exchange: str) -> str:
    """The cell under the table that says how it was written."""
    return f"H{first_row(exchange) + TIER_ROWS + 1}"


#: Bybit's heading and note (the cells the first tier refresh wrote).
HEADING_CELL = heading_cell("bybit")
NOTE_CELL = note_cell("bybit")


def tier_cells(limits: Any) -> dict[str, CellValue]:
    """The Hedge sheet's cells for ``limits`` (a :class:`~althedge_xl.market.risk_limits.RiskLimits`).

    Nothing when the table is missing (the sheet keeps what it has). More tiers than the table has rows:
    the first rows are written and the note says where the table ends (a larger position is ``#N/A``).
    """
    if limits.missing:
        return {}
    exchange = limits.exchange
    label = exchange_label(exchange)
    top = first_row(exchange)
    cells: dict[str, CellValue] = {}
    rows = limits.rows[:TIER_ROWS]
    for i in range(TIER_ROWS):
        row = rows[i] if i < len(rows) else (None,) * len(TIER_COLUMNS)
        for column, value in zip(TIER_COLUMNS, row, strict=True):
            cells[f"{column}{top + i}"] = value
    day = (limits.time or "")[:10]
    stale = f" (stale: the last good table, {limits.error})" if limits.stale else ""
    cells[heading_cell(exchange)] = f"{label} BTCUSDT tiers (editable): {label} risk limits via ccxt {day}{stale}"
    shown = f"all {len(limits.rows)} tiers"
    if len(limits.rows) > TIER_ROWS:
        shown = f"the first {TIER_ROWS} of {len(limits.rows)} tiers, up to {rows[-1][1]:,.0f} USDT"
    profile = PROFILES[exchange]
    feed = profile.tier_feed
    endpoint = f" ({feed.endpoint})" if feed is not None and feed.endpoint else ""
    converted = ""
    if limits.contract_size is not None and limits.price is not None:
        converted = (
            f" counted in contracts of {limits.contract_size:g} BTC, converted to USDT at the BTC mark price"
            f" {limits.price:,.2f} of the Prices sheet (refresh again when it moves);"
        )
    cells[note_cell(exchange)] = (
        f"{label}'s risk limits{endpoint}, {shown}, as althedge refresh --tiers wrote them;{converted}"
        f" {AMOUNT_NOTES[profile.amounts]}."
    )
    return cells

"""The Hedge sheet's Bybit tier table as ``althedge refresh --tiers`` writes it from Bybit's risk limits.

The table keeps its place and shape (:data:`~althedge_xl.workbook.sheets.hedge.TIER_ROWS` rows of floor,
cap, maintenance rate, maintenance amount and maximum leverage, named ``TIERS_BYBIT``); rows beyond the
exchange's tiers are cleared. Its heading says where the tiers come from and when they were fetched, and
says *stale* when they are the cache's last good table rather than this refresh's.
"""

from __future__ import annotations

from typing import Any

from althedge_xl.workbook.patch import CellValue
from althedge_xl.workbook.sheets.hedge import BYBIT_FIRST_ROW, TIER_COLUMNS, TIER_ROWS

SHEET = "Hedge"
HEADING_CELL = f"H{BYBIT_FIRST_ROW - 2}"
NOTE_CELL = f"H{BYBIT_FIRST_ROW + TIER_ROWS + 1}"


def tier_cells(limits: Any) -> dict[str, CellValue]:
    """The Hedge sheet's cells for ``limits`` (a :class:`~althedge_xl.market.risk_limits.RiskLimits`).

    Nothing when the table is missing (the sheet keeps what it has). More tiers than the table has rows:
    the first rows are written and the note says where the table ends (a larger position is ``#N/A``).
    """
    if limits.missing:
        return {}
    cells: dict[str, CellValue] = {}
    rows = limits.rows[:TIER_ROWS]
    for i in range(TIER_ROWS):
        row = rows[i] if i < len(rows) else (None,) * len(TIER_COLUMNS)
        for column, value in zip(TIER_COLUMNS, row, strict=True):
            cells[f"{column}{BYBIT_FIRST_ROW + i}"] = value
    day = (limits.time or "")[:10]
    stale = f" (stale: the last good table, {limits.error})" if limits.stale else ""
    cells[HEADING_CELL] = f"Bybit BTCUSDT tiers (editable): Bybit risk limits via ccxt {day}{stale}"
    shown = f"all {len(limits.rows)} tiers"
    if len(limits.rows) > TIER_ROWS:
        shown = f"the first {TIER_ROWS} of {len(limits.rows)} tiers, up to {rows[-1][1]:,.0f} USDT"
    cells[NOTE_CELL] = (
        f"Bybit's risk limits (GET /v5/market/risk-limit), {shown}, as althedge refresh --tiers wrote them;"
        " amount = mmDeduction."
    )
    return cells

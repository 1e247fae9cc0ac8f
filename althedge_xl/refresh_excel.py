"""The Refresh button: ``RunPython "import althedge_xl.refresh_excel as r; r.refresh_caller()"``.

Reads the open workbook's Prices and Portfolio sheets through xlwings, fetches with the same code
as ``althedge refresh`` (:func:`althedge_xl.refresh.prices_update`), writes only the Prices sheet's
refresh cells, and lets Excel recalculate.
"""

from __future__ import annotations

from typing import Any

from althedge_xl.refresh import PORTFOLIO_ROWS, PORTFOLIO_SHEET, PricesUpdate, prices_update, symbols_to_refresh
from althedge_xl.workbook import prices_layout as px

#: Rectangles of the Prices sheet that refresh reads and writes, one COM call each.
_BLOCKS = (
    f"A{px.SPOT_FIRST_ROW}:F{px.SPOT_FIRST_ROW + px.SPOT_ROWS - 1}",
    f"B{px.PERP_FIRST_ROW}:B{px.PERP_FIRST_ROW + len(px.PERP_FIELDS) - 1}",
    f"B{px.FEAR_GREED_FIRST_ROW}:B{px.FEAR_GREED_FIRST_ROW + len(px.FEAR_GREED_FIELDS) - 1}",
    f"{px.HISTORY_TIME_COLUMN}{px.HISTORY_FIRST_ROW}:{px.HISTORY_RATE_COLUMN}{px.HISTORY_FIRST_ROW + px.HISTORY_ROWS - 1}",
    f"{px.UPDATED_CELL}:{px.EXCHANGE_CELL}",
)


def _cells_of(block: str) -> list[list[str]]:
    from openpyxl.utils.cell import get_column_letter, range_boundaries

    min_col, min_row, max_col, max_row = range_boundaries(block)
    return [[f"{get_column_letter(c)}{r}" for c in range(min_col, max_col + 1)] for r in range(min_row, max_row + 1)]


def _read(sheet: Any) -> dict[str, Any]:
    current: dict[str, Any] = {}
    for block in _BLOCKS:
        values = sheet.range(block).options(ndim=2).value
        for names, row in zip(_cells_of(block), values, strict=True):
            current.update(zip(names, row, strict=True))
    return current


def refresh_book(book: Any, fetch: Any = None, **feed_options: Any) -> PricesUpdate:
    """Refresh the Prices sheet of an open xlwings ``Book``; returns what was written."""
    prices = book.sheets[px.SHEET]
    current = _read(prices)
    rows = (
        book.sheets[PORTFOLIO_SHEET].range(f"A{PORTFOLIO_ROWS.start}:C{PORTFOLIO_ROWS.stop - 1}").options(ndim=2).value
    )
    portfolio = [(asset, quantity) for asset, _, quantity in rows]
    if fetch is None:
        from althedge_xl.feeds import refresh_market_data

        fetch = refresh_market_data
    exchange = str(current.get(px.EXCHANGE_CELL) or "binance").strip().lower()
    snapshot = fetch(symbols_to_refresh(current, portfolio), exchange, False, **feed_options)
    update = prices_update(snapshot, current)
    merged = {**current, **update.cells}
    for block in _BLOCKS:
        prices.range(block).value = [[merged.get(name) for name in row] for row in _cells_of(block)]
    return update


def refresh_caller() -> None:
    """Entry point of the workbook's Refresh button (xlwings ``RunPython``)."""
    import xlwings as xw

    update = refresh_book(xw.Book.caller())
    if not update.refreshed_any:
        raise RuntimeError("Nothing could be refreshed; the Prices sheet keeps its last good values, marked stale.")

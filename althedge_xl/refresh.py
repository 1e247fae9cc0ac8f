"""Refresh: market data into the Prices sheet, one code path for Excel and the command line.

:func:`prices_update` turns a :class:`~althedge_xl.feeds.MarketSnapshot` and the sheet's current
values into the cells to write. A value that could not be fetched keeps the sheet's last good value
(or the cache's) and is marked stale with the reason; nothing is ever blanked or zeroed.
:func:`refresh_workbook` writes those cells into a workbook file (only the Prices part changes,
atomically, the previous file kept as a backup); :mod:`althedge_xl.refresh_excel` writes them into
the open workbook through xlwings.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from althedge_xl.workbook import prices_layout as px
from althedge_xl.workbook.patch import CellValue

Cells = dict[str, CellValue]
PORTFOLIO_SHEET = "Portfolio"
PORTFOLIO_ROWS = range(5, 25)


@dataclass
class PricesUpdate:
    """The Prices cells to write, and what to tell the user."""

    cells: Cells
    refreshed_any: bool
    unknown_symbols: tuple[str, ...] = ()
    messages: list[str] = field(default_factory=list)


def spot_cells(row: int) -> dict[str, str]:
    """Column letter of each field of the spot block's ``row``."""
    return dict(
        zip(("symbol", "price", "time", "source", "stale", "note"), (f"{c}{row}" for c in px.SPOT_COLUMNS), strict=True)
    )


def symbols_to_refresh(current: Mapping[str, CellValue], portfolio: Sequence[tuple[Any, Any]]) -> list[str]:
    """The Prices block's symbols, then each Portfolio asset that has a quantity, without repeats."""
    symbols: list[str] = []
    for i in range(px.SPOT_ROWS):
        symbol = current.get(f"A{px.SPOT_FIRST_ROW + i}")
        if isinstance(symbol, str) and symbol.strip():
            symbols.append(symbol.strip().upper())
    for asset, quantity in portfolio:
        if isinstance(asset, str) and asset.strip() and quantity not in (None, ""):
            symbols.append(asset.strip().upper())
    return list(dict.fromkeys(symbols))


def _age_note(item: Any) -> str:
    if item.error is None:
        return ""
    if item.age_seconds is None:
        return f"missing: {item.error}"
    return f"stale, {item.age_seconds / 3600:.1f} h old: {item.error}"


def _spot_update(snapshot: Any, current: Mapping[str, CellValue], update: PricesUpdate) -> None:
    rows: dict[str, int] = {}
    free: list[int] = []
    for i in range(px.SPOT_ROWS):
        row = px.SPOT_FIRST_ROW + i
        symbol = current.get(f"A{row}")
        if isinstance(symbol, str) and symbol.strip():
            rows.setdefault(symbol.strip().upper(), row)
        else:
            free.append(row)
    unknown = set(snapshot.unknown_symbols)
    for symbol, quote in snapshot.spot.items():
        if symbol not in rows:
            if not free:
                update.messages.append(f"{symbol}: no free row on the Prices sheet; not written")
                continue
            rows[symbol] = free.pop(0)
        cells = spot_cells(rows[symbol])
        update.cells[cells["symbol"]] = symbol
        if quote.value is not None:
            update.cells |= {
                cells["price"]: quote.value,
                cells["time"]: quote.as_of or quote.time,
                cells["source"]: quote.source,
            }
        else:
            update.cells[cells["price"]] = current.get(cells["price"])
        update.cells[cells["stale"]] = not quote.fresh
        note = f"unknown on {snapshot.exchange}" if symbol in unknown else _age_note(quote)
        update.cells[cells["note"]] = note or None


def _field_update(
    names_values: Mapping[str, CellValue],
    stale_name: str,
    item: Any,
    current: Mapping[str, CellValue],
    update: PricesUpdate,
) -> None:
    """Label/value fields: fetched values, or the sheet's last good ones; the stale flag either way."""
    cells = px.field_cells()
    for name, value in names_values.items():
        update.cells[cells[name]] = value if value not in (None, "") else current.get(cells[name])
    update.cells[cells[stale_name]] = not item.fresh


def prices_update(snapshot: Any, current: Mapping[str, CellValue]) -> PricesUpdate:
    """The Prices cells to write for ``snapshot``, given the sheet's ``current`` values (cell → value)."""
    update = PricesUpdate({}, snapshot.refreshed_any, snapshot.unknown_symbols, list(snapshot.messages))
    _spot_update(snapshot, current, update)
    perp = snapshot.perp
    _field_update(
        {
            "PERP_SYMBOL": perp.symbol,
            "BTC_MARK": perp.mark_price,
            "BTC_INDEX": perp.index_price,
            "FUNDING_RATE": perp.funding_rate,
            "FUNDING_INTERVAL": perp.funding_interval_hours,
            "NEXT_FUNDING": perp.next_funding_time,
            "PERP_TIME": perp.as_of or perp.time,
            "PERP_SOURCE": perp.source,
        },
        "PERP_STALE",
        perp,
        current,
        update,
    )
    fg = snapshot.fear_greed
    _field_update(
        {"FG_VALUE": fg.value, "FG_CLASS": fg.classification, "FG_DATE": fg.date, "FG_SOURCE": fg.source},
        "FG_STALE",
        fg,
        current,
        update,
    )
    points = snapshot.funding_history.points[-px.HISTORY_ROWS :]
    if points:
        for i in range(px.HISTORY_ROWS):
            time, rate = points[i] if i < len(points) else (None, None)
            row = px.HISTORY_FIRST_ROW + i
            update.cells[f"{px.HISTORY_TIME_COLUMN}{row}"] = time
            update.cells[f"{px.HISTORY_RATE_COLUMN}{row}"] = rate
    stamp = snapshot.created_at + (" (offline: from the cache)" if snapshot.offline else "")
    update.cells[px.UPDATED_CELL] = stamp
    return update


def read_prices_sheet(path: Path) -> tuple[Cells, list[tuple[Any, Any]]]:
    """The Prices sheet's values (cell → value) and the Portfolio's (asset, quantity) rows of a file."""
    import openpyxl

    book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    if px.SHEET not in book.sheetnames:
        raise RefreshError(f"{path.name} has no {px.SHEET} sheet to refresh")
    sheet = book[px.SHEET]
    current: Cells = {}
    for row in sheet.iter_rows():
        for cell in row:
            if getattr(cell, "coordinate", None) and cell.value is not None:
                current[cell.coordinate] = cell.value
    portfolio: list[tuple[Any, Any]] = []
    if PORTFOLIO_SHEET in book.sheetnames:
        rows = book[PORTFOLIO_SHEET].iter_rows(
            min_row=PORTFOLIO_ROWS.start, max_row=PORTFOLIO_ROWS.stop - 1, max_col=3, values_only=True
        )
        portfolio = [(asset, quantity) for asset, _, quantity in rows]
    book.close()
    return current, portfolio


class RefreshError(Exception):
    """The workbook cannot be refreshed; the message says why, in one line."""


def backup_path(path: Path) -> Path:
    """Where the previous file is kept: ``AltHedge.xlsm`` → ``AltHedge.backup.xlsm``."""
    return path.with_name(f"{path.stem}.backup{path.suffix}")


def refresh_workbook(
    path: Path,
    exchange: str | None = None,
    offline: bool = False,
    fetch: Callable[..., Any] | None = None,
    **feed_options: Any,
) -> PricesUpdate:
    """Refresh the Prices sheet of the workbook file at ``path`` in place.

    Only the Prices sheet's XML part changes; the new file is written beside the old and renamed
    over it, and the previous file is kept as :func:`backup_path`. ``fetch`` is
    :func:`althedge_xl.feeds.refresh_market_data` unless a test passes another.
    """
    from althedge_xl.files import write_atomically
    from althedge_xl.headless import WorkbookError, check_readable
    from althedge_xl.workbook.patch import PackageError, patch_sheet

    try:
        check_readable(path)
    except WorkbookError as exc:
        raise RefreshError(str(exc)) from None
    current, portfolio = read_prices_sheet(path)
    venue = exchange or str(current.get(px.EXCHANGE_CELL) or "binance").strip().lower()
    if fetch is None:
        from althedge_xl.feeds import refresh_market_data

        fetch = refresh_market_data
    try:
        snapshot = fetch(symbols_to_refresh(current, portfolio), venue, offline, **feed_options)
    except ValueError as exc:
        raise RefreshError(str(exc)) from None
    update = prices_update(snapshot, current)
    original = path.read_bytes()
    try:
        patched = patch_sheet(original, px.SHEET, update.cells)
    except PackageError as exc:
        raise RefreshError(f"{path.name}: {exc}") from None
    shutil.copy2(path, backup_path(path))
    write_atomically(path, patched)
    return update

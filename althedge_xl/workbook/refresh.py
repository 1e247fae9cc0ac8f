"""Refresh: market data into the Prices sheet, one code path for Excel and the command line.

:func:`prices_update` turns a :class:`~althedge_xl.market.MarketSnapshot` and the sheet's current
values into the cells to write. A value that could not be fetched keeps the sheet's last good value
(or the cache's) and is marked stale with the reason; nothing is ever blanked or zeroed.
:func:`refresh_workbook` writes those cells into a workbook file (only the Prices part changes,
atomically, the previous file kept as a backup); :mod:`althedge_xl.workbook.refresh_excel` writes them into
the open workbook through xlwings.
"""

from __future__ import annotations

import io
import os
import stat
import zipfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from althedge_xl.workbook import history_layout as hx
from althedge_xl.workbook import prices_layout as px
from althedge_xl.workbook.patch import CellValue

Cells = dict[str, CellValue]
PORTFOLIO_SHEET = "Portfolio"
PORTFOLIO_ROWS = range(5, 25)
#: Errors openpyxl raises for a package that is a zip with xl/workbook.xml but is damaged inside.
DAMAGED_PACKAGE_ERRORS = (KeyError, ValueError, SyntaxError, zipfile.BadZipFile)


@dataclass
class PricesUpdate:
    """The Prices cells to write, and what to tell the user.

    ``refreshed`` and ``stale`` name the items (spot symbols, "BTC perpetual", "BTC dated future",
    "Fear & Greed", "funding history") fetched now and those that keep their last good values;
    unknown symbols are in ``unknown_symbols`` only.
    """

    cells: Cells
    refreshed_any: bool
    unknown_symbols: tuple[str, ...] = ()
    messages: list[str] = field(default_factory=list)
    refreshed: list[str] = field(default_factory=list)
    stale: list[str] = field(default_factory=list)
    exchange: str = ""

    def summary(self, max_messages: int = 8) -> str:
        """What was refreshed, what is stale and which symbols are unknown, a few lines for a message box."""
        lines = []
        if not self.refreshed_any:
            lines.append("Nothing could be refreshed; the Prices sheet keeps its last good values, marked stale.")
        if self.refreshed:
            lines.append(f"Refreshed: {', '.join(self.refreshed)}.")
        if self.stale:
            lines.append(f"Stale (last good values kept): {', '.join(self.stale)}.")
        if self.unknown_symbols:
            venue = f" on {self.exchange}" if self.exchange else ""
            lines.append(f"Unknown{venue} (marked on the Prices sheet): {', '.join(self.unknown_symbols)}.")
        shown = self.messages[:max_messages]
        if shown:
            lines.append("")
            lines.extend(shown)
            if len(self.messages) > len(shown):
                lines.append(f"… and {len(self.messages) - len(shown)} more.")
        return "\n".join(lines)


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
        if symbol not in unknown:
            (update.refreshed if quote.fresh else update.stale).append(symbol)
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


def _dated_future_update(future: Any, current: Mapping[str, CellValue], update: PricesUpdate) -> None:
    """The quarterly block: like the perpetual's, except that a future without a price keeps all of
    the sheet's last good fields, its symbol too (a new contract's name beside the old one's price
    would mislead)."""
    fields: dict[str, CellValue] = {}
    if not future.missing:
        fields = {
            "QUARTERLY_SYMBOL": future.symbol,
            "QUARTERLY_PRICE": future.price,
            "QUARTERLY_INDEX": future.index_price,
            "QUARTERLY_DAYS": future.days_to_expiry,
            "QUARTERLY_EXPIRY": future.expiry,
            "QUARTERLY_TIME": future.as_of or future.time,
            "QUARTERLY_SOURCE": future.source,
        }
    _field_update(fields, "QUARTERLY_STALE", future, current, update)
    (update.refreshed if future.fresh else update.stale).append("BTC dated future")


def prices_update(snapshot: Any, current: Mapping[str, CellValue]) -> PricesUpdate:
    """The Prices cells to write for ``snapshot``, given the sheet's ``current`` values (cell → value)."""
    update = PricesUpdate(
        {}, snapshot.refreshed_any, tuple(snapshot.unknown_symbols), list(snapshot.messages), exchange=snapshot.exchange
    )
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
    (update.refreshed if perp.fresh else update.stale).append("BTC perpetual")
    future = getattr(snapshot, "dated_future", None)  # None until market fetches the dated future
    if future is not None:
        _dated_future_update(future, current, update)
    fg = snapshot.fear_greed
    _field_update(
        {"FG_VALUE": fg.value, "FG_CLASS": fg.classification, "FG_DATE": fg.date, "FG_SOURCE": fg.source},
        "FG_STALE",
        fg,
        current,
        update,
    )
    (update.refreshed if fg.fresh else update.stale).append("Fear & Greed")
    history = snapshot.funding_history
    (update.refreshed if history.fresh else update.stale).append("funding history")
    points = history.points[-px.HISTORY_ROWS :]
    if points:
        for i in range(px.HISTORY_ROWS):
            time, rate = points[i] if i < len(points) else (None, None)
            row = px.HISTORY_FIRST_ROW + i
            update.cells[f"{px.HISTORY_TIME_COLUMN}{row}"] = time
            update.cells[f"{px.HISTORY_RATE_COLUMN}{row}"] = rate
    stamp = snapshot.created_at + (" (offline: from the cache)" if snapshot.offline else "")
    update.cells[px.UPDATED_CELL] = stamp
    return update


def read_prices_sheet(path: Path, content: bytes | None = None) -> tuple[Cells, list[tuple[Any, Any]]]:
    """The Prices sheet's values (cell → value) and the Portfolio's (asset, quantity) rows of a file.

    ``content`` is the file's bytes when the caller has read them already (they are what is read).
    """
    import openpyxl

    try:
        book = openpyxl.load_workbook(
            io.BytesIO(content) if content is not None else path, read_only=True, data_only=True
        )
        if px.SHEET not in book.sheetnames:
            raise RefreshError(f"{path.name} has no {px.SHEET} sheet to refresh")
        current: Cells = {}
        for row in book[px.SHEET].iter_rows():
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
    except DAMAGED_PACKAGE_ERRORS as exc:
        raise RefreshError(f"{path}: cannot be read as a workbook ({type(exc).__name__}: {exc})") from None
    return current, portfolio


class RefreshError(Exception):
    """The workbook cannot be refreshed; the message says why, in one line."""


def backup_path(path: Path) -> Path:
    """Where the previous file is kept: ``AltHedge.xlsm`` → ``AltHedge.backup.xlsm``."""
    return path.with_name(f"{path.stem}.backup{path.suffix}")


def read_only_reason(path: Path) -> str | None:
    """Why the existing file ``path`` cannot be replaced, or None when it can.

    Read-only means: the process may not write the file (``os.access``), no one has write
    permission on it (its mode bits, which also stop a user running as root from replacing a file
    someone marked read-only), or its folder cannot take the new file and the backup.
    """
    folder = path.parent
    if not os.access(path, os.W_OK) or not path.stat().st_mode & 0o222:
        return f"{path} is read-only"
    if not os.access(folder, os.W_OK | os.X_OK):
        return f"{path} is read-only (its folder {folder} is not writable)"
    return None


#: Options of :func:`althedge_xl.market.refresh_market_data` that the daily-closes fetch shares.
_SHARED_FEED_OPTIONS = ("cache_dir", "client", "clock", "sleep", "retry", "timeout_s", "progress")


def history_cells(closes: Any, update: PricesUpdate) -> Cells:
    """The History sheet's recent block for ``closes`` (:class:`althedge_xl.market.DailyCloses`).

    The dates and closes fill the block from its first row, oldest first, so it ends on the newest
    close; rows left over (a shorter answer) are cleared rather than left out of date order. Closes
    that could not be fetched keep the sheet's values and only the stale flag is set.
    """
    cells: Cells = {hx.STALE_CELL: not closes.fresh}
    if closes.missing:
        update.stale.append("History closes")
        return cells
    (update.refreshed if closes.fresh else update.stale).append("History closes")
    dates, rows = closes.dates[-hx.RECENT_DAYS :], closes.closes[-hx.RECENT_DAYS :]
    by_symbol = [closes.symbols.index(asset) if asset in closes.symbols else None for asset in hx.ASSETS]
    for i in range(hx.RECENT_DAYS):
        row = hx.FIRST_ROW + i
        day = dates[i] if i < len(dates) else None
        cells[f"{hx.RECENT_COLUMNS[0]}{row}"] = day
        for column, index in zip(hx.RECENT_COLUMNS[1:], by_symbol, strict=True):
            value = rows[i][index] if day is not None and index is not None else None
            cells[f"{column}{row}"] = value
    cells[hx.UPDATED_CELL] = f"{closes.time} from {closes.source}" + (" (stale)" if closes.stale else "")
    return cells


def fetch_history(
    exchange: str, offline: bool, feed_options: Mapping[str, Any], fetch: Callable[..., Any] | None
) -> Any:
    """The last year of daily closes of the History assets (``fetch`` replaces the feed in tests)."""
    if fetch is None:
        from althedge_xl.market import fetch_daily_closes

        fetch = fetch_daily_closes
    options = {k: v for k, v in feed_options.items() if k in _SHARED_FEED_OPTIONS}
    return fetch(hx.ASSETS, hx.RECENT_DAYS, exchange, offline, **options)


def refresh_workbook(
    path: Path,
    exchange: str | None = None,
    offline: bool = False,
    fetch: Callable[..., Any] | None = None,
    history: bool = False,
    fetch_closes: Callable[..., Any] | None = None,
    **feed_options: Any,
) -> PricesUpdate:
    """Refresh the Prices sheet (and with ``history`` the History sheet's last year) of a workbook file.

    Only those sheets' XML parts change; the new file is written beside the old and renamed over
    it, and the previous file is kept as :func:`backup_path` (same bytes, same permissions). A
    read-only workbook is refused before anything is fetched. ``fetch`` and ``fetch_closes`` are
    the market package's :func:`~althedge_xl.market.refresh_market_data` and
    :func:`~althedge_xl.market.fetch_daily_closes` unless a test passes others.
    """
    from althedge_xl.workbook.package import WorkbookError, check_readable
    from althedge_xl.workbook.patch import PackageError, patch_sheet

    try:
        check_readable(path)
    except WorkbookError as exc:
        raise RefreshError(str(exc)) from None
    reason = read_only_reason(path)
    if reason:
        raise RefreshError(f"{reason}; nothing was changed")
    try:
        original = path.read_bytes()
    except OSError as exc:
        raise RefreshError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    current, portfolio = read_prices_sheet(path, original)
    venue = exchange or str(current.get(px.EXCHANGE_CELL) or "binance").strip().lower()
    if fetch is None:
        from althedge_xl.market import refresh_market_data

        fetch = refresh_market_data
    try:
        snapshot = fetch(symbols_to_refresh(current, portfolio), venue, offline, **feed_options)
    except ValueError as exc:
        raise RefreshError(str(exc)) from None
    update = prices_update(snapshot, current)
    try:
        patched = patch_sheet(original, px.SHEET, update.cells)
        if history:
            closes = fetch_history(venue, offline, feed_options, fetch_closes)
            patched = patch_sheet(patched, hx.SHEET, history_cells(closes, update))
            update.refreshed_any = update.refreshed_any or closes.fresh
            if closes.error:
                update.messages.append(f"History closes: {closes.error}")
    except PackageError as exc:
        raise RefreshError(f"{path.name}: {exc}") from None
    _replace_keeping_backup(path, original, patched)
    return update


def _replace_keeping_backup(path: Path, original: bytes, patched: bytes) -> None:
    """Write ``original`` as the backup, then ``patched`` over ``path``, each atomically."""
    from althedge_xl.files import write_atomically

    backup = backup_path(path)
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
        write_atomically(backup, original)
        os.chmod(backup, mode)
    except OSError as exc:
        raise RefreshError(f"cannot write the backup {backup} ({exc.strerror or exc}); nothing was changed") from None
    try:
        write_atomically(path, patched)
    except OSError as exc:
        raise RefreshError(
            f"cannot replace {path} ({exc.strerror or exc}; is it open in Excel?); nothing was changed"
        ) from None

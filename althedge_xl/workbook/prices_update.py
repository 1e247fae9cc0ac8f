"""What a refresh writes into the Prices sheet (and the History sheet's last year), and what it tells the user.

:func:`prices_update` turns a :class:`~althedge_xl.market.MarketSnapshot` and the sheet's current values
into the cells to write. A value that could not be fetched keeps its last good value (the cache's, else the
sheet's), marked stale with its age and the reason; a value never fetched says so ("template sample value",
"typed by you"); nothing is ever blanked or zeroed. "Last refresh" changes only when something was fetched.
Both the command line (:mod:`althedge_xl.workbook.refresh`) and the Excel button
(:mod:`althedge_xl.workbook.refresh_excel`) write these cells.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from althedge_xl.workbook import history_layout as hx
from althedge_xl.workbook import prices_layout as px
from althedge_xl.workbook.patch import CellValue

Cells = dict[str, CellValue]
#: The Source text of the template's sample values starts with this (see workbook/samples.py).
SAMPLE_SOURCE_PREFIX = "sample:"


@dataclass
class PricesUpdate:
    """The Prices cells to write, and what to tell the user.

    ``refreshed`` and ``stale`` name the items (spot symbols, "BTC perpetual", "BTC dated future",
    "Fear & Greed", "funding history") fetched now and those that keep their last good values;
    unknown symbols are in ``unknown_symbols`` only; ``missing`` names those with no value at all (none
    fetched, none cached). A file refresh sets ``written`` (False: the file was left exactly as it was) and
    ``backup`` (the dated copy of the previous file).
    """

    cells: Cells
    refreshed_any: bool
    unknown_symbols: tuple[str, ...] = ()
    messages: list[str] = field(default_factory=list)
    refreshed: list[str] = field(default_factory=list)
    stale: list[str] = field(default_factory=list)
    exchange: str = ""
    missing: list[str] = field(default_factory=list)
    written: bool = False
    backup: Path | None = None
    #: With ``--account``: the :class:`~althedge_xl.market.account.records.AccountSnapshot` read.
    account: Any = None

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


def human_age(seconds: float) -> str:
    """An age as a user reads it: ``10800`` → ``"3 h"``, ``93784`` → ``"1 d 2 h"``, ``125`` → ``"2 min"``.

    >>> human_age(10800), human_age(93784), human_age(125), human_age(20)
    ('3 h', '1 d 2 h', '2 min', 'under a minute')
    """
    minutes = int(seconds // 60)
    days, rest = divmod(minutes, 1440)
    hours, minutes = divmod(rest, 60)
    parts = [f"{n} {unit}" for n, unit in ((days, "d"), (hours, "h"), (minutes, "min")) if n][:2]
    return " ".join(parts) or "under a minute"


def freshness_note(item: Any, price: CellValue, time: CellValue, source: CellValue, now: str) -> str | None:
    """The Note of a spot row: None when fetched now; else how old the value shown is, or where it came from.

    ``item`` is the snapshot's quote; ``price``, ``time`` and ``source`` are the sheet's cells (what stays
    shown when nothing was fetched or cached), ``now`` the refresh's time (UTC ISO-8601).

    >>> class Q: error, age_seconds, value = "timed out", 10800.0, 1.0
    >>> freshness_note(Q(), None, None, None, "2025-06-17T11:40:00Z")
    'stale, 3 h old: timed out'
    >>> Q.value = Q.age_seconds = None
    >>> freshness_note(Q(), 105_000.0, "2025-06-17", "sample: Binance BTCUSDT daily close", "2025-06-17T11:40:00Z")
    'template sample value, never refreshed: timed out'
    >>> freshness_note(Q(), 105_000.0, None, None, "2025-06-17T11:40:00Z")
    'typed by you, never refreshed: timed out'
    >>> freshness_note(Q(), 105_000.0, "2025-06-17T08:40:00.000Z", "binance fetch_tickers BTC/USDT", "2025-06-17T11:40:00Z")
    'stale, 3 h old: timed out'
    """
    if item.error is None:
        return None
    if item.value is not None and item.age_seconds is not None:
        return f"stale, {human_age(item.age_seconds)} old: {item.error}"
    if price in (None, ""):
        return f"missing: {item.error}"
    if isinstance(source, str) and source.startswith(SAMPLE_SOURCE_PREFIX):
        return f"template sample value, never refreshed: {item.error}"
    if source in (None, ""):
        return f"typed by you, never refreshed: {item.error}"
    age = _age_between(time, now)
    return f"stale, {human_age(age)} old: {item.error}" if age is not None else f"stale: {item.error}"


def _age_between(then: CellValue, now: str) -> float | None:
    """Seconds from the sheet's time cell ``then`` (ISO-8601, or a date) to ``now``; None when unreadable."""
    if isinstance(then, datetime):
        moment = then
    elif isinstance(then, str) and then.strip():
        try:
            moment = datetime.fromisoformat(then.strip().replace("Z", "+00:00"))
        except ValueError:
            return None
    else:
        return None
    moment = moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment
    end = datetime.fromisoformat(now.replace("Z", "+00:00"))
    return max(0.0, (end - moment).total_seconds())


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
        if symbol in unknown:
            note: str | None = f"unknown on {snapshot.exchange}"
        else:
            price, time, source = (current.get(cells[name]) for name in ("price", "time", "source"))
            note = freshness_note(quote, price, time, source, snapshot.created_at)
        update.cells[cells["note"]] = note


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
    # A perpetual with no value keeps the sheet's fields, its symbol too: the feed's spelling of the
    # symbol (BTC/USDT:USDT) beside the sheet's last good price would be a change without news.
    perp_fields: dict[str, CellValue] = {}
    if not perp.missing:
        perp_fields = {
            "PERP_SYMBOL": perp.symbol,
            "BTC_MARK": perp.mark_price,
            "BTC_INDEX": perp.index_price,
            "FUNDING_RATE": perp.funding_rate,
            "FUNDING_INTERVAL": perp.funding_interval_hours,
            "NEXT_FUNDING": perp.next_funding_time,
            "PERP_TIME": perp.as_of or perp.time,
            "PERP_SOURCE": perp.source,
        }
    _field_update(perp_fields, "PERP_STALE", perp, current, update)
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
    named = [(s, q) for s, q in snapshot.spot.items() if s not in snapshot.unknown_symbols]
    named += [("BTC perpetual", perp), ("Fear & Greed", fg), ("funding history", history)]
    if future is not None:
        named.append(("BTC dated future", future))
    update.missing = [name for name, item in named if item.missing]
    if snapshot.refreshed_any:  # "last refresh" is when something was fetched, and only then
        update.cells[px.UPDATED_CELL] = snapshot.created_at
        update.cells[px.AS_OF_CELL] = snapshot.created_at
        update.cells[px.AS_OF_LINE_CELL] = as_of_line(snapshot.created_at, snapshot.exchange)
    return update


def as_of_line(created_at: str, exchange: str) -> str:
    """The line that dates a refreshed sheet's values.

    >>> as_of_line("2026-03-05T04:12:00.000Z", "binance")
    'Values of the refresh of 2026-03-05 04:12 UTC from binance; a stale value keeps its own date (Time).'
    """
    moment = created_at[:16].replace("T", " ")
    return f"Values of the refresh of {moment} UTC from {exchange}; a stale value keeps its own date (Time)."


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

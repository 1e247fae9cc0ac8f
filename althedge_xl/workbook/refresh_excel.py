"""The Refresh button: ``RunPython "import althedge_xl.workbook.refresh_excel as r; r.refresh_caller()"``.

Reads the open workbook's Prices and Portfolio sheets through xlwings, fetches with the same code
as ``althedge refresh`` (:func:`althedge_xl.workbook.prices_update.prices_update`) within the same deadline,
writes the Prices sheet's refresh cells (and the History sheet's), and lets Excel recalculate. When the
workbook's exchange has an API key configured, the account is read first and written as ``althedge refresh
--account`` writes it (:mod:`~althedge_xl.workbook.refresh_excel_account`). It never raises (xlwings would
show a Python traceback): when something is stale, unknown or could not be refreshed, or a key must be
fixed, it says so in a message box.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from althedge_xl.market.account.faults import AccountFault
from althedge_xl.market.account.keys import ApiKey
from althedge_xl.workbook import history_layout as hx
from althedge_xl.workbook import prices_layout as px
from althedge_xl.workbook.history_long import last_day_of, long_block_update
from althedge_xl.workbook.prices_update import PricesUpdate, history_cells, prices_update, symbols_to_refresh
from althedge_xl.workbook.refresh import (
    DEFAULT_TIMEOUT_S,
    PORTFOLIO_ROWS,
    PORTFOLIO_SHEET,
    RefreshError,
)
from althedge_xl.workbook.refresh_excel_account import (
    AccountOutcome,
    ButtonAccount,
    button_key,
    holdings,
    read_account,
    redact,
    write_account,
)
from althedge_xl.workbook.refresh_excel_backtest import stretch_formulas
from althedge_xl.workbook.refresh_excel_protection import ProtectedSheet, unprotected
from althedge_xl.workbook.refresh_feeds import fetch_history

#: Rectangles of the Prices sheet that refresh reads and writes, one COM call each.
_BLOCKS = (
    f"A{px.SPOT_FIRST_ROW}:F{px.SPOT_FIRST_ROW + px.SPOT_ROWS - 1}",
    f"B{px.PERP_FIRST_ROW}:B{px.PERP_FIRST_ROW + len(px.PERP_FIELDS) - 1}",
    f"B{px.QUARTERLY_FIRST_ROW}:B{px.QUARTERLY_FIRST_ROW + len(px.QUARTERLY_FIELDS) - 1}",
    f"B{px.FEAR_GREED_FIRST_ROW}:B{px.FEAR_GREED_FIRST_ROW + len(px.FEAR_GREED_FIELDS) - 1}",
    f"{px.HISTORY_TIME_COLUMN}{px.HISTORY_FIRST_ROW}:{px.HISTORY_RATE_COLUMN}{px.HISTORY_FIRST_ROW + px.HISTORY_ROWS - 1}",
    f"{px.UPDATED_CELL}:{px.EXCHANGE_CELL}",
    f"{px.AS_OF_LINE_CELL}:{px.AS_OF_LINE_CELL}",
    f"{px.AS_OF_CELL}:{px.AS_OF_CELL}",
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


def refresh_book(
    book: Any,
    fetch: Any = None,
    fetch_closes: Any = None,
    timeout_s: float = DEFAULT_TIMEOUT_S,
    account: ButtonAccount | None = None,
    **feed_options: Any,
) -> PricesUpdate:
    """Refresh the Prices sheet and the History sheet's last year of an open xlwings ``Book``, and the
    account when the workbook's exchange has a key (:mod:`~althedge_xl.workbook.refresh_excel_account`).

    Everything the button fetches ends within one deadline of ``timeout_s`` seconds, as on the command line.
    A key refused or rejected raises :class:`~althedge_xl.market.account.faults.AccountFault` before
    anything is written; the result's ``account`` is the snapshot read (None without one).
    """
    return _refresh(book, fetch, fetch_closes, timeout_s, account or ButtonAccount(), feed_options).update


def _refresh(
    book: Any, fetch: Any, fetch_closes: Any, timeout_s: float, link: ButtonAccount, feed_options: dict[str, Any]
) -> _Pressed:
    from althedge_xl.market.deadline import Deadline

    feed_options.setdefault("deadline", Deadline(timeout_s))
    present = {sheet.name for sheet in book.sheets}
    for name in (px.SHEET, PORTFOLIO_SHEET):
        if name not in present:
            raise RefreshError(f"this workbook has no {name} sheet")
    prices = book.sheets[px.SHEET]
    current = _read(prices)
    rows = (
        book.sheets[PORTFOLIO_SHEET].range(f"A{PORTFOLIO_ROWS.start}:C{PORTFOLIO_ROWS.stop - 1}").options(ndim=2).value
    )
    portfolio = [(asset, quantity) for asset, _, quantity in rows]
    exchange = str(current.get(px.EXCHANGE_CELL) or "binance").strip().lower()
    outcome = _read_account(exchange, link, feed_options["deadline"])
    snapshot_read = outcome.snapshot if outcome is not None else None
    if fetch is None:
        from althedge_xl.market import refresh_market_data

        fetch = refresh_market_data
    symbols = symbols_to_refresh(current, [*portfolio, *holdings(snapshot_read)])
    snapshot = fetch(symbols, exchange, False, **feed_options)
    update = prices_update(snapshot, current)
    merged = {**current, **update.cells}
    for block in _BLOCKS:
        prices.range(block).value = [[merged.get(name) for name in row] for row in _cells_of(block)]
    sheet_lines: list[str] = []
    if hx.SHEET in present:
        closes = fetch_history(exchange, False, feed_options, fetch_closes)
        history = history_cells(closes, update)
        update.refreshed_any = update.refreshed_any or closes.fresh
        sheet = book.sheets[hx.SHEET]
        try:
            with unprotected(sheet):  # the daily history's cells are locked
                for ref in (hx.UPDATED_CELL, hx.STALE_CELL):
                    if ref in history:
                        sheet.range(ref).value = history[ref]
                if not closes.missing:  # the block itself, in one call
                    block = f"{hx.RECENT_COLUMNS[0]}{hx.FIRST_ROW}:{hx.RECENT_COLUMNS[-1]}{hx.RECENT_LAST_ROW}"
                    sheet.range(block).value = [[history.get(name) for name in row] for row in _cells_of(block)]
                block_last_row = _extend_long_block(sheet, closes, snapshot, update)
            if block_last_row is not None:  # the formulas over the daily history, to its last row
                sheet_lines = [f"Backtest: {line}" for line in stretch_formulas(book, block_last_row)]
        except ProtectedSheet as exc:
            sheet_lines.append(f"History and Backtest not written: {exc}")
    if snapshot_read is not None:
        outcome = write_account(book, snapshot_read, merged, link.dust_usd)
        update.account = snapshot_read
        update.messages.extend(outcome.notes)
        update.refreshed_any = True
    return _Pressed(update, outcome, sheet_lines)


class _Pressed(NamedTuple):
    """What one press did: the Prices update, the account's outcome (None without a key), and the lines
    about the History and Backtest sheets that could not be written."""

    update: PricesUpdate
    account: AccountOutcome | None
    sheet_lines: list[str]


def _read_account(exchange: str, link: ButtonAccount, deadline: Any) -> AccountOutcome | None:
    """The account of ``exchange`` when it has a key (None without one), read before anything is written."""
    found = button_key(exchange, link)
    if not isinstance(found, ApiKey):
        return found
    read = read_account(found, link, deadline)
    return read if isinstance(read, AccountOutcome) else AccountOutcome(exchange, read)


#: Rows of the History sheet's long-block date column read to find its last day (one call; 30 years of days).
_LONG_ROWS_READ = 11_000


def _extend_long_block(sheet: Any, closes: Any, snapshot: Any, update: PricesUpdate) -> int | None:
    """Append the days after the long block's last (:mod:`~althedge_xl.workbook.history_long`), in one call;
    the block's last row then (None when it is empty)."""
    date_column, *_, last_column = hx.LONG_COLUMNS
    dates = sheet.range(f"{date_column}{hx.FIRST_ROW}:{date_column}{hx.FIRST_ROW + _LONG_ROWS_READ - 1}")
    last = last_day_of(row[0] for row in dates.options(ndim=2).value)
    added = long_block_update(last, closes, snapshot.funding_history.points, snapshot.fear_greed.history)
    if added.problem:
        update.messages.append(f"History: {added.problem}")
    if added.days and last is not None:
        block = f"{date_column}{last[1] + 1}:{last_column}{last[1] + len(added.days)}"
        sheet.range(block).value = [[added.cells.get(name) for name in row] for row in _cells_of(block)]
    return None if last is None else last[1] + len(added.days)


ALERT_TITLE = "AltHedge refresh"


def refresh_and_tell(
    book: Any, fetch: Any = None, account: ButtonAccount | None = None, fetch_closes: Any = None, **feed_options: Any
) -> PricesUpdate | None:
    """Refresh ``book`` and tell the user, in a message box, whatever did not go perfectly.

    The box (``book.app.alert``) names what was refreshed, what keeps its last good values and the
    unknown symbols, and with the account link each account part that did not arrive and what to do
    about the rows it added; it appears only when something is stale, unknown, missing or to be done, or
    nothing was refreshed. A failure of the refresh itself is shown in the box too (and None returned):
    the button never raises, since xlwings would show the user a Python traceback. A key refused or
    rejected is one line (exchange, cause, fix) and nothing is written. No text shown holds the key.
    """
    link = account or ButtonAccount()
    try:
        update, outcome, sheet_lines = _refresh(book, fetch, fetch_closes, DEFAULT_TIMEOUT_S, link, feed_options)
    except AccountFault as fault:  # a key to fix: nothing was written
        _alert(book, link, f"Nothing was refreshed: {fault.line()}", "critical")
        return None
    except (RefreshError, ValueError) as exc:  # a missing sheet; market: what the user typed, e.g. the exchange
        _alert(book, link, f"Nothing was refreshed: {exc}", "critical")
        return None
    except Exception as exc:  # the button's last resort
        _alert(book, link, f"Nothing was refreshed: internal error ({type(exc).__name__}: {exc}); please report it.")
        return None
    lines = [*(outcome.lines if outcome is not None else []), *sheet_lines]
    to_do = bool(outcome and outcome.notes)
    if not update.refreshed_any or update.stale or update.unknown_symbols or lines or to_do:
        text = "\n".join([update.summary(), *lines]).strip()
        _alert(book, link, text, "info" if update.refreshed_any else "critical")
    return update


def _alert(book: Any, link: ButtonAccount, text: str, mode: str = "critical") -> None:
    """Show ``text`` in a message box, the key, its secret and passphrase cut out of it."""
    book.app.alert(redact(text, link.key_found), title=ALERT_TITLE, mode=mode)


def refresh_caller() -> None:
    """Entry point of the workbook's Refresh button (xlwings ``RunPython``)."""
    import xlwings as xw

    refresh_and_tell(xw.Book.caller())

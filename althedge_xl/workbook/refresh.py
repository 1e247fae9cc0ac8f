"""Refresh a workbook file: market data into its Prices (and History) sheet, without ever losing a file.

What is written is :func:`~althedge_xl.workbook.prices_update.prices_update`'s (the Excel button writes the
same cells into the open workbook, :mod:`althedge_xl.workbook.refresh_excel`). Around it, for the file:

* the file a symbolic link points to is refreshed, the link kept (a loop is named as one);
* a workbook open in Excel (its lock file ``~$NAME.xlsm`` beside it) is refused: close it in Excel first;
* refreshes of one workbook run one at a time (:func:`~althedge_xl.workbook.guard.refresh_lock`);
* temporary files a killed refresh left are removed before anything is written;
* nothing is written at all when nothing new was fetched (offline: when the cache holds nothing the file
  lacks): the file keeps its bytes and its modification time;
* otherwise the previous file is kept as a new dated backup (:mod:`~althedge_xl.workbook.backups`), never
  one overwritten, at most :data:`~althedge_xl.workbook.backups.KEEP_BACKUPS` of them, and the new file
  replaces the old atomically;
* every failure is one line naming the user's file and the real cause (disk full, read-only disk,
  permission, locked), and leaves the file as it was.
"""

from __future__ import annotations

import io
import os
import stat
import zipfile
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any, NamedTuple

from althedge_xl.files import is_link_loop, os_error_reason, remove_stale_temporaries, write_atomically
from althedge_xl.market.deadline import DEFAULT_DEADLINE_S
from althedge_xl.workbook import history_layout as hx
from althedge_xl.workbook import prices_layout as px
from althedge_xl.workbook.account_request import AccountRequest
from althedge_xl.workbook.backups import prune_backups, write_backup
from althedge_xl.workbook.guard import LockTimeout, excel_owner_file, refresh_lock
from althedge_xl.workbook.history_long import last_long_day, long_block_update
from althedge_xl.workbook.prices_update import (
    Cells,
    PricesUpdate,
    history_cells,
    prices_update,
    spot_cells,
    symbols_to_refresh,
)
from althedge_xl.workbook.refresh_feeds import fetch_exchange_tiers, fetch_history

PORTFOLIO_SHEET = "Portfolio"
PORTFOLIO_ROWS = range(5, 25)
#: Errors openpyxl raises for a package that is a zip with xl/workbook.xml but is damaged inside.
DAMAGED_PACKAGE_ERRORS = (KeyError, ValueError, SyntaxError, zipfile.BadZipFile)
#: The refresh's deadline when none is given: the whole refresh, every request and wait, ends by it.
DEFAULT_TIMEOUT_S = DEFAULT_DEADLINE_S


class RefreshError(Exception):
    """The workbook cannot be refreshed; the message says why, in one line."""


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
        current = _filled_cells(book[px.SHEET])
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


def sheet_values(content: bytes, sheet: str, refs: Iterable[str]) -> Cells:
    """The values the cells ``refs`` of ``sheet`` hold in the package ``content`` (blank ones left out)."""
    import openpyxl

    wanted = set(refs)
    try:
        book = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        found = _filled_cells(book[sheet]) if sheet in book.sheetnames else {}
        book.close()
    except DAMAGED_PACKAGE_ERRORS as exc:
        raise RefreshError(f"cannot be read as a workbook ({type(exc).__name__}: {exc})") from None
    return {ref: value for ref, value in found.items() if ref in wanted}


def _filled_cells(sheet: Any) -> Cells:
    """Each cell of a read-only ``sheet`` that holds a value (address -> value)."""
    return {
        cell.coordinate: cell.value
        for row in sheet.iter_rows()
        for cell in row
        if getattr(cell, "coordinate", None) and cell.value is not None
    }


def resolve_workbook(path: Path) -> Path:
    """The file ``path`` names: itself, or the file its symbolic link(s) point to; :class:`RefreshError` if none.

    >>> resolve_workbook(Path("/no/such/AltHedge.xlsm"))
    Traceback (most recent call last):
    ...
    althedge_xl.workbook.refresh.RefreshError: /no/such/AltHedge.xlsm: no such file
    """
    try:
        target = path.resolve(strict=True)
    except (OSError, RuntimeError) as exc:
        if is_link_loop(exc):
            raise RefreshError(f"{path}: a symbolic link loop (the link leads back to itself)") from None
        if path.is_symlink():
            raise RefreshError(f"{path}: a symbolic link to {os.readlink(path)}, which does not exist") from None
        if isinstance(exc, FileNotFoundError):
            raise RefreshError(f"{path}: no such file") from None
        raise RefreshError(f"{path}: {os_error_reason(exc) if isinstance(exc, OSError) else exc}") from None
    return target


def read_only_reason(path: Path) -> str | None:
    """Why the existing file ``path`` cannot be replaced, or None when it can.

    Read-only means: the file is on a read-only disk, the process may not write the file
    (``os.access``), no one has write permission on it (its mode bits, which also stop a user running as
    root from replacing a file someone marked read-only), or its folder cannot take the new file and the
    backup.
    """
    folder = path.parent
    if _on_read_only_disk(folder):
        return f"{path} is on a read-only disk"
    if not os.access(path, os.W_OK) or not path.stat().st_mode & 0o222:
        return f"{path} is read-only"
    if not os.access(folder, os.W_OK | os.X_OK):
        return f"{path} is read-only (its folder {folder} is not writable)"
    return None


def _on_read_only_disk(folder: Path) -> bool:
    statvfs = getattr(os, "statvfs", None)
    if statvfs is None:
        return False
    try:
        return bool(statvfs(folder).f_flag & getattr(os, "ST_RDONLY", 1))
    except OSError:
        return False


def refresh_workbook(
    path: Path,
    exchange: str | None = None,
    offline: bool = False,
    fetch: Callable[..., Any] | None = None,
    history: bool = False,
    fetch_closes: Callable[..., Any] | None = None,
    timeout_s: float = DEFAULT_TIMEOUT_S,
    tiers: bool = False,
    fetch_tiers: Callable[..., Any] | None = None,
    account: AccountRequest | None = None,
    **feed_options: Any,
) -> PricesUpdate:
    """Refresh the Prices sheet (with ``history`` the History sheet's last year, and its daily history
    extended to the newest close (:mod:`~althedge_xl.workbook.history_long`), the formulas over it with it
    (:mod:`~althedge_xl.workbook.long_block_formulas`); with ``tiers`` the exchange's tier table on the Hedge
    sheet, refused with the reason before anything is fetched when its tiers need a key)
    of a workbook file.

    See the module's docstring for what protects the file. ``timeout_s`` is the refresh's deadline (every
    request, retry and wait ends by it). ``fetch``, ``fetch_closes`` and ``fetch_tiers`` are the market
    package's :func:`~althedge_xl.market.refresh_market_data`, :func:`~althedge_xl.market.fetch_daily_closes`
    and :func:`~althedge_xl.market.risk_limits.fetch_risk_limits` unless a test passes others. The result's
    ``written`` says whether the file changed, ``backup`` where the previous one is.

    With ``account`` the user's account is read first (:mod:`~althedge_xl.market.account`): a setting fault
    raises :class:`~althedge_xl.market.account.faults.AccountFault` before anything is written; the parts
    that arrived are written with the rest (:mod:`~althedge_xl.workbook.account_refresh`).
    """
    from althedge_xl.market.deadline import Deadline
    from althedge_xl.workbook.package import WorkbookError, check_readable

    deadline = feed_options.pop("deadline", None) or Deadline(timeout_s)
    target = resolve_workbook(path)
    try:
        check_readable(target)
    except WorkbookError as exc:
        raise RefreshError(str(exc).replace(str(target), str(path), 1)) from None
    owner = excel_owner_file(path) or excel_owner_file(target)
    if owner is not None:
        raise RefreshError(
            f"{path} is open in Excel (its lock file {owner.name} is beside it): close it in Excel first, or"
            " press Refresh on its Prices sheet; nothing was changed"
        )
    reason = read_only_reason(target)
    if reason:
        raise RefreshError(f"{reason}; nothing was changed")
    try:
        with refresh_lock(target, wait_s=max(deadline.remaining(), 1.0)):
            remove_stale_temporaries(target)
            extras = _Extras(history, fetch_closes, tiers, fetch_tiers, account)
            return _refresh_locked(path, target, exchange, offline, fetch, extras, deadline, feed_options)
    except LockTimeout as exc:
        raise RefreshError(f"{path}: {exc}; try again when it has finished. Nothing was changed") from None
    except OSError as exc:  # the lock file's folder
        raise RefreshError(f"cannot refresh {path}: {os_error_reason(exc)}; nothing was changed") from None


def _refresh_locked(
    path: Path,
    target: Path,
    exchange: str | None,
    offline: bool,
    fetch: Callable[..., Any] | None,
    extras: _Extras,
    deadline: Any,
    feed_options: dict[str, Any],
) -> PricesUpdate:
    from althedge_xl.workbook.long_block_formulas import stretch_long_block_formulas
    from althedge_xl.workbook.package import WorkbookError
    from althedge_xl.workbook.patch import PackageError, patch_sheet

    try:
        original = target.read_bytes()
    except OSError as exc:
        raise RefreshError(f"{path}: cannot be read ({os_error_reason(exc)})") from None
    current, portfolio = read_prices_sheet(path, original)
    venue = exchange or str(current.get(px.EXCHANGE_CELL) or "binance").strip().lower()
    if extras.tiers:
        require_public_tiers(venue)
    account = extras.account.read(deadline) if extras.account is not None else None
    if fetch is None:
        from althedge_xl.market import refresh_market_data

        fetch = refresh_market_data
    options = {**feed_options, "deadline": deadline}
    try:
        held = _account_holdings(account)
        snapshot = fetch(symbols_to_refresh(current, [*portfolio, *held]), venue, offline, **options)
    except ValueError as exc:
        raise RefreshError(str(exc)) from None
    update = prices_update(snapshot, current)
    changes = _changes(update.cells, current)
    try:
        patched = patch_sheet(original, px.SHEET, update.cells)
        if extras.history:
            closes = fetch_history(venue, offline, options, extras.fetch_closes)
            history_update = history_cells(closes, update)
            shown_history = sheet_values(original, hx.SHEET, history_update)
            changes = changes or any(
                shown_history.get(ref) != value for ref, value in history_update.items() if ref != hx.UPDATED_CELL
            )
            added = long_block_update(
                last_long_day(original), closes, snapshot.funding_history.points, snapshot.fear_greed.history
            )
            patched = patch_sheet(patched, hx.SHEET, {**history_update, **added.cells})
            stretched = stretch_long_block_formulas(patched)
            changes = changes or stretched != patched
            patched = stretched
            update.refreshed_any = update.refreshed_any or closes.fresh
            changes = changes or bool(added.days)
            if closes.error:
                update.messages.append(f"History closes: {closes.error}")
            if added.problem:
                update.messages.append(f"History: {added.problem}")
        if extras.tiers:
            from althedge_xl.core.tiers import exchange_label
            from althedge_xl.workbook.tiers_update import write_tiers

            mark = px.field_cells()["BTC_MARK"]
            price = update.cells.get(mark, current.get(mark))
            limits = fetch_exchange_tiers(venue, offline, options, extras.fetch_tiers, price)
            patched, tiers_changed, problem = write_tiers(original, patched, limits, sheet_values)
            changes = changes or tiers_changed
            update.messages.extend(problem)
            _count(update, f"{exchange_label(venue)} tiers", limits)
        if account is not None:
            from althedge_xl.workbook.account_refresh import apply_account

            assert extras.account is not None
            patched, account_changes, notes = apply_account(
                original, patched, account, update.cells, extras.account.dust_usd, sheet_values
            )
            update.account = account
            update.messages.extend(notes)
            changes = changes or account_changes
            update.refreshed_any = update.refreshed_any or account_changes
    except (PackageError, WorkbookError) as exc:
        raise RefreshError(f"{path}: {exc}") from None
    if changes:  # a value the sheets show; the refresh's own time alone is not a change
        update.backup = _replace_keeping_backup(path, target, original, patched)
        update.written = True
    return update


def _account_holdings(account: Any) -> list[tuple[str, float]]:
    """The account's spot holdings other than cash, as Portfolio rows, so that their prices are refreshed too."""
    if account is None:
        return []
    from althedge_xl.market.account.records import CASH_ASSETS

    return [(h.asset, h.total) for h in account.value("spot balances") or [] if h.asset.upper() not in CASH_ASSETS]


class _Extras(NamedTuple):
    """The sheets a refresh fills besides Prices, and the fetches that stand in for the market's in tests."""

    history: bool
    fetch_closes: Callable[..., Any] | None
    tiers: bool
    fetch_tiers: Callable[..., Any] | None
    account: AccountRequest | None = None


def require_public_tiers(exchange: str) -> None:
    """Raise :class:`RefreshError` with the reason when ``exchange``'s tiers cannot be fetched without a key."""
    from althedge_xl.market.risk_limits import public_tier_feed

    try:
        public_tier_feed(exchange)
    except ValueError as exc:
        raise RefreshError(f"--tiers: {exc}; nothing was changed") from None


def _count(update: PricesUpdate, label: str, item: Any) -> None:
    """Add ``item`` (fresh, stale or missing) to what the update tells the user."""
    if item.fresh:
        update.refreshed.append(label)
        update.refreshed_any = True
    elif item.stale:
        update.stale.append(label)
    else:
        update.missing.append(label)
    if item.error:
        update.messages.append(f"{label}: {'stale, ' if item.stale else ''}{item.error}")


def _changes(cells: Cells, current: Mapping[str, Any]) -> bool:
    """True when ``cells`` would change a value the sheet shows (stale flags and notes aside)."""
    flags = {
        px.UPDATED_CELL,
        px.AS_OF_CELL,
        px.AS_OF_LINE_CELL,
        *(px.field_cells()[n] for n in ("PERP_STALE", "QUARTERLY_STALE", "FG_STALE")),
    }
    for i in range(px.SPOT_ROWS):
        row = spot_cells(px.SPOT_FIRST_ROW + i)
        flags |= {row["stale"], row["note"]}
    return any(value != current.get(ref) for ref, value in cells.items() if ref not in flags)


def _replace_keeping_backup(path: Path, target: Path, original: bytes, patched: bytes) -> Path:
    """Keep ``original`` as a new dated backup, then write ``patched`` over ``target``; the backup's path.

    When the workbook cannot be replaced the new backup is removed again (the file it copies is still
    there, unchanged), so a failing refresh never adds to the backups nor pushes an older one out.
    """
    try:
        mode = stat.S_IMODE(target.stat().st_mode)
        backup = write_backup(target, original, mode)
    except OSError as exc:
        raise RefreshError(f"cannot keep a backup of {path}: {os_error_reason(exc)}; nothing was changed") from None
    try:
        write_atomically(target, patched)
    except OSError as exc:
        backup.unlink(missing_ok=True)
        raise RefreshError(f"cannot write {path}: {os_error_reason(exc)}; nothing was changed") from None
    prune_backups(target)
    return backup

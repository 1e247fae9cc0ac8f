"""The Refresh button's account link: the key, the account read and its cells written through xlwings.

When the workbook's exchange (the Prices sheet's) has a key (:func:`~althedge_xl.market.account.keys.load_key`:
the environment variables, else the operating system's keyring), the button reads the account
(:func:`~althedge_xl.market.account.snapshot.fetch_account`) before it writes anything, within the
refresh's deadline, and writes what ``althedge refresh --account`` writes
(:func:`~althedge_xl.workbook.account_update.account_cells`): Portfolio, the Hedge inputs by defined
name, Binance's brackets into ``TIERS`` (COIN-M's into ``TIERS_INVERSE``), the Account sheet. With no key, nothing of the account is read.

The workbook is open in Excel, so the cells are written through Excel, not into the file (the command
line's lock and backups are for a closed file). A key refused, rejected or missing half of its pair
raises :class:`~althedge_xl.market.account.faults.AccountFault` before anything is written.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from openpyxl.utils.cell import column_index_from_string, get_column_letter

from althedge_xl.market.account.faults import SETTING, AccountFault
from althedge_xl.market.account.keys import KEYRING_SERVICE, ApiKey, env_names, load_key
from althedge_xl.market.account.records import CASH_ASSETS, AccountSnapshot
from althedge_xl.workbook import account_layout as ax
from althedge_xl.workbook.account_refresh import shown_prices, tier_writes
from althedge_xl.workbook.account_update import DEFAULT_DUST_USD, PORTFOLIO_FIRST, PORTFOLIO_LAST, account_cells
from althedge_xl.workbook.patch import CellValue
from althedge_xl.workbook.refresh_excel_protection import ProtectedSheet, unprotected

PORTFOLIO_SHEET = "Portfolio"
_CELL = re.compile(r"^\$?([A-Z]+)\$?(\d+)")


@dataclass
class ButtonAccount:
    """Where the button looks for the key and how it reads the account.

    ``environ`` and ``keyring`` are the process's environment and the ``keyring`` module unless a test
    passes others; ``fetch`` is :func:`~althedge_xl.market.account.snapshot.fetch_account` unless a
    test's; ``options`` go to it (a test's clock); ``dust_usd`` as ``--dust``.
    """

    environ: Mapping[str, str] | None = None
    keyring: Any = None
    fetch: Callable[..., AccountSnapshot] | None = None
    options: Mapping[str, Any] = field(default_factory=dict)
    dust_usd: float = DEFAULT_DUST_USD
    #: The key found, kept only to cut it out of any message the button shows.
    key_found: ApiKey | None = field(default=None, repr=False)


@dataclass
class AccountOutcome:
    """What the button did with the account: the snapshot read (None when it could not be read), the
    notes for the user, and ``lines``, the message box's account lines (empty when all went well)."""

    exchange: str
    snapshot: AccountSnapshot | None = None
    notes: list[str] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)


def button_key(exchange: str, link: ButtonAccount) -> ApiKey | AccountOutcome | None:
    """The key of ``exchange``; None when none is configured (the public refresh alone); an
    :class:`AccountOutcome` saying why when the keyring could not be read (the public refresh still runs).

    A key that is there but broken (half of the environment pair, a keyring entry not althedge's) raises
    :class:`AccountFault` (exit :data:`~althedge_xl.market.account.faults.SETTING`): nothing is written.
    """
    environ = link.environ
    if environ is None:
        import os

        environ = os.environ
    if any(environ.get(name, "").strip() for name in env_names(exchange)[:2]):
        link.key_found = load_key(exchange, environ, link.keyring)
        return link.key_found
    backend = link.keyring if link.keyring is not None else _keyring_module()
    if backend is None:
        return None
    try:
        present = bool(backend.get_password(KEYRING_SERVICE, exchange))
    except Exception as exc:  # a keyring backend that is not there at all holds no key; a locked one might
        if type(exc).__name__ == "NoKeyringError":
            return None
        fault = AccountFault(
            exchange,
            f"the keyring could not be read ({type(exc).__name__})",
            "unlock the keyring, or set " + " and ".join(env_names(exchange)[:2]),
        )
        return AccountOutcome(exchange, lines=[f"Account not read: {fault.line()}"])
    if present:
        link.key_found = load_key(exchange, environ, backend)
    return link.key_found


def read_account(api_key: ApiKey, link: ButtonAccount, deadline: Any) -> AccountSnapshot | AccountOutcome:
    """The account of ``api_key`` within ``deadline``; an :class:`AccountOutcome` saying why when none of it
    could be read for a passing cause (the public refresh still runs). A setting fault raises."""
    fetch = link.fetch
    if fetch is None:
        from althedge_xl.market.account.snapshot import fetch_account

        fetch = fetch_account
    try:
        return fetch(api_key, deadline=deadline, **link.options)
    except AccountFault as fault:
        if fault.exit_code == SETTING:
            raise
        return AccountOutcome(api_key.exchange, lines=[f"Account not read: {fault.line()}"])


def holdings(snapshot: AccountSnapshot | None) -> list[tuple[str, float]]:
    """The account's spot holdings other than cash, as Portfolio rows, so that their prices are refreshed too."""
    if snapshot is None:
        return []
    return [(h.asset, h.total) for h in snapshot.value("spot balances") or [] if h.asset.upper() not in CASH_ASSETS]


def write_account(
    book: Any, snapshot: AccountSnapshot, prices_cells: Mapping[str, CellValue], dust_usd: float
) -> AccountOutcome:
    """Write ``snapshot`` into the open ``book`` (``prices_cells``: the Prices sheet as refreshed)."""
    outcome = AccountOutcome(snapshot.exchange, snapshot)
    present = {sheet.name for sheet in book.sheets}
    rows = []
    if PORTFOLIO_SHEET in present:
        block = f"A{PORTFOLIO_FIRST}:E{PORTFOLIO_LAST}"
        shown = book.sheets[PORTFOLIO_SHEET].range(block).options(ndim=2).value
        rows = [(PORTFOLIO_FIRST + i, a, b, c, e) for i, (a, b, c, _, e) in enumerate(shown)]
    cells = account_cells(snapshot, rows, shown_prices(prices_cells, {}), dust_usd)
    outcome.notes.extend(cells.notes)
    per_sheet: dict[str, tuple[Any, dict[str, CellValue]]] = {}
    if PORTFOLIO_SHEET in present:
        per_sheet[PORTFOLIO_SHEET] = (book.sheets[PORTFOLIO_SHEET], dict(cells.portfolio))
    for name, value in cells.hedge.items():
        target = _named_cell(book, name)
        if target is None:
            outcome.notes.append(f"this workbook has no cell named {name}: not written")
            continue
        sheet, ref = target
        per_sheet.setdefault(sheet.name, (sheet, {}))[1][ref] = value
    tier_cells, tier_notes = tier_writes(cells, snapshot, lambda name: _named_place(book, name))
    outcome.notes.extend(tier_notes)
    for sheet_name, values in tier_cells.items():
        per_sheet.setdefault(sheet_name, (book.sheets[sheet_name], {}))[1].update(values)
    if ax.SHEET in present:
        per_sheet[ax.SHEET] = (book.sheets[ax.SHEET], cells.account)
    else:
        outcome.notes.append(
            "this workbook has no Account sheet (it predates it): the balances, positions and the exchange's"
            " numbers are not kept; `althedge init` makes a new workbook that has it"
        )
    for sheet, values in per_sheet.values():
        try:
            with unprotected(sheet):
                write_cells(sheet, values)
        except ProtectedSheet as exc:
            outcome.lines.append(f"Account: {exc}; its cells were not written")
    for part in snapshot.failed:
        outcome.lines.append(f"Account {part.name}: not written ({part.error})")
    for part in snapshot.parts.values():
        if part.unreadable:
            outcome.lines.append(f"Account {part.name}: {part.unreadable}")
    if snapshot.failed:
        arrived = [part.name for part in snapshot.parts.values() if part.ok]
        outcome.lines.insert(0, f"Account ({snapshot.exchange}) written: {', '.join(arrived) or 'nothing'}.")
    return outcome


def _named_cell(book: Any, name: str) -> tuple[Any, str] | None:
    """The sheet and first cell of the workbook's defined name ``name``, None without it."""
    if name not in book.names:
        return None
    try:
        target = book.names[name].refers_to_range
    except Exception:  # a name that is not a range (a constant, a formula) or points nowhere
        return None
    match = _CELL.match(str(target.address).split(":")[0])
    return (target.sheet, f"{match[1]}{match[2]}") if match else None


def _named_place(book: Any, name: str) -> tuple[str, str] | None:
    """The sheet's name and first cell of the defined name ``name``, None without it."""
    target = _named_cell(book, name)
    return (target[0].name, target[1]) if target is not None else None


def write_cells(sheet: Any, cells: Mapping[str, CellValue]) -> None:
    """Write ``cells`` (address -> value) into an xlwings ``sheet``, one call per run of adjacent cells of a row."""
    for ref, values in _runs(cells):
        sheet.range(ref).value = [values]


def _runs(cells: Mapping[str, CellValue]) -> Iterator[tuple[str, list[CellValue]]]:
    """Each run of cells side by side in one row: its range and its values, left to right."""
    placed = sorted(
        (int(m[2]), column_index_from_string(m[1]), value)
        for ref, value in cells.items()
        if (m := _CELL.match(ref)) is not None
    )
    run: list[tuple[int, int, CellValue]] = []
    for cell in [*placed, None]:
        if run and (cell is None or cell[0] != run[-1][0] or cell[1] != run[-1][1] + 1):
            row, first, last = run[0][0], run[0][1], run[-1][1]
            yield f"{get_column_letter(first)}{row}:{get_column_letter(last)}{row}", [v for _, _, v in run]
            run = []
        if cell is not None:
            run.append(cell)


def redact(text: str, api_key: ApiKey | None) -> str:
    """``text`` with every occurrence of the key, the secret and the passphrase cut out."""
    if api_key is None:
        return text
    for secret in (api_key.key, api_key.secret, api_key.passphrase):
        if secret:
            text = text.replace(secret, "[hidden]")
    return text


def _keyring_module() -> Any:
    try:
        import keyring
    except ImportError:
        return None
    return keyring

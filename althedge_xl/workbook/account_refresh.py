"""Write an account snapshot into a workbook package: Portfolio, Hedge (by defined name) and Account.

Used by :func:`~althedge_xl.workbook.refresh.refresh_workbook` inside its lock, after the public refresh
patched the Prices sheet; the same safe write follows (dated backup, atomic replace). A change is a value
the sheets show differently: the Account sheet's "read at" time alone changes nothing.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from althedge_xl.core.exchanges import exchange_profile
from althedge_xl.market.account.records import AccountSnapshot
from althedge_xl.workbook import account_layout as ax
from althedge_xl.workbook import prices_layout as px
from althedge_xl.workbook.account_update import (
    PORTFOLIO_FIRST,
    PORTFOLIO_LAST,
    TIER_ROWS,
    AccountCells,
    account_cells,
)
from althedge_xl.workbook.patch import CellValue, patch_sheet
from althedge_xl.workbook.sheets.hedge_tables import (
    INVERSE_OWNER_NAME,
    INVERSE_TABLE_NAME,
    inverse_heading_from_account,
)

_NAME = re.compile(r"<(?:\w+:)?definedName\b[^>]*\bname=\"([^\"]+)\"[^>]*>([^<]+)</(?:\w+:)?definedName>")
_TARGET = re.compile(r"^'?([^'!]+)'?!\$?([A-Z]+)\$?(\d+)")


def defined_cells(package: bytes) -> dict[str, tuple[str, str]]:
    """Each workbook-level defined name -> (sheet, first cell), ``{"HELD": ("Hedge", "B30")}``."""
    with zipfile.ZipFile(io.BytesIO(package)) as archive:
        xml = archive.read("xl/workbook.xml").decode("utf-8")
    found: dict[str, tuple[str, str]] = {}
    for name, target in _NAME.findall(xml):
        match = _TARGET.match(target.replace("&apos;", "'"))
        if match and "localSheetId" not in name:
            found.setdefault(name, (match[1], f"{match[2]}{match[3]}"))
    return found


def apply_account(
    original: bytes,
    patched: bytes,
    snapshot: AccountSnapshot,
    prices_cells: Mapping[str, CellValue],
    dust_usd: float,
    read: Any,
) -> tuple[bytes, bool, list[str]]:
    """``patched`` with the account written; whether any shown value changed; notes for the user.

    ``read(content, sheet, refs)`` is :func:`~althedge_xl.workbook.refresh.sheet_values`.
    """
    refs = [f"{c}{r}" for r in range(PORTFOLIO_FIRST, PORTFOLIO_LAST + 1) for c in "ABCE"]
    shown = read(original, "Portfolio", refs)
    rows = [
        (r, shown.get(f"A{r}"), shown.get(f"B{r}"), shown.get(f"C{r}"), shown.get(f"E{r}"))
        for r in range(PORTFOLIO_FIRST, PORTFOLIO_LAST + 1)
    ]
    cells = account_cells(snapshot, rows, shown_prices(read(original, px.SHEET, _price_refs()), prices_cells), dust_usd)
    notes = list(cells.notes)
    names = defined_cells(original)
    per_sheet: dict[str, dict[str, CellValue]] = {"Portfolio": dict(cells.portfolio)}
    for name, value in cells.hedge.items():
        if name not in names:
            notes.append(f"this workbook has no cell named {name}: not written")
            continue
        sheet, ref = names[name]
        per_sheet.setdefault(sheet, {})[ref] = value
    tier_cells, tier_notes = tier_writes(cells, snapshot, names.get)
    notes += tier_notes
    for sheet, values in tier_cells.items():
        per_sheet.setdefault(sheet, {}).update(values)
    with zipfile.ZipFile(io.BytesIO(original)) as archive:
        has_account = f'name="{ax.SHEET}"' in archive.read("xl/workbook.xml").decode("utf-8")
    if has_account:
        per_sheet[ax.SHEET] = cells.account
    else:
        notes.append(
            "this workbook has no Account sheet (it predates it): the balances, positions and the exchange's"
            " numbers are printed, not kept; `althedge init` makes a new workbook that has it"
        )
    changed = False
    for sheet, values in per_sheet.items():
        if not values:
            continue
        before = read(original, sheet, values)
        if any(
            _differs(before.get(ref), value)
            for ref, value in values.items()
            if (sheet, ref) != (ax.SHEET, ax.READ_AT_CELL)
        ):
            changed = True
        patched = patch_sheet(patched, sheet, values)
    return patched, changed, notes


def tier_writes(
    cells: AccountCells, snapshot: AccountSnapshot, locate: Callable[[str], tuple[str, str] | None]
) -> tuple[dict[str, dict[str, CellValue]], list[str]]:
    """The account's brackets as cells by sheet, and notes: BTCUSDT's into ``TIERS``, COIN-M's into ``TIERS_INVERSE``.

    ``locate(name)`` is a defined name's (sheet, first cell), None when the workbook has none. The COIN-M
    brackets (BTC) go with the exchange's name into :data:`~althedge_xl.workbook.sheets.hedge_tables.INVERSE_OWNER_NAME`
    so that the Hedge sheet uses them for an inverse hedge on that exchange alone; a workbook built before
    the inverse table gets nothing there and a note. Shared by ``refresh --account`` and the Refresh button.
    """
    per_sheet: dict[str, dict[str, CellValue]] = {}
    notes: list[str] = []
    date = snapshot.time[:10]
    linear = locate("TIERS")
    if cells.tiers is not None and linear is not None:
        heading = f"Binance BTCUSDT tiers (editable): from your account, {date} (GET /fapi/v1/leverageBracket)"
        per_sheet.setdefault(linear[0], {}).update(tier_table_cells(linear[1], cells.tiers, heading, 2))
    if cells.inverse_tiers is not None:
        inverse, owner = locate(INVERSE_TABLE_NAME), locate(INVERSE_OWNER_NAME)
        if inverse is None or owner is None:
            notes.append(
                f"this workbook has no inverse tier table ({INVERSE_TABLE_NAME}; it predates it): the account's"
                " COIN-M brackets are not written and an inverse hedge keeps the rule's default table;"
                " `althedge init` makes a new workbook that has it"
            )
        else:
            label = exchange_profile(snapshot.exchange).label
            heading = inverse_heading_from_account(label, date, "GET /dapi/v2/leverageBracket")
            per_sheet.setdefault(inverse[0], {}).update(tier_table_cells(inverse[1], cells.inverse_tiers, heading, 3))
            per_sheet.setdefault(owner[0], {})[owner[1]] = snapshot.exchange
    return per_sheet, notes


def tier_table_cells(
    first: str, rows: Sequence[Sequence[float]], heading: str, heading_above: int
) -> dict[str, CellValue]:
    """A tier table's cells from its first cell ``first``: ``rows`` then blanks to :data:`TIER_ROWS`, and its heading.

    The heading sits ``heading_above`` rows above the first tier, in the table's first column.
    """
    column, row = re.match(r"([A-Z]+)(\d+)", first).groups()  # type: ignore[union-attr]
    top = int(row)
    letters = [chr(ord(column) + i) for i in range(5)]
    cells: dict[str, CellValue] = {}
    for i in range(TIER_ROWS):
        values = rows[i] if i < len(rows) else [None] * 5
        for letter, value in zip(letters, values, strict=True):
            cells[f"{letter}{top + i}"] = value
    cells[f"{column}{top - heading_above}"] = heading
    return cells


def _price_refs() -> list[str]:
    return [f"{c}{px.SPOT_FIRST_ROW + i}" for i in range(px.SPOT_ROWS) for c in "AB"]


def shown_prices(shown: Mapping[str, Any], update: Mapping[str, CellValue]) -> dict[str, float]:
    """USD price by upper-case symbol from the Prices sheet's spot block as shown, ``update`` laid over it.

    ``shown`` and ``update`` map the block's cells (``"A5"``: symbol, ``"B5"``: price in USD) to values; a
    row counts when its symbol is text and its price a number above 0.
    """
    merged = {**shown, **{k: v for k, v in update.items() if v is not None}}
    prices: dict[str, float] = {}
    for i in range(px.SPOT_ROWS):
        symbol, price = merged.get(f"A{px.SPOT_FIRST_ROW + i}"), merged.get(f"B{px.SPOT_FIRST_ROW + i}")
        if isinstance(symbol, str) and isinstance(price, int | float) and not isinstance(price, bool) and price > 0:
            prices[symbol.strip().upper()] = float(price)
    return prices


def _differs(before: Any, after: CellValue) -> bool:
    if isinstance(before, int | float) and isinstance(after, int | float) and not isinstance(after, bool):
        return float(before) != float(after)
    return (before if before != "" else None) != after

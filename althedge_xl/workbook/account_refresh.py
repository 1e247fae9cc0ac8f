"""Write an account snapshot into a workbook package: Portfolio, Hedge (by defined name) and Account.

Used by :func:`~althedge_xl.workbook.refresh.refresh_workbook` inside its lock, after the public refresh
patched the Prices sheet; the same safe write follows (dated backup, atomic replace). A change is a value
the sheets show differently: the Account sheet's "read at" time alone changes nothing.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Mapping
from typing import Any

from althedge_xl.market.account.records import AccountSnapshot
from althedge_xl.workbook import account_layout as ax
from althedge_xl.workbook import prices_layout as px
from althedge_xl.workbook.account_update import PORTFOLIO_FIRST, PORTFOLIO_LAST, TIER_ROWS, account_cells
from althedge_xl.workbook.patch import CellValue, patch_sheet

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
    cells = account_cells(snapshot, rows, _prices(read(original, px.SHEET, _price_refs()), prices_cells), dust_usd)
    notes = list(cells.notes)
    names = defined_cells(original)
    per_sheet: dict[str, dict[str, CellValue]] = {"Portfolio": dict(cells.portfolio)}
    for name, value in cells.hedge.items():
        if name not in names:
            notes.append(f"this workbook has no cell named {name}: not written")
            continue
        sheet, ref = names[name]
        per_sheet.setdefault(sheet, {})[ref] = value
    if cells.tiers is not None and "TIERS" in names:
        sheet, first = names["TIERS"]
        per_sheet.setdefault(sheet, {}).update(_tier_cells(first, cells.tiers, snapshot))
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


def _tier_cells(first: str, rows: list[list[float]], snapshot: AccountSnapshot) -> dict[str, CellValue]:
    column, row = re.match(r"([A-Z]+)(\d+)", first).groups()  # type: ignore[union-attr]
    top = int(row)
    letters = [chr(ord(column) + i) for i in range(5)]
    cells: dict[str, CellValue] = {}
    for i in range(TIER_ROWS):
        values = rows[i] if i < len(rows) else [None] * 5
        for letter, value in zip(letters, values, strict=True):
            cells[f"{letter}{top + i}"] = value
    cells[f"{column}{top - 2}"] = (
        f"Binance BTCUSDT tiers (editable): from your account, {snapshot.time[:10]} (GET /fapi/v1/leverageBracket)"
    )
    return cells


def _price_refs() -> list[str]:
    return [f"{c}{px.SPOT_FIRST_ROW + i}" for i in range(px.SPOT_ROWS) for c in "AB"]


def _prices(shown: Mapping[str, Any], update: Mapping[str, CellValue]) -> dict[str, float]:
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

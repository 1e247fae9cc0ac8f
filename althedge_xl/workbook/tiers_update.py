"""An exchange's tier table on the Hedge sheet as ``althedge refresh --tiers`` writes it from its risk limits.

Each exchange has a table of its own, found by its defined name (:func:`~althedge_xl.workbook.sheets.
hedge_tables.tier_table_name`: ``TIERS`` for Binance, ``TIERS_BYBIT``, ``TIERS_OKX``, ``TIERS_MEXC``…), so a
workbook whose rows moved is written where its table is. A workbook built before each exchange had its own
table keeps the one it shared among the other exchanges, ``TIERS_OTHER``: an exchange without a table of
its own there is written into it, as before. Each table keeps its place and shape
(:data:`~althedge_xl.workbook.sheets.hedge_tables.TIER_ROWS` rows of floor, cap, maintenance rate,
maintenance amount and maximum leverage); rows beyond the exchange's tiers are cleared. The heading, two
rows above the first tier, says whose tiers they are, where they come from and when they were fetched, and
says *stale* when they are the cache's last good table rather than this refresh's; the note, one row below
the last tier, says how its amounts read, and for tiers counted in contracts the contract size and the price
they were converted at.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from althedge_xl.core.exchanges import PROFILES
from althedge_xl.core.tiers import exchange_label
from althedge_xl.workbook.patch import CellValue, patch_sheet
from althedge_xl.workbook.sheets.hedge_tables import (
    AMOUNT_NOTES,
    SHARED_TABLE_NAME,
    TABLE_FIRST_ROWS,
    TIER_COLUMNS,
    TIER_ROWS,
    tier_table_name,
)

SHEET = "Hedge"


@dataclass(frozen=True)
class TablePlace:
    """Where a tier table is in a workbook: its defined name, sheet, first column and first tier row."""

    name: str
    sheet: str
    column: str
    first_row: int

    def columns(self) -> list[str]:
        """The table's five column letters."""
        return [chr(ord(self.column) + i) for i in range(len(TIER_COLUMNS))]

    @property
    def heading_cell(self) -> str:
        """The cell that says whose tiers the table holds, from where and when."""
        return f"{self.column}{self.first_row - 2}"

    @property
    def note_cell(self) -> str:
        """The cell under the table that says how it was written."""
        return f"{self.column}{self.first_row + TIER_ROWS + 1}"


def table_place(exchange: str, names: Mapping[str, tuple[str, str]]) -> TablePlace | None:
    """Where ``exchange``'s table is, from the workbook's defined names (name -> (sheet, first cell)).

    Its own name first; in a workbook built before each exchange had one, the shared ``TIERS_OTHER``;
    None when the workbook has neither.
    """
    for name in (tier_table_name(exchange), SHARED_TABLE_NAME):
        if name in names:
            sheet, first = names[name]
            column, row = re.fullmatch(r"([A-Z])(\d+)", first).groups()  # type: ignore[union-attr]
            return TablePlace(name, sheet, column, int(row))
    return None


def template_place(exchange: str) -> TablePlace:
    """Where the template built by this version puts ``exchange``'s table."""
    return TablePlace(tier_table_name(exchange), SHEET, TIER_COLUMNS[0], TABLE_FIRST_ROWS[exchange])


#: Bybit's heading and note in the template (the cells the first tier refresh wrote).
HEADING_CELL = template_place("bybit").heading_cell
NOTE_CELL = template_place("bybit").note_cell


def tier_cells(limits: Any, place: TablePlace) -> dict[str, CellValue]:
    """The cells of the table at ``place`` for ``limits`` (a :class:`~althedge_xl.market.risk_limits.RiskLimits`).

    Nothing when the table is missing (the sheet keeps what it has). More tiers than the table has rows:
    the first rows are written and the note says where the table ends (a larger position is ``#N/A``).
    """
    if limits.missing:
        return {}
    exchange = limits.exchange
    label = exchange_label(exchange)
    top = place.first_row
    cells: dict[str, CellValue] = {}
    rows = limits.rows[:TIER_ROWS]
    for i in range(TIER_ROWS):
        row = rows[i] if i < len(rows) else (None,) * len(TIER_COLUMNS)
        for column, value in zip(place.columns(), row, strict=True):
            cells[f"{column}{top + i}"] = value
    day = (limits.time or "")[:10]
    stale = f" (stale: the last good table, {limits.error})" if limits.stale else ""
    cells[place.heading_cell] = f"{label} BTCUSDT tiers (editable): {label} risk limits via ccxt {day}{stale}"
    shown = f"all {len(limits.rows)} tiers"
    if len(limits.rows) > TIER_ROWS:
        shown = f"the first {TIER_ROWS} of {len(limits.rows)} tiers, up to {rows[-1][1]:,.0f} USDT"
    profile = PROFILES[exchange]
    feed = profile.tier_feed
    endpoint = f" ({feed.endpoint})" if feed is not None and feed.endpoint else ""
    converted = ""
    if limits.contract_size is not None and limits.price is not None:
        converted = (
            f" counted in contracts of {limits.contract_size:g} BTC, converted to USDT at the BTC mark price"
            f" {limits.price:,.2f} of the Prices sheet (refresh again when it moves);"
        )
    shared = ""
    if place.name == SHARED_TABLE_NAME:
        shared = (
            " This workbook predates a tier table per exchange: this one is shared by every exchange but"
            " Binance and Bybit."
        )
    cells[place.note_cell] = (
        f"{label}'s risk limits{endpoint}, {shown}, as althedge refresh --tiers wrote them;{converted}"
        f" {AMOUNT_NOTES[profile.amounts]}.{shared}"
    )
    return cells


def write_tiers(original: bytes, patched: bytes, limits: Any, read: Any) -> tuple[bytes, bool, list[str]]:
    """``patched`` with ``limits`` written into its exchange's table; whether a shown value changed; problems.

    ``original`` is the workbook as it was read (its defined names and shown values); ``read(content,
    sheet, refs)`` is :func:`~althedge_xl.workbook.refresh.sheet_values`.
    """
    from althedge_xl.workbook.account_refresh import defined_cells

    place = table_place(limits.exchange, defined_cells(original))
    if place is None:
        label = exchange_label(limits.exchange)
        return (
            patched,
            False,
            [f"this workbook has no {label} tier table ({tier_table_name(limits.exchange)}): not written"],
        )
    cells = tier_cells(limits, place)
    shown = read(original, place.sheet, cells)
    if all(shown.get(ref) == value for ref, value in cells.items()):
        return patched, False, []
    return patch_sheet(patched, place.sheet, cells), True, []

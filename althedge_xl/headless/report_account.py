"""The report's "Exchange says" table: what ``althedge refresh --account`` read, beside AltHedge's numbers.

Read from the Account sheet (its cells, :mod:`~althedge_xl.workbook.account_layout`); a workbook without the
sheet, or whose account was never read, has no such table.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from althedge_xl.headless.render import Format, Table, label_value_table
from althedge_xl.headless.report_hedge import Row
from althedge_xl.workbook import account_layout as ax

if TYPE_CHECKING:
    from althedge_xl.headless.engine import ComputedWorkbook


def exchange_says_table(book: ComputedWorkbook) -> Table | None:
    """The exchange's liquidation price beside AltHedge's, the position's own funding and fee rate; or None."""
    if ax.SHEET not in book.sheets or book.value(ax.SHEET, ax.EXCHANGE_CELL) in (None, ""):
        return None

    def shown(cell: str) -> object:
        return book.shown(ax.SHEET, cell)

    exchange = shown(ax.EXCHANGE_CELL)
    says, funding = ax.says_cells(), ax.funding_cells()
    rows: list[Row] = [
        ("Exchange", exchange, "text"),
        ("Read at (UTC)", shown(ax.READ_AT_CELL), "text"),
        ("Parts read", shown(ax.PARTS_CELL), "text"),
    ]
    for (_, label, kind), cell in zip(ax.SAYS_ROWS, says.values(), strict=True):
        rows.append((label, shown(cell), "price" if kind == "price" else "text"))
    asset = shown(f"{ax.FUNDING_ASSET_COLUMN}{ax.FUNDING_FIRST_ROW}") or "USDT"
    amount: Format = "usd" if asset != "BTC" else "num"
    rows += [
        ("Funding of", shown(ax.FUNDING_CONTRACT_CELL), "text"),
        (f"Funding received, 90 days ({asset})", shown(funding["FUNDING_RECEIVED"]), amount),
        (f"Funding paid, 90 days ({asset})", shown(funding["FUNDING_PAID"]), amount),
        (f"Funding net, 90 days ({asset})", shown(funding["FUNDING_NET"]), amount),
        ("Funding net, 90 days, in USD", shown(f"B{ax.FUNDING_NET_USD_ROW}"), "usd"),
        ("  converted", shown(f"{ax.FUNDING_ASSET_COLUMN}{ax.FUNDING_NET_USD_ROW}"), "text"),
        ("AltHedge's estimate, 90 days, + = the short pays (USD)", shown(f"B{ax.FUNDING_ESTIMATE_ROW}"), "usd"),
        ("Taker fee rate of the account", shown(ax.FEE_TAKER_CELL), "rate"),
        ("  on", shown(ax.FEE_CONTRACT_CELL), "text"),
    ]
    return label_value_table(
        "Exchange says",
        rows,
        note=f"From {exchange}'s own answers to a read-only key (althedge refresh --account); AltHedge's"
        " liquidation price is computed for the same position.",
    )

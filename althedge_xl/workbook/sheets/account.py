"""The Account sheet: what ``althedge refresh --account`` read from the user's exchange account.

Cash and collateral, the balances (and where each went: Portfolio, cash, left out), the BTC futures
positions, the "Exchange says" block (the exchange's liquidation price beside AltHedge's for the same
position), the hedge contract's own funding beside the Funding sheet's estimate and the account's fee rate
on it (the contract named beside each heading: BTCUSDT, or the COIN-M contract when the hedge is one). The template ships it empty:
nothing here is typed by the user, every value is the exchange's as of the time it says.
"""

from __future__ import annotations

from althedge_xl.workbook import account_layout as ax
from althedge_xl.workbook.sheets.hedge_tables import INVERSE_CONTRACT
from althedge_xl.workbook.writer import SheetWriter


def account(w: SheetWriter) -> None:
    s = w.sheet
    s.set_column("A:A", 40)
    s.set_column("B:J", 16)
    s.set_column("F:F", 44)
    s.set_row(0, 21)
    w.text("A1", "Account", "title")
    w.text(
        "A2",
        "Filled by althedge refresh WORKBOOK --account with a read-only API key (see the README); empty until then.",
        "note",
    )
    for row, label in ((3, "Exchange"), (4, "Read at (UTC)"), (5, "Key checked"), (6, "Parts read")):
        w.text(f"A{row}", label, "label")
    w.text(f"A{ax.BALANCE_HEADER_ROW - 1}", "Balances: imported, cash and collateral, not imported", "heading")
    for col, header in zip(ax.BALANCE_COLUMNS, ax.BALANCE_HEADERS, strict=True):
        s.write_string(f"{col}{ax.BALANCE_HEADER_ROW}", header, w.styles["header"])
    w.text(f"A{ax.POSITION_HEADER_ROW - 1}", "BTC futures positions", "heading")
    for col, header in zip(ax.POSITION_COLUMNS, ax.POSITION_HEADERS, strict=True):
        s.write_string(f"{col}{ax.POSITION_HEADER_ROW}", header, w.styles["header"])
    s.set_row(ax.POSITION_HEADER_ROW - 1, 45)
    w.text(f"A{ax.SAYS_HEADING_ROW}", "Exchange says", "heading")
    for i, (_, label, _) in enumerate(ax.SAYS_ROWS):
        w.text(f"A{ax.SAYS_FIRST_ROW + i}", label, "label")
    w.text(f"A{ax.FUNDING_HEADING_ROW}", "The position's own funding", "heading")
    for i, (_, label, _) in enumerate(ax.FUNDING_ROWS):
        w.text(f"A{ax.FUNDING_FIRST_ROW + i}", label, "label")
    w.text(f"A{ax.FUNDING_ESTIMATE_ROW}", "AltHedge's estimate for the short held, 90 days (USD)", "label")
    w.formula(
        f"B{ax.FUNDING_ESTIMATE_ROW}",
        f'=FUNDING_COST(HELD*IF(CONTRACT_TYPE="linear",BTC_MARK,{INVERSE_CONTRACT}),FUNDING_RATE,90,'
        'FUNDING_INTERVAL,"short")',
        "usd",
    )
    w.text(f"C{ax.FUNDING_ESTIMATE_ROW}", "at today's rate; positive = the short pays (Funding sheet)", "note")
    w.text(f"A{ax.FUNDING_NET_USD_ROW}", "Net in USD (received - paid)", "label")
    w.text(f"A{ax.FEE_HEADING_ROW}", "The account's fee rate on the hedge contract", "heading")
    w.text(f"A{int(ax.FEE_TAKER_CELL[1:])}", "Taker (also written to Hedge's fee rate)", "label")
    w.text(f"A{int(ax.FEE_MAKER_CELL[1:])}", "Maker", "label")

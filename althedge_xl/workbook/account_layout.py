"""Where ``althedge refresh --account`` writes on the Account sheet (shared by the builder and the refresh)."""

from __future__ import annotations

from typing import Final

SHEET: Final = "Account"
EXCHANGE_CELL: Final = "B3"
READ_AT_CELL: Final = "B4"
RIGHTS_CELL: Final = "B5"
PARTS_CELL: Final = "B6"

BALANCE_HEADER_ROW: Final = 9
BALANCE_FIRST_ROW: Final = 10
BALANCE_ROWS: Final = 30
BALANCE_COLUMNS: Final = ("A", "B", "C", "D", "E", "F")
BALANCE_HEADERS: Final = ("Wallet", "Asset", "Free", "Locked", "Total", "Where it went")

POSITION_HEADER_ROW: Final = 42
POSITION_FIRST_ROW: Final = 43
POSITION_ROWS: Final = 4
POSITION_COLUMNS: Final = ("A", "B", "C", "D", "E", "F", "G", "H", "I", "J")
POSITION_HEADERS: Final = (
    "Contract",
    "Side",
    "Size (BTC; COIN-M: contracts)",
    "Entry price (USD)",
    "Mark price (USD)",
    "Leverage",
    "Margin mode",
    "Isolated margin (USDT; COIN-M: BTC)",
    "Unrealised P/L (USDT; COIN-M: BTC)",
    "Exchange's liquidation price (USD)",
)

SAYS_HEADING_ROW: Final = 48
SAYS_ROWS: Final = (
    ("SAYS_EXCHANGE", "Exchange's liquidation price (USD)", "price"),
    ("SAYS_ALTHEDGE", "AltHedge's, same position (USD)", "price"),
    ("SAYS_DIFFERENCE", "Difference, AltHedge - exchange (USD)", "price"),
    ("SAYS_FLAG", "More than a tick apart", "text"),
    ("SAYS_METHOD", "How AltHedge computed it", "text"),
    ("SAYS_POSITION", "Position compared (the largest BTC short by USD notional)", "text"),
)
SAYS_FIRST_ROW: Final = 49

FUNDING_HEADING_ROW: Final = 55
#: Beside the funding heading: whose funding it is (the hedge contract's ccxt symbol and kind).
FUNDING_CONTRACT_CELL: Final = "B55"
FUNDING_ROWS: Final = (
    ("FUNDING_RECEIVED", "Funding received, last 90 days", "usd"),
    ("FUNDING_PAID", "Funding paid, last 90 days", "usd"),
    ("FUNDING_NET", "Net (received - paid)", "usd"),
    ("FUNDING_SETTLEMENTS", "Settlements", "int"),
)
FUNDING_FIRST_ROW: Final = 56
#: The column beside each funding amount that names its currency (USDT, or BTC for a COIN-M contract).
FUNDING_ASSET_COLUMN: Final = "C"
FUNDING_ESTIMATE_ROW: Final = 60
#: The net in USD (to set beside the estimate) and, in the column beside it, how it was converted.
FUNDING_NET_USD_ROW: Final = 61

FEE_HEADING_ROW: Final = 62
#: Beside the fee heading: whose fee rate it is (the hedge contract's ccxt symbol and kind).
FEE_CONTRACT_CELL: Final = "B62"
FEE_TAKER_CELL: Final = "B63"
FEE_MAKER_CELL: Final = "B64"


def says_cells() -> dict[str, str]:
    """Each field of the "Exchange says" block -> its cell."""
    return {name: f"B{SAYS_FIRST_ROW + i}" for i, (name, _, _) in enumerate(SAYS_ROWS)}


def funding_cells() -> dict[str, str]:
    """Each field of the funding block -> its cell."""
    return {name: f"B{FUNDING_FIRST_ROW + i}" for i, (name, _, _) in enumerate(FUNDING_ROWS)}

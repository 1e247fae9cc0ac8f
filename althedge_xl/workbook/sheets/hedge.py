"""The Hedge sheet: size, margin, liquidation by the exchange's rule, the spike the collateral survives,
the order to place now, and the exchanges' tier tables (editable, dated)."""

from __future__ import annotations

from althedge_xl import worked_examples as wx
from althedge_xl.core.conventions import BINANCE_BTCUSDT, BYBIT_BTCUSDT, MAX_LEVERAGE, RULES
from althedge_xl.core.tiers import TierTable
from althedge_xl.workbook.sheets._common import between
from althedge_xl.workbook.writer import SheetWriter

#: Where the tier tables sit: columns H–L, each with room for 30 tiers (the same shape, so that one
#: IF can pick either in every engine).
TIER_COLUMNS = "HIJKL"
TIER_ROWS = 30
BINANCE_FIRST_ROW = 4
BYBIT_FIRST_ROW = BINANCE_FIRST_ROW + TIER_ROWS + 5
#: Notional of the position held (the rounded size), in USD, and its collateral by default.
POSITION_USD = 'CONTRACTS*IF(CONTRACT_TYPE="linear",ENTRY_PRICE,100)'
DEFAULT_COLLATERAL = f'{POSITION_USD}/LEVERAGE/IF(CONTRACT_TYPE="linear",1,ENTRY_PRICE)'
#: The tiers of the rule in force (the linear tables; inverse contracts take the rule's default).
TIERS_IN_FORCE = 'IF(CONTRACT_TYPE="inverse","",IF(HEDGE_RULE="bybit",TIERS_BYBIT,TIERS))'
NO_POSITION = '"no position"'


def hedge(w: SheetWriter) -> None:
    s = w.sheet
    s.set_column("A:A", 44)
    s.set_column("B:E", 16)
    s.set_column("F:F", 60)
    s.set_column("H:L", 16)
    s.set_row(0, 21)
    w.text("A1", "Hedge", "title")
    _position(w)
    _liquidation(w)
    _fees(w)
    _spike(w)
    _order(w)
    _tier_table(w, BINANCE_BTCUSDT, BINANCE_FIRST_ROW, "TIERS")
    end = BINANCE_FIRST_ROW + TIER_ROWS
    w.text(
        f"H{end + 1}",
        f"Binance's bracket endpoint needs an API key: this is its response {BINANCE_BTCUSDT.as_of} "
        "(freqtrade's weekly snapshot of it). Edit it if Binance changed them.",
        "note",
    )
    w.text(f"H{end + 2}", "Amount (cum): floor x (rate - previous rate) + previous amount, Binance's rule.", "note")
    _tier_table(w, BYBIT_BTCUSDT, BYBIT_FIRST_ROW, "TIERS_BYBIT")
    w.text(
        f"H{BYBIT_FIRST_ROW + TIER_ROWS + 1}",
        "Bybit's first risk limit only: althedge refresh --tiers writes all of them, or add rows. Amount = mmDeduction.",
        "note",
    )


def _position(w: SheetWriter) -> None:
    w.text("A3", "Hedge notional, short BTC (USD)", "label")
    w.formula("B3", "=NOTIONAL", "usd")
    w.text("A4", "BTC mark price (USD)", "label")
    w.formula("B4", "=BTC_MARK", "price", name="MARK_PRICE")
    w.text("A5", "Contract", "label")
    w.input(
        "B5", "linear", "text", name="CONTRACT_TYPE", validation={"validate": "list", "source": ["linear", "inverse"]}
    )
    w.text("C5", "linear: USDT-margined BTCUSDT; inverse: coin-margined BTCUSD, 100 USD contracts", "note")
    w.text("A6", "Entry price (USD)", "label")
    w.input("B6", "=BTC_MARK", "price", name="ENTRY_PRICE", validation=between(0.1, 1e9, "A price above 0."))
    w.text("C6", "your fill price; the template starts at the mark price", "note")
    w.text("A7", "Size to sell", "label")
    w.formula("B7", "=HEDGE_CONTRACTS(NOTIONAL,ENTRY_PRICE,CONTRACT_TYPE)", "qty", name="CONTRACTS")
    w.formula(
        "C7",
        '=IF(CONTRACT_TYPE="linear","BTC (step 0.001, rounded down)","contracts of 100 USD (rounded down)")',
        "text",
    )
    w.text("A8", "Leverage", "label")
    w.input(
        "B8",
        wx.LEVERAGE,
        "number",
        name="LEVERAGE",
        validation=between(1, MAX_LEVERAGE, f"Leverage from 1 to {MAX_LEVERAGE:g}."),
    )
    w.text("C8", "at most the maximum of the position's tier (table on the right)", "note")
    w.text("A9", "Initial margin (USD)", "label")
    w.formula("B9", "=HEDGE_MARGIN(NOTIONAL,LEVERAGE)", "usd", name="MARGIN")
    w.text(
        "C9", "on the hedge notional; the size sold is rounded down, so its own margin (B26) is a little less", "note"
    )


def _liquidation(w: SheetWriter) -> None:
    w.text("A10", "Exchange rule", "label")
    w.input("B10", "binance", "text", name="HEDGE_RULE", validation={"validate": "list", "source": list(RULES)})
    w.text("C10", "binance: maintenance at the liquidation price; bybit: at entry (its risk limits)", "note")
    w.text("A11", "Liquidation price (USD); tier: rate, amount, max leverage", "label")
    w.array(
        "B11:E11",
        f"=IF(CONTRACTS=0,{NO_POSITION},HEDGE_LIQUIDATION(ENTRY_PRICE,CONTRACTS,LEVERAGE,COLLATERAL,"
        f'"short",CONTRACT_TYPE,HEDGE_RULE,{TIERS_IN_FORCE}))',
        column_styles=("price", "rate", "usd", "number"),
    )
    w.name_range("LIQ_PRICE", "B11")
    w.name_range("TIER_MMR", "C11")
    w.name_range("TIER_AMOUNT", "D11")
    w.name_range("TIER_MAX_LEVERAGE", "E11")
    w.text("F11", "tier at the liquidation price (binance) or at entry (bybit)", "note")
    w.text("A12", "Margin buffer: BTC rise to liquidation", "label")
    w.formula("B12", "=IF(COUNT(LIQ_PRICE)=1,LIQ_PRICE/BTC_MARK-1,LIQ_PRICE)", "pct", name="BUFFER")
    w.text("A13", "Warn when the buffer is below", "label")
    w.input("B13", 0.10, "pct", name="BUFFER_WARNING", validation=between(0, 1, "A threshold from 0% to 100%."))
    w.sheet.conditional_format(
        "B12", {"type": "formula", "criteria": "=AND(ISNUMBER(B12),B12<BUFFER_WARNING)", "format": w.styles["warning"]}
    )
    w.text("A14", "Collateral posted (blank: the initial margin)", "label")
    w.input("B14", None, "number", name="COLLATERAL", validation=between(0, 1e12, "A collateral above 0."))
    w.text("C14", "wallet balance with margin added: USDT for linear, BTC for inverse", "note")


def _fees(w: SheetWriter) -> None:
    w.text("A16", "Trading fees", "heading")
    w.text("A17", "Taker fee rate", "label")
    w.input("B17", 0.0005, "rate", name="FEE_RATE", validation=between(0, 0.01, "A fee rate from 0% to 1%."))
    w.text("C17", "Binance USDS-M regular taker 0.05%", "note")
    w.text("A18", "Opening fee (USD)", "label")
    w.formula("B18", "=NOTIONAL*FEE_RATE", "usd")
    w.text("A19", "Closing fee at the entry price (USD)", "label")
    w.formula("B19", "=NOTIONAL*FEE_RATE", "usd")
    w.text("A20", "Round trip (USD)", "label")
    w.formula("B20", "=B18+B19", "usd", name="FEES")


def _spike(w: SheetWriter) -> None:
    w.text("A22", "Survive a BTC spike", "heading")
    w.text("A23", "BTC spike to survive, from the entry price", "label")
    w.input("B23", 0.40, "pct", name="SPIKE_RISE", validation=between(0.001, 10, "A rise from 0.1% to 1000%."))
    w.text("A24", "Collateral needed (USDT linear, BTC inverse)", "label")
    w.formula(
        "B24",
        f"=IF(CONTRACTS=0,{NO_POSITION},HEDGE_SPIKE_COLLATERAL({POSITION_USD},ENTRY_PRICE,SPIKE_RISE,"
        f"CONTRACT_TYPE,HEDGE_RULE,{TIERS_IN_FORCE}))",
        "number",
        name="SPIKE_COLLATERAL",
    )
    w.text("A25", "Its effective leverage", "label")
    w.formula(
        "B25",
        f'=IF(COUNT(SPIKE_COLLATERAL)=1,{POSITION_USD}/IF(CONTRACT_TYPE="linear",1,ENTRY_PRICE)/SPIKE_COLLATERAL,"")',
        "ratio",
        name="SPIKE_LEVERAGE",
    )
    w.text("C25", "an exchange opens nothing above its tier's maximum leverage", "note")
    w.text("A26", "Collateral posted", "label")
    w.formula(
        "B26", f"=IF(COUNT(COLLATERAL)=1,COLLATERAL,IF(CONTRACTS=0,0,{DEFAULT_COLLATERAL}))", "number", name="POSTED"
    )
    w.sheet.conditional_format(
        "B26",
        {
            "type": "formula",
            "criteria": "=AND(COUNT(SPIKE_COLLATERAL)=1,B26<SPIKE_COLLATERAL)",
            "format": w.styles["warning"],
        },
    )
    w.text("C26", "blank collateral above: the margin of the size sold; orange when below what the spike needs", "note")
    w.text("A27", "Add to survive the spike", "label")
    w.formula(
        "B27",
        "=IF(COUNT(SPIKE_COLLATERAL)=1,IF(SPIKE_COLLATERAL>POSTED,SPIKE_COLLATERAL-POSTED,0),0)",
        "number",
        name="SPIKE_TOP_UP",
    )


def _order(w: SheetWriter) -> None:
    w.text("A29", "The order to place now", "heading")
    w.text("A30", "Short held now (BTC linear, contracts inverse)", "label")
    w.input("B30", 0, "qty", name="HELD", validation=between(0, 1e9, "A size of 0 or more."))
    w.text("A31", "No-trade band (share of the target)", "label")
    w.input("B31", 0.10, "pct", name="ORDER_BAND", validation=between(0, 1, "A band from 0% to 100%."))
    w.text("C31", "no order while the short is this close to the target: small drifts do not burn fees", "note")
    for col, header in zip("BCDEF", ("Side", "Quantity", "Notional (USD)", "Fee (USD)", "Why"), strict=True):
        w.sheet.write_string(f"{col}32", header, w.styles["header"])
    w.text("A33", "Order at the mark price", "label")
    w.array(
        "B33:F33",
        '=HEDGE_ORDER(NOTIONAL,HELD,BTC_MARK,CONTRACT_TYPE,"",ORDER_BAND,FEE_RATE)',
        column_styles=("text", "qty", "usd", "usd", "text"),
        name="ORDER",
    )


def _tier_table(w: SheetWriter, table: TierTable, first_row: int, name: str) -> None:
    unit = "USDT"
    w.text(
        f"H{first_row - 2}",
        f"{table.exchange.capitalize()} {table.symbol} tiers (editable): {table.source} {table.as_of}".strip(),
        "heading",
    )
    headers = (f"Floor ({unit})", f"Cap ({unit})", "Maintenance rate", f"Maintenance amount ({unit})", "Max leverage")
    header_row = first_row - 1
    for col, header in zip(TIER_COLUMNS, headers, strict=True):
        w.sheet.write_string(f"{col}{header_row}", header, w.styles["header"])
    styles = ("int", "int", "rate", "number", "number")
    checks = (
        between(0, 1e12, "A notional of 0 or more."),
        between(0, 1e12, "A notional above 0."),
        between(0, 0.9999, "A rate from 0% to below 100%."),
        between(0, 1e12, "An amount of 0 or more."),
        between(1, 200, "A leverage from 1 to 200."),
    )
    data = table.rows()
    for i in range(TIER_ROWS):
        for col, style, check, n in zip(TIER_COLUMNS, styles, checks, range(5), strict=True):
            w.input(f"{col}{first_row + i}", data[i][n] if i < len(data) else None, style, validation=check)
    w.name_range(name, f"{TIER_COLUMNS[0]}{first_row}:{TIER_COLUMNS[-1]}{first_row + TIER_ROWS - 1}")

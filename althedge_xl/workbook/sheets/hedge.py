"""The Hedge sheet: size, margin, liquidation by the chosen exchange's rule (isolated and cross, on its
tick where it says how it rounds), the spike the collateral survives, the order to place now; beside
them each exchange's tier table and the exchanges' profiles (:mod:`.hedge_tables`).

An inverse size is in the chosen exchange's contracts (its profile's contract size, Bybit 1 USD,
Binance and OKX 100 USD); an exchange that cites none shows why in B7, and the cells that need a size
say so instead of a number.
"""

from __future__ import annotations

from althedge_xl import worked_examples as wx
from althedge_xl.core.conventions import MAX_LEVERAGE
from althedge_xl.core.exchanges import RULES
from althedge_xl.workbook.sheets._common import between
from althedge_xl.workbook.sheets.hedge_tables import (
    BINANCE_FIRST_ROW,
    BYBIT_FIRST_ROW,
    INVERSE_CONTRACT,
    PROFILE_FIRST_ROW,
    PROFILE_VALUE,
    TIER_COLUMNS,
    TIER_ROWS,
    TIERS_IN_FORCE,
    profiles,
    tier_tables,
)
from althedge_xl.workbook.writer import SheetWriter

#: The USD face of the size held: BTC x the entry price (linear), contracts x the exchange's contract (inverse).
CONTRACT_VALUE = f'IF(CONTRACT_TYPE="linear",ENTRY_PRICE,{INVERSE_CONTRACT})'
#: Notional of the position held (the rounded size), in USD, and its collateral by default.
POSITION_USD = f"CONTRACTS*{CONTRACT_VALUE}"
DEFAULT_COLLATERAL = f'{POSITION_USD}/LEVERAGE/IF(CONTRACT_TYPE="linear",1,ENTRY_PRICE)'
#: What the cells that need a size show when there is none (B7 says why).
NO_SIZE = '"no size to sell (B7 says why)"'
NO_POSITION = '"no position"'
#: The label of the exchange chosen on B10.
EXCHANGE_LABEL = PROFILE_VALUE.format("EXCHANGE_LABELS")


def _with_size(formula: str) -> str:
    """``formula`` where there is a size to sell; else what B7 lacks, or "no position" for a size of 0."""
    return f"IF(ISTEXT(CONTRACTS),{NO_SIZE},IF(CONTRACTS=0,{NO_POSITION},{formula}))"


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
    tier_tables(w)
    profiles(w)
    _liquidation_details(w)
    _cross(w)


def _position(w: SheetWriter) -> None:
    w.text("A3", "Hedge notional, short BTC (USD)", "label")
    w.formula("B3", "=NOTIONAL", "usd")
    w.text("A4", "BTC mark price (USD)", "label")
    w.formula("B4", "=BTC_MARK", "price", name="MARK_PRICE")
    w.text("A5", "Contract", "label")
    w.input(
        "B5", "linear", "text", name="CONTRACT_TYPE", validation={"validate": "list", "source": ["linear", "inverse"]}
    )
    w.formula(
        "C5",
        f'="linear: USDT-margined BTCUSDT; inverse: coin-margined BTCUSD, "&IF(ISNUMBER({INVERSE_CONTRACT}),'
        f'{INVERSE_CONTRACT}&" USD a contract on "&{EXCHANGE_LABEL},'
        f'"no contract size AltHedge can cite for "&{EXCHANGE_LABEL})',
        "note",
    )
    w.text("A6", "Entry price (USD)", "label")
    w.input("B6", "=BTC_MARK", "price", name="ENTRY_PRICE", validation=between(0.1, 1e9, "A price above 0."))
    w.text("C6", "your fill price; the template starts at the mark price", "note")
    w.text("A7", "Size to sell", "label")
    w.formula(
        "B7",
        f'=IF(CONTRACT_TYPE="inverse",IF(ISNUMBER({INVERSE_CONTRACT}),'
        f'HEDGE_CONTRACTS(NOTIONAL,ENTRY_PRICE,"inverse",{INVERSE_CONTRACT}),'
        f'{EXCHANGE_LABEL}&" inverse: no contract size AltHedge can cite; choose linear or another exchange"),'
        "HEDGE_CONTRACTS(NOTIONAL,ENTRY_PRICE,CONTRACT_TYPE))",
        "qty",
        name="CONTRACTS",
    )
    w.formula(
        "C7",
        '=IF(CONTRACT_TYPE="linear","BTC (step 0.001, rounded down)",IF(ISNUMBER(CONTRACTS),"contracts of "&'
        f'{INVERSE_CONTRACT}&" USD, "&{EXCHANGE_LABEL}&"\'s (rounded down)",""))',
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
    w.text("A10", "Exchange (its rule, tiers, fee and funding)", "label")
    w.input("B10", "binance", "text", name="HEDGE_RULE", validation={"validate": "list", "source": list(RULES)})
    w.formula("C10", "=" + PROFILE_VALUE.format("EXCHANGE_RULES"), "note")
    w.text("A11", "Liquidation price (USD); tier: rate, amount, max leverage", "label")
    w.array(
        "B11:E11",
        "="
        + _with_size(
            "HEDGE_LIQUIDATION(ENTRY_PRICE,CONTRACTS,LEVERAGE,COLLATERAL,"
            f'"short",CONTRACT_TYPE,HEDGE_RULE,{TIERS_IN_FORCE},"",LIQ_FEE_RATE)'
        ),
        column_styles=("price", "rate", "usd", "number"),
    )
    w.name_range("LIQ_PRICE", "B11")
    w.name_range("TIER_MMR", "C11")
    w.name_range("TIER_AMOUNT", "D11")
    w.name_range("TIER_MAX_LEVERAGE", "E11")
    w.formula(
        "F11",
        '="by "&'
        + PROFILE_VALUE.format("EXCHANGE_LABELS")
        + '&"\'s rule: maintenance and its tier at the "&'
        + PROFILE_VALUE.format("EXCHANGE_VALUATIONS")
        + '&" price"',
        "note",
    )
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
        "="
        + _with_size(
            f"HEDGE_SPIKE_COLLATERAL({POSITION_USD},ENTRY_PRICE,SPIKE_RISE,"
            f"CONTRACT_TYPE,HEDGE_RULE,{TIERS_IN_FORCE},LIQ_FEE_RATE)"
        ),
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
        "B26",
        f"=IF(COUNT(COLLATERAL)=1,COLLATERAL,IF(ISTEXT(CONTRACTS),{NO_SIZE},IF(CONTRACTS=0,0,{DEFAULT_COLLATERAL})))",
        "number",
        name="POSTED",
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
    w.text("A30", "Short held now (BTC linear, the exchange's contracts inverse)", "label")
    w.input("B30", 0, "qty", name="HELD", validation=between(0, 1e9, "A size of 0 or more."))
    w.text("A31", "No-trade band (share of the target)", "label")
    w.input("B31", 0.10, "pct", name="ORDER_BAND", validation=between(0, 1, "A band from 0% to 100%."))
    w.text("C31", "no order while the short is this close to the target: small drifts do not burn fees", "note")
    for col, header in zip("BCDEF", ("Side", "Quantity", "Notional (USD)", "Fee (USD)", "Why"), strict=True):
        w.sheet.write_string(f"{col}32", header, w.styles["header"])
    w.text("A33", "Order at the mark price", "label")
    w.array(
        "B33:F33",
        f"=IF(ISTEXT(CONTRACTS),{NO_SIZE},HEDGE_ORDER(NOTIONAL,HELD,BTC_MARK,CONTRACT_TYPE,"
        f'IF(CONTRACT_TYPE="inverse",{INVERSE_CONTRACT},""),ORDER_BAND,FEE_RATE))',
        column_styles=("text", "qty", "usd", "usd", "text"),
        name="ORDER",
    )


def _liquidation_details(w: SheetWriter) -> None:
    """The fee term of the liquidation condition, and the price on the exchange's tick where it says how it rounds."""
    w.text("A35", "The exchange's liquidation details", "heading")
    w.text("A36", "Fee to close in the liquidation condition (blank: the exchange's)", "label")
    w.input("B36", None, "rate", name="LIQ_FEE_RATE", validation=between(0, 0.01, "A fee rate from 0% to 1%."))
    fee = PROFILE_VALUE.format("EXCHANGE_FEES")
    w.formula(
        "C36",
        f'=IF(ISNUMBER({fee}),"the exchange\'s: "&ROUND({fee}*100,4)&"%","none published that AltHedge can cite: type it")',
        "note",
    )
    w.text("A37", "Liquidation price as the exchange shows it (USD)", "label")
    tick = PROFILE_VALUE.format("EXCHANGE_TICKS")
    rounding = PROFILE_VALUE.format("EXCHANGE_ROUNDING")
    w.formula(
        "B37",
        f'=IF(COUNT(LIQ_PRICE)<>1,LIQ_PRICE,IF({rounding}="",LIQ_PRICE,IF(CONTRACT_TYPE<>"linear",LIQ_PRICE,'
        f'IF(ISNUMBER({tick}),IF({rounding}="up",ROUNDUP(LIQ_PRICE/{tick},0),IF({rounding}="adverse",'
        f'ROUNDUP(LIQ_PRICE/{tick},0),IF({rounding}="nearest",ROUND(LIQ_PRICE/{tick},0),'
        f"ROUNDDOWN(LIQ_PRICE/{tick},0))))*{tick},LIQ_PRICE))))",
        "price",
        name="LIQ_PRICE_SHOWN",
    )
    w.formula(
        "C37",
        f'=IF({rounding}="","not rounded: "&'
        + PROFILE_VALUE.format("EXCHANGE_LABELS")
        + f'&" does not say how it rounds its shown price (tick "&IF(ISNUMBER({tick}),{tick},"not cited")&")",'
        f'"rounded "&{rounding}&" to the tick "&{tick})',
        "note",
    )


def _cross(w: SheetWriter) -> None:
    """The short's liquidation price in a cross-margin account whose wallet it shares (HEDGE_LIQ_CROSS)."""
    w.text("A39", "Cross margin: the short in a shared wallet", "heading")
    w.text("A40", "Cross wallet balance (USDT linear, BTC inverse)", "label")
    w.input("B40", None, "number", name="CROSS_WALLET", validation=between(0, 1e12, "A balance above 0."))
    w.formula(
        "C40",
        '=IF(CONTRACT_TYPE="linear","in USDT, as the other positions\' maintenance and P/L below",'
        f"\"in BTC, as the other positions' maintenance and P/L below; the short is B7's \"&{EXCHANGE_LABEL}"
        '&" contracts")',
        "note",
    )
    w.text("A41", "Other positions' maintenance margin", "label")
    w.input("B41", 0, "number", name="CROSS_OTHER_MM", validation=between(0, 1e12, "0 or more."))
    w.text("A42", "Other positions' unrealised P/L (a loss negative)", "label")
    w.input("B42", 0, "number", name="CROSS_OTHER_PNL", validation=between(-1e12, 1e12, "A P/L in the wallet's unit."))
    w.text("A43", "Cross liquidation price (USD)", "label")
    w.formula(
        "B43",
        "="
        + _with_size(
            'IF(COUNT(CROSS_WALLET)=0,"type the cross wallet balance",'
            'HEDGE_LIQ_CROSS(ENTRY_PRICE,CONTRACTS,CROSS_WALLET,CROSS_OTHER_MM,CROSS_OTHER_PNL,"short",CONTRACT_TYPE,'
            f"HEDGE_RULE,{TIERS_IN_FORCE},LIQ_FEE_RATE))"
        ),
        "price",
        name="CROSS_LIQ_PRICE",
    )
    w.text(
        "C43", "Binance's and Bybit's cross formulas: the wallet less the others' maintenance plus their P/L", "note"
    )


#: The layout of the tier tables and profiles, for the code that reads the Hedge sheet by address.
__all__ = [
    "BINANCE_FIRST_ROW",
    "BYBIT_FIRST_ROW",
    "PROFILE_FIRST_ROW",
    "PROFILE_VALUE",
    "TIERS_IN_FORCE",
    "TIER_COLUMNS",
    "TIER_ROWS",
    "hedge",
]

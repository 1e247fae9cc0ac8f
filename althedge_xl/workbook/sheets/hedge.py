"""The Hedge sheet: size, margin, liquidation by the chosen exchange's rule (isolated and cross, on its
tick where it says how it rounds), the spike the collateral survives, the order to place now, the
exchanges' profiles and their tier tables (editable, dated)."""

from __future__ import annotations

from collections.abc import Callable

from althedge_xl import worked_examples as wx
from althedge_xl.core.conventions import BINANCE_BTCUSDT, BYBIT_BTCUSDT, INVERSE_CONTRACT_USD, MAX_LEVERAGE
from althedge_xl.core.exchanges import PROFILES, RULES, ExchangeProfile
from althedge_xl.core.tiers import TierTable
from althedge_xl.workbook.sheets._common import between
from althedge_xl.workbook.writer import SheetWriter

#: Where the tier tables sit: columns H–L, each with room for 30 tiers (the same shape, so that one
#: IF can pick either in every engine).
TIER_COLUMNS = "HIJKL"
TIER_ROWS = 30
BINANCE_FIRST_ROW = 4
BYBIT_FIRST_ROW = BINANCE_FIRST_ROW + TIER_ROWS + 5
OTHER_FIRST_ROW = BYBIT_FIRST_ROW + TIER_ROWS + 5
#: Where the exchanges' profiles sit: one row per exchange from row 4, columns N–V.
PROFILE_FIRST_ROW = 4
PROFILE_COLUMNS = "NOPQRSTUV"
#: Notional of the position held (the rounded size), in USD, and its collateral by default.
POSITION_USD = 'CONTRACTS*IF(CONTRACT_TYPE="linear",ENTRY_PRICE,100)'
DEFAULT_COLLATERAL = f'{POSITION_USD}/LEVERAGE/IF(CONTRACT_TYPE="linear",1,ENTRY_PRICE)'
#: The tiers of the rule in force (the linear tables; inverse contracts take the rule's default).
TIERS_IN_FORCE = (
    'IF(CONTRACT_TYPE="inverse","",IF(HEDGE_RULE="bybit",TIERS_BYBIT,IF(HEDGE_RULE="binance",TIERS,TIERS_OTHER)))'
)
#: One value of the chosen exchange's profile row.
PROFILE_VALUE = "INDEX({},MATCH(HEDGE_RULE,EXCHANGE_NAMES,0))"
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
        "Bybit's first risk limit only: althedge refresh --tiers --exchange bybit writes all of them, or add rows. "
        "Amount = mmDeduction.",
        "note",
    )
    _tier_table(w, None, OTHER_FIRST_ROW, "TIERS_OTHER")
    w.text(
        f"H{OTHER_FIRST_ROW + TIER_ROWS + 1}",
        "BingX: left blank, its API documentation's BTC-USDT tiers of 2024-05-22 apply (to 900,000 USDT). MEXC, OKX, "
        "WEEX: no BTC table is published that AltHedge can cite. Type your exchange's here, in USDT, or for OKX and "
        "MEXC let althedge refresh --tiers --exchange okx (or mexc) write it; MEXC, OKX and WEEX: one rate for the "
        "whole position, amount 0.",
        "note",
    )
    _profiles(w)
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
    w.text("A10", "Exchange (its rule, tiers, fee and funding)", "label")
    w.input("B10", "binance", "text", name="HEDGE_RULE", validation={"validate": "list", "source": list(RULES)})
    w.formula("C10", "=" + PROFILE_VALUE.format("EXCHANGE_RULES"), "note")
    w.text("A11", "Liquidation price (USD); tier: rate, amount, max leverage", "label")
    w.array(
        "B11:E11",
        f"=IF(CONTRACTS=0,{NO_POSITION},HEDGE_LIQUIDATION(ENTRY_PRICE,CONTRACTS,LEVERAGE,COLLATERAL,"
        f'"short",CONTRACT_TYPE,HEDGE_RULE,{TIERS_IN_FORCE},{INVERSE_CONTRACT_USD:g},LIQ_FEE_RATE))',
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
        f"=IF(CONTRACTS=0,{NO_POSITION},HEDGE_SPIKE_COLLATERAL({POSITION_USD},ENTRY_PRICE,SPIKE_RISE,"
        f"CONTRACT_TYPE,HEDGE_RULE,{TIERS_IN_FORCE},LIQ_FEE_RATE))",
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


def _tier_table(w: SheetWriter, table: TierTable | None, first_row: int, name: str) -> None:
    unit = "USDT"
    title = (
        "Tiers of the other exchanges (editable, empty)"
        if table is None
        else f"{table.described().split(' (')[0]} tiers (editable): {table.source} {table.as_of}".strip()
    )
    w.text(f"H{first_row - 2}", title, "heading")
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
    data = [] if table is None else table.rows()
    for i in range(TIER_ROWS):
        for col, style, check, n in zip(TIER_COLUMNS, styles, checks, range(5), strict=True):
            w.input(f"{col}{first_row + i}", data[i][n] if i < len(data) else None, style, validation=check)
    w.name_range(name, f"{TIER_COLUMNS[0]}{first_row}:{TIER_COLUMNS[-1]}{first_row + TIER_ROWS - 1}")


def _profiles(w: SheetWriter) -> None:
    """The exchanges' profiles as the formulas read them: one row each, blank where nothing is cited."""
    w.sheet.set_column("N:N", 10)
    w.sheet.set_column("O:V", 14)
    w.text(f"N{PROFILE_FIRST_ROW - 2}", "Exchange profiles (cited in the README; blank: nothing to cite)", "heading")
    columns: tuple[tuple[str, str, str, Callable[[ExchangeProfile], object]], ...] = (
        ("Exchange", "EXCHANGE_NAMES", "text", lambda p: p.name),
        ("Name", "EXCHANGE_LABELS", "text", lambda p: p.label),
        ("Maintenance at", "EXCHANGE_VALUATIONS", "text", lambda p: p.valuation),
        ("Fee to close", "EXCHANGE_FEES", "rate", lambda p: p.fee_rate),
        ("Funding (hours)", "EXCHANGE_FUNDING_HOURS", "number", lambda p: p.funding_interval_hours),
        ("Funding cap", "EXCHANGE_FUNDING_CAPS", "rate", lambda p: p.funding_cap),
        ("Tick, linear", "EXCHANGE_TICKS", "number", lambda p: p.ticks.get("linear")),
        ("Rounds shown price", "EXCHANGE_ROUNDING", "text", lambda p: p.tick_rounding or ""),
        ("Rule", "EXCHANGE_RULES", "text", _rule_text),
    )
    header = PROFILE_FIRST_ROW - 1
    last = PROFILE_FIRST_ROW + len(PROFILES) - 1
    for col, (title, name, style, read) in zip(PROFILE_COLUMNS, columns, strict=True):
        w.sheet.write_string(f"{col}{header}", title, w.styles["header"])
        for row, profile in enumerate(PROFILES.values(), start=PROFILE_FIRST_ROW):
            value = read(profile)
            if value is None or value == "":
                w.sheet.write_blank(f"{col}{row}", None, w.styles[style])
            else:
                w.value(f"{col}{row}", value, style)
        w.name_range(name, f"{col}{PROFILE_FIRST_ROW}:{col}{last}")


def _rule_text(profile: ExchangeProfile) -> str:
    """The rule in words: where maintenance is valued and whether a fee to close is added."""
    if profile.fee_rate == 0:
        fee = "no fee term"
    else:
        fee = "plus the fee to close" + (" (give its rate below)" if profile.fee_rate is None else "")
    where = "the liquidation price" if profile.valuation == "liquidation" else "entry"
    return f"{profile.label}: maintenance at {where}, {fee}"


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
    w.text("A41", "Other positions' maintenance margin", "label")
    w.input("B41", 0, "number", name="CROSS_OTHER_MM", validation=between(0, 1e12, "0 or more."))
    w.text("A42", "Other positions' unrealised P/L (a loss negative)", "label")
    w.input("B42", 0, "number", name="CROSS_OTHER_PNL", validation=between(-1e12, 1e12, "A P/L in the wallet's unit."))
    w.text("A43", "Cross liquidation price (USD)", "label")
    w.formula(
        "B43",
        f'=IF(CONTRACTS=0,{NO_POSITION},IF(COUNT(CROSS_WALLET)=0,"type the cross wallet balance",'
        'IF(CONTRACT_TYPE<>"linear","the inverse size is in the exchange\'s contracts: use HEDGE_LIQ_CROSS",'
        f'HEDGE_LIQ_CROSS(ENTRY_PRICE,CONTRACTS,CROSS_WALLET,CROSS_OTHER_MM,CROSS_OTHER_PNL,"short",CONTRACT_TYPE,'
        f"HEDGE_RULE,{TIERS_IN_FORCE},LIQ_FEE_RATE))))",
        "price",
        name="CROSS_LIQ_PRICE",
    )
    w.text(
        "C43", "Binance's and Bybit's cross formulas: the wallet less the others' maintenance plus their P/L", "note"
    )

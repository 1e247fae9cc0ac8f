"""The template's sheets, each mirroring one table of the method.

Names of input cells are workbook-level (UPPER_SNAKE) so formulas read like the method:
``=HEDGE_MARGIN(NOTIONAL, LEVERAGE)``. About 30 AltHedge calls recalculate the whole workbook.
"""

from __future__ import annotations

from althedge_xl import __version__
from althedge_xl import worked_examples as wx
from althedge_xl.core.conventions import BTCUSDT_TIERS
from althedge_xl.core.sizing import FEAR_GREED_TABLE
from althedge_xl.workbook import prices_layout as px
from althedge_xl.workbook.samples import Samples
from althedge_xl.workbook.writer import SheetWriter

PORTFOLIO_FIRST, PORTFOLIO_LAST = 5, 24
CLASSES = ("BTC", "core", "satellite")
RATIO_METHODS = ("Flat", "Core-satellite", "Fear & Greed", "Beta-weighted")
BOOL_LIST = {"validate": "list", "source": ["TRUE", "FALSE"]}
#: The method's portfolio, split into symbols so that the sums are the method's:
#: BTC 50,000; majors ETH + SOL 30,000 at 0.90; small caps 20,000 at 0.95.
TEMPLATE_HOLDINGS = (
    ("BTC", "BTC", 50_000.0, None, False),
    ("ETH", "core", 18_000.0, 0.90, True),
    ("SOL", "core", 12_000.0, 0.90, True),
    ("Small caps", "satellite", 20_000.0, 0.95, True),
)


def _between(low: float, high: float, message: str) -> dict[str, object]:
    """Data validation: a number from ``low`` to ``high``, with ``message`` when it is not."""
    return {
        "validate": "decimal",
        "criteria": "between",
        "minimum": low,
        "maximum": high,
        "error_title": "AltHedge",
        "error_message": message,
    }


def start(w: SheetWriter, refresh_macro: str) -> None:
    w.sheet.set_column("A:A", 4)
    w.sheet.set_column("B:B", 110)
    w.text("B1", "AltHedge XL: defend an altcoin portfolio with short Bitcoin futures", "title")
    lines = (
        "Altcoins fall harder than BTC when the market turns. This workbook sizes a short BTC futures hedge",
        "worth a share of your altcoins, so the short's gain offsets part of the spot loss.",
        "It prices your holdings, chooses the hedge ratio four ways, sizes contracts and margin,",
        "shows the liquidation price and buffer, stress-tests the portfolio, and compares funding with dated futures.",
        "Every number comes from the AltHedge Excel functions (category AltHedge in the function wizard).",
    )
    for i, line in enumerate(lines):
        w.text(f"B{3 + i}", line)
    w.text("B9", "Three steps", "heading")
    w.text(
        "B10",
        "1. Portfolio: type each holding's quantity (priced from Prices) or its USD value, class and stress correlation.",
    )
    w.text("B11", "2. HedgeRatio: choose the method in force (flat %, core-satellite, Fear & Greed, beta-weighted).")
    w.text("B12", "3. Press Refresh for live prices. After `althedge refresh` on a saved workbook, press Ctrl+Alt+F9.")
    w.text("B14", "Colours", "heading")
    w.sheet.write_string("A15", "", w.styles.input("text"))
    w.text("B15", "Pale yellow, blue text: an input. Type here.")
    w.text("B16", "White: a result (locked formula). Orange: a warning. Red: over-hedged or an error.")
    w.text("B17", "Grey italics on Prices: stale data, the last good value kept when a refresh failed.")
    w.text("B19", "Conventions", "heading")
    w.text("B20", "Ratios, moves and rates are fractions shown as %: type 40% or 0.4. A 15% fall is -15%.")
    w.text("B21", "P/L is positive for a gain. A cost is positive when you pay it.")
    w.text(
        "B22",
        "Funding: a positive rate means longs pay shorts, so the short hedge RECEIVES funding when the rate is positive.",
    )
    w.text(
        "B23",
        "Errors in a cell start with the Excel error code and say what is wrong, e.g. #NUM! leverage must be at least 1.",
    )
    w.text("B25", f"AltHedge XL {__version__}. Instructions: README.md of the althedge-xl package.", "note")
    w.sheet.write_url(
        "B26", "external:README.md", w.styles["link"], "Open README.md (beside the workbook in a checkout)"
    )
    w.sheet.insert_button("B28", {"macro": refresh_macro, "caption": "Refresh prices", "width": 160, "height": 30})


def portfolio(w: SheetWriter) -> None:
    s = w.sheet
    s.set_column("A:A", 14)
    s.set_column("B:I", 14)
    s.set_column("J:K", 14)
    s.set_column("L:L", 44)
    s.set_column("E:E", 20)
    s.set_row(0, 21)
    w.text("A1", "Portfolio", "title")
    w.text("A2", "Type a quantity (priced from Prices) or a USD value per holding. Blank rows are ignored.", "note")
    headers = (
        "Asset",
        "Class (BTC / core / satellite)",
        "Quantity",
        "Price (USD)",
        "or Value (USD)",
        "Value (USD)",
        "Stress correlation with BTC",
        "Beta to BTC (blank = 1)",
        "In hedge",
        "Hedged value (USD)",
        "Satellite value (USD)",
        "Check",
    )
    for col, header in enumerate(headers):
        s.write_string(3, col, header, w.styles["header"])
    s.set_row(3, 45)
    for i in range(PORTFOLIO_LAST - PORTFOLIO_FIRST + 1):
        r = PORTFOLIO_FIRST + i
        asset, cls, value, corr, hedged = (
            TEMPLATE_HOLDINGS[i] if i < len(TEMPLATE_HOLDINGS) else (None, None, None, None, None)
        )
        w.input(f"A{r}", asset, "text")
        w.input(f"B{r}", cls, "text", validation={"validate": "list", "source": list(CLASSES)})
        w.input(f"C{r}", None, "qty", validation=_between(0, 1e12, "Quantity must be 0 or more."))
        w.formula(f"D{r}", f'=IF(A{r}="","",IFERROR(VLOOKUP(A{r},PRICE_TABLE,2,FALSE),""))', "price")
        w.input(f"E{r}", value, "usd", validation=_between(0, 1e15, "A value must be 0 or more."))
        w.formula(f"F{r}", f'=IF(C{r}="",IF(E{r}="","",E{r}),IF(D{r}="",NA(),C{r}*D{r}))', "usd")
        w.input(f"G{r}", corr, "ratio", validation=_between(-1, 1, "A correlation is between -1 and 1."))
        w.input(f"H{r}", None, "ratio", validation=_between(-10, 10, "A beta between -10 and 10."))
        w.input(f"I{r}", hedged, "bool", validation=BOOL_LIST)
        w.formula(f"J{r}", f'=IF(AND(I{r}=TRUE,B{r}<>"BTC",F{r}<>""),F{r},"")', "usd")
        w.formula(f"K{r}", f'=IF(AND(I{r}=TRUE,B{r}="satellite",F{r}<>""),F{r},"")', "usd")
        w.formula(
            f"L{r}", f'=IF(AND(C{r}<>"",D{r}=""),"no price for "&A{r}&": add it on Prices, then refresh","")', "text"
        )
    for name, letter in (
        ("ASSETS", "A"),
        ("CLASSES", "B"),
        ("VALUES", "F"),
        ("CORRELATIONS", "G"),
        ("BETAS", "H"),
        ("HEDGED_VALUES", "J"),
        ("SATELLITE_VALUES", "K"),
    ):
        w.name_range(name, f"{letter}{PORTFOLIO_FIRST}:{letter}{PORTFOLIO_LAST}")
    totals = (
        ("TOTAL_VALUE", "Portfolio", "=SUM(VALUES)"),
        ("BTC_VALUE", "BTC", '=SUMIF(CLASSES,"BTC",VALUES)'),
        ("ALT_VALUE", "Altcoins", "=TOTAL_VALUE-BTC_VALUE"),
        ("SATELLITE_VALUE", "Satellite", "=SUM(SATELLITE_VALUES)"),
        ("HEDGED_ALT_VALUE", "Altcoins in the hedge", "=SUM(HEDGED_VALUES)"),
    )
    w.text("E26", "Totals", "heading")
    for i, (name, label, formula) in enumerate(totals):
        w.text(f"E{27 + i}", label, "label")
        w.formula(f"F{27 + i}", formula, "usd", name=name)


def prices(w: SheetWriter, samples: Samples, refresh_macro: str) -> None:
    s = w.sheet
    s.set_column("A:A", 24)
    s.set_column("B:B", 18)
    s.set_column("C:C", 21)
    s.set_column("D:D", 52)
    s.set_column("E:F", 10)
    s.set_column("H:H", 26)
    s.set_column("I:I", 12)
    s.set_row(0, 21)
    w.text("A1", "Prices", "title")
    w.text("A2", "Last refresh (UTC)", "label")
    w.data(px.UPDATED_CELL, "never: template sample values", "text")
    w.name_range("PRICES_UPDATED", px.UPDATED_CELL)
    w.text("A3", "Exchange (ccxt id)", "label")
    w.input(
        px.EXCHANGE_CELL,
        "binance",
        "text",
        name="EXCHANGE",
        validation={"validate": "length", "criteria": "between", "minimum": 2, "maximum": 30},
    )
    w.text(
        "C2",
        "Refresh writes this sheet; type only symbols in column A and the exchange. Stale = the last good value kept.",
        "note",
    )
    w.text(
        "C3", "The template's samples are recorded real values of different dates; press Refresh for today's.", "note"
    )
    for col, header in zip(px.SPOT_COLUMNS, px.SPOT_HEADERS, strict=True):
        s.write_string(f"{col}{px.SPOT_HEADER_ROW}", header, w.styles["header"])
    for i in range(px.SPOT_ROWS):
        r = px.SPOT_FIRST_ROW + i
        sample = samples.spot[i] if i < len(samples.spot) else None
        w.data(f"A{r}", sample.symbol if sample else None, "text")
        w.data(f"B{r}", sample.price if sample else None, "price")
        w.data(f"C{r}", sample.date if sample else None, "text")
        w.data(f"D{r}", sample.source if sample else None, "text")
        w.data(f"E{r}", True if sample else None, "bool")
        w.data(f"F{r}", None, "text")
    last = px.SPOT_FIRST_ROW + px.SPOT_ROWS - 1
    w.name_range("PRICE_TABLE", f"A{px.SPOT_FIRST_ROW}:B{last}")
    w.name_range("PRICE_STALE", f"E{px.SPOT_FIRST_ROW}:E{last}")
    perp, future, fg = samples.perp, samples.quarterly, samples.fear_greed
    blocks = (
        (px.PERP_FIRST_ROW, "BTC perpetual", px.PERP_FIELDS,
         (perp.symbol, perp.mark_price, perp.index_price, perp.funding_rate, perp.interval_hours,
          perp.next_funding_time, perp.time, perp.source, True),
         ("text", "price", "price", "rate", "int", "text", "text", "text", "bool")),
        (px.QUARTERLY_FIRST_ROW, "BTC dated future", px.QUARTERLY_FIELDS,
         (future.symbol, future.price, future.index_price, future.days_to_expiry, future.expiry, future.time,
          future.source, True),
         ("text", "price", "price", "number", "text", "text", "text", "bool")),
        (px.FEAR_GREED_FIRST_ROW, "Fear & Greed", px.FEAR_GREED_FIELDS,
         (fg.value, fg.classification, fg.date, fg.source, True),
         ("int", "text", "text", "text", "bool")),
    )  # fmt: skip
    for first, heading, fields, values, kinds in blocks:
        w.text(f"A{first - 1}", heading, "heading")
        for offset, ((name, label), value, kind) in enumerate(zip(fields, values, kinds, strict=True)):
            w.text(f"A{first + offset}", label, "label")
            w.data(f"B{first + offset}", value, kind)
            w.name_range(name, f"B{first + offset}")
    w.sheet.insert_button("F2", {"macro": refresh_macro, "caption": "Refresh prices", "width": 130, "height": 24})
    w.text(f"{px.HISTORY_TIME_COLUMN}2", "BTCUSDT funding history (last 90 days)", "heading")
    s.write_string(f"{px.HISTORY_TIME_COLUMN}{px.HISTORY_HEADER_ROW}", "Settlement (UTC)", w.styles["header"])
    s.write_string(f"{px.HISTORY_RATE_COLUMN}{px.HISTORY_HEADER_ROW}", "Funding rate", w.styles["header"])
    for i in range(px.HISTORY_ROWS):
        r = px.HISTORY_FIRST_ROW + i
        time, rate = samples.funding_history[i] if i < len(samples.funding_history) else (None, None)
        w.data(f"{px.HISTORY_TIME_COLUMN}{r}", time, "text")
        w.data(f"{px.HISTORY_RATE_COLUMN}{r}", rate, "rate")
    last_history = px.HISTORY_FIRST_ROW + px.HISTORY_ROWS - 1
    w.name_range(
        "FUNDING_HISTORY", f"{px.HISTORY_RATE_COLUMN}{px.HISTORY_FIRST_ROW}:{px.HISTORY_RATE_COLUMN}{last_history}"
    )
    stale = w.styles["stale"]
    for ref, flag in (
        (f"A{px.SPOT_FIRST_ROW}:D{last}", f"$E{px.SPOT_FIRST_ROW}=TRUE"),
        (f"B{px.PERP_FIRST_ROW}:B{px.PERP_FIRST_ROW + len(px.PERP_FIELDS) - 1}", "PERP_STALE=TRUE"),
        (f"B{px.QUARTERLY_FIRST_ROW}:B{px.QUARTERLY_FIRST_ROW + len(px.QUARTERLY_FIELDS) - 1}", "QUARTERLY_STALE=TRUE"),
        (f"B{px.FEAR_GREED_FIRST_ROW}:B{px.FEAR_GREED_FIRST_ROW + len(px.FEAR_GREED_FIELDS) - 1}", "FG_STALE=TRUE"),
    ):
        s.conditional_format(ref, {"type": "formula", "criteria": "=" + flag, "format": stale})


def hedge_ratio(w: SheetWriter) -> None:
    s = w.sheet
    s.set_column("A:A", 26)
    s.set_column("B:E", 16)
    s.set_column("F:F", 60)
    s.set_row(0, 21)
    w.text("A1", "Hedge ratio", "title")
    w.text("A3", "Method in force", "label")
    w.input(
        "B3",
        RATIO_METHODS[0],
        "text",
        name="RATIO_METHOD",
        validation={"validate": "list", "source": list(RATIO_METHODS)},
    )
    for col, header in enumerate(
        ("Method", "Hedge ratio", "Applies to (USD)", "Notional (USD)", "Share of altcoins", "How")
    ):
        s.write_string(4, col, header, w.styles["header"])
    ratio_rule = _between(0, 3, "A hedge ratio is between 0% and 300%.")
    w.text("A6", RATIO_METHODS[0])
    w.input("B6", wx.HEDGE_RATIO, "pct", name="FLAT_RATIO", validation=ratio_rule)
    w.formula("C6", "=HEDGED_ALT_VALUE", "usd")
    w.formula("D6", "=HEDGE_NOTIONAL(HEDGED_VALUES,FLAT_RATIO)", "usd")
    w.text("F6", "A flat share of the altcoins; the method's beginner range is 25-50%.", "note")
    w.text("A7", RATIO_METHODS[1])
    w.input("B7", 0.50, "pct", name="SATELLITE_RATIO", validation=ratio_rule)
    w.formula("C7", "=SATELLITE_VALUE", "usd")
    w.formula("D7", "=HEDGE_NOTIONAL(SATELLITE_VALUES,SATELLITE_RATIO)", "usd")
    w.text("F7", "Hedge only the satellite (small caps); the method uses 50%.", "note")
    w.text("A8", RATIO_METHODS[2])
    w.formula("B8", "=HEDGE_RATIO_FG(FG_VALUE,FG_TABLE)", "pct", name="FG_RATIO")
    w.formula("C8", "=HEDGED_ALT_VALUE", "usd")
    w.formula("D8", "=HEDGE_NOTIONAL(HEDGED_VALUES,FG_RATIO)", "usd")
    w.text("F8", "From today's Fear & Greed index through the table below.", "note")
    w.text("A9", RATIO_METHODS[3])
    w.input("B9", wx.HEDGE_RATIO, "pct", name="BETA_RATIO", validation=ratio_rule)
    w.formula("C9", "=HEDGED_ALT_VALUE", "usd")
    w.formula("D9", "=HEDGE_NOTIONAL(HEDGED_VALUES,BETA_RATIO,BETAS)", "usd")
    w.text("F9", "The ratio applied to each holding's value times its beta (Portfolio column H).", "note")
    for r in range(6, 10):
        w.formula(f"E{r}", f"=IF(ALT_VALUE=0,0,D{r}/ALT_VALUE)", "pct")
    w.text("A11", "Hedge notional in force (USD)", "label")
    w.formula("B11", "=INDEX(D6:D9,MATCH(RATIO_METHOD,A6:A9,0))", "usd", name="NOTIONAL")
    w.text("A12", "Share of altcoins hedged", "label")
    w.formula("B12", "=IF(ALT_VALUE=0,0,NOTIONAL/ALT_VALUE)", "pct", name="EFFECTIVE_RATIO")
    w.text("A13", "Over-hedged (above 100%)", "label")
    w.formula("B13", "=HEDGE_OVERHEDGED(NOTIONAL,HEDGED_VALUES)", "bool", name="OVERHEDGED")
    s.conditional_format("B13", {"type": "cell", "criteria": "==", "value": "TRUE", "format": w.styles["danger"]})
    w.text("A15", "Fear & Greed table (editable)", "heading")
    w.text("A16", "Fear & Greed index", "label")
    w.formula("B16", "=FG_VALUE", "int")
    w.formula("C16", "=FG_CLASS", "text")
    s.write_string("A18", "Index", w.styles["header"])
    s.write_string("B18", "Hedge ratio", w.styles["header"])
    edges = FEAR_GREED_TABLE
    for i, (index, ratio) in enumerate(edges):
        w.input(f"A{19 + i}", index, "int", validation=_between(0, 100, "An index from 0 to 100."))
        w.input(f"B{19 + i}", ratio, "pct", validation=ratio_rule)
    w.name_range("FG_TABLE", f"A19:B{18 + len(edges)}")
    w.text("C19", "The method's bands: <=20: 50-75%; 40-60: 20-30%; >=80: 0-10%.", "note")
    w.text("C20", "Between the band edges the ratio is linear, so more fear never means less hedge.", "note")


def hedge(w: SheetWriter) -> None:
    s = w.sheet
    s.set_column("A:A", 38)
    s.set_column("B:C", 16)
    s.set_column("D:D", 56)
    s.set_column("E:G", 18)
    s.set_row(0, 21)
    s.set_row(2, 30)
    w.text("A1", "Hedge", "title")
    rows = (
        ("Hedge notional, short BTC (USD)", "formula", "=NOTIONAL", "usd", None),
        ("BTC mark price (USD)", "formula", "=BTC_MARK", "price", "MARK_PRICE"),
    )
    for i, (label, _, formula, kind, name) in enumerate(rows):
        w.text(f"A{3 + i}", label, "label")
        w.formula(f"B{3 + i}", formula, kind, name=name)
    w.text("A5", "Contract", "label")
    w.input(
        "B5", "linear", "text", name="CONTRACT_TYPE", validation={"validate": "list", "source": ["linear", "inverse"]}
    )
    w.text("C5", "linear: USDT-margined BTCUSDT; inverse: COIN-M BTCUSD, 100 USD contracts", "note")
    w.text("A6", "Entry price (USD)", "label")
    w.input("B6", "=BTC_MARK", "price", name="ENTRY_PRICE", validation=_between(0.1, 1e9, "A price above 0."))
    w.text("C6", "your fill price; the template starts at the mark price", "note")
    w.text("A7", "Size to sell", "label")
    w.formula("B7", "=HEDGE_CONTRACTS(NOTIONAL,ENTRY_PRICE,CONTRACT_TYPE)", "qty", name="CONTRACTS")
    w.formula("C7", '=IF(CONTRACT_TYPE="linear","BTC (step 0.001)","contracts of 100 USD")', "text")
    w.text("A8", "Leverage", "label")
    w.input("B8", wx.LEVERAGE, "number", name="LEVERAGE", validation=_between(1, 125, "Leverage from 1 to 125."))
    w.text("A9", "Initial margin (USD)", "label")
    w.formula("B9", "=HEDGE_MARGIN(NOTIONAL,LEVERAGE)", "usd", name="MARGIN")
    w.text("A10", "Maintenance tier at entry: rate, amount", "label")
    w.array("B10:C10", "=HEDGE_MAINT_TIER(NOTIONAL,TIERS)", column_styles=("rate", "usd"))
    w.name_range("TIER_MMR", "B10")
    w.name_range("TIER_AMOUNT", "C10")
    # Binance's rule: if the notional at the liquidation price falls in another tier, recompute with
    # that tier. Row 15 is the first pass at the entry tier; row 14 the tier at that price; row 11
    # the liquidation price with it. Inverse contracts use the rate only (their amount is in BTC).
    no_position = '"no position"'
    amount = 'IF(CONTRACT_TYPE="linear",{},0)'
    w.text("A15", "Liquidation price at the entry tier (USD)", "label")
    w.formula(
        "B15",
        f'=IF(CONTRACTS=0,{no_position},HEDGE_LIQ_PRICE(ENTRY_PRICE,LEVERAGE,TIER_MMR,{amount.format("TIER_AMOUNT")},"short",CONTRACT_TYPE,CONTRACTS))',
        "price",
        name="LIQ_PRICE_ENTRY_TIER",
    )
    w.text("A14", "Tier at the liquidation price: rate, amount", "label")
    w.array(
        "B14:C14",
        '=HEDGE_MAINT_TIER(IF(CONTRACTS=0,NOTIONAL,CONTRACTS*IF(CONTRACT_TYPE="linear",LIQ_PRICE_ENTRY_TIER,100)),TIERS)',
        column_styles=("rate", "usd"),
    )
    w.name_range("LIQ_TIER_MMR", "B14")
    w.name_range("LIQ_TIER_AMOUNT", "C14")
    w.text("A11", "Liquidation price (USD), Binance rule", "label")
    w.formula(
        "B11",
        f'=IF(CONTRACTS=0,{no_position},HEDGE_LIQ_PRICE(ENTRY_PRICE,LEVERAGE,LIQ_TIER_MMR,{amount.format("LIQ_TIER_AMOUNT")},"short",CONTRACT_TYPE,CONTRACTS))',
        "price",
        name="LIQ_PRICE",
    )
    w.text("A12", "Margin buffer: BTC rise to liquidation", "label")
    w.formula(
        "B12",
        f"=IF(CONTRACTS=0,{no_position},HEDGE_MARGIN_BUFFER(ENTRY_PRICE,BTC_MARK,LEVERAGE,LIQ_TIER_MMR,{amount.format('LIQ_TIER_AMOUNT')},CONTRACT_TYPE,CONTRACTS))",
        "pct",
        name="BUFFER",
    )
    w.text("A13", "Warn when the buffer is below", "label")
    w.input("B13", 0.10, "pct", name="BUFFER_WARNING", validation=_between(0, 1, "A threshold from 0% to 100%."))
    s.conditional_format(
        "B12", {"type": "formula", "criteria": "=AND(ISNUMBER(B12),B12<BUFFER_WARNING)", "format": w.styles["warning"]}
    )
    w.text("A16", "Trading fees", "heading")
    w.text("A17", "Taker fee rate", "label")
    w.input("B17", 0.0005, "rate", name="FEE_RATE", validation=_between(0, 0.01, "A fee rate from 0% to 1%."))
    w.text("C17", "Binance USDS-M regular taker 0.05%", "note")
    w.text("A18", "Opening fee (USD)", "label")
    w.formula("B18", "=NOTIONAL*FEE_RATE", "usd")
    w.text("A19", "Closing fee at the entry price (USD)", "label")
    w.formula("B19", "=NOTIONAL*FEE_RATE", "usd")
    w.text("A20", "Round trip (USD)", "label")
    w.formula("B20", "=B18+B19", "usd", name="FEES")
    w.text("E2", "BTCUSDT maintenance tiers (editable)", "heading")
    for col, header in zip(
        "EFG", ("Notional up to (USDT)", "Maintenance rate", "Maintenance amount (USDT)"), strict=True
    ):
        s.write_string(f"{col}3", header, w.styles["header"])
    tiers = BTCUSDT_TIERS
    for i, (bound, rate) in enumerate(tiers):
        r = 4 + i
        w.input(f"E{r}", bound, "int", validation=_between(0, 1e12, "A notional bound above 0."))
        w.input(f"F{r}", rate, "rate", validation=_between(0, 1, "A rate from 0% to 100%."))
        w.formula(f"G{r}", "=0" if i == 0 else f"=E{r - 1}*(F{r}-F{r - 1})+G{r - 1}", "int")
    w.name_range("TIERS", f"E4:F{3 + len(tiers)}")
    w.text("E11", "Amount: cum(n) = floor(n) x (rate(n) - rate(n-1)) + cum(n-1)", "note")
    w.text("E12", "(Binance's rule)", "note")


def stress(w: SheetWriter) -> None:
    s = w.sheet
    s.set_column("A:A", 20)
    s.set_column("B:L", 13)
    s.set_row(0, 21)
    w.text("A1", "Stress", "title")
    w.text("A3", "BTC move", "label")
    shock_rule = _between(-1, 10, "A move from -100% up.")
    w.input("B3", wx.BTC_SHOCK, "pct", name="STRESS_BTC_SHOCK", validation=shock_rule)
    w.text("A4", "Altcoin move", "label")
    w.input("B4", wx.ALT_SHOCK, "pct", name="STRESS_ALT_SHOCK", validation=shock_rule)
    w.text("A6", "BTC")
    w.formula("B6", "=BTC_VALUE", "usd")
    w.formula("C6", "=STRESS_BTC_SHOCK", "pct")
    w.text("A7", "Altcoins")
    w.formula("B7", "=ALT_VALUE", "usd")
    w.formula("C7", "=STRESS_ALT_SHOCK", "pct")
    w.text("A9", "The method's scenario table", "heading")
    w.array(
        "A10:E15",
        "=SCENARIO_TABLE(B6:B7,C6:C7,NOTIONAL,STRESS_BTC_SHOCK,A6:A7)",
        name="STRESS_TABLE",
        column_styles=("label", "usd", "pct", "usd", "usd"),
    )
    w.name_range("STRESS_NET", "E15")
    w.text(
        "A17", "Stress grid: P/L (USD) by BTC move (rows) and the altcoins' move relative to BTC (columns)", "heading"
    )
    w.text(
        "A18",
        "Altcoins move (1 + BTC move) x (1 + relative move) - 1. Negative relative moves: altcoins lag BTC.",
        "note",
    )
    w.text("A19", "Hedged", "label")
    w.text("G19", "Unhedged", "label")
    relative = (-0.30, -0.20, -0.10, 0.0, 0.10)
    for j, move in enumerate(relative):
        col = "BCDEF"[j]
        w.input(f"{col}20", move, "pct", validation=shock_rule)
        w.formula(f"{'HIJKL'[j]}20", f"={col}20", "pct")
    for i in range(11):
        r = 21 + i
        w.input(f"A{r}", round(-0.5 + 0.1 * i, 2), "pct", validation=shock_rule)
        w.formula(f"G{r}", f"=A{r}", "pct")
    w.name_range("GRID_RELATIVE", "B20:F20")
    w.name_range("GRID_BTC", "A21:A31")
    w.array(
        "B21:F31", "=STRESS_GRID(BTC_VALUE,ALT_VALUE,NOTIONAL,GRID_BTC,GRID_RELATIVE,TRUE)", "usd", name="GRID_HEDGED"
    )
    w.array(
        "H21:L31",
        "=STRESS_GRID(BTC_VALUE,ALT_VALUE,NOTIONAL,GRID_BTC,GRID_RELATIVE,FALSE)",
        "usd",
        name="GRID_UNHEDGED",
    )
    chart = w.book.add_chart({"type": "line"})
    for series, column in (("Hedged", 3), ("Unhedged", 9)):
        chart.add_series(
            {
                "name": f"{series} P/L",
                "categories": [w.name, 20, 0, 30, 0],
                "values": [w.name, 20, column, 30, column],
                "marker": {"type": "circle"},
            }
        )
    chart.set_title({"name": "P/L when altcoins lag BTC by the grid's middle column (D20)"})
    chart.set_x_axis({"name": "BTC move", "num_format": "0%"})
    chart.set_y_axis({"name": "P/L (USD)", "num_format": "#,##0"})
    chart.set_size({"width": 720, "height": 360})
    s.insert_chart("A34", chart)


def funding(w: SheetWriter) -> None:
    s = w.sheet
    s.set_column("A:A", 46)
    s.set_column("B:B", 18)
    s.set_column("C:C", 60)
    s.set_row(0, 21)
    w.text("A1", "Funding and dated futures", "title")
    w.text(
        "A2", "Exchanges' rule: a positive rate means longs pay shorts, so the short hedge RECEIVES funding.", "note"
    )
    w.text("A3", "(The article the method comes from says the opposite; these numbers follow the exchanges.)", "note")
    w.text("A5", "Holding period (days)", "label")
    w.input("B5", 30, "number", name="HOLD_DAYS", validation=_between(0, 3650, "From 0 to 3,650 days."))
    rows = (
        ("Hedge notional (USD)", "=NOTIONAL", "usd", None),
        ("Current funding rate per interval", "=FUNDING_RATE", "rate", None),
        ("Funding interval (hours)", "=FUNDING_INTERVAL", "int", None),
        ("Perpetual: funding cost over the period (USD)", '=FUNDING_COST(NOTIONAL,FUNDING_RATE,HOLD_DAYS,FUNDING_INTERVAL,"short")', "usd", "PERP_COST"),
    )  # fmt: skip
    for i, (label, formula, kind, name) in enumerate(rows):
        w.text(f"A{6 + i}", label, "label")
        w.formula(f"B{6 + i}", formula, kind, name=name)
    w.text("C9", "positive = you pay; negative = the short receives", "note")
    w.text("A11", "Over real history (Prices, columns H:I)", "heading")
    history = (
        ("Settlements in the sample", "=COUNT(FUNDING_HISTORY)", "int", "HISTORY_COUNT"),
        ("Days covered", "=HISTORY_COUNT*FUNDING_INTERVAL/24", "number", "HISTORY_DAYS"),
        ("Funding over the sample (USD)", "=FUNDING_COST(NOTIONAL,FUNDING_HISTORY)", "usd", "HISTORY_COST"),
        ("The same rate of cost over the period (USD)", "=IF(HISTORY_DAYS=0,0,HISTORY_COST/HISTORY_DAYS*HOLD_DAYS)", "usd", None),
    )  # fmt: skip
    for i, (label, formula, kind, name) in enumerate(history):
        w.text(f"A{12 + i}", label, "label")
        w.formula(f"B{12 + i}", formula, kind, name=name)
    w.text("A17", "Dated future instead", "heading")
    dated = (
        ("Future", "=QUARTERLY_SYMBOL", "text", None),
        ("Future price (USD)", "=QUARTERLY_PRICE", "price", None),
        ("Index price (USD)", "=QUARTERLY_INDEX", "price", None),
        ("Days to expiry", "=QUARTERLY_DAYS", "number", None),
        ("Annualized basis", "=BASIS_ANNUALIZED(QUARTERLY_PRICE,QUARTERLY_INDEX,QUARTERLY_DAYS)", "pct", "BASIS"),
        ("Dated future: carry cost over the period (USD)", "=DATED_HEDGE_COST(NOTIONAL,QUARTERLY_PRICE,QUARTERLY_INDEX,QUARTERLY_DAYS,MIN(HOLD_DAYS,QUARTERLY_DAYS))", "usd", "DATED_COST"),
        ("Break-even funding rate per interval", "=FUNDING_BREAKEVEN(QUARTERLY_PRICE,QUARTERLY_INDEX,QUARTERLY_DAYS,FUNDING_INTERVAL)", "rate", None),
        ("Cheaper hedge for the period", '=IF(PERP_COST<=DATED_COST,"Perpetual","Dated future")', "text", "CHEAPER_HEDGE"),
    )  # fmt: skip
    for i, (label, formula, kind, name) in enumerate(dated):
        w.text(f"A{18 + i}", label, "label")
        w.formula(f"B{18 + i}", formula, kind, name=name)
    w.text("C23", "a short future earns the basis in contango; counted over min(period, days to expiry)", "note")
    w.text("C24", "above this rate the perpetual's funding beats the future's basis", "note")
    w.formula("C21", '=IF(HOLD_DAYS>QUARTERLY_DAYS,"the period outlasts the future: a roll is needed","")', "text")


def self_check(w: SheetWriter) -> None:
    s = w.sheet
    s.set_column("A:A", 34)
    s.set_column("B:B", 70)
    s.set_column("C:E", 14)
    s.set_row(0, 21)
    w.text("A1", "Self-check: the method's worked numbers", "title")
    for col, header in enumerate(("Example", "Formula", "Result", "Expected", "Pass", "Source")):
        s.write_string(2, col, header, w.styles["header"])
    for i, example in enumerate(wx.EXAMPLES):
        r = 4 + i
        formula = f"{example.function}({','.join(_excel_literal(a) for a in example.args)})"
        w.text(f"A{r}", example.label)
        w.text(f"B{r}", formula, "note")
        if isinstance(example.expected, bool):
            w.formula(f"C{r}", "=" + formula, "bool")
            w.value(f"D{r}", example.expected, "bool")
            w.formula(f"E{r}", f"=C{r}=D{r}", "bool")
        else:
            w.formula(f"C{r}", "=" + formula, "number")
            w.value(f"D{r}", example.expected, "number")
            w.formula(f"E{r}", f"=ROUND(C{r},2)=D{r}", "bool")
        w.text(f"F{r}", example.source, "note")
    last = 3 + len(wx.EXAMPLES)
    w.text(f"A{last + 2}", "All pass", "label")
    w.formula(f"E{last + 2}", f"=AND(E4:E{last})", "bool", name="SELF_CHECK")
    s.conditional_format(
        f"E4:E{last + 2}", {"type": "cell", "criteria": "==", "value": "FALSE", "format": w.styles["danger"]}
    )


def _excel_literal(value: object) -> str:
    """A Python argument as an Excel literal: numbers, "text", {1;2} columns, {1,2} rows."""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, (list, tuple)):
        rows = [row if isinstance(row, (list, tuple)) else [row] for row in value]
        return "{" + ";".join(",".join(_excel_literal(v) for v in row) for row in rows) + "}"
    return repr(value) if isinstance(value, float) else str(value)


def xlwings_conf(w: SheetWriter) -> None:
    w.sheet.set_column("A:B", 24)
    w.text("A1", "UDF Modules")
    w.text("B1", "althedge_xl.udfs")

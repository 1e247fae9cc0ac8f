"""The Hedge sheet: notional, contracts, margin, liquidation price and the tier table."""

from __future__ import annotations

from althedge_xl import worked_examples as wx
from althedge_xl.core.conventions import BTCUSDT_TIERS
from althedge_xl.workbook.sheets._common import (
    between,
)
from althedge_xl.workbook.writer import SheetWriter


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
    w.input("B6", "=BTC_MARK", "price", name="ENTRY_PRICE", validation=between(0.1, 1e9, "A price above 0."))
    w.text("C6", "your fill price; the template starts at the mark price", "note")
    w.text("A7", "Size to sell", "label")
    w.formula("B7", "=HEDGE_CONTRACTS(NOTIONAL,ENTRY_PRICE,CONTRACT_TYPE)", "qty", name="CONTRACTS")
    w.formula("C7", '=IF(CONTRACT_TYPE="linear","BTC (step 0.001)","contracts of 100 USD")', "text")
    w.text("A8", "Leverage", "label")
    w.input("B8", wx.LEVERAGE, "number", name="LEVERAGE", validation=between(1, 125, "Leverage from 1 to 125."))
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
    w.input("B13", 0.10, "pct", name="BUFFER_WARNING", validation=between(0, 1, "A threshold from 0% to 100%."))
    s.conditional_format(
        "B12", {"type": "formula", "criteria": "=AND(ISNUMBER(B12),B12<BUFFER_WARNING)", "format": w.styles["warning"]}
    )
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
    w.text("E2", "BTCUSDT maintenance tiers (editable)", "heading")
    for col, header in zip(
        "EFG", ("Notional up to (USDT)", "Maintenance rate", "Maintenance amount (USDT)"), strict=True
    ):
        s.write_string(f"{col}3", header, w.styles["header"])
    tiers = BTCUSDT_TIERS
    for i, (bound, rate) in enumerate(tiers):
        r = 4 + i
        w.input(f"E{r}", bound, "int", validation=between(0, 1e12, "A notional bound above 0."))
        w.input(f"F{r}", rate, "rate", validation=between(0, 1, "A rate from 0% to 100%."))
        w.formula(f"G{r}", "=0" if i == 0 else f"=E{r - 1}*(F{r}-F{r - 1})+G{r - 1}", "int")
    w.name_range("TIERS", f"E4:F{3 + len(tiers)}")
    w.text("E11", "Amount: cum(n) = floor(n) x (rate(n) - rate(n-1)) + cum(n-1)", "note")
    w.text("E12", "(Binance's rule)", "note")

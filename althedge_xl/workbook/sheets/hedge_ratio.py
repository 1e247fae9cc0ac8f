"""The HedgeRatio sheet: the ways to choose a ratio, and the one in force."""

from __future__ import annotations

from althedge_xl import worked_examples as wx
from althedge_xl.core.sizing import FEAR_GREED_TABLE
from althedge_xl.workbook.sheets._common import (
    RATIO_METHODS,
    between,
)
from althedge_xl.workbook.writer import SheetWriter


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
    ratio_rule = between(0, 3, "A hedge ratio is between 0% and 300%.")
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
        w.input(f"A{19 + i}", index, "int", validation=between(0, 100, "An index from 0 to 100."))
        w.input(f"B{19 + i}", ratio, "pct", validation=ratio_rule)
    w.name_range("FG_TABLE", f"A19:B{18 + len(edges)}")
    w.text("C19", "The method's bands: <=20: 50-75%; 40-60: 20-30%; >=80: 0-10%.", "note")
    w.text("C20", "Between the band edges the ratio is linear, so more fear never means less hedge.", "note")

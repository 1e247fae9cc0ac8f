"""The Stress sheet: the method's scenario table and the stress grids."""

from __future__ import annotations

from althedge_xl import worked_examples as wx
from althedge_xl.workbook.sheets._common import (
    between,
)
from althedge_xl.workbook.writer import SheetWriter


def stress(w: SheetWriter) -> None:
    s = w.sheet
    s.set_column("A:A", 20)
    s.set_column("B:L", 13)
    s.set_row(0, 21)
    w.text("A1", "Stress", "title")
    w.text("A3", "BTC move", "label")
    shock_rule = between(-1, 10, "A move from -100% up.")
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

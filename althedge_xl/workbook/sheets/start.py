"""The Start sheet: what the workbook is, how to use it, and the Refresh button."""

from __future__ import annotations

from althedge_xl import __version__
from althedge_xl.workbook.writer import SheetWriter


def start(w: SheetWriter, refresh_macro: str) -> None:
    w.sheet.set_column("A:A", 4)
    w.sheet.set_column("B:B", 110)
    w.text("B1", "AltHedge XL: defend an altcoin portfolio with short Bitcoin futures", "title")
    lines = (
        "Altcoins fall harder than BTC when the market turns. This workbook sizes a short BTC futures hedge",
        "worth a share of your altcoins, so the short's gain offsets part of the spot loss.",
        "It prices your holdings, chooses the hedge ratio six ways, sizes contracts and margin,",
        "shows the liquidation price and buffer, stress-tests the portfolio, and compares funding with dated futures.",
        "Every number comes from the AltHedge Excel functions (category AltHedge in the function wizard).",
    )
    for i, line in enumerate(lines):
        w.text(f"B{3 + i}", line)
    w.formula("B8", "=AS_OF_LINE", "note")
    w.text("B9", "Three steps", "heading")
    w.text(
        "B10",
        "1. Portfolio: type each holding's quantity (priced from Prices) or its USD value, class and stress correlation.",
    )
    w.text(
        "B11", "2. HedgeRatio: choose the method in force (six ways to set a ratio) and read the signals to scale it."
    )
    w.text("B12", "3. Press Refresh for live prices. After `althedge refresh` on a saved workbook, press Ctrl+Alt+F9.")
    w.text("B14", "Colours", "heading")
    w.sheet.write_string("A15", "", w.styles.input("text"))
    w.text("B15", "Pale yellow, blue text: an input. Type here.")
    w.text("B16", "White: a result (locked formula). Orange fill: a warning. Red fill: over-hedged or an error.")
    w.text(
        "B17", "Red figures: a negative amount or move. Grey italics on Prices: stale data, the last good value kept."
    )
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
    # `althedge init` writes README.md beside the workbook it copies, so the relative link opens it.
    w.sheet.write_url(
        "B26", "external:README.md", w.styles["link"], "Open README.md (althedge init puts it beside this workbook)"
    )
    w.sheet.insert_button("B28", {"macro": refresh_macro, "caption": "Refresh prices", "width": 160, "height": 30})

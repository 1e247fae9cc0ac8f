"""The Portfolio sheet: holdings by class, priced from Prices, with their stress betas."""

from __future__ import annotations

from althedge_xl.workbook.sheets._common import (
    BOOL_LIST,
    CLASSES,
    PORTFOLIO_FIRST,
    PORTFOLIO_LAST,
    TEMPLATE_HOLDINGS,
    between,
)
from althedge_xl.workbook.writer import SheetWriter


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
        w.input(f"C{r}", None, "qty", validation=between(0, 1e12, "Quantity must be 0 or more."))
        w.formula(f"D{r}", f'=IF(A{r}="","",IFERROR(VLOOKUP(A{r},PRICE_TABLE,2,FALSE),""))', "price")
        w.input(f"E{r}", value, "usd", validation=between(0, 1e15, "A value must be 0 or more."))
        w.formula(f"F{r}", f'=IF(C{r}="",IF(E{r}="","",E{r}),IF(D{r}="",NA(),C{r}*D{r}))', "usd")
        w.input(f"G{r}", corr, "ratio", validation=between(-1, 1, "A correlation is between -1 and 1."))
        w.input(f"H{r}", None, "ratio", validation=between(-10, 10, "A beta between -10 and 10."))
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

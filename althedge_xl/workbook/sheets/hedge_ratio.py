"""The HedgeRatio sheet: the ways to choose a ratio, the one in force, and the signals to scale it.

Every method's row computes a notional; the one named in ``RATIO_METHOD`` is in force and the Hedge
sheet reads it by name (``NOTIONAL``, with ``RATIO_IN_FORCE`` and ``EFFECTIVE_RATIO``). The signals
block is one array formula (``HEDGE_SIGNALS``) over the History sheet's last year and its funding.
"""

from __future__ import annotations

from althedge_xl import worked_examples as wx
from althedge_xl.core.ratio_rules import VOLATILITY_TABLE
from althedge_xl.core.sizing import FEAR_GREED_TABLE
from althedge_xl.core.stats.signals import SIGNAL_NAMES, SIGNAL_THRESHOLDS
from althedge_xl.workbook import history_layout as hx
from althedge_xl.workbook.sheets._common import RATIO_METHODS, between
from althedge_xl.workbook.writer import SheetWriter

FIRST_METHOD_ROW = 6
LAST_METHOD_ROW = FIRST_METHOD_ROW + len(RATIO_METHODS) - 1
SIGNALS_TOP = 21
TABLES_TOP = 30
_SIGNAL_STYLES = ("pct", "pct", "pct", "int")


def hedge_ratio(w: SheetWriter, last_history_row: int) -> None:
    s = w.sheet
    s.set_column("A:A", 30)
    s.set_column("B:E", 16)
    s.set_column("F:F", 90)
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
    w.text("C3", "any row below can drive the Hedge sheet", "note")
    for col, header in enumerate(
        ("Method", "Hedge ratio", "Applies to (USD)", "Notional (USD)", "Share of altcoins", "How")
    ):
        s.write_string(4, col, header, w.styles["header"])
    _methods(w)
    first, last = FIRST_METHOD_ROW, LAST_METHOD_ROW
    match = f"MATCH(RATIO_METHOD,A{first}:A{last},0)"
    w.text("A13", "Ratio of the method in force", "label")
    w.formula("B13", f"=INDEX(B{first}:B{last},{match})", "pct", name="RATIO_IN_FORCE")
    w.text("C13", "for Beta-weighted, the ratio before each holding's beta", "note")
    w.text("A14", "Hedge notional in force (USD)", "label")
    w.formula("B14", f"=INDEX(D{first}:D{last},{match})", "usd", name="NOTIONAL")
    w.text("A15", "Share of altcoins hedged", "label")
    w.formula("B15", "=IF(ALT_VALUE=0,0,NOTIONAL/ALT_VALUE)", "pct", name="EFFECTIVE_RATIO")
    w.text("A16", "Over-hedged (above 100%)", "label")
    w.formula("B16", "=HEDGE_OVERHEDGED(NOTIONAL,HEDGED_VALUES)", "bool", name="OVERHEDGED")
    s.conditional_format("B16", {"type": "cell", "criteria": "==", "value": "TRUE", "format": w.styles["danger"]})
    w.text("A18", "Altcoins as held (USD): ETH, SOL, small caps", "label")
    w.formula("B18", '=SUMIF(ASSETS,"ETH",VALUES)', "usd")
    w.formula("C18", '=SUMIF(ASSETS,"SOL",VALUES)', "usd")
    w.formula("D18", "=ALT_VALUE-B18-C18", "usd")
    w.name_range("ALT_HOLDINGS", "B18:D18")
    w.text("E18", "the small caps move as AVAX on History", "note")
    _signals(w, last_history_row)
    _tables(w)


def _methods(w: SheetWriter) -> None:
    """One row per method: its ratio, what it applies to, the notional, the share of altcoins."""
    ratio_rule = between(0, 3, "A hedge ratio is between 0% and 300%.")
    flat, satellite, fear_greed, beta, volatility, minvar = range(FIRST_METHOD_ROW, LAST_METHOD_ROW + 1)
    btc = f"History!B{hx.FIRST_ROW}:B{hx.RECENT_LAST_ROW}"
    held = (
        f"B18/History!C{hx.FIRST_ROW}*History!C{hx.FIRST_ROW}:C{hx.RECENT_LAST_ROW}"
        f"+C18/History!D{hx.FIRST_ROW}*History!D{hx.FIRST_ROW}:D{hx.RECENT_LAST_ROW}"
        f"+D18/History!E{hx.FIRST_ROW}*History!E{hx.FIRST_ROW}:E{hx.RECENT_LAST_ROW}"
    )
    rows = (
        (flat, "FLAT_RATIO", wx.HEDGE_RATIO, "=HEDGE_NOTIONAL(HEDGED_VALUES,FLAT_RATIO)", "=HEDGED_ALT_VALUE",
         "A flat share of the altcoins; the method's beginner range is 25-50%."),
        (satellite, "SATELLITE_RATIO", 0.50, "=HEDGE_NOTIONAL(SATELLITE_VALUES,SATELLITE_RATIO)", "=SATELLITE_VALUE",
         "Hedge only the satellite (small caps); the method uses 50%."),
        (fear_greed, "FG_RATIO", "=HEDGE_RATIO_FG(FG_VALUE,FG_TABLE)", None, "=HEDGED_ALT_VALUE",
         "From today's Fear & Greed index through the table below (more fear, more hedge)."),
        (beta, "BETA_RATIO", wx.HEDGE_RATIO, "=HEDGE_NOTIONAL(HEDGED_VALUES,BETA_RATIO,BETAS)", "=HEDGED_ALT_VALUE",
         "The ratio applied to each holding's value times its beta (Portfolio column H)."),
        (volatility, "VOL_RATIO", f"=HEDGE_RATIO_VOL(E{SIGNALS_TOP + 1},VOL_TABLE)", None, "=HEDGED_ALT_VALUE",
         "From BTC's realized volatility (the signal below) through the volatility table (more volatility, more hedge)."),
        (minvar, "MINVAR_RATIO", f"=HEDGE_MINVAR_RATIO({held},{btc})", None, "=HEDGED_ALT_VALUE",
         "Measured on History's last year: the short that minimised the altcoins' (as held) daily P/L variance."),
    )  # fmt: skip
    for (row, name, ratio, notional, applies, how), method in zip(rows, RATIO_METHODS, strict=True):
        w.text(f"A{row}", method)
        if isinstance(ratio, str) and "*History!" in ratio:
            # arithmetic on ranges: an array formula, or Excel would intersect each range with the row
            w.array(f"B{row}:B{row}", ratio, "pct", name=name)
        elif isinstance(ratio, str):
            w.formula(f"B{row}", ratio, "pct", name=name)
        else:
            w.input(f"B{row}", ratio, "pct", name=name, validation=ratio_rule)
        w.formula(f"C{row}", applies, "usd")
        # a ratio a function has already checked needs no second call: notional = ratio x value
        w.formula(f"D{row}", notional or f"=B{row}*C{row}", "usd")
        w.formula(f"E{row}", f"=IF(ALT_VALUE=0,0,D{row}/ALT_VALUE)", "pct")
        w.text(f"F{row}", how, "note")


def _signals(w: SheetWriter, last_history_row: int) -> None:
    """The four signals with their thresholds, and the suggested direction: one array formula."""
    s = w.sheet
    top = SIGNALS_TOP
    w.text(f"A{top - 1}", "Signals: scale the hedge up or down? (data up to the last close on History)", "heading")
    for col, header in enumerate(("Signal", "Scale down when", "Scale up when", "Says", "Value", "Why")):
        s.write_string(top - 1, col, header, w.styles["header"])
    labels = (
        "Altcoins minus BTC (up above)",
        "BTC volatility, a year (down below, up above)",
        "Funding earned, a year (down below, up above)",
        "Fear & Greed (down at or above, up at or below)",
    )
    for i, (label, (down, up), kind) in enumerate(zip(labels, SIGNAL_THRESHOLDS, _SIGNAL_STYLES, strict=True)):
        r = top + i
        w.text(f"A{r}", label)
        for letter, value in (("B", down), ("C", up)):
            rule = between(-100, 100, "A threshold: a fraction (20% = 0.2) or an index from 0 to 100.")
            w.input(f"{letter}{r}", value if value == value else None, kind, validation=rule)  # NaN: blank
    w.name_range("SIGNAL_THRESHOLDS", f"B{top}:C{top + len(SIGNAL_NAMES) - 1}")
    suggestion_row = top + len(SIGNAL_NAMES)
    w.text(f"A{suggestion_row}", "Suggested direction", "label")
    window_row = suggestion_row + 2
    w.text(f"A{window_row}", "Window (days)", "label")
    w.input(f"B{window_row}", 30, "int", name="SIGNAL_WINDOW", validation=between(2, 365, "From 2 to 365 days."))
    w.text(
        f"C{window_row}",
        "for the rally, the volatility and the funding; funding reads the days to History's last record",
        "note",
    )
    btc = f"History!B{hx.FIRST_ROW}:B{hx.RECENT_LAST_ROW}"
    alts = f"History!C{hx.FIRST_ROW}:E{hx.RECENT_LAST_ROW}"
    funding_col = hx.LONG_COLUMNS[5]
    funding = f"History!{funding_col}{hx.FIRST_ROW}:{funding_col}{last_history_row}"
    ref = f"D{top}:F{suggestion_row}"
    w.array(
        ref,
        f"=HEDGE_SIGNALS({btc},{alts},ALT_HOLDINGS,{funding},FG_VALUE,SIGNAL_THRESHOLDS,SIGNAL_WINDOW)",
        "text",
        column_styles=("label", "number", "wrap"),
    )
    for i, kind in enumerate((*_SIGNAL_STYLES, "int")):
        cell = f"E{top + i}"
        cached = w.cached.get((w.name, cell))
        s.write(cell, 0 if cached is None else cached, w.styles[kind])
    w.name_range("SIGNAL_DIRECTION", f"D{suggestion_row}")
    s.conditional_format(
        f"D{top}:D{suggestion_row}",
        {"type": "text", "criteria": "containing", "value": "scale up", "format": w.styles["warning"]},
    )


def _tables(w: SheetWriter) -> None:
    """The editable Fear & Greed and volatility tables."""
    s = w.sheet
    ratio_rule = between(0, 3, "A hedge ratio is between 0% and 300%.")
    top = TABLES_TOP
    w.text(f"A{top}", "Fear & Greed table (editable)", "heading")
    w.text(f"D{top}", "Volatility table (editable)", "heading")
    w.text(f"A{top + 1}", "Fear & Greed index", "label")
    w.formula(f"B{top + 1}", "=FG_VALUE", "int")
    w.formula(f"C{top + 1}", "=FG_CLASS", "text")
    header = top + 3
    for col, text in (("A", "Index"), ("B", "Hedge ratio"), ("D", "BTC volatility"), ("E", "Hedge ratio")):
        s.write_string(f"{col}{header}", text, w.styles["header"])
    for i, (index, ratio) in enumerate(FEAR_GREED_TABLE):
        w.input(f"A{header + 1 + i}", index, "int", validation=between(0, 100, "An index from 0 to 100."))
        w.input(f"B{header + 1 + i}", ratio, "pct", validation=ratio_rule)
    w.name_range("FG_TABLE", f"A{header + 1}:B{header + len(FEAR_GREED_TABLE)}")
    for i, (vol, ratio) in enumerate(VOLATILITY_TABLE):
        w.input(f"D{header + 1 + i}", vol, "pct", validation=between(0, 10, "A volatility from 0% to 1000%."))
        w.input(f"E{header + 1 + i}", ratio, "pct", validation=ratio_rule)
    w.name_range("VOL_TABLE", f"D{header + 1}:E{header + len(VOLATILITY_TABLE)}")
    w.text(f"F{header + 1}", "Fear & Greed: the method's bands <=20: 50-75%; 40-60: 20-30%; >=80: 0-10%.", "note")
    w.text(
        f"F{header + 2}",
        "Volatility: edges at BTC's 30-day volatility percentiles 2020-2025 (10th 32%, 25th 41%, median 53%,",
        "note",
    )
    w.text(f"F{header + 3}", "75th 68%, 90th 83%), ratios over the Fear & Greed table's 10-75%.", "note")
    w.text(f"F{header + 4}", "Between edges both are linear: more fear or volatility never means less hedge.", "note")

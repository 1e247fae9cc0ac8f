"""The History and Backtest sheets: measured beta and correlation, crash replays, the rules backtested.

History holds daily closes (Binance USDT closes; AVAX stands in for the small caps): the last year,
which refresh keeps current, and every day since 2021 with the day's BTCUSDT funding and Fear &
Greed index. Backtest measures what the method guesses (beta on the last year; the stress beta and
correlation on every stress day since 2021, beside the method's 0.90/0.95), replays the portfolio,
hedged and not, through real crashes, and backtests every hedge rule on every day of History after
fees and funding (one array formula for the table, one for the equity curves of its chart).
"""

from __future__ import annotations

from althedge_xl.workbook import history_layout as hx
from althedge_xl.workbook.samples import HistoryRow
from althedge_xl.workbook.sheets.backtest_rules import rules
from althedge_xl.workbook.writer import SheetWriter

#: Crash windows replayed, inclusive UTC days: (label, first day, last day).
CRASHES = (
    ("May 2021 crash", "2021-05-10", "2021-05-25"),
    ("June 2022 (Celsius, 3AC)", "2022-06-06", "2022-06-20"),
    ("FTX week, Nov 2022", "2022-11-07", "2022-11-14"),
)
STRESS_THRESHOLD = -0.05
_DATE, _BTC, _ETH, _SOL, _AVAX, _FUNDING, _FG = hx.LONG_COLUMNS


def history_rows(rows: tuple[HistoryRow, ...]) -> dict[str, int]:
    """The long block's row number of each date."""
    return {row.date: hx.FIRST_ROW + i for i, row in enumerate(rows)}


def history(w: SheetWriter, rows: tuple[HistoryRow, ...]) -> None:
    """Write the History sheet: the recent block (refreshed) and the long block (the crashes)."""
    s = w.sheet
    s.set_column("A:A", 12)
    s.set_column("B:E", 13)
    s.set_column(f"{_DATE}:{_DATE}", 12)
    s.set_column(f"{_BTC}:{_FG}", 13)
    s.set_row(0, 21)
    w.text("A1", "History: daily closes (USDT)", "title")
    w.text("A2", "Updated", "label")
    w.data(hx.UPDATED_CELL, "build: Binance daily closes from the market history", "text")
    w.text("C2", "Stale", "label")
    w.data(hx.STALE_CELL, True, "bool")
    w.text("A3", "The last year, refreshed by `althedge refresh --history` and the Refresh button.", "note")
    w.text(
        f"{_DATE}3",
        "Every day since 2021 with the day's BTCUSDT funding (the three settlements summed) and Fear & Greed index.",
        "note",
    )
    for col, header in zip(hx.RECENT_COLUMNS, ("Date", *hx.ASSETS), strict=True):
        s.write_string(f"{col}{hx.HEADER_ROW}", header, w.styles["header"])
    for col, header in zip(hx.LONG_COLUMNS, ("Date", *hx.ASSETS, "BTC funding (day)", "Fear & Greed"), strict=True):
        s.write_string(f"{col}{hx.HEADER_ROW}", header, w.styles["header"])
    for i, row in enumerate(rows[-hx.RECENT_DAYS :]):
        r = hx.FIRST_ROW + i
        w.data(f"A{r}", row.date, "text")
        for letter, close in zip(hx.RECENT_COLUMNS[1:], row.closes, strict=True):
            w.data(f"{letter}{r}", close, "price")
    for i, row in enumerate(rows):
        r = hx.FIRST_ROW + i
        w.value(f"{_DATE}{r}", row.date, "text")
        for letter, close in zip(hx.LONG_COLUMNS[1:5], row.closes, strict=True):
            if close is not None:
                w.value(f"{letter}{r}", close, "price")
        if row.funding is not None:
            w.value(f"{_FUNDING}{r}", row.funding, "rate")
        if row.fear_greed is not None:
            w.value(f"{_FG}{r}", row.fear_greed, "int")


def _range(letter: str, first: int, last: int) -> str:
    return f"History!{letter}{first}:{letter}{last}"


def backtest(w: SheetWriter, rows: tuple[HistoryRow, ...]) -> None:
    where = history_rows(rows)
    s = w.sheet
    last_row = max(where.values())
    first, recent_last = hx.FIRST_ROW, hx.RECENT_LAST_ROW
    s.set_column("A:A", 34)
    s.set_column("B:F", 15)
    s.set_row(0, 21)
    w.text("A1", "Backtest on real history", "title")
    btc = _range("B", first, recent_last)
    all_btc = _range(_BTC, hx.FIRST_ROW, last_row)
    majors = f"History!C{first}:D{recent_last}"
    w.text(
        "A2",
        f"Beta and correlation: the last {hx.RECENT_DAYS - 1} daily returns. Stress: every day in History when BTC fell more than 5%.",
        "note",
    )
    headers = ("", "Beta (OLS)", "Correlation", "Stress beta", "Stress correlation", "The method's guess")
    for col, header in enumerate(headers):
        s.write_string(3, col, header, w.styles["header"])
    for r, label, guess in ((5, "ETH", 0.90), (6, "SOL", 0.90), (7, "Small caps (AVAX)", 0.95)):
        w.text(f"A{r}", label, "label")
        w.value(f"F{r}", guess, "ratio")
    recent = f"History!C{first}:E{recent_last}"
    everything = f"History!{_ETH}{hx.FIRST_ROW}:{_AVAX}{last_row}"
    w.array("B5:C7", f"=HEDGE_BETA_TABLE({recent},{btc})", "ratio")
    w.array("D5:E7", f'=HEDGE_BETA_TABLE({everything},{all_btc},"downside",{STRESS_THRESHOLD})', "ratio")
    w.text("A8", "Majors (ETH + SOL, equal weights)", "label")
    w.formula("B8", "=(B5+B6)/2", "ratio", name="MEASURED_BETA_MAJORS")
    w.formula("D8", "=(D5+D6)/2", "ratio")
    w.value("F8", 0.90, "ratio")
    w.text("C8", "a basket's beta is its weights' average of the betas", "note")
    w.name_range("MEASURED_BETA_SMALL", "B7")
    w.text("A9", "Stress days in History (BTC below -5%)", "label")
    w.formula(
        "B9",
        f"=SUMPRODUCT((History!{_BTC}{hx.FIRST_ROW + 1}:{_BTC}{last_row}/History!{_BTC}{hx.FIRST_ROW}:{_BTC}{last_row - 1}-1<{STRESS_THRESHOLD})*1)",
        "int",
        name="STRESS_DAYS",
    )
    w.text("C9", "a correlation over stress days only is a rough estimate, biased towards 0", "note")
    w.text("A10", "BTC realized volatility (annualized)", "label")
    w.formula("B10", f"=REALIZED_VOL({btc})", "pct", name="BTC_VOL")
    w.text("A11", "Minimum-variance ratio, altcoins as held", "label")
    w.formula("B11", "=MINVAR_RATIO", "pct")
    w.text("C11", "the ETH, SOL and small-cap holdings bought and held over the window (HedgeRatio)", "note")
    w.text("A12", "Hedge effectiveness at the ratio in force", "label")
    w.formula("B12", f"=HEDGE_EFFECTIVENESS({majors},{btc},EFFECTIVE_RATIO)", "pct", name="EFFECTIVENESS")
    w.text("C12", "share of the majors' daily variance the hedge removes", "note")
    w.text(
        "A13",
        "Crash replays: the portfolio's BTC, ETH, SOL and small caps (as AVAX), hedged at the notional in force",
        "heading",
    )
    s.write_string("A14", "Holdings at the start (USD)", w.styles["label"])
    w.formula("B14", "=BTC_VALUE", "usd")
    w.formula("C14", '=SUMIF(ASSETS,"ETH",VALUES)', "usd")
    w.formula("D14", '=SUMIF(ASSETS,"SOL",VALUES)', "usd")
    w.formula("E14", "=ALT_VALUE-C14-D14", "usd")
    w.name_range("REPLAY_HOLDINGS", "B14:E14")
    for col, header in enumerate(("Window", "Unhedged P/L", "Hedge P/L", "Funding cost", "Hedged P/L", "Days")):
        s.write_string(15, col, header, w.styles["header"])
    top = 24
    for i, (label, start, end) in enumerate(CRASHES):
        r1, r2 = where[start], where[end]
        n = r2 - r1 + 1
        block_top = top + i * 20
        w.text(f"A{block_top - 2}", f"{label}: {start} to {end}", "heading")
        for col, header in enumerate(("Date", "Unhedged P/L", "Hedge P/L", "Funding cost", "Hedged P/L")):
            s.write_string(block_top - 2, col, header, w.styles["header"])
        ref = f"B{block_top}:E{block_top + n - 1}"
        w.array(
            ref,
            f"=SCENARIO_REPLAY(REPLAY_HOLDINGS,History!{_BTC}{r1}:{_AVAX}{r2},History!{_BTC}{r1}:{_BTC}{r2},NOTIONAL,History!{_FUNDING}{r1}:{_FUNDING}{r2})",
            "usd",
        )
        for k in range(n):
            w.formula(f"A{block_top + k}", f"=History!{_DATE}{r1 + k}", "text")
        summary = 16 + i
        w.text(f"A{summary}", label)
        for letter in "BCDE":
            w.formula(f"{letter}{summary}", f"={letter}{block_top + n - 1}", "usd")
        w.value(f"F{summary}", n - 1, "int")
    w.text(
        "A20",
        "Funding cost: + paid by the short, - received (exchanges' rule). P/L from the first day's close.",
        "note",
    )
    chart = w.book.add_chart({"type": "line"})
    label, start, end = CRASHES[-1]
    n = where[end] - where[start] + 1
    ftx_top = top + (len(CRASHES) - 1) * 20
    for name, column in (("Unhedged", 1), ("Hedged", 4)):
        chart.add_series(
            {
                "name": f"{name} P/L",
                "categories": [w.name, ftx_top - 1, 0, ftx_top + n - 2, 0],
                "values": [w.name, ftx_top - 1, column, ftx_top + n - 2, column],
                "marker": {"type": "circle"},
            }
        )
    chart.set_title({"name": f"{label}: hedged vs unhedged P/L (USD)"})
    chart.set_y_axis({"num_format": "#,##0"})
    chart.set_size({"width": 640, "height": 320})
    s.insert_chart("H3", chart)
    rules(w, rows)

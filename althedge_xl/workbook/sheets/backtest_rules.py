"""The Backtest sheet's rules block: every hedge rule replayed on History, its table and equity chart.

Two array formulas: ``BACKTEST(...)`` for the rules x metrics table, ``BACKTEST(..., "equity")``
for the equity curves the chart draws. The period is the long block of History from the first
day every rule can decide; the builder sizes the equity range by running the same backtest.
"""

from __future__ import annotations

import math

import numpy as np
from xlsxwriter.utility import xl_col_to_name

from althedge_xl.core.backtest import DEFAULT_BAND, METRICS, backtest
from althedge_xl.workbook import history_layout as hx
from althedge_xl.workbook.samples import HistoryRow
from althedge_xl.workbook.sheets._common import between
from althedge_xl.workbook.writer import SheetWriter

TOP = 22
"""Row of the block's heading (the crash chart sits above it)."""
EQUITY_COLUMN = 25
"""Zero-based column of the equity curves (Z), right of the table."""
PERIOD_CELL = f"H{TOP + 1}"
"""The line that names the backtest's first and last day (``refresh --history`` moves the last)."""
EQUITY_NAME = "BACKTEST_EQUITY"
"""The defined name of the equity array (``refresh --history`` stretches it over the days it adds)."""
FUNDING_NOTE = (
    "Funding received / paid by the short (exchanges' rule: a short receives when the rate is positive). "
    "Drawdown avoided: USD of unhedged's largest fall avoided per 1,000 USD of fees and funding paid."
)
"""The note under the table; the line below it counts History's days without a funding record."""
_TABLE_STYLES = (
    "text", "usd", "pct", "pct", "pct", "pct", "text", "text", "pct", "pct", "usd", "usd", "usd", "int", "pct", "int",
)  # fmt: skip


def period_text(first: str, last: str) -> str:
    """The line naming the backtest's period, from ``first`` to ``last`` (YYYY-MM-DD)."""
    return (
        f"{first} to {last} (the first day every rule can decide): the portfolio above bought and held, "
        "the ratio held on a day decided at the previous close, the short re-sized only outside the band."
    )


def missing_funding_text(count: int, first: str, last: str) -> str:
    """The line saying History has no funding record on ``count`` days, from ``first`` to ``last``."""
    return (
        f"History has no funding record on {count} days ({first} to {last}): "
        "the backtest counts no funding on them (never filled)."
    )


def _period(rows: tuple[HistoryRow, ...]) -> tuple[list[str], list[str], list[str]]:
    """The backtest's days and rule labels on the sample history, and History's days without funding."""

    def column(values: list[float | None]) -> np.ndarray:
        return np.array([math.nan if v is None else v for v in values])

    dates = [r.date for r in rows]
    closes = [column([r.closes[i] for r in rows]) for i in range(len(hx.ASSETS))]
    funding = column([r.funding for r in rows])
    result = backtest(
        dates,
        closes[0],
        np.column_stack(closes[1:]),
        [1.0] * (len(closes) - 1),
        0.0,
        funding,
        column([r.fear_greed for r in rows]),
    )
    missing = [d for d, f in zip(dates, funding, strict=True) if math.isnan(f)]
    return list(result.dates), [rule.label for rule in result.rules], missing


def rules(w: SheetWriter, rows: tuple[HistoryRow, ...]) -> None:
    """Write the rules block to the right of the crash replays."""
    s = w.sheet
    days, labels, missing = _period(rows)
    first, last = hx.FIRST_ROW, hx.FIRST_ROW + len(rows) - 1
    date, btc, *_, funding, fear_greed = (f"History!{c}{first}:{c}{last}" for c in hx.LONG_COLUMNS)
    alts = f"History!{hx.LONG_COLUMNS[2]}{first}:{hx.LONG_COLUMNS[4]}{last}"
    w.text(f"H{TOP}", "Hedge rules backtested on every day of History, after fees and funding", "heading")
    w.text(
        f"H{TOP + 1}",
        period_text(days[0], days[-1]),
        "note",
    )
    w.text(f"H{TOP + 2}", "No-trade band", "label")
    w.input(f"I{TOP + 2}", DEFAULT_BAND, "pct", name="BACKTEST_BAND", validation=between(0, 1, "From 0% to 100%."))
    w.text(f"J{TOP + 2}", "Re-size", "label")
    w.input(
        f"K{TOP + 2}",
        "daily",
        "text",
        name="BACKTEST_SCHEDULE",
        validation={"validate": "list", "source": ["daily", "weekly", "monthly"]},
    )
    w.text(f"L{TOP + 2}", "Fee: the Hedge sheet's taker fee (FEE_RATE)", "note")
    arguments = f'{date},{btc},{alts},C14:E14,B14,{funding},{fear_greed},"",BACKTEST_BAND,FEE_RATE,BACKTEST_SCHEDULE,""'
    table_top = TOP + 4
    n_rules = len(labels)
    table_ref = f"H{table_top}:W{table_top + n_rules}"
    assert len(METRICS) + 1 == len(_TABLE_STYLES) == 16
    w.array(table_ref, f'=BACKTEST({arguments},"table")', "text", column_styles=_TABLE_STYLES, name="BACKTEST_TABLE")
    notes = table_top + n_rules + 1
    w.text(f"H{notes}", FUNDING_NOTE, "note")
    if missing:
        w.text(f"H{notes + 1}", missing_funding_text(len(missing), missing[0], missing[-1]), "note")
    equity_rows = len(days) + 1
    col = EQUITY_COLUMN
    equity_ref = f"{xl_col_to_name(col)}{table_top}:{xl_col_to_name(col + n_rules)}{table_top + equity_rows - 1}"
    w.text(f"{xl_col_to_name(col)}{table_top - 1}", "Equity per day (USD), for the chart", "heading")
    w.array(
        equity_ref,
        f'=BACKTEST({arguments},"equity")',
        "usd",
        column_styles=("text", *["usd"] * n_rules),
        name=EQUITY_NAME,
    )
    chart = w.book.add_chart({"type": "line"})
    first_row, last_row = table_top, table_top + equity_rows - 2  # zero-based rows of the days (no header)
    for j, label in enumerate(labels):
        chart.add_series(
            {
                "name": label,
                "categories": [w.name, first_row, col, last_row, col],
                "values": [w.name, first_row, col + 1 + j, last_row, col + 1 + j],
                "line": {"width": 2.0 if j == 0 else 1.0},
            }
        )
    chart.set_title({"name": "Equity of each rule (USD, log scale)"})
    chart.set_y_axis({"num_format": "#,##0", "log_base": 10})
    chart.set_x_axis({"interval_unit": 365, "num_font": {"rotation": -45}})
    chart.set_size({"width": 900, "height": 420})
    s.insert_chart(f"H{notes + 3}", chart)

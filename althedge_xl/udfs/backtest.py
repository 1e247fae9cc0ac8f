"""The Excel face of the backtest: every hedge rule replayed on a price history, one array formula."""

from __future__ import annotations

from typing import Any

from althedge_xl.core.backtest import METRICS, backtest, metrics_table, parse_rules
from althedge_xl.core.limits import check_result_shape
from althedge_xl.excel import coerce
from althedge_xl.excel.function import excel_function
from althedge_xl.udfs._cells import Cells

#: What BACKTEST can return: the rules x metrics table, or the equity curves (one column per rule).
OUTPUTS = ("table", "equity")


@excel_function(
    dates="The days of the rows, YYYY-MM-DD text or Excel dates, oldest first",
    btc_prices="BTC daily closes on the same rows",
    alt_prices="The altcoins' daily closes, one column each (blank before a listing)",
    alt_values="USD bought of each altcoin at the first day of the period, one per column",
    btc_value="Optional: USD of BTC spot held too, not hedged (default 0)",
    funding_rates="Optional: each day's BTCUSDT funding rates summed; blank = no record that day (none counted)",
    fear_greed="Optional: each day's Fear & Greed index (needed by the Fear & Greed rule)",
    rules='Optional: rules, e.g. "flat40, volatility" (default: unhedged, flat 25/40/50/75, Fear & Greed, volatility, minimum variance, beta-weighted)',
    band="Optional: no-trade band, a share of the target (default 10%)",
    fee="Optional: taker fee on the notional traded (default 0.05%)",
    schedule='Optional: "daily" (default), "weekly" or "monthly": when the hedge may be re-sized',
    start="Optional: first day (default: the first day every rule can decide)",
    output='Optional: "table" (default, rules x metrics) or "equity" (each rule\'s equity per day)',
)
def BACKTEST(
    dates: Cells,
    btc_prices: Cells,
    alt_prices: Cells,
    alt_values: Cells,
    btc_value: Cells = 0,
    funding_rates: Cells = None,
    fear_greed: Cells = None,
    rules: Cells = None,
    band: Cells = 0.10,
    fee: Cells = 0.0005,
    schedule: Cells = "daily",
    start: Cells = None,
    output: Cells = "table",
) -> Any:
    """Backtest of hedge rules on daily closes after fees and funding: rules x metrics, with a header row.

    The ratio held on day t is decided at the close of day t-1; the short is re-sized only when
    it is off its target by more than the band, on the schedule's days, never at the period's last
    close; funding at every day's settlements netted per day, a short receiving when the rate is
    positive; days without a funding record count none; returns from the equity after the opening
    fee. Every convention, numbered: :func:`althedge_xl.core.backtest.backtest` and the README.

    >>> rows = BACKTEST([["2024-01-01"], ["2024-01-02"], ["2024-01-03"]], [[100], [90], [99]],
    ...                 [[10], [8], [9]], 1000, 0, None, None, "flat50", 0.5, 0)
    >>> rows[0][:2], rows[2][:2]
    (['Rule', 'Final equity'], ['Flat 50%', 905.0])
    """
    days = coerce.days(dates, "dates")
    rule_text = None if coerce.omitted(rules) else ",".join(coerce.texts(rules, "rules"))
    first = coerce.optional_day(start, "start") or days[0]
    if coerce.choice(output, "output", OUTPUTS, "table") == "equity":  # a row per day of the period at most
        check_result_shape((1 + sum(day >= first for day in days), 1 + len(parse_rules(rule_text))), "the equity table")
    result = backtest(
        days,
        coerce.series(btc_prices, "btc_prices"),
        coerce.series(alt_prices, "alt_prices"),
        coerce.numbers(alt_values, "alt_values").ravel(),
        coerce.number(btc_value, "btc_value", 0.0),
        None if coerce.omitted(funding_rates) else coerce.series(funding_rates, "funding_rates"),
        None if coerce.omitted(fear_greed) else coerce.series(fear_greed, "fear_greed"),
        rule_text,
        coerce.number(band, "band", 0.10),
        coerce.number(fee, "fee", 0.0005),
        coerce.choice(schedule, "schedule", ("daily", "weekly", "monthly"), "daily"),
        coerce.optional_day(start, "start"),
    )
    if coerce.choice(output, "output", OUTPUTS, "table") == "equity":
        labels = [rule.label for rule in result.rules]
        curves = [rule.path.equity.tolist() for rule in result.rules]
        return [["Date", *labels]] + [[day, *(c[i] for c in curves)] for i, day in enumerate(result.dates)]
    rows = metrics_table(result)
    blank_nan = [["" if isinstance(v, float) and v != v else v for v in row] for row in rows]
    return [["Rule", *METRICS], *blank_nan]

"""Excel functions that read the market's state: the volatility-based ratio and the scale-up/down signals."""

from __future__ import annotations

from typing import Any

from althedge_xl.core.ratio_rules import hedge_ratio_volatility
from althedge_xl.core.stats.signals import hedge_signals, suggestion
from althedge_xl.excel import coerce
from althedge_xl.excel.function import excel_function
from althedge_xl.udfs._cells import Cells

_CLOSES = "one row per day, oldest first, ending at the last close; blank = no data"


@excel_function(
    volatility="BTC's realized volatility, annualized, as a fraction (55% = 0.55); a cell or a range",
    table="Optional: your own table, one row per point: volatility, hedge ratio (default: edges at the 2020-2025 percentiles)",
)
def HEDGE_RATIO_VOL(volatility: Cells, table: Cells = None) -> Any:
    """Hedge ratio from BTC's realized volatility, linear between table edges: more volatility, never less hedge.

    Default edges 30→10 %, 40→20 %, 55→30 %, 70→50 %, 85→75 % (about the 10th, 25th, 50th, 75th
    and 90th percentiles of BTC's 30-day volatility 2020–2025).

    >>> [round(HEDGE_RATIO_VOL(x), 10) for x in (0.55, 0.775, 0.1)]
    [0.3, 0.625, 0.1]
    """
    return hedge_ratio_volatility(coerce.numbers(volatility, "volatility"), coerce.table(table, "table", 2))


@excel_function(
    btc_prices=f"BTC daily closes: {_CLOSES}",
    alt_prices=f"The altcoins' closes on the same rows, one column each: {_CLOSES}",
    alt_weights="The altcoins' USD values (or weights), one per column of alt_prices",
    funding_rates="Each day's BTCUSDT funding rates summed, one row per day; blank = no record that day",
    fear_greed="Today's Fear & Greed index, 0-100",
    thresholds="Optional: 4 rows (rally, volatility, funding, Fear & Greed) x 2 columns (scale down, scale up); a blank cell = no threshold",
    window="Optional: days for the rally, the volatility and the funding (default 30)",
)
def HEDGE_SIGNALS(
    btc_prices: Cells,
    alt_prices: Cells,
    alt_weights: Cells,
    funding_rates: Cells,
    fear_greed: Cells,
    thresholds: Cells = None,
    window: Cells = 30,
) -> Any:
    """Signals to scale the hedge up or down at the last close, and the suggested direction, in words.

    Five rows (altcoin rally, BTC volatility, funding, Fear & Greed, suggestion) of three columns:
    "scale up" / "hold" / "scale down", the value (the score of the votes on the last row), and why.

    >>> rows = HEDGE_SIGNALS([[100.0], [101.0]] * 20, [[10.0 + 5.0 * i / 39] for i in range(40)],
    ...                      1, [[0.0003]] * 40, 20)
    >>> [row[0] for row in rows]
    ['scale up', 'scale down', 'hold', 'scale up', 'scale up']
    """
    signals = hedge_signals(
        coerce.series(btc_prices, "btc_prices"),
        coerce.series(alt_prices, "alt_prices"),
        coerce.series(funding_rates, "funding_rates"),
        coerce.number(fear_greed, "fear_greed"),
        coerce.numbers(alt_weights, "alt_weights").ravel(),
        None if coerce.omitted(thresholds) else coerce.series(thresholds, "thresholds"),
        coerce.number(window, "window", 30),
    )
    word = {1: "scale up", 0: "hold", -1: "scale down"}
    score, direction, why = suggestion(signals)
    return [[word[s.vote], s.value, s.reason] for s in signals] + [[direction, float(score), why]]

"""Excel functions for the cost of holding the hedge: perpetual funding and the dated future's basis."""

from __future__ import annotations

from typing import Any

import numpy as np

from althedge_xl.core import funding
from althedge_xl.core.conventions import FUNDING_INTERVAL_HOURS, RULES, SIDES
from althedge_xl.core.errors import MissingValueError, WrongTypeError
from althedge_xl.excel import coerce
from althedge_xl.excel.function import excel_function
from althedge_xl.udfs._cells import Cells


@excel_function(
    notional="Position notional in USD (mark price × size)",
    funding_rate="Funding rate per interval as a fraction (0.01% = 0.0001), or a range of rates, one per settlement",
    days="Holding period in days, with a single rate (leave blank with a range of rates)",
    interval_hours="Optional: hours between funding settlements (default the rule's, 8 without one; some symbols use 4 or 1)",
    side='Optional: "short" (default, the hedge) or "long"',
    mark_prices="Optional, with a range of rates: the mark (or index) price at each settlement, same size",
    entry_price="Optional, with mark_prices: the price notional was valued at (default the first mark price)",
    rule="Optional: the exchange, any case: "
    + ", ".join(f'"{name}"' for name in RULES)
    + "; its BTC perpetual's interval is the default and its cap the limit (blank: BTCUSDT's, 8 h, ±0.3%)",
)
def FUNDING_COST(
    notional: Cells,
    funding_rate: Cells,
    days: Cells = None,
    interval_hours: Cells = None,
    side: Cells = "short",
    mark_prices: Cells = None,
    entry_price: Cells = None,
    rule: Cells = None,
) -> Any:
    """Funding the position pays in USD, positive when you pay; a short receives positive rates.

    Exchanges' rule: a positive rate means longs pay shorts; each settlement is size × mark ×
    rate. A 20,000 short for 30 days at +0.01 % per 8 h receives 180 (cost −180).

    >>> round(FUNDING_COST(20000, 0.0001, 30), 6), round(FUNDING_COST(20000, 0.0001, 30, 8, "long"), 6)
    (-180.0, 180.0)
    """
    rates = coerce.series(funding_rate, "funding_rate")
    marks = None if coerce.omitted(mark_prices) else coerce.series(mark_prices, "mark_prices")
    if rates.size > 1:
        if not coerce.omitted(days):
            raise WrongTypeError("days must be blank when funding_rate is a range (one rate per settlement)")
        used = ~np.isnan(rates)
        if not used.any():
            raise MissingValueError("funding_rate has no rates (every cell is blank)")
        if marks is not None:
            if marks.size != rates.size:
                raise WrongTypeError(
                    f"mark_prices must be the size of funding_rate: {rates.size} rates, {marks.size} prices"
                )
            if np.isnan(marks[used]).any():
                raise MissingValueError("mark_prices has a blank where funding_rate has a rate")
            marks = marks[used]
        rates = rates[used]  # a range of rates stays a series, even with one rate left
    elif np.isnan(rates).any():
        raise MissingValueError("funding_rate is blank")
    else:
        rates = rates.reshape(())
    return funding.funding_cost(
        coerce.numbers(notional, "notional"),
        rates,
        coerce.optional_numbers(days, "days"),
        coerce.optional_numbers(interval_hours, "interval_hours"),
        coerce.choice(side, "side", SIDES, "short"),
        marks,
        coerce.optional_number(entry_price, "entry_price"),
        None if coerce.omitted(rule) else coerce.choice(rule, "rule", RULES, "binance"),
    )


@excel_function(
    futures_price="Price of the dated future in USD",
    spot_price="Spot (index) price in USD",
    days_to_expiry="Days until the future expires",
)
def BASIS_ANNUALIZED(futures_price: Cells, spot_price: Cells, days_to_expiry: Cells) -> Any:
    """Annualized basis of a dated future as a fraction: (F / S − 1) × 365 / days to expiry.

    >>> round(BASIS_ANNUALIZED(101500, 100000, 90), 6)
    0.060833
    """
    return funding.basis_annualized(
        coerce.numbers(futures_price, "futures_price"),
        coerce.numbers(spot_price, "spot_price"),
        coerce.numbers(days_to_expiry, "days_to_expiry"),
    )


@excel_function(
    notional="USD notional of the short hedge",
    futures_price="Price of the dated future in USD",
    spot_price="Spot (index) price in USD",
    days_to_expiry="Days until the future expires",
    days_held="Optional: days you hold the hedge (default: until expiry)",
)
def DATED_HEDGE_COST(
    notional: Cells, futures_price: Cells, spot_price: Cells, days_to_expiry: Cells, days_held: Cells = None
) -> Any:
    """Carry cost in USD of a short dated-future hedge; negative when the short earns the basis.

    −notional × (F / S − 1) × days_held / days_to_expiry (the basis accrues linearly).

    >>> round(DATED_HEDGE_COST(20000, 101500, 100000, 90, 30), 6)
    -100.0
    """
    return funding.dated_hedge_cost(
        coerce.numbers(notional, "notional"),
        coerce.numbers(futures_price, "futures_price"),
        coerce.numbers(spot_price, "spot_price"),
        coerce.numbers(days_to_expiry, "days_to_expiry"),
        coerce.optional_numbers(days_held, "days_held"),
    )


@excel_function(
    futures_price="Price of the dated future in USD",
    spot_price="Spot (index) price in USD",
    days_to_expiry="Days until the future expires",
    interval_hours="Optional: hours between funding settlements of the perpetual (default 8)",
)
def FUNDING_BREAKEVEN(
    futures_price: Cells, spot_price: Cells, days_to_expiry: Cells, interval_hours: Cells = FUNDING_INTERVAL_HOURS
) -> Any:
    """Funding rate per interval above which a short perpetual is cheaper than the dated future.

    r* = annualized basis × interval_hours / (24 × 365).

    >>> round(FUNDING_BREAKEVEN(101500, 100000, 90) * 100, 5)
    0.00556
    """
    return funding.funding_breakeven(
        coerce.numbers(futures_price, "futures_price"),
        coerce.numbers(spot_price, "spot_price"),
        coerce.numbers(days_to_expiry, "days_to_expiry"),
        coerce.numbers(interval_hours, "interval_hours", FUNDING_INTERVAL_HOURS),
    )

"""Excel functions that size the hedge: notional, margin, contracts, the Fear & Greed ratio, the over-hedge flag."""

from __future__ import annotations

from typing import Any

import numpy as np

from althedge_xl.core import margin, sizing
from althedge_xl.core.conventions import (
    CONTRACTS,
)
from althedge_xl.excel import coerce
from althedge_xl.excel.function import excel_function
from althedge_xl.udfs._cells import FRACTION, Cells, used_rows


@excel_function(
    alt_values="USD value of each altcoin holding to hedge: a cell or a range (blank rows are ignored)",
    hedge_ratio=f"Share of the altcoin value to hedge, {FRACTION}; 0 to 300%",
    betas="Optional: beta of each holding to BTC, same size as alt_values (blank = 1, the flat hedge)",
)
def HEDGE_NOTIONAL(alt_values: Cells, hedge_ratio: Cells, betas: Cells = None) -> Any:
    """USD notional of BTC futures to short: sum(alt_values × betas) × hedge_ratio.

    The method: altcoins 50,000 at 40 % → 20,000; core-satellite 30,000 × 50 % → 15,000.

    >>> HEDGE_NOTIONAL(50000, 0.4), HEDGE_NOTIONAL(30000, 0.5)
    (20000.0, 15000.0)
    """
    values = coerce.amounts(alt_values, "alt_values")
    weights = np.ones(1) if coerce.omitted(betas) else coerce.amounts(betas, "betas")
    used_values, used_betas = used_rows(values, "alt_values", weights)
    used_betas = np.where(np.isnan(used_betas), 1.0, used_betas)
    return sizing.hedge_notional(used_values, coerce.numbers(hedge_ratio, "hedge_ratio"), used_betas)


@excel_function(
    notional="Position notional in USD (a cell or a range)",
    leverage="Leverage, 1 to 125 (20 = 5% margin)",
)
def HEDGE_MARGIN(notional: Cells, leverage: Cells) -> Any:
    """Initial margin in USD of a futures position: notional / leverage.

    >>> HEDGE_MARGIN(20000, 20)
    1000.0
    """
    return margin.initial_margin(coerce.numbers(notional, "notional"), coerce.numbers(leverage, "leverage"))


@excel_function(
    notional="USD notional to hedge",
    price="BTC futures price in USD",
    contract='Optional: "linear" (default, USDT-margined, in BTC) or "inverse" (coin-margined, 100 USD contracts)',
    step="Optional: linear: BTC quantity step (default 0.001; CME 5, Micro 0.1); inverse: USD a contract (default 100)",
)
def HEDGE_CONTRACTS(notional: Cells, price: Cells, contract: Cells = "linear", step: Cells = None) -> Any:
    """Size of the short: BTC rounded to the quantity step (linear) or a count of contracts (inverse).

    Rounded to the nearest step, halves away from zero. 20,000 at 100,000 → 0.2 BTC, or 200
    inverse contracts of 100 USD.

    >>> HEDGE_CONTRACTS(20000, 100000), HEDGE_CONTRACTS(20000, 100000, "inverse")
    (0.2, 200.0)
    """
    return sizing.hedge_contracts(
        coerce.numbers(notional, "notional"),
        coerce.numbers(price, "price"),
        coerce.choice(contract, "contract", CONTRACTS, "linear"),
        coerce.optional_numbers(step, "step"),
    )


@excel_function(
    fear_greed="Crypto Fear & Greed index, 0 (extreme fear) to 100 (extreme greed); a cell or a range",
    table="Optional: your own table, one row per point: index, hedge ratio (default: the method's bands)",
)
def HEDGE_RATIO_FG(fear_greed: Cells, table: Cells = None) -> Any:
    """Hedge ratio from the Fear & Greed index, linear between the method's band edges.

    Edges 0→75 %, 20→50 %, 40→30 %, 60→20 %, 80→10 %, 100→0 %: more fear, more hedge.

    >>> [round(HEDGE_RATIO_FG(x), 10) for x in (50, 20, 90)]
    [0.25, 0.5, 0.05]
    """
    return sizing.hedge_ratio_fear_greed(coerce.numbers(fear_greed, "fear_greed"), coerce.table(table, "table", 2))


@excel_function(
    hedge_notional="USD notional of the short hedge",
    alt_values="USD value of the altcoin holdings it hedges (blank rows are ignored)",
)
def HEDGE_OVERHEDGED(hedge_notional: Cells, alt_values: Cells) -> Any:
    """TRUE when the hedge notional exceeds 100% of the altcoin value (allowed, but flagged).

    >>> HEDGE_OVERHEDGED(20000, 50000), HEDGE_OVERHEDGED(60000, 50000)
    (False, True)
    """
    (values,) = used_rows(coerce.amounts(alt_values, "alt_values"), "alt_values")
    return sizing.is_overhedged(coerce.numbers(hedge_notional, "hedge_notional"), values)

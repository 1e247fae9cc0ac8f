"""Excel functions that size the hedge: notional, margin, contracts, the order to place, the Fear & Greed ratio, the over-hedge flag."""

from __future__ import annotations

from typing import Any

import numpy as np

from althedge_xl.core import margin, orders, sizing
from althedge_xl.core.conventions import CONTRACTS, MAX_LEVERAGE, ROUNDINGS
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
    leverage=f"Leverage, 1 to {MAX_LEVERAGE:g}, the highest any default tier allows (20 = 5% margin)",
)
def HEDGE_MARGIN(notional: Cells, leverage: Cells) -> Any:
    """Initial margin in USD of a futures position: notional / leverage.

    >>> HEDGE_MARGIN(20000, 20)
    1000.0
    """
    return margin.initial_margin(coerce.numbers(notional, "notional"), coerce.numbers(leverage, "leverage"))


_ROUNDING_HELP = 'Optional: "down" (default: never more than the notional), "nearest" or "up"'
_STEP_HELP = (
    "Optional: linear: BTC quantity step (default 0.001; CME 5, Micro 0.1); inverse: USD a contract (default 100)"
)
_MIN_HELP = (
    "Optional: smallest order notional the exchange accepts, USD (default 100 linear, BTCUSDT's; inverse one contract)"
)


@excel_function(
    notional="USD notional to hedge",
    price="BTC futures price in USD",
    contract='Optional: "linear" (default, USDT-margined, in BTC) or "inverse" (coin-margined, in contracts)',
    step=_STEP_HELP,
    rounding=_ROUNDING_HELP,
    min_notional=_MIN_HELP,
)
def HEDGE_CONTRACTS(
    notional: Cells,
    price: Cells,
    contract: Cells = "linear",
    step: Cells = None,
    rounding: Cells = "down",
    min_notional: Cells = None,
) -> Any:
    """Size of the short as the exchange accepts it: BTC in quantity steps (linear) or contracts (inverse).

    Rounded down by default, so the hedge never exceeds the notional; below the exchange's
    minimum (BTCUSDT 100 USDT; inverse one contract) it is #NUM!. 20,000 at 100,000 → 0.2 BTC,
    or 200 inverse contracts of 100 USD.

    >>> HEDGE_CONTRACTS(20000, 100000), HEDGE_CONTRACTS(20000, 100000, "inverse")
    (0.2, 200.0)
    """
    return sizing.hedge_contracts(
        coerce.numbers(notional, "notional"),
        coerce.numbers(price, "price"),
        coerce.choice(contract, "contract", CONTRACTS, "linear"),
        coerce.optional_numbers(step, "step"),
        coerce.choice(rounding, "rounding", ROUNDINGS, "down"),
        coerce.optional_numbers(min_notional, "min_notional"),
    )


@excel_function(
    target_notional="USD notional of the short you want (0 closes it)",
    held="The short you hold now: BTC (linear) or contracts (inverse); 0 for none",
    price="BTC price in USD the order would fill at",
    contract='Optional: "linear" (default) or "inverse"',
    step=_STEP_HELP,
    band=f"Optional: no order while the short is within this share of the target, {FRACTION} (default 10%)",
    fee_rate="Optional: taker fee rate on the order's notional (default 0.05%)",
    rounding='Optional: how the short after the order rounds: "down" (default, never above target), "nearest", "up"',
    min_notional=_MIN_HELP,
)
def HEDGE_ORDER(
    target_notional: Cells,
    held: Cells,
    price: Cells,
    contract: Cells = "linear",
    step: Cells = None,
    band: Cells = orders.DEFAULT_BAND,
    fee_rate: Cells = orders.DEFAULT_FEE_RATE,
    rounding: Cells = "down",
    min_notional: Cells = None,
) -> Any:
    """The order to place now, as one row: side (sell, buy or none), quantity, notional USD, fee USD, reason.

    Target 20,000 at 100,000 holding 0.15 BTC: sell 0.05 BTC, 5,000 USD, fee 2.50.

    >>> HEDGE_ORDER(20000, 0.15, 100000)[0][:4]
    ['sell', 0.05, 5000.0, 2.5]
    """
    order = orders.order_to_target(
        coerce.number(target_notional, "target_notional"),
        coerce.number(held, "held"),
        coerce.number(price, "price"),
        coerce.choice(contract, "contract", CONTRACTS, "linear"),
        coerce.optional_number(step, "step"),
        coerce.number(band, "band", orders.DEFAULT_BAND),
        coerce.number(fee_rate, "fee_rate", orders.DEFAULT_FEE_RATE),
        coerce.choice(rounding, "rounding", ROUNDINGS, "down"),
        coerce.optional_number(min_notional, "min_notional"),
    )
    return [order.row()]


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

"""AltHedge's Excel functions (xlwings UDFs, category "AltHedge").

Each function takes what Excel passes (numbers, text, TRUE/FALSE, blanks, ranges as rows), turns
it into arrays through :mod:`althedge_xl.excel.coerce`, calls :mod:`althedge_xl.core`, and returns
a number, a table (list of rows) or an error value such as ``#NUM! leverage must be at least 1``.
Fractions are fractions: type 40% or 0.4 for forty per cent. P/L is positive for a gain; a cost is
positive when the user pays it.

Worked examples are the method's (DESIGN.md). In Python::

    >>> HEDGE_NOTIONAL([[30000], [20000]], 0.4)
    20000.0
"""

from __future__ import annotations

from typing import Any

import numpy as np

from althedge_xl.core import funding, margin, scenario, sizing, stats
from althedge_xl.core.conventions import (
    CONTRACTS,
    DEFAULT_MAINT_AMOUNT,
    DEFAULT_MMR,
    FUNDING_INTERVAL_HOURS,
    SIDES,
)
from althedge_xl.core.errors import MissingValueError, WrongTypeError
from althedge_xl.excel import coerce
from althedge_xl.excel.function import excel_function

Cells = Any
"""Whatever Excel passes for an argument: a value, None, or a list of rows."""

_FRACTION = "as a fraction or percentage (40% = 0.4)"


def _used_rows(values: np.ndarray, name: str, *others: np.ndarray) -> list[np.ndarray]:
    """Drop the rows whose value is blank (NaN) from ``values`` and from each of ``others``.

    A range of blank rows is an empty portfolio (its sum is 0, as in Excel's SUM); a single blank
    cell is a missing argument (``#N/A``).
    """
    flat = values.ravel()
    used = ~np.isnan(flat)
    if flat.size == 1 and not used.any():
        raise MissingValueError(f"{name} is blank")
    out = [flat[used]]
    for other in others:
        if other.size == 1:
            out.append(np.full(int(used.sum()), float(other.reshape(-1)[0])))
            continue
        if other.size != flat.size:
            raise WrongTypeError(f"ranges of different sizes: {flat.size} values but {other.size} others")
        out.append(other.ravel()[used])
    return out


@excel_function(
    alt_values="USD value of each altcoin holding to hedge: a cell or a range (blank rows are ignored)",
    hedge_ratio=f"Share of the altcoin value to hedge, {_FRACTION}; 0 to 300%",
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
    used_values, used_betas = _used_rows(values, "alt_values", weights)
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
    spot_values="USD value of each spot holding, BTC and altcoins (blank rows are ignored)",
    spot_shocks=f"Price move of each holding {_FRACTION} (-20% = a 20% fall), or one move for all",
    hedge_notional="USD notional of the short BTC futures hedge",
    btc_shock=f"BTC's move {_FRACTION}; the short gains -hedge_notional × btc_shock",
)
def SCENARIO_PNL(spot_values: Cells, spot_shocks: Cells, hedge_notional: Cells, btc_shock: Cells) -> Any:
    """Net P/L in USD of spot holdings and short hedge: Σ value × shock − notional × btc_shock.

    The method's 15 % correction nets −14,500:

    >>> SCENARIO_PNL([[50000], [50000]], [[-0.15], [-0.2]], 20000, -0.15)
    -14500.0
    """
    values, shocks = _used_rows(
        coerce.amounts(spot_values, "spot_values"), "spot_values", coerce.series(spot_shocks, "spot_shocks")
    )
    if np.isnan(shocks).any():
        raise MissingValueError("spot_shocks is blank for a holding that has a value")
    return scenario.scenario_pnl(
        values, shocks, coerce.numbers(hedge_notional, "hedge_notional"), coerce.numbers(btc_shock, "btc_shock")
    )


@excel_function(
    spot_values="USD value of each spot holding, BTC and altcoins (blank rows are ignored)",
    spot_shocks=f"Price move of each holding {_FRACTION}, or one move for all",
    hedge_notional="USD notional of the short BTC futures hedge",
    btc_shock=f"BTC's move {_FRACTION}",
    labels="Optional: a name for each holding, same size as spot_values",
)
def SCENARIO_TABLE(
    spot_values: Cells, spot_shocks: Cells, hedge_notional: Cells, btc_shock: Cells, labels: Cells = None
) -> Any:
    """The method's scenario table: value, change, final value and P/L per holding, spot, short, net.

    Returns a table with a header row, one row per holding, then "Total spot", "Short BTC
    futures" and "Net change". The method's 15 % correction: P/L −7,500, −10,000, −17,500,
    +3,000, −14,500.

    >>> table = SCENARIO_TABLE([[50000], [50000]], [[-0.15], [-0.2]], 20000, -0.15, [["BTC"], ["Altcoins"]])
    >>> [row[4] for row in table[1:]]
    [-7500.0, -10000.0, -17500.0, 3000.0, -14500.0]
    """
    raw_values = coerce.amounts(spot_values, "spot_values")
    names = None if coerce.omitted(labels) else coerce.texts(labels, "labels")
    if names is not None and len(names) != raw_values.size:
        raise WrongTypeError(f"labels has {len(names)} cells but spot_values has {raw_values.size}")
    used = ~np.isnan(raw_values.ravel())
    values, shocks = _used_rows(raw_values, "spot_values", coerce.series(spot_shocks, "spot_shocks"))
    if np.isnan(shocks).any():
        raise MissingValueError("spot_shocks is blank for a holding that has a value")
    body = scenario.scenario_table(
        values, shocks, coerce.numbers(hedge_notional, "hedge_notional"), coerce.numbers(btc_shock, "btc_shock")
    )
    if names is None:
        asset_names = [f"Holding {i + 1}" for i in range(len(values))]
    else:
        asset_names = [name for name, keep in zip(names, used, strict=True) if keep]
    header = ["Position", *scenario.TABLE_COLUMNS]
    rows = [[label, *row] for label, row in zip([*asset_names, *scenario.SUMMARY_ROWS], body.tolist(), strict=True)]
    return [header, *rows]


@excel_function(
    notional="Position notional in USD (mark price × size)",
    funding_rate="Funding rate per interval as a fraction (0.01% = 0.0001), or a range of rates, one per settlement",
    days="Holding period in days, with a single rate (leave blank with a range of rates)",
    interval_hours="Optional: hours between funding settlements (default 8; some symbols use 4 or 1)",
    side='Optional: "short" (default, the hedge) or "long"',
)
def FUNDING_COST(
    notional: Cells,
    funding_rate: Cells,
    days: Cells = None,
    interval_hours: Cells = FUNDING_INTERVAL_HOURS,
    side: Cells = "short",
) -> Any:
    """Funding the position pays in USD, positive when you pay; a short receives positive rates.

    Exchanges' rule: a positive rate means longs pay shorts. A 20,000 short for 30 days at
    +0.01 % per 8 h receives 180 (cost −180); the same long pays 180.

    >>> round(FUNDING_COST(20000, 0.0001, 30), 6), round(FUNDING_COST(20000, 0.0001, 30, 8, "long"), 6)
    (-180.0, 180.0)
    """
    rates = coerce.series(funding_rate, "funding_rate")
    if rates.size > 1:
        if not coerce.omitted(days):
            raise WrongTypeError("days must be blank when funding_rate is a range (one rate per settlement)")
        rates = rates[~np.isnan(rates)]
        if rates.size == 0:
            raise MissingValueError("funding_rate has no rates (every cell is blank)")
    elif np.isnan(rates).any():
        raise MissingValueError("funding_rate is blank")
    return funding.funding_cost(
        coerce.numbers(notional, "notional"),
        rates if rates.size > 1 else rates.reshape(()),
        coerce.optional_numbers(days, "days"),
        coerce.numbers(interval_hours, "interval_hours", FUNDING_INTERVAL_HOURS),
        coerce.choice(side, "side", SIDES, "short"),
    )


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


_LIQ_HELP = {
    "leverage": "Leverage, 1 to 125; the isolated margin is the initial margin",
    "mmr": "Optional: maintenance margin rate as a fraction (default 0.4%, BTCUSDT's first tier)",
    "maint_amount": "Optional: the tier's maintenance amount, USDT for linear, BTC for inverse (default 0)",
    "contract": 'Optional: "linear" (default, Binance USDⓈ-M) or "inverse" (Binance COIN-M, 100 USD contracts)',
    "quantity": "Optional: position size, BTC (linear) or contracts (inverse); needed when maint_amount is not 0",
}


def _liquidation_args(
    leverage: Cells, mmr: Cells, maint_amount: Cells, contract: Cells, quantity: Cells
) -> tuple[Any, ...]:
    return (
        coerce.numbers(leverage, "leverage"),
        coerce.numbers(mmr, "mmr", DEFAULT_MMR),
        coerce.numbers(maint_amount, "maint_amount", DEFAULT_MAINT_AMOUNT),
        coerce.choice(contract, "contract", CONTRACTS, "linear"),
        coerce.optional_numbers(quantity, "quantity"),
    )


@excel_function(
    entry_price="Entry price of the position in USD",
    leverage=_LIQ_HELP["leverage"],
    mmr=_LIQ_HELP["mmr"],
    maint_amount=_LIQ_HELP["maint_amount"],
    side='Optional: "short" (default, the hedge) or "long"',
    contract=_LIQ_HELP["contract"],
    quantity=_LIQ_HELP["quantity"],
)
def HEDGE_LIQ_PRICE(
    entry_price: Cells,
    leverage: Cells,
    mmr: Cells = DEFAULT_MMR,
    maint_amount: Cells = DEFAULT_MAINT_AMOUNT,
    side: Cells = "short",
    contract: Cells = "linear",
    quantity: Cells = None,
) -> Any:
    """Isolated-margin liquidation price in USD by Binance's published formula.

    Linear short: LP = (WB + cum + Q·EP) / (Q·(1 + MMR)) with WB = Q·EP / leverage. A 20×
    short of BTCUSDT from 100,000 liquidates at 104,581.67.

    >>> round(HEDGE_LIQ_PRICE(100000, 20), 2)
    104581.67
    """
    lev, rate, cum, kind, qty = _liquidation_args(leverage, mmr, maint_amount, contract, quantity)
    return margin.liquidation_price(
        coerce.numbers(entry_price, "entry_price"),
        lev,
        rate,
        cum,
        coerce.choice(side, "side", SIDES, "short"),
        kind,
        qty,
    )


@excel_function(
    entry_price="Entry price of the short in USD",
    mark_price="Current BTC mark price in USD",
    leverage=_LIQ_HELP["leverage"],
    mmr=_LIQ_HELP["mmr"],
    maint_amount=_LIQ_HELP["maint_amount"],
    contract=_LIQ_HELP["contract"],
    quantity=_LIQ_HELP["quantity"],
)
def HEDGE_MARGIN_BUFFER(
    entry_price: Cells,
    mark_price: Cells,
    leverage: Cells,
    mmr: Cells = DEFAULT_MMR,
    maint_amount: Cells = DEFAULT_MAINT_AMOUNT,
    contract: Cells = "linear",
    quantity: Cells = None,
) -> Any:
    """How far BTC can rise from the mark price before the short is liquidated: LP / mark − 1.

    >>> round(HEDGE_MARGIN_BUFFER(100000, 100000, 20), 6)
    0.045817
    """
    lev, rate, cum, kind, qty = _liquidation_args(leverage, mmr, maint_amount, contract, quantity)
    return margin.margin_buffer(
        coerce.numbers(entry_price, "entry_price"),
        coerce.numbers(mark_price, "mark_price"),
        lev,
        rate,
        cum,
        kind,
        qty,
    )


@excel_function(
    notional="Position notional in USDT",
    tiers="Optional: tier table, one row per tier: upper notional bound, maintenance rate (default BTCUSDT's)",
)
def HEDGE_MAINT_TIER(notional: Cells, tiers: Cells = None) -> Any:
    """Maintenance margin rate and amount of the tier a notional falls in, as one row of two cells.

    The amount follows Binance's rule cumₙ = floorₙ·(MMRₙ − MMRₙ₋₁) + cumₙ₋₁.

    >>> HEDGE_MAINT_TIER(500000)
    [[0.005, 300.0]]
    """
    rate, amount = margin.maintenance_tier(coerce.numbers(notional, "notional"), coerce.table(tiers, "tiers", 2))
    return [[rate, amount]]


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


@excel_function(
    hedge_notional="USD notional of the short hedge",
    alt_values="USD value of the altcoin holdings it hedges (blank rows are ignored)",
)
def HEDGE_OVERHEDGED(hedge_notional: Cells, alt_values: Cells) -> Any:
    """TRUE when the hedge notional exceeds 100% of the altcoin value (allowed, but flagged).

    >>> HEDGE_OVERHEDGED(20000, 50000), HEDGE_OVERHEDGED(60000, 50000)
    (False, True)
    """
    (values,) = _used_rows(coerce.amounts(alt_values, "alt_values"), "alt_values")
    return sizing.is_overhedged(coerce.numbers(hedge_notional, "hedge_notional"), values)


@excel_function(
    btc_value="USD value of the BTC holding",
    alt_value="USD value of the altcoin holdings",
    hedge_notional="USD notional of the short hedge",
    btc_shocks=f"BTC moves {_FRACTION}, one per grid row (e.g. -50% to +50%)",
    alt_relative_moves="Altcoins' move relative to BTC, one per grid column: altcoins move (1+BTC)(1+rel)-1",
    hedged="Optional: TRUE (default) includes the short's P/L, FALSE shows the unhedged portfolio",
)
def STRESS_GRID(
    btc_value: Cells,
    alt_value: Cells,
    hedge_notional: Cells,
    btc_shocks: Cells,
    alt_relative_moves: Cells,
    hedged: Cells = True,
) -> Any:
    """Portfolio P/L in USD over a grid of BTC moves (rows) × altcoin moves relative to BTC (columns).

    B·b + A·((1 + b)(1 + r) − 1) − N·b. BTC −15 % with altcoins −20 % (r = −5.88 %) on the
    method's portfolio nets −14,500.

    >>> round(STRESS_GRID(50000, 50000, 20000, -0.15, 0.8 / 0.85 - 1), 6)
    -14500.0
    """
    grid = scenario.stress_grid(
        coerce.numbers(btc_value, "btc_value"),
        coerce.numbers(alt_value, "alt_value"),
        coerce.numbers(hedge_notional, "hedge_notional"),
        coerce.numbers(btc_shocks, "btc_shocks"),
        coerce.numbers(alt_relative_moves, "alt_relative_moves"),
        coerce.flag(hedged, "hedged", True),
    )
    return np.atleast_2d(grid)


_PRICES_HELP = "column of closes, one row per day; blank = no data that day (rows are aligned, not filled)"


@excel_function(
    alt_prices=f"Altcoin prices: a {_PRICES_HELP}; several columns = a basket",
    btc_prices=f"BTC prices on the same rows: a {_PRICES_HELP}",
    method='Optional: "ols" (default), "ewma" (weighted to recent days) or "downside" (only days BTC falls past threshold)',
    halflife="Optional, for ewma: half-life in rows (days), e.g. 30",
    threshold="Optional, for downside: BTC return below which a day counts, e.g. -5% (default 0)",
    weights="Optional: weight of each basket column (default equal)",
)
def HEDGE_BETA(
    alt_prices: Cells,
    btc_prices: Cells,
    method: Cells = "ols",
    halflife: Cells = None,
    threshold: Cells = None,
    weights: Cells = None,
) -> Any:
    """Beta of an altcoin (or basket) on BTC from aligned price columns: cov(r_alt, r_btc) / var(r_btc).

    Returns are simple returns of consecutive rows where every price is present.

    >>> round(HEDGE_BETA([[100], [110], [99], [108.9]], [[10], [10.5], [9.975], [10.47375]]), 6)
    2.0
    """
    return stats.hedge_beta(
        coerce.series(alt_prices, "alt_prices"),
        coerce.series(btc_prices, "btc_prices"),
        coerce.choice(method, "method", stats.BETA_METHODS, "ols"),
        coerce.optional_number(halflife, "halflife"),
        coerce.optional_number(threshold, "threshold"),
        None if coerce.omitted(weights) else coerce.series(weights, "weights"),
    )


@excel_function(
    alt_prices=f"Altcoin prices: a {_PRICES_HELP}; several columns = a basket",
    btc_prices=f"BTC prices on the same rows: a {_PRICES_HELP}",
    method='Optional: "pearson" (default, every day) or "downside" (only days BTC falls past threshold)',
    threshold="Optional, for downside: BTC return below which a day counts, e.g. -5% (default 0)",
)
def HEDGE_CORREL(alt_prices: Cells, btc_prices: Cells, method: Cells = "pearson", threshold: Cells = None) -> Any:
    """Correlation of altcoin and BTC returns, on every day or only in stress days (BTC falling).

    The method's "correlation with BTC during stress", measured instead of guessed.

    >>> round(HEDGE_CORREL([[100], [110], [99], [108.9]], [[10], [10.5], [9.975], [10.47375]]), 6)
    1.0
    """
    return stats.hedge_correl(
        coerce.series(alt_prices, "alt_prices"),
        coerce.series(btc_prices, "btc_prices"),
        coerce.choice(method, "method", stats.CORREL_METHODS, "pearson"),
        coerce.optional_number(threshold, "threshold"),
    )


@excel_function(
    values_or_prices="USD value of the altcoin basket (or its prices), one row per day; several columns are added up",
    btc_prices=f"BTC prices (or futures prices) on the same rows: a {_PRICES_HELP}",
)
def HEDGE_MINVAR_RATIO(values_or_prices: Cells, btc_prices: Cells) -> Any:
    """Minimum-variance hedge ratio h* = cov(ΔP/P, ΔF/F) / var(ΔF/F), a fraction of the basket's value.

    >>> round(HEDGE_MINVAR_RATIO([[100], [110], [99], [108.9]], [[10], [10.5], [9.975], [10.47375]]), 6)
    2.0
    """
    return stats.minvar_ratio(
        coerce.series(values_or_prices, "values_or_prices"), coerce.series(btc_prices, "btc_prices")
    )


@excel_function(
    alt_prices=f"Altcoin prices: a {_PRICES_HELP}; several columns = a basket",
    btc_prices=f"BTC prices on the same rows: a {_PRICES_HELP}",
    hedge_ratio=f"Hedge ratio {_FRACTION}; a range gives one result per ratio",
)
def HEDGE_EFFECTIVENESS(alt_prices: Cells, btc_prices: Cells, hedge_ratio: Cells) -> Any:
    """Share of the altcoins' return variance the hedge removes: 1 − var(r_alt − h·r_btc) / var(r_alt).

    >>> round(HEDGE_EFFECTIVENESS([[100], [110], [99], [108.9]], [[10], [10.5], [9.975], [10.47375]], 2), 6)
    1.0
    """
    return stats.hedge_effectiveness(
        coerce.series(alt_prices, "alt_prices"),
        coerce.series(btc_prices, "btc_prices"),
        coerce.numbers(hedge_ratio, "hedge_ratio"),
    )


@excel_function(
    prices=f"Prices: a {_PRICES_HELP}; several columns give one volatility each",
    periods_per_year="Optional: rows per year (default 365 for daily crypto closes; 8760 for hourly)",
)
def REALIZED_VOL(prices: Cells, periods_per_year: Cells = 365) -> Any:
    """Annualized realized volatility: sample standard deviation of log returns × √periods_per_year.

    >>> round(REALIZED_VOL([[100], [110], [99], [108.9]]), 4)
    2.2135
    """
    return stats.realized_vol(coerce.series(prices, "prices"), coerce.number(periods_per_year, "periods_per_year", 365))


@excel_function(
    holdings_values="USD value of each holding at the first row, one cell per asset column",
    asset_prices="Prices of the holdings, one column per asset, one row per day (same order as holdings_values)",
    btc_prices="BTC prices on the same rows",
    hedge_notional="USD notional of the short BTC hedge opened at the first row",
    funding_rates="Optional: funding rates settled in each row's period (summed per row); blank = none",
)
def SCENARIO_REPLAY(
    holdings_values: Cells, asset_prices: Cells, btc_prices: Cells, hedge_notional: Cells, funding_rates: Cells = None
) -> Any:
    """P/L path along a real price window: unhedged, hedge, cumulative funding cost, hedged (USD).

    One row per price row, all measured from the first row; a short receives funding when the
    rate is positive (exchanges' rule); a row with a missing price shows #N/A.

    >>> [[round(x, 6) for x in row] for row in SCENARIO_REPLAY([[1000]], [[10], [8]], [[100], [90]], 500)]
    [[0.0, 0.0, 0.0, 0.0], [-200.0, 50.0, 0.0, -150.0]]
    """
    values = coerce.series(holdings_values, "holdings_values")
    prices = coerce.series(asset_prices, "asset_prices")
    if prices.ndim == 1 and values.size == 1:
        prices = prices.reshape(-1, 1)
    return stats.scenario_replay(
        values,
        prices,
        coerce.series(btc_prices, "btc_prices"),
        coerce.number(hedge_notional, "hedge_notional"),
        None if coerce.omitted(funding_rates) else coerce.series(funding_rates, "funding_rates"),
    )

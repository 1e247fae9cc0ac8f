"""Excel functions measured on price history: beta, correlation, minimum variance, effectiveness, volatility, replays."""

from __future__ import annotations

from typing import Any

import numpy as np

from althedge_xl.core import stats
from althedge_xl.core.limits import check_result_shape
from althedge_xl.excel import coerce
from althedge_xl.excel.function import excel_function
from althedge_xl.udfs._cells import FRACTION, Cells

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
    alt_prices=f"Altcoin prices: a {_PRICES_HELP}; one result row per column",
    btc_prices=f"BTC prices on the same rows: a {_PRICES_HELP}",
    method='Optional: "ols" (default, every day) or "downside" (only days BTC falls past threshold)',
    threshold="Optional, for downside: BTC return below which a day counts, e.g. -5% (default 0)",
)
def HEDGE_BETA_TABLE(alt_prices: Cells, btc_prices: Cells, method: Cells = "ols", threshold: Cells = None) -> Any:
    """Beta and correlation of each altcoin column on BTC, one row per column: a table in one call.

    Each column is aligned with BTC on its own, as HEDGE_BETA and HEDGE_CORREL do for one column.

    >>> rows = HEDGE_BETA_TABLE([[100, 10], [110, 10.5], [99, 9.975], [108.9, 10.47375]], [[10], [10.5], [9.975], [10.47375]])
    >>> [[round(x, 6) for x in row] for row in rows]
    [[2.0, 1.0], [1.0, 1.0]]
    """
    alts = coerce.series(alt_prices, "alt_prices")
    btc = coerce.series(btc_prices, "btc_prices")
    key = coerce.choice(method, "method", ("ols", "downside"), "ols")
    cut = coerce.optional_number(threshold, "threshold")
    columns = alts.reshape(alts.shape[0], -1) if alts.ndim == 2 else alts.reshape(-1, 1)
    check_result_shape((columns.shape[1], 2), "the table")
    beta = stats.betas(columns, btc, key, None, cut, name="alt_prices")
    correl = stats.correls(columns, btc, "downside" if key == "downside" else "pearson", cut, name="alt_prices")
    return np.column_stack([beta, correl])


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
    hedge_ratio=f"Hedge ratio {FRACTION}; a range gives one result per ratio",
)
def HEDGE_EFFECTIVENESS(alt_prices: Cells, btc_prices: Cells, hedge_ratio: Cells) -> Any:
    """Share of the altcoins' return variance the hedge removes: 1 − var(r_alt − h·r_btc) / var(r_alt).

    >>> round(HEDGE_EFFECTIVENESS([[100], [110], [99], [108.9]], [[10], [10.5], [9.975], [10.47375]], 2), 6)
    1.0
    """
    return stats.hedge_effectiveness(
        coerce.series(alt_prices, "alt_prices"),
        coerce.series(btc_prices, "btc_prices"),
        coerce.hedge_ratios(hedge_ratio, "hedge_ratio"),
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

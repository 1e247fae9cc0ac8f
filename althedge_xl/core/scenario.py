"""Scenario P/L of the spot portfolio and the short hedge: one scenario, its table, a stress grid.

Values in USD; shocks as fractions (a 15 % fall is −0.15); P/L positive for a gain.
The short hedge of notional N gains −N·b when BTC moves by b.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from althedge_xl.core._arrays import (
    FloatArray,
    Result,
    as_float_array,
    broadcast,
    finish,
    require,
    require_finite,
    single,
)
from althedge_xl.core.limits import check_result_shape

#: Rows of :func:`scenario_table` after the per-asset rows.
SUMMARY_ROWS = ("Total spot", "Short BTC futures", "Net change")
#: Columns of :func:`scenario_table`.
TABLE_COLUMNS = ("Value", "Change", "Final value", "P/L")


def _check_shock(shock: FloatArray, name: str) -> None:
    require_finite(shock, name)
    require(shock >= -1, f"{name} must not be below -100%")


def _positions(spot_values: ArrayLike, spot_shocks: ArrayLike) -> tuple[FloatArray, FloatArray]:
    values = as_float_array(spot_values, "spot_values")
    shocks = as_float_array(spot_shocks, "spot_shocks")
    values, shocks = broadcast(spot_values=values, spot_shocks=shocks)
    require_finite(values, "spot_values")
    require(values >= 0, "spot_values must not be negative")
    _check_shock(shocks, "spot_shocks")
    return values.ravel(), shocks.ravel()


def _hedge(hedge_notional: ArrayLike, btc_shock: ArrayLike) -> tuple[float, float]:
    notional = as_float_array(hedge_notional, "hedge_notional")
    shock = as_float_array(btc_shock, "btc_shock")
    require_finite(notional, "hedge_notional")
    require(notional >= 0, "hedge_notional must not be negative")
    _check_shock(shock, "btc_shock")
    return float(np.sum(notional)), single(shock, "btc_shock")


def scenario_pnl(
    spot_values: ArrayLike, spot_shocks: ArrayLike, hedge_notional: ArrayLike, btc_shock: ArrayLike
) -> float:
    """Net P/L of the spot holdings and the short hedge in one scenario.

    Parameters
    ----------
    spot_values : array_like
        USD value of each spot holding (BTC and altcoins), non-negative.
    spot_shocks : array_like
        Price move of each holding as a fraction (−0.20 = a 20 % fall), broadcast to
        ``spot_values``; not below −100 %.
    hedge_notional : array_like
        USD notional of the short BTC futures position (summed if a range).
    btc_shock : scalar
        BTC's move as a fraction; the short gains ``−hedge_notional · btc_shock``.

    Returns
    -------
    float
        Σ vᵢ·sᵢ − N·b in USD.

    Examples
    --------
    The method's 15 % correction: BTC −15 % on 50,000, altcoins −20 % on 50,000, a 20,000 short.
    The spot loses 17,500, the short gains 3,000, the net change is −14,500:

    >>> scenario_pnl([50_000, 50_000], [-0.15, -0.20], 20_000, -0.15)
    -14500.0
    """
    values, shocks = _positions(spot_values, spot_shocks)
    notional, shock = _hedge(hedge_notional, btc_shock)
    return float(np.sum(values * shocks)) - notional * shock


def scenario_table(
    spot_values: ArrayLike, spot_shocks: ArrayLike, hedge_notional: ArrayLike, btc_shock: ArrayLike
) -> FloatArray:
    """The method's scenario table: one row per holding, then total spot, the short and net.

    Parameters are those of :func:`scenario_pnl`.

    Returns
    -------
    ndarray, shape (n + 3, 4)
        Columns :data:`TABLE_COLUMNS`: value (USD), change (fraction), final value (USD), P/L
        (USD). Rows: each holding; "Total spot" (sums; change = P/L / value); "Short BTC
        futures" (notional, BTC's move, notional after the move, P/L −N·b); "Net change"
        (spot value, net P/L / spot value, spot final value + short P/L, net P/L).
        A change on a zero value is 0.

    Examples
    --------
    >>> table = scenario_table([50_000, 50_000], [-0.15, -0.20], 20_000, -0.15)
    >>> table[:, 3].tolist()
    [-7500.0, -10000.0, -17500.0, 3000.0, -14500.0]
    """
    values, shocks = _positions(spot_values, spot_shocks)
    notional, shock = _hedge(hedge_notional, btc_shock)
    pnl = values * shocks
    spot_value, spot_pnl = float(values.sum()), float(pnl.sum())
    short_pnl = -notional * shock
    net = spot_pnl + short_pnl
    rows = [np.column_stack((values, shocks, values + pnl, pnl))]
    rows.append(np.array([[spot_value, _share(spot_pnl, spot_value), spot_value + spot_pnl, spot_pnl]]))
    rows.append(np.array([[notional, shock, notional * (1 + shock), short_pnl]]))
    rows.append(np.array([[spot_value, _share(net, spot_value), spot_value + net, net]]))
    return np.vstack(rows)


def _share(part: float, whole: float) -> float:
    return part / whole if whole else 0.0


def stress_grid(
    btc_value: ArrayLike,
    alt_value: ArrayLike,
    hedge_notional: ArrayLike,
    btc_shocks: ArrayLike,
    alt_relative_moves: ArrayLike,
    hedged: bool = True,
) -> Result:
    """P/L over a grid of BTC moves (rows) and altcoin moves relative to BTC (columns).

    Parameters
    ----------
    btc_value, alt_value : scalar
        USD value of the BTC and of the altcoin holdings.
    hedge_notional : scalar
        USD notional of the short hedge.
    btc_shocks : array_like
        BTC moves as fractions (e.g. −0.50 … +0.50), one grid row each.
    alt_relative_moves : array_like
        The altcoins' move in BTC terms as fractions, one grid column each: the altcoins move by
        (1 + b)(1 + r) − 1, so r = −0.10 with BTC −15 % is an altcoin fall of 23.5 %, and r < 0
        with b > 0 is the BTC-dominance case where altcoins lag a rising BTC.
    hedged : bool, optional
        Include the short's P/L −N·b (default) or show the unhedged portfolio.

    Returns
    -------
    float or ndarray, shape (len(btc_shocks), len(alt_relative_moves))
        P/L in USD: B·b + A·((1 + b)(1 + r) − 1) [− N·b].

    Raises
    ------
    ResultTooLargeError
        A grid of more rows or columns than a sheet holds, or of more cells than
        :data:`~althedge_xl.core.limits.CELL_BUDGET`, refused before it is computed.

    Examples
    --------
    >>> stress_grid(50_000, 50_000, 20_000, [-0.15], [0.0]).tolist()
    [[-12000.0]]
    """
    btc = _one(btc_value, "btc_value")
    alt = _one(alt_value, "alt_value")
    notional = _one(hedge_notional, "hedge_notional")
    rows = as_float_array(btc_shocks, "btc_shocks").reshape(-1, 1)
    cols = as_float_array(alt_relative_moves, "alt_relative_moves").reshape(1, -1)
    check_result_shape((rows.size, cols.size), "the grid")
    _check_shock(rows, "btc_shocks")
    _check_shock(cols, "alt_relative_moves")
    alt_moves = (1 + rows) * (1 + cols) - 1
    pnl = btc * rows + alt * alt_moves
    if hedged:
        pnl = pnl - notional * rows
    return finish(pnl)


def _one(value: ArrayLike, name: str) -> float:
    number = single(as_float_array(value, name), name)
    require_finite(np.asarray(number), name)
    require(number >= 0, f"{name} must not be negative")
    return number

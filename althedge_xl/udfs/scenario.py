"""Excel functions for what-if P/L: one scenario, the method's scenario table and the stress grid."""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np

from althedge_xl.core import scenario
from althedge_xl.core.errors import MissingValueError, WrongTypeError
from althedge_xl.core.limits import check_result_shape
from althedge_xl.excel import coerce
from althedge_xl.excel.function import excel_function
from althedge_xl.udfs._cells import FRACTION, Cells, used_rows


@excel_function(
    spot_values="USD value of each spot holding, BTC and altcoins (blank rows are ignored)",
    spot_shocks=f"Price move of each holding {FRACTION} (-20% = a 20% fall), or one move for all",
    hedge_notional="USD notional of the short BTC futures hedge",
    btc_shock=f"BTC's move {FRACTION}; the short gains -hedge_notional × btc_shock",
)
def SCENARIO_PNL(spot_values: Cells, spot_shocks: Cells, hedge_notional: Cells, btc_shock: Cells) -> Any:
    """Net P/L in USD of spot holdings and short hedge: Σ value × shock − notional × btc_shock.

    The method's 15 % correction nets −14,500. A shock above +1,000 % (15 for 15 %) is ``#NUM!``.

    >>> SCENARIO_PNL([[50000], [50000]], [[-0.15], [-0.2]], 20000, -0.15)
    -14500.0
    """
    values, shocks = used_rows(
        coerce.amounts(spot_values, "spot_values"), "spot_values", coerce.move_series(spot_shocks, "spot_shocks")
    )
    if np.isnan(shocks).any():
        raise MissingValueError("spot_shocks is blank for a holding that has a value")
    return scenario.scenario_pnl(
        values, shocks, coerce.numbers(hedge_notional, "hedge_notional"), coerce.moves(btc_shock, "btc_shock")
    )


@excel_function(
    spot_values="USD value of each spot holding, BTC and altcoins (blank rows are ignored)",
    spot_shocks=f"Price move of each holding {FRACTION}, or one move for all",
    hedge_notional="USD notional of the short BTC futures hedge",
    btc_shock=f"BTC's move {FRACTION}",
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
    check_result_shape((raw_values.size + 1 + len(scenario.SUMMARY_ROWS), 1 + len(scenario.TABLE_COLUMNS)), "the table")
    names = None if coerce.omitted(labels) else coerce.texts(labels, "labels")
    if names is not None and len(names) != raw_values.size:
        raise WrongTypeError(f"labels has {len(names)} cells but spot_values has {raw_values.size}")
    used = ~np.isnan(raw_values.ravel())
    values, shocks = used_rows(raw_values, "spot_values", coerce.move_series(spot_shocks, "spot_shocks"))
    if np.isnan(shocks).any():
        raise MissingValueError("spot_shocks is blank for a holding that has a value")
    body = scenario.scenario_table(
        values, shocks, coerce.numbers(hedge_notional, "hedge_notional"), coerce.moves(btc_shock, "btc_shock")
    )
    if names is None:
        asset_names = [f"Holding {i + 1}" for i in range(len(values))]
    else:
        asset_names = list(itertools.compress(names, used.tolist()))
    rows = body.tolist()
    for label, row in zip([*asset_names, *scenario.SUMMARY_ROWS], rows, strict=True):
        row.insert(0, label)
    return [["Position", *scenario.TABLE_COLUMNS], *rows]


@excel_function(
    btc_value="USD value of the BTC holding",
    alt_value="USD value of the altcoin holdings",
    hedge_notional="USD notional of the short hedge",
    btc_shocks=f"BTC moves {FRACTION}, one per grid row (e.g. -50% to +50%)",
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
        coerce.moves(btc_shocks, "btc_shocks"),
        coerce.moves(alt_relative_moves, "alt_relative_moves"),
        coerce.flag(hedged, "hedged", True),
    )
    return np.atleast_2d(grid)

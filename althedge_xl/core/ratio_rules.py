"""Hedge ratios from market state: the volatility-based ratio (the method's Strategy 2).

The Fear & Greed ratio, the other table-driven rule, is :func:`althedge_xl.core.sizing.hedge_ratio_fear_greed`;
both map one number through an editable table of edges, linearly between them.
"""

from __future__ import annotations

from typing import Final

import numpy as np
from numpy.typing import ArrayLike

from althedge_xl.core._arrays import Result, as_float_array, finish, require, require_finite
from althedge_xl.core.conventions import MAX_HEDGE_RATIO
from althedge_xl.core.errors import WrongTypeError

__all__ = ["MAX_VOLATILITY", "VOLATILITY_TABLE", "hedge_ratio_volatility"]

VOLATILITY_TABLE: Final[tuple[tuple[float, float], ...]] = (
    (0.30, 0.10),
    (0.40, 0.20),
    (0.55, 0.30),
    (0.70, 0.50),
    (0.85, 0.75),
)
"""Default edges ``(annualized volatility, hedge ratio)``; see :func:`hedge_ratio_volatility`."""

MAX_VOLATILITY: Final[float] = 10.0
"""An annualized volatility above 1,000 % is almost surely a typing slip (30 for 30 %)."""


def hedge_ratio_volatility(volatility: ArrayLike, table: ArrayLike | None = None) -> Result:
    """Hedge ratio for BTC's realized volatility, interpolated in a table of edges.

    Parameters
    ----------
    volatility : array_like
        BTC's realized volatility, annualized, as a fraction (0.55 is 55 % a year), e.g. from
        :func:`althedge_xl.core.stats.signals.trailing_vol` over 30 days. 0 to 10.
    table : array_like, optional
        Pairs ``(volatility, ratio)``, one per row: volatilities distinct, 0 to 10; ratios
        0 to 3 and, sorted by volatility, never falling (higher volatility never means less
        hedge). Default :data:`VOLATILITY_TABLE`: 30 % → 10 %, 40 % → 20 %, 55 % → 30 %,
        70 % → 50 %, 85 % → 75 %.

    Returns
    -------
    float or ndarray
        The hedge ratio as a fraction of the altcoins' value; the shape of ``volatility``.

    Raises
    ------
    BadNumberError
        A volatility outside 0–10, a ratio outside 0–3, a ratio that falls as volatility rises.
    WrongTypeError
        A table that is not two columns of at least two rows.

    Notes
    -----
    Piecewise linear through the edges, held at the end values outside them, like the Fear &
    Greed table. The default edges are the percentiles of BTC's 30-day realized volatility
    (daily closes, log returns, ``ddof=1``, ``x sqrt(365)``) over the 2,162 windows ending
    2020-01-31 .. 2025-12-31 in ``daily_close_wide.csv``: 10th 32.0 %, 25th 40.9 %,
    median 53.2 %, 75th 67.8 %, 90th 82.6 % (5th 28.0 %, 95th 99.8 %), rounded to 30, 40, 55,
    70 and 85 %. Their ratios span the Fear & Greed table's 10–75 %, so the two rules hedge
    alike on average: a calm decile (the hedge costs more than it protects, the method says)
    keeps 10 %, a typical month 30 %, the most turbulent decile 75 %.

    Examples
    --------
    At the median volatility the ratio is the middle edge's; halfway between 70 % and 85 % it
    is halfway between 50 % and 75 %; below the first edge it stays at 10 %:

    >>> round(hedge_ratio_volatility(0.55), 10)
    0.3
    >>> hedge_ratio_volatility([0.775, 0.1]).round(10).tolist()
    [0.625, 0.1]
    """
    vol = as_float_array(volatility, "volatility")
    require_finite(vol, "volatility")
    require(
        (vol >= 0) & (vol <= MAX_VOLATILITY), "volatility must be an annualized fraction between 0 and 10 (55% = 0.55)"
    )
    points = as_float_array(VOLATILITY_TABLE if table is None else table, "table")
    if points.ndim != 2 or points.shape[1] != 2 or points.shape[0] < 2:
        raise WrongTypeError("table must have two columns (volatility, ratio) and at least two rows")
    require_finite(points, "table")
    order = np.argsort(points[:, 0], kind="stable")
    xs, ys = points[order, 0], points[order, 1]
    require((xs >= 0) & (xs <= MAX_VOLATILITY), "table volatilities must be fractions between 0 and 10 (55% = 0.55)")
    require(np.diff(xs) > 0, "table volatilities must all be different")
    require((ys >= 0) & (ys <= MAX_HEDGE_RATIO), "table ratios must be between 0% and 300%")
    require(np.diff(ys) >= 0, "table ratios must not fall as volatility rises (more volatility, never less hedge)")
    return finish(np.interp(vol, xs, ys))

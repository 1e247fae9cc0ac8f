"""What a backtest reports for each rule: returns, risk, drawdown, costs, and drawdown avoided per cost."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Final

import numpy as np

from althedge_xl.core._arrays import FloatArray

__all__ = ["CVAR_LEVEL", "WORST_DAYS", "EquityMetrics", "cvar", "equity_metrics", "max_drawdown"]

CVAR_LEVEL: Final = 0.05
"""The share of worst daily returns averaged in the CVaR."""

WORST_DAYS: Final = 30
"""The span of the worst loss reported (days)."""


@dataclass(frozen=True)
class EquityMetrics:
    """Statistics of one equity path (USD per row, one row per day)."""

    final_equity: float
    total_return: float
    annual_return: float
    annual_volatility: float
    max_drawdown: float
    """The largest fall from a running peak, a fraction (negative), e.g. -0.45."""
    drawdown_usd: float
    """The largest fall from a running peak in USD (positive)."""
    peak: int
    """Row of the peak before the largest fractional drawdown."""
    trough: int
    """Row of its trough."""
    worst_30_days: float
    """The worst return over any 30 consecutive days, a fraction; ``NaN`` if fewer days."""
    cvar_5: float
    """The mean of the worst 5 % of daily returns (a fraction, negative in practice)."""


def max_drawdown(equity: FloatArray) -> tuple[float, int, int, float]:
    """``(fraction, peak row, trough row, USD)`` of the largest fall from a running peak.

    The fraction is ``min_t E_t / max_{s<=t} E_s - 1``; the USD figure is ``max_t (max_{s<=t} E_s
    - E_t)``, measured on its own (it may come from another fall than the fractional one).

    >>> import numpy as np
    >>> max_drawdown(np.array([100.0, 120.0, 90.0, 130.0, 100.0]))
    (-0.25, 1, 2, 30.0)
    """
    peaks = np.maximum.accumulate(equity)
    falls = equity / peaks - 1.0
    trough = int(np.argmin(falls))
    peak = int(np.argmax(equity[: trough + 1]))
    return float(falls[trough]), peak, trough, float(np.max(peaks - equity))


def cvar(returns: FloatArray, level: float = CVAR_LEVEL) -> float:
    """Mean of the worst ``ceil(level x T)`` of ``T`` returns (the expected shortfall).

    >>> import numpy as np
    >>> round(cvar(np.array([0.01] * 38 + [-0.10, -0.20])), 12)
    -0.15
    """
    worst = max(1, math.ceil(level * returns.size - 1e-9))
    if worst < returns.size:  # the worst few found in linear time, then sorted as a full sort would give them
        return float(np.sort(np.partition(returns, worst - 1)[:worst]).mean())
    return float(np.sort(returns).mean())


def equity_metrics(equity: FloatArray, periods_per_year: float = 365.0) -> EquityMetrics:
    """The statistics of an equity path with one row per day (at least 2 rows, all positive).

    Notes
    -----
    Total return ``E_T / E_0 - 1``; annual ``(E_T / E_0) ** (365 / T) - 1`` over ``T`` days;
    annual volatility ``std(r, ddof=1) x sqrt(365)`` of the daily returns ``r``; the worst
    30-day return ``min_t E_t / E_t-30 - 1``; the CVaR by :func:`cvar`.

    Examples
    --------
    >>> import numpy as np
    >>> m = equity_metrics(np.array([100.0, 110.0, 99.0]))
    >>> round(m.total_return, 4), m.peak, m.trough, round(m.max_drawdown, 4)
    (-0.01, 1, 2, -0.1)
    """
    days = equity.shape[0] - 1
    growth = equity[-1] / equity[0]
    with np.errstate(all="ignore"):
        daily = equity[1:] / equity[:-1] - 1.0
        annual = growth ** (periods_per_year / days) - 1.0 if growth > 0 else -1.0
    dd, peak, trough, dd_usd = max_drawdown(equity)
    worst = float(np.min(equity[WORST_DAYS:] / equity[:-WORST_DAYS] - 1.0)) if days >= WORST_DAYS else math.nan
    vol = float(daily.std(ddof=1) * math.sqrt(periods_per_year)) if days >= 2 else math.nan
    return EquityMetrics(
        float(equity[-1]), float(growth - 1.0), float(annual), vol, dd, dd_usd, peak, trough, worst, cvar(daily)
    )

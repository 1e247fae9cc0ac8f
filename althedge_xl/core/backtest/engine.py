"""The day-by-day replay of a hedge rule on daily closes, with fees and funding.

Timing (no look-ahead): at the close of day ``t`` the rule decides its ratio from rows ``0 .. t``;
the short is re-sized at that close (a taker fee on the notional traded) and held through day
``t + 1``, whose P/L is ``-Q_t (B_t+1 - B_t)`` and whose funding is ``Q_t B_t+1 f_t+1``, ``f_t+1``
the sum of the rates settled on day ``t + 1`` (00:00, 08:00 and 16:00 UTC, all after day ``t``'s
close), each valued at that day's close. So what is held during day ``t`` was decided at the
close of day ``t - 1``, and the last close of the period trades nothing: what it would decide is
held after the period ends. The full list of conventions is in
:func:`althedge_xl.core.backtest.backtest`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

import numpy as np

from althedge_xl.core._arrays import FloatArray
from althedge_xl.core.errors import BadNumberError

__all__ = ["SCHEDULES", "Path", "rebalance_days", "simulate"]

SCHEDULES: Final = ("daily", "weekly", "monthly")
"""When the short may be re-sized: every close; the closes 0, 7, 14, ... of the period (counted
from its first day); or the period's first close and the first close of each calendar month. On
those closes only when the band is crossed, and never at the period's last close."""


@dataclass(frozen=True)
class Path:
    """One rule's replay: per row, the equity, the short held after the close, the trades."""

    equity: FloatArray
    """USD: spot value + hedge P/L + funding received - funding paid - fees, per row."""
    quantity: FloatArray
    """BTC short held after each close (re-sized or not)."""
    traded: FloatArray
    """BTC traded at each close (0 where no trade)."""
    funding_received: float
    """Funding received by the short over the period (days the rate was positive), USD."""
    funding_paid: float
    """Funding paid by the short (days the rate was negative), USD, positive."""
    fees: float
    """Fees paid, USD."""


def rebalance_days(dates: Sequence[str], schedule: str) -> list[bool]:
    """The closes on which ``schedule`` allows a re-size (the first close always does).

    >>> rebalance_days(["2024-01-30", "2024-01-31", "2024-02-01", "2024-02-02"], "monthly")
    [True, False, True, False]
    """
    if schedule == "daily":
        return [True] * len(dates)
    if schedule == "weekly":
        return [i % 7 == 0 for i in range(len(dates))]
    return [i == 0 or dates[i][:7] != dates[i - 1][:7] for i in range(len(dates))]


def _trades(target: FloatArray, allowed: Sequence[bool], band: float) -> tuple[FloatArray, FloatArray]:
    """The short held after each close and the BTC traded there: the band and schedule, close by close.

    Only the trades are sequential (each depends on the short held): one light pass over the closes.
    """
    n = target.shape[0]
    held_list, traded_list, decided = [0.0] * n, [0.0] * n, target.tolist()
    q = 0.0
    for t in range(n - 1):
        goal = decided[t]
        if allowed[t] and goal == goal:
            change = abs(goal - q)
            if change > band * goal:
                traded_list[t] = change
                q = goal
        held_list[t] = q
    held_list[n - 1] = q
    return np.array(held_list), np.array(traded_list)


def simulate(
    ratio: FloatArray,
    spot_value: FloatArray,
    alt_value: FloatArray,
    btc: FloatArray,
    funding: FloatArray,
    allowed: Sequence[bool],
    band: float,
    fee: float,
) -> Path:
    """Replay one rule over clean arrays (the caller has validated and sliced them).

    Parameters
    ----------
    ratio : ndarray, shape (n,)
        The rule's ratio decided at each close; ``NaN``: keep the short held.
    spot_value, alt_value : ndarray, shape (n,)
        The whole portfolio's and the altcoins' USD value at each close (buy and hold).
    btc : ndarray, shape (n,)
        BTC closes.
    funding : ndarray, shape (n,)
        Each day's summed funding rates; ``NaN`` (no record) or 0 adds nothing. Row 0's
        settlements precede the first decision and are not used.
    allowed : sequence of bool
        The closes on which the schedule allows a re-size. The last close never trades: the
        ratio it decides would be held after the period.
    band : float
        No trade unless ``|target - Q| > band x target`` (quantities in BTC).
    fee : float
        Taker fee per unit of notional traded.

    Returns
    -------
    Path

    Examples
    --------
    A 50 % flat hedge of 1,000 of altcoins at BTC 100 (5 BTC short), fee 0.1 %: BTC falls to 90,
    the short gains 50, the altcoins lose 100; it receives 5 x 90 x 0.001 = 0.45 in funding. The
    opening trade costs 0.50; at the last close the target (4.44 BTC, off by more than the band)
    is not traded, since it would be held after the period:

    >>> import numpy as np
    >>> p = simulate(np.array([0.5, 0.5]), np.array([1000.0, 800.0]), np.array([1000.0, 800.0]),
    ...              np.array([100.0, 90.0]), np.array([np.nan, 0.001]), [True, True], 0.1, 0.001)
    >>> p.equity.round(2).tolist(), p.quantity.tolist(), p.fees
    ([999.5, 849.95], [5.0, 5.0], 0.5)
    """
    n = btc.shape[0]
    with np.errstate(all="ignore"):  # an inf or NaN from extreme inputs is refused below
        target = ratio * alt_value / btc  # BTC to hold after each close; NaN: keep the short held
        if ((target == 0.0) | np.isnan(target)).all():  # never a short wanted (unhedged): never a trade
            held, traded = np.zeros(n), np.zeros(n)
        else:
            held, traded = _trades(target, allowed, band)
        # Then every running total in the loop's own order (cumsum adds left to right, as ``x += y`` did),
        # so the figures are the same to the bit as adding day by day.
        hedge = np.concatenate(([0.0], np.cumsum(-(held[:-1] * (btc[1:] - btc[:-1])))))
        amount = held[:-1] * btc[1:] * funding[1:]
        recorded = ~np.isnan(funding[1:])  # a day without a record adds nothing
        received = np.concatenate(([0.0], np.cumsum(np.where(recorded & (amount > 0.0), amount, 0.0))))
        paid = np.concatenate(([0.0], np.cumsum(np.where(recorded & ~(amount > 0.0), -amount, 0.0))))
        fees = np.cumsum(traded * btc * fee)
        equity = spot_value + hedge + received - paid - fees
    totals = (float(hedge[-1]), float(received[-1]), float(paid[-1]), float(fees[-1]))
    if not (all(math.isfinite(x) for x in totals) and np.isfinite(equity).all()):
        raise BadNumberError("the backtest overflows: the inputs are too extreme")
    return Path(equity, held, traded, totals[1], totals[2], totals[3])

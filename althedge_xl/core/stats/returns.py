"""Returns and the one alignment rule every statistic of the package follows.

Alignment of blanks
-------------------
A return needs a price at both ends, and the statistics that pair series (beta, correlation,
minimum-variance ratio, effectiveness) need every series at the same dates. The one rule is:

1. keep only the rows where *every* price the statistic uses is present (finite);
2. take returns between consecutive *kept* rows.

A missing day therefore makes one longer-period return across the gap (the move from the last
price before it to the first price after it); it is never forward-filled, which would invent a
zero return for the missing day and a jump on the next one. :func:`kept_rows` is the rule and
:func:`paired_returns` applies it to an altcoin (basket) and BTC; ``betas`` applies it to each
column paired with BTC, so a late-listed coin does not shorten the others' history, and
:func:`realized_vol` to each column on its own. :func:`simple_returns` is the row-by-row formula
and leaves a ``NaN`` wherever either end is blank.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Final

import numpy as np
import numpy.typing as npt

from althedge_xl.core._arrays import FloatArray
from althedge_xl.core._sums import row_dots
from althedge_xl.core.errors import BadNumberError, MissingValueError
from althedge_xl.core.stats._inputs import (
    BoolArray,
    basket_weights,
    check_same_rows,
    checked_prices,
    complete_rows,
    finite_or_raise,
    n_rows,
    one_number,
)

__all__ = [
    "MAX_MOVE",
    "MIN_RETURNS",
    "MIN_VOL_RETURNS",
    "check_moves",
    "kept_rows",
    "paired_returns",
    "realized_vol",
    "simple_returns",
]

MIN_RETURNS: Final[int] = 3
"""Fewest usable returns for a beta, correlation, ratio or effectiveness."""

MIN_VOL_RETURNS: Final[int] = 2
"""Fewest usable returns for :func:`realized_vol` (a sample standard deviation needs two)."""


def kept_rows(masks: list[tuple[BoolArray, str]], need_rows: int, need_what: str) -> BoolArray:
    """Rows where every input is present; error naming the argument when too few remain."""
    for mask, name in masks:
        have = int(mask.sum())
        if have < need_rows:
            raise MissingValueError(
                f"{name} has only {n_rows(have)} with a price; need at least {need_rows} ({need_what})"
            )
    keep: BoolArray = masks[0][0].copy()
    for mask, _ in masks[1:]:
        keep = np.logical_and(keep, mask)
    have = int(keep.sum())
    if have < need_rows:
        names = " and ".join(name for _, name in masks)
        raise MissingValueError(
            f"only {n_rows(have)} have a price in both {names}; need at least {need_rows} ({need_what})"
        )
    return keep


MAX_MOVE: Final[float] = 1e6
"""Largest factor a price may rise or fall by between two consecutive rows a statistic uses.

The worst collapses and first days of traded coins move them by factors of hundreds between two daily
closes, and by less than a million even over a week; a million-fold step between two rows is a data error
(a price in other units, a misplaced decimal point, a redenomination). Its return, finite as it may be,
would swamp every sum it enters: one step of 1e-300 to 1 makes a beta of about 1e300.
"""


def check_moves(
    returns: FloatArray,
    prices: FloatArray,
    name: str,
    rows: npt.NDArray[np.intp] | None = None,
    columns: npt.NDArray[np.intp] | None = None,
    *,
    log: bool = False,
) -> None:
    """Refuse a step of ``prices`` by more than :data:`MAX_MOVE`-fold between consecutive rows, naming its rows.

    ``returns`` are the simple returns (with ``log`` the log returns) of consecutive rows of ``prices``
    ((T + 1,) or (T + 1, k), clean and positive); ``rows`` is the row of the caller's input each row of
    ``prices`` comes from and ``columns`` the input column of each column (``None``: the same, counting
    from 0). A return that overflowed to infinity is refused the same way; ``NaN`` returns are skipped.
    Two reductions when every step is inside the bounds.
    """
    low, high = (-math.log(MAX_MOVE), math.log(MAX_MOVE)) if log else (1.0 / MAX_MOVE - 1.0, MAX_MOVE - 1.0)
    if returns.size == 0 or (returns.min() >= low and returns.max() <= high):
        return
    beyond = (returns < low) | (returns > high)
    if not beyond.any():
        return  # only NaN returns, of blanks, failed the fast test
    step = tuple(int(i) for i in np.argwhere(beyond)[0])
    later = (step[0] + 1, *step[1:])
    before, after = float(prices[step]), float(prices[later])
    first, second = (step[0], step[0] + 1) if rows is None else (int(rows[step[0]]), int(rows[step[0] + 1]))
    label = name
    if columns is not None or (prices.ndim == 2 and prices.shape[1] > 1):
        column = step[1] if columns is None else int(columns[step[1]])
        label = f"{name} column {column + 1}"
    orders = abs(math.log10(after) - math.log10(before))
    raise BadNumberError(
        f"{label}: the price {'rises' if after > before else 'falls'} by a factor of about 1e{orders:.0f} from row "
        f"{first + 1} ({before:.6g}) to row {second + 1} ({after:.6g}); no market moves more than "
        f"{MAX_MOVE:,.0f}-fold between two rows: check those rows' units and decimal points"
    )


def returns_aligned(prices: FloatArray) -> FloatArray:
    """Simple returns of consecutive rows of clean, positive prices (axis 0)."""
    out: FloatArray = np.divide(prices[1:], prices[:-1])
    out -= 1.0
    return out


def column_groups(ok: BoolArray | None, n: int, k: int) -> Iterator[tuple[BoolArray, npt.NDArray[np.intp]]]:
    """Group the columns of a (n, k) present-mask by identical blank pattern.

    Yields ``(rows_kept, column_indices)``; one group (all rows) when nothing is blank, so the
    common case stays a single matrix operation.
    """
    if ok is None or ok.all():
        yield np.ones(n, dtype=np.bool_), np.arange(k)
        return
    by_column = np.ascontiguousarray(ok.T)
    groups: dict[bytes, list[int]] = {}
    for j in range(k):
        groups.setdefault(by_column[j].tobytes(), []).append(j)
    for cols in groups.values():
        yield by_column[cols[0]], np.asarray(cols, dtype=np.intp)


def paired_returns(
    alt_prices: npt.ArrayLike,
    btc_prices: npt.ArrayLike,
    weights: npt.ArrayLike | None,
    alt_name: str = "alt_prices",
) -> tuple[FloatArray, FloatArray]:
    """Validate, align and turn (basket) alt prices and BTC prices into paired returns."""
    alt, alt_ok = checked_prices(alt_prices, alt_name, allow_2d=True)
    btc, btc_ok = checked_prices(btc_prices, "btc_prices", allow_2d=False)
    check_same_rows(alt, alt_name, btc, "btc_prices")
    if alt.ndim == 1:
        alt = alt[:, None]
    n = alt.shape[0]
    w = basket_weights(weights, alt.shape[1], alt_name)
    keep = kept_rows(
        [(complete_rows(alt_ok, n), alt_name), (complete_rows(btc_ok, n), "btc_prices")],
        MIN_RETURNS + 1,
        f"{MIN_RETURNS} returns",
    )
    rows = None if keep.all() else np.flatnonzero(keep)
    alt, btc = (alt, btc) if rows is None else (alt[rows], btc[rows])
    with np.errstate(all="ignore"):
        r_columns = returns_aligned(alt)
        r_btc = returns_aligned(btc)
    check_moves(r_columns, alt, alt_name, rows)
    check_moves(r_btc, btc, "btc_prices", rows)
    with np.errstate(all="ignore"):
        r_alt = row_dots(r_columns, w)
    return r_alt, r_btc


def simple_returns(prices: npt.ArrayLike) -> FloatArray:
    """Simple returns of consecutive rows, ``r_t = P_t / P_{t-1} - 1``.

    Parameters
    ----------
    prices : array_like, shape (n,) or (n, k)
        Prices in the quote currency (USD/USDT), oldest row first, one column per asset.
        Blank cells are ``NaN``; other values must be positive and finite.

    Returns
    -------
    ndarray, shape (n - 1,) or (n - 1, k)
        Returns as fractions per row interval (0.05 is +5 %). Row ``t - 1`` of the result is
        the return from row ``t - 1`` to row ``t`` of ``prices``.

    Raises
    ------
    MissingValueError
        Fewer than two rows.
    BadNumberError
        A zero, negative or infinite price.

    Notes
    -----
    This is the row-by-row formula an Excel user writes as ``=B3/B2-1``: a return is ``NaN``
    when either of its two prices is blank, and nothing is aligned or filled. The statistics
    in this module instead drop blank rows first and take returns between the rows kept (see
    the module docstring).

    Examples
    --------
    BTC closes 100, 110, blank, 99 give +10 %, then two blanks (no price on the third day):

    >>> simple_returns([100.0, 110.0, float("nan"), 99.0]).round(6).tolist()
    [0.1, nan, nan]
    """
    arr, _ = checked_prices(prices, "prices", allow_2d=True)
    if arr.shape[0] < 2:
        raise MissingValueError(f"prices has {n_rows(arr.shape[0])}; need at least 2 for a return")
    with np.errstate(all="ignore"):
        out = returns_aligned(arr)
    if np.isinf(out).any():
        raise BadNumberError("a return of prices is not a finite number: prices are too extreme")
    return out


def realized_vol(prices: npt.ArrayLike, periods_per_year: float = 365) -> float | FloatArray:
    """Annualised realized volatility from log returns.

    Parameters
    ----------
    prices : array_like, shape (n,) or (n, k)
        Prices (USD/USDT), oldest first, one column per asset; ``NaN`` for a blank.
    periods_per_year : float, optional
        Rows per year: 365 for daily crypto closes (the default; crypto trades every day),
        8760 for hourly, 252 for a market with trading days only. Positive.

    Returns
    -------
    float or ndarray
        Volatility as a fraction per year (0.6 is 60 %): a float for one series, an array of
        ``k`` for ``k`` columns.

    Raises
    ------
    WrongTypeError
        ``prices`` is not a column or a table.
    BadNumberError
        A zero, negative or infinite price, a step between two rows used beyond :data:`MAX_MOVE` (the
        message names the rows), or a non-positive ``periods_per_year``.
    MissingValueError
        Fewer than 2 returns in a column (after dropping its blanks).

    Notes
    -----
    ``sigma = std(ln(P_t / P_{t-1}), ddof=1) * sqrt(periods_per_year)``. Each column drops
    its own blank rows and takes log returns between the rows kept, so a missing day makes
    one two-day return, which slightly overstates a per-period volatility; no filling.

    Examples
    --------
    Log returns +10 %, -10 %, +10 % (prices e**0.1 apart) have mean 1/30 and sample
    variance 0.04/3, so the daily volatility is 0.11547 and the annual 0.11547 x sqrt(365):

    >>> import math
    >>> p = [100.0, 100.0 * math.exp(0.1), 100.0, 100.0 * math.exp(0.1)]
    >>> round(realized_vol(p), 6)
    2.206052
    """
    ppy = one_number(periods_per_year, "periods_per_year")
    if math.isnan(ppy):
        raise MissingValueError("periods_per_year is blank; use 365 for daily crypto closes")
    if not (ppy > 0.0 and math.isfinite(ppy)):
        raise BadNumberError(f"periods_per_year must be a positive number; got {ppy!r}")
    arr, ok = checked_prices(prices, "prices", allow_2d=True)
    one = arr.ndim == 1
    if one:
        arr = arr[:, None]
        ok = None if ok is None else ok[:, None]
    n, k = arr.shape
    out = np.empty(k)
    scale = math.sqrt(ppy)
    for rows, cols in column_groups(ok, n, k):
        label = "prices" if k == 1 else f"prices column {int(cols[0]) + 1}"
        kept_rows([(rows, label)], MIN_VOL_RETURNS + 1, f"{MIN_VOL_RETURNS} returns")
        with np.errstate(all="ignore"):
            sub = arr[rows][:, cols]
            r = np.diff(np.log(sub), axis=0)
        check_moves(r, sub, "prices", np.flatnonzero(rows), cols if k > 1 else None, log=True)
        with np.errstate(all="ignore"):
            out[cols] = r.std(axis=0, ddof=1) * scale
    finite_or_raise(out, "the volatility")
    if one:
        return float(out[0])
    return out

"""The variance of the hedged position: the minimum-variance ratio and the hedge's effectiveness."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from althedge_xl.core._arrays import FloatArray
from althedge_xl.core._sums import exact_dot, exact_mean
from althedge_xl.core.errors import BadNumberError, MissingValueError, WrongTypeError
from althedge_xl.core.stats._inputs import finite_or_raise, float_view
from althedge_xl.core.stats.regression import beta_aligned, is_constant
from althedge_xl.core.stats.returns import paired_returns

__all__ = ["hedge_effectiveness", "minvar_ratio"]


def _effectiveness_aligned(r_alt: FloatArray, r_btc: FloatArray, h: FloatArray) -> FloatArray:
    """``1 - var(r_a - h r_b) / var(r_a)`` for each ratio in ``h``, in O(n + m) memory and time.

    With ``a`` and ``b`` the returns less their means, ``S_bb = sum b^2``, the regression slope
    ``beta = sum ab / S_bb`` and its residual sum of squares ``SSR = sum (a - beta b)^2``, the
    hedged sum of squares is ``sum (a - h b)^2 = SSR + S_bb (h - beta)^2`` for every ``h``: two
    terms that are never negative, so no digits cancel, however close ``h`` is to ``beta``
    (the expanded ``S_aa - 2h S_ab + h^2 S_bb`` loses them there). The ``n - 1`` of the sample
    variances cancels in the ratio. Returns n x m residuals are never built. The sums are exactly
    rounded (the same on every CPU), and no hedge (``h = 0``) removes exactly nothing: 0, not the
    rounding of ``SSR + S_bb beta^2 = S_aa``.
    """
    a = r_alt - exact_mean(r_alt)
    b = r_btc - exact_mean(r_btc)
    s_aa = exact_dot(a, a)
    s_bb = exact_dot(b, b)
    beta = exact_dot(a, b) / s_bb if s_bb > 0.0 else 0.0
    residual = a - beta * b
    ssr = exact_dot(residual, residual)
    out: FloatArray = np.where(h == 0.0, 0.0, 1.0 - (ssr + s_bb * (h - beta) ** 2) / s_aa)
    return out


def minvar_ratio(values_or_prices: npt.ArrayLike, btc_prices: npt.ArrayLike) -> float:
    """Minimum-variance hedge ratio, as a fraction of the basket's value.

    Parameters
    ----------
    values_or_prices : array_like, shape (n,) or (n, k)
        One column: the basket's value in USD, or the price of a single asset (only the
        returns matter, so any positive multiple gives the same answer). Several columns:
        the USD *value* of each holding (quantity x price), which are summed across each
        row into the basket's value. Do not pass raw prices of several assets: their sum
        would weight each coin by its unit price. Holdings may be 0 but not negative, and
        each row's sum must be positive. ``NaN`` for a blank.
    btc_prices : array_like, shape (n,)
        Prices of the hedging instrument (the BTC future, or BTC spot as its proxy).

    Returns
    -------
    float
        ``h*``, the short BTC notional per unit of basket value that minimises the variance
        of the hedged position's P/L. The notional to short is ``h* x basket value``.

    Raises
    ------
    WrongTypeError, BadNumberError, MissingValueError
        As in :func:`hedge_beta`.

    Notes
    -----
    With basket value ``P_t = sum_i V_i,t`` and future price ``F_t``, over one period the
    hedged P/L of a short notional ``N`` is ``P_{t-1} dP/P - N dF/F``; its variance is least at

    ``N / P_{t-1} = h* = cov(dP/P, dF/F) / var(dF/F)``,

    the OLS beta of the basket's returns on the future's returns (the ``ddof`` cancels).
    ``dP/P`` and ``dF/F`` are simple returns between consecutive rows kept: rows where any
    column or BTC is blank are dropped first, since a partial sum is not the basket's
    value. Unlike :func:`hedge_beta`'s constant-weight basket, this is the buy-and-hold
    basket: each holding's weight is its share of the value at the start of each period.

    Examples
    --------
    Holdings of 6,000 and 4,000 USD where the first moves like the coin of
    :func:`hedge_beta`'s example (beta 2.1) and the second is BTC itself. The ratio is a
    little above the 0.6 x 2.1 + 0.4 x 1 = 1.66 of a constant-weight basket, because the
    coin's share of the value drifts with its price:

    >>> import numpy as np
    >>> btc = np.array([100.0, 110.0, 99.0, 103.95, 98.7525])
    >>> coin = np.array([10.0, 12.0, 9.0, 9.9, 9.405])
    >>> values = np.column_stack([600.0 * coin, 40.0 * btc])
    >>> round(minvar_ratio(values, btc), 4)
    1.6701
    """
    r_basket, r_btc = paired_returns(_basket_value(values_or_prices), btc_prices, None, alt_name="values_or_prices")
    with np.errstate(all="ignore"):
        ratio = float(beta_aligned(r_basket[:, None], r_btc, None, "btc_prices")[0])
    finite_or_raise(ratio, "the minimum-variance ratio")
    return ratio


def _basket_value(values_or_prices: npt.ArrayLike) -> FloatArray:
    """Sum the value columns of each row; blank (NaN) when any column of the row is blank."""
    name = "values_or_prices"
    vals = float_view(values_or_prices, name)
    if vals.ndim == 0 or vals.ndim > 2:
        raise WrongTypeError(f"{name} must be a column or a table of values; got an array of shape {vals.shape}")
    if vals.ndim == 1:
        return vals  # a single series: validated as prices by hedge_beta
    if np.isinf(vals).any() or (vals < 0.0).any():
        raise BadNumberError(f"{name} must hold finite, non-negative values")
    with np.errstate(all="ignore"):
        total: FloatArray = vals.sum(axis=1)  # NaN where any column is blank
    return total


def hedge_effectiveness(
    alt_prices: npt.ArrayLike,
    btc_prices: npt.ArrayLike,
    hedge_ratio: npt.ArrayLike,
    weights: npt.ArrayLike | None = None,
) -> float | FloatArray:
    """Share of the altcoin's return variance a short BTC hedge removes.

    Parameters
    ----------
    alt_prices, btc_prices, weights
        As in :func:`hedge_beta` (one altcoin or a constant-weight basket).
    hedge_ratio : float or array_like
        Short BTC notional per unit of altcoin value, as a fraction (0.4 is a 40 % hedge).
        An array gives one result per ratio (broadcast like a ufunc).

    Returns
    -------
    float or ndarray
        ``1 - var(r_a - h r_b) / var(r_a)``: 1 is a perfect hedge, 0 no better than none,
        negative worse than none. A float for a scalar ``hedge_ratio``, else an array of its
        shape.

    Raises
    ------
    WrongTypeError, BadNumberError, MissingValueError
        As in :func:`hedge_beta`; also ``BadNumberError`` when the altcoin's returns have
        zero variance or a ratio is infinite, ``MissingValueError`` for a blank ratio.

    Notes
    -----
    Same alignment as :func:`hedge_beta`. Variances are sample variances (``ddof=1``) of the
    per-period simple returns. At ``h`` = the OLS beta the result equals the R-squared of
    the regression, the most any constant ratio can achieve.

    Examples
    --------
    The data of :func:`hedge_beta`'s example: at the beta, 2.1, the hedge removes
    rho^2 = 95.9 % of the variance; at 1.0 it removes 1 - 0.035 / 0.115 = 69.6 %;
    at 0 nothing:

    >>> btc = [100.0, 110.0, 99.0, 103.95, 98.7525]
    >>> alt = [10.0, 12.0, 9.0, 9.9, 9.405]
    >>> round(hedge_effectiveness(alt, btc, 2.1), 6)
    0.958696
    >>> hedge_effectiveness(alt, btc, [0.0, 1.0]).round(6).tolist()
    [0.0, 0.695652]
    """
    h = float_view(hedge_ratio, "hedge_ratio")
    if np.isnan(h).any():
        raise MissingValueError("hedge_ratio is blank; give a ratio such as 0.4")
    if np.isinf(h).any():
        raise BadNumberError("hedge_ratio must be finite")
    r_alt, r_btc = paired_returns(alt_prices, btc_prices, weights)
    with np.errstate(all="ignore"):
        if is_constant(r_alt - r_alt.mean(), r_alt):
            raise BadNumberError("alt_prices returns have zero variance; hedge effectiveness is undefined")
        out = _effectiveness_aligned(r_alt, r_btc, h.ravel()).reshape(h.shape)
    finite_or_raise(out, "the hedge effectiveness")
    if out.ndim == 0:
        return float(out)
    return out

"""Regression and correlation of altcoin returns on BTC returns: beta (OLS, EWMA, downside), correlation."""

from __future__ import annotations

import math
from typing import Final

import numpy as np
import numpy.typing as npt

from althedge_xl.core._arrays import FloatArray
from althedge_xl.core._sums import column_dots, exact_dot, exact_mean, exact_sum
from althedge_xl.core.errors import BadNumberError
from althedge_xl.core.stats._inputs import (
    check_same_rows,
    checked_prices,
    complete_rows,
    finite_or_raise,
    present_mask,
)
from althedge_xl.core.stats.methods import downside_threshold, ewma_halflife, parse_method, select_periods
from althedge_xl.core.stats.returns import (
    MIN_RETURNS,
    check_moves,
    column_groups,
    kept_rows,
    paired_returns,
    returns_aligned,
)

__all__ = ["BETA_METHODS", "CORREL_METHODS", "beta_aligned", "betas", "hedge_beta", "hedge_correl", "is_constant"]

BETA_METHODS: Final[tuple[str, ...]] = ("ols", "ewma", "downside")
"""The ``method`` values :func:`hedge_beta` and :func:`betas` accept."""

CORREL_METHODS: Final[tuple[str, ...]] = ("pearson", "downside")
"""The ``method`` values :func:`hedge_correl` accepts."""

#: Rounding noise of a return, in units of ``1 + |r|`` (64 ulps of the price ratio it comes from).
_NOISE_ULPS: Final[float] = 64.0 * float(np.finfo(np.float64).eps)


def rounding_noise(returns: FloatArray) -> FloatArray:
    """The spread of returns (of each column) that rounding alone makes: ``64 eps (1 + max |r|)``.

    A return ``r = P_t / P_(t-1) - 1`` is computed from the ratio of two prices, which is rounded to the
    float next to it, so its error is about ``eps (1 + |r|)`` however small ``r`` is: prices one ulp apart
    (100 and 100.00000000000001) make returns of 1.4e-16 that are rounding, not moves. Returns spread by
    less than 64 such ulps are a constant series (zero variance) rather than the divisor of a meaningless
    huge beta.
    """
    noise: FloatArray = _NOISE_ULPS * (1.0 + np.max(np.abs(returns), axis=0))
    return noise


def is_constant(centred: FloatArray, raw: FloatArray) -> bool:
    """True when the spread of the returns ``raw`` (``centred`` less their mean) is zero or rounding noise."""
    if not raw.size:
        return True
    return not float(np.max(np.abs(centred))) > float(rounding_noise(raw))


def beta_aligned(r_alt: FloatArray, r_btc: FloatArray, w: FloatArray | None, btc_label: str) -> FloatArray:
    """Slope of (weighted) least squares with intercept of each column of ``r_alt`` on ``r_btc``.

    ``beta_j = sum w (x - xbar_w)(y_j - ybar_w) / sum w (x - xbar_w)^2`` with weighted means;
    ``w = None`` is ordinary least squares, i.e. ``cov(y_j, x) / var(x)``. Every sum is exactly
    rounded (:mod:`althedge_xl.core._sums`), so the beta has the same bits on every CPU.
    """
    # The second centring pass makes sum(w * xc) zero to rounding, so
    # sum w xc (y - ybar_w) = sum w xc y and the (T, k) panel need not be centred: one
    # product per column does all columns.
    if w is None:
        xc = r_btc - exact_mean(r_btc)
        xc -= exact_mean(xc)
        wxc = xc
    else:
        sw = exact_sum(w)
        xc = r_btc - exact_dot(w, r_btc) / sw
        xc -= exact_dot(w, xc) / sw
        wxc = w * xc
    sxx = exact_dot(wxc, xc)
    if is_constant(xc, r_btc) or not sxx > 0.0:
        raise BadNumberError(f"{btc_label} returns have zero variance over the periods used; beta is undefined")
    beta: FloatArray = column_dots(wxc, r_alt) / sxx
    return beta


def _correl_aligned(r_alt: FloatArray, r_btc: FloatArray, alt_label: str) -> float:
    """Pearson correlation of two clean return series (exactly rounded sums, as :func:`beta_aligned`)."""
    xc = r_btc - exact_mean(r_btc)
    yc = r_alt - exact_mean(r_alt)
    if is_constant(xc, r_btc):
        raise BadNumberError("btc_prices returns have zero variance over the periods used; correlation is undefined")
    if is_constant(yc, r_alt):
        raise BadNumberError(f"{alt_label} returns have zero variance over the periods used; correlation is undefined")
    rho = exact_dot(xc, yc) / math.sqrt(exact_dot(xc, xc) * exact_dot(yc, yc))
    return min(1.0, max(-1.0, rho))


def hedge_beta(
    alt_prices: npt.ArrayLike,
    btc_prices: npt.ArrayLike,
    method: str = "ols",
    halflife: float | None = None,
    threshold: float | None = None,
    weights: npt.ArrayLike | None = None,
) -> float:
    """Beta of an altcoin, or of a basket of altcoins, on BTC.

    Parameters
    ----------
    alt_prices : array_like, shape (n,) or (n, k)
        Prices (USD/USDT) of one altcoin, or of ``k`` altcoins one per column, oldest first;
        ``NaN`` for a blank.
    btc_prices : array_like, shape (n,)
        BTC prices on the same rows (spot or the future's price).
    method : {"ols", "ewma", "downside"}, optional
        ``"ols"`` (default) ordinary least squares; ``"ewma"`` exponentially weighted least
        squares; ``"downside"`` OLS over the periods when BTC's return is below ``threshold``.
        Case and surrounding spaces are ignored.
    halflife : float, optional
        For ``"ewma"`` only (required there, ignored otherwise): the half-life in periods,
        i.e. in rows of returns kept, not in calendar days. Positive.
    threshold : float, optional
        For ``"downside"`` only: BTC return below which a period counts, as a fraction per
        period (-0.05 is a 5 % fall). Default 0.0 (every down period). Ignored otherwise.
    weights : array_like, shape (k,), optional
        Basket weights, one per column of ``alt_prices``, not negative; they are normalised
        to sum 1. Default equal weights.

    Returns
    -------
    float
        The beta: the fractional change of the altcoin (basket) per unit fractional change
        of BTC. A short BTC notional of ``beta x altcoin value`` offsets the BTC-driven part.

    Raises
    ------
    WrongTypeError
        Row counts differ, ``weights`` has the wrong length, or ``method`` is unknown.
    BadNumberError
        A zero, negative or infinite price; a price more than
        :data:`~althedge_xl.core.stats.returns.MAX_MOVE`-fold above or below the one of the row before it
        used (the message names both rows); a non-positive ``halflife``; BTC returns with zero variance
        over the periods used (rounding of the prices alone is no variance).
    MissingValueError
        Fewer than 3 usable returns (after alignment, and for ``"downside"`` after the
        filter), or ``"ewma"`` without ``halflife``.

    Notes
    -----
    Rows where any price (any basket column or BTC) is blank are dropped; returns are taken
    between consecutive kept rows, so a missing day makes one longer-period return.
    With ``r_i,t`` the returns of column ``i`` and ``x_t`` those of BTC, the basket return is
    ``y_t = sum_i w_i r_i,t`` with the weights normalised to sum 1: a basket rebalanced to
    constant weights every period (for a buy-and-hold basket pass values to
    :func:`minvar_ratio`). Then, over the ``T`` periods used,

    - ``"ols"``: ``beta = cov(y, x) / var(x)``, the slope of ``y = a + beta x + e``;
    - ``"ewma"``: the weighted least-squares slope with intercept,
      ``beta = sum w_t (x_t - xw)(y_t - yw) / sum w_t (x_t - xw)^2``, weighted means
      ``xw, yw`` and ``w_t = 0.5 ** ((T - 1 - t) / halflife)``, ``t = 0 .. T-1``, so the newest
      return has weight 1 and one ``halflife`` earlier has weight 0.5;
    - ``"downside"``: ``"ols"`` over only the periods with ``x_t < threshold``.

    Examples
    --------
    BTC returns +10 %, -10 %, +5 %, -5 % and altcoin returns +20 %, -25 %, +10 %, -5 %:
    both means are 0, so beta = sum(xy) / sum(x^2) = 0.0525 / 0.025 = 2.1. The altcoin moves
    2.1 times as much as BTC, so a value-neutral hedge of 10,000 of it is 21,000 short BTC.

    >>> btc = [100.0, 110.0, 99.0, 103.95, 98.7525]
    >>> alt = [10.0, 12.0, 9.0, 9.9, 9.405]
    >>> round(hedge_beta(alt, btc), 6)
    2.1

    With a sixth row and a blank BTC price on the fourth, that row is dropped: the third
    return runs from row 3 to row 5 (+5 % then -5 % makes -0.25 % for BTC, +10 % then -5 %
    makes +4.5 % for the coin), not a made-up 0 % then -5 %.

    >>> round(hedge_beta(alt + [9.5], btc[:3] + [float("nan"), 98.7525, 100.0]), 6)
    2.234449

    A basket of the coin and a copy of BTC, weighted 3:1, has beta 0.75 x 2.1 + 0.25 x 1:

    >>> import numpy as np
    >>> round(hedge_beta(np.column_stack([alt, btc]), btc, weights=[3, 1]), 6)
    1.825
    """
    key = parse_method(method, BETA_METHODS)
    hl = ewma_halflife(halflife, key)
    th = downside_threshold(threshold)
    r_alt, r_btc = paired_returns(alt_prices, btc_prices, weights)
    r_alt, r_btc, w = select_periods(r_alt, r_btc, key, hl, th, "alt_prices and btc_prices")
    with np.errstate(all="ignore"):
        beta = float(beta_aligned(r_alt[:, None], r_btc, w, "btc_prices")[0])
    finite_or_raise(beta, "the beta")
    return beta


def betas(
    asset_prices: npt.ArrayLike,
    btc_prices: npt.ArrayLike,
    method: str = "ols",
    halflife: float | None = None,
    threshold: float | None = None,
    name: str = "asset_prices",
) -> FloatArray:
    """Beta of each column of ``asset_prices`` on BTC, all in one vectorised pass.

    Parameters
    ----------
    asset_prices : array_like, shape (n, k) or (n,)
        Prices (USD/USDT) of ``k`` assets, one per column, oldest row first; ``NaN`` blank.
    btc_prices : array_like, shape (n,)
        BTC prices on the same rows.
    name : str
        What the messages call ``asset_prices`` (the caller's own name for it, e.g. a function's argument).
    method, halflife, threshold
        As in :func:`hedge_beta`.

    Returns
    -------
    ndarray, shape (k,)
        ``betas(P, B)[j]`` equals ``hedge_beta(P[:, j], B, ...)``: each column is aligned
        with BTC on its own (rows where that column or BTC is blank are dropped), so a newly
        listed coin does not shorten the history of the others.

    Raises
    ------
    WrongTypeError, BadNumberError, MissingValueError
        As in :func:`hedge_beta`; a column with too few returns raises for the whole call
        and the message names the column (counting from 1).

    Notes
    -----
    Same formulas as :func:`hedge_beta`, in matrix form: with ``X`` the centred BTC returns
    (``T``,) and ``Y`` the asset returns (``T``, ``k``), ``beta = X @ Y / X @ X`` (``Y`` need
    not be centred, as ``X`` sums to zero), each sum exactly rounded so that the betas have the
    same bits on every CPU. Columns that share a blank pattern are computed together, so a panel
    without blanks is one pass.

    Examples
    --------
    The coin of :func:`hedge_beta`'s example, and BTC itself (beta 1):

    >>> btc = [100.0, 110.0, 99.0, 103.95, 98.7525]
    >>> alt = [10.0, 12.0, 9.0, 9.9, 9.405]
    >>> import numpy as np
    >>> betas(np.column_stack([alt, btc]), btc).round(6).tolist()
    [2.1, 1.0]
    """
    key = parse_method(method, BETA_METHODS)
    hl = ewma_halflife(halflife, key)
    th = downside_threshold(threshold)
    assets, assets_ok = checked_prices(asset_prices, name, allow_2d=True)
    btc, btc_ok = checked_prices(btc_prices, "btc_prices", allow_2d=False)
    check_same_rows(assets, name, btc, "btc_prices")
    if assets.ndim == 1:
        assets = assets[:, None]
        assets_ok = None if assets_ok is None else assets_ok[:, None]
    n, k = assets.shape
    out = np.empty(k)
    btc_rows = complete_rows(btc_ok, n)
    kept_rows([(btc_rows, "btc_prices")], MIN_RETURNS + 1, f"{MIN_RETURNS} returns")
    cells = None if assets_ok is None and btc_ok is None else present_mask(assets_ok, (n, k)) & btc_rows[:, None]
    for rows, cols in column_groups(cells, n, k):
        label = name if k == 1 else f"{name} column {int(cols[0]) + 1}"
        own_rows = complete_rows(None if assets_ok is None else assets_ok[:, cols[0]], n)
        kept_rows([(own_rows, label), (btc_rows, "btc_prices")], MIN_RETURNS + 1, f"{MIN_RETURNS} returns")
        # The group without blanks is computed over every column, its betas picked out
        # afterwards: gathering its columns would cost more than the few wasted (NaN) ones.
        all_rows = bool(rows.all())
        kept = None if all_rows else np.flatnonzero(rows)
        with np.errstate(all="ignore"):
            if all_rows:
                prices, columns = assets, np.arange(k)
            else:
                prices, columns = assets[:, cols][rows], cols
            r_alt = returns_aligned(prices)
            r_btc = returns_aligned(btc if kept is None else btc[kept])
        # a step beyond any market's (or an overflow to +inf) is refused with its rows; over the whole
        # panel, the other groups' columns hold NaN returns, which the check skips
        check_moves(r_alt, prices, name, kept, columns if k > 1 else None)
        check_moves(r_btc, btc if kept is None else btc[kept], "btc_prices", kept)
        r_alt, r_btc, w = select_periods(r_alt, r_btc, key, hl, th, label + " and btc_prices")
        with np.errstate(all="ignore"):
            group_betas = beta_aligned(r_alt, r_btc, w, "btc_prices")
        out[cols] = group_betas[cols] if all_rows else group_betas
    finite_or_raise(out, f"a beta (a return of {name} overflows?)")
    return out


def hedge_correl(
    alt_prices: npt.ArrayLike,
    btc_prices: npt.ArrayLike,
    method: str = "pearson",
    threshold: float | None = None,
    weights: npt.ArrayLike | None = None,
) -> float:
    """Pearson correlation of altcoin (basket) returns with BTC returns, plain or in stress.

    Parameters
    ----------
    alt_prices, btc_prices, weights
        As in :func:`hedge_beta` (one altcoin or a constant-weight basket).
    method : {"pearson", "downside"}, optional
        ``"pearson"`` (default) over every period; ``"downside"`` over only the periods when
        BTC's return is below ``threshold``.
    threshold : float, optional
        For ``"downside"``: a fraction per period (-0.05 is a 5 % fall); default 0.0.

    Returns
    -------
    float
        The correlation, in [-1, 1].

    Raises
    ------
    WrongTypeError, BadNumberError, MissingValueError
        As in :func:`hedge_beta`; also ``BadNumberError`` when the altcoin's returns have
        zero variance.

    Notes
    -----
    Same alignment as :func:`hedge_beta` (rows with any blank dropped, returns between kept
    rows). ``rho = cov(y, x) / (sd(y) sd(x))`` over the periods used. A correlation measured
    only over stress periods is biased towards zero compared with the full-sample one even
    when the relation does not change (the range of ``x`` is cut), so compare ``"downside"``
    figures with each other, not with ``"pearson"`` ones.

    Examples
    --------
    The data of :func:`hedge_beta`'s example: sum(xy) = 0.0525, sum(x^2) = 0.025,
    sum(y^2) = 0.115, so rho = 0.0525 / sqrt(0.025 x 0.115) = 0.979...

    >>> btc = [100.0, 110.0, 99.0, 103.95, 98.7525]
    >>> alt = [10.0, 12.0, 9.0, 9.9, 9.405]
    >>> round(hedge_correl(alt, btc), 6)
    0.97913
    """
    key = parse_method(method, CORREL_METHODS)
    th = downside_threshold(threshold)
    r_alt, r_btc = paired_returns(alt_prices, btc_prices, weights)
    r_alt, r_btc, _ = select_periods(
        r_alt,
        r_btc,
        "downside" if key == "downside" else "ols",
        None,
        th,
        "alt_prices and btc_prices",
    )
    with np.errstate(all="ignore"):
        rho = _correl_aligned(r_alt, r_btc, "alt_prices")
    finite_or_raise(rho, "the correlation")
    return rho

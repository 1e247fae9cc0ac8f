"""Return statistics for hedging an altcoin portfolio with short BTC futures.

Returns, hedge beta, correlation, the minimum-variance hedge ratio, hedge effectiveness,
realized volatility and the replay of a portfolio along a real price window.

Every function takes prices (or values) in rows, oldest first: a ``(n,)`` array is one
series, a ``(n, k)`` array is ``k`` series side by side (one column per asset). Prices are in
the quote currency (USD/USDT) and must be positive; a blank cell is ``NaN``. Lists are
accepted and converted with ``numpy.asarray(..., dtype=float)``. No function modifies its
inputs. A scalar result is a Python ``float``.

Alignment of blanks
-------------------
A return needs a price at both ends, and the statistics that pair series (beta, correlation,
minimum-variance ratio, effectiveness) need every series at the same dates. The one rule is:

1. keep only the rows where *every* price the statistic uses is present (finite);
2. take returns between consecutive *kept* rows.

A missing day therefore makes one longer-period return across the gap (the move from the last
price before it to the first price after it); it is never forward-filled, which would invent a
zero return for the missing day and a jump on the next one. :func:`betas` applies the rule to
each column paired with BTC, so a late-listed coin does not shorten the others' history, and
:func:`realized_vol` to each column on its own. :func:`simple_returns` is
the row-by-row formula and leaves a ``NaN`` wherever either end is blank.
:func:`scenario_replay` never fills a blank either: a row with a blank price has ``NaN``
results.

Errors
------
All errors subclass :class:`althedge_xl.core.errors.AltHedgeInputError` (a ``ValueError``) and
name the argument at fault:

- :class:`~althedge_xl.core.errors.WrongTypeError` (``#VALUE!``): shapes or lengths that do
  not match, an unknown ``method``;
- :class:`~althedge_xl.core.errors.BadNumberError` (``#NUM!``): a zero, negative or infinite
  price, a non-positive ``halflife``, BTC returns with zero variance, a result that overflows;
- :class:`~althedge_xl.core.errors.MissingValueError` (``#N/A``): fewer than 3 usable returns
  (2 for :func:`realized_vol`), a required argument left blank.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Final

import numpy as np
import numpy.typing as npt

from althedge_xl.core._arrays import FloatArray, single
from althedge_xl.core.conventions import parse_choice
from althedge_xl.core.errors import BadNumberError, MissingValueError, WrongTypeError

__all__ = [
    "BETA_METHODS",
    "CORREL_METHODS",
    "MIN_RETURNS",
    "MIN_VOL_RETURNS",
    "REPLAY_COLUMNS",
    "betas",
    "hedge_beta",
    "hedge_correl",
    "hedge_effectiveness",
    "minvar_ratio",
    "realized_vol",
    "scenario_replay",
    "simple_returns",
]

BoolArray = npt.NDArray[np.bool_]

BETA_METHODS: Final[tuple[str, ...]] = ("ols", "ewma", "downside")
"""The ``method`` values :func:`hedge_beta` and :func:`betas` accept."""

CORREL_METHODS: Final[tuple[str, ...]] = ("pearson", "downside")
"""The ``method`` values :func:`hedge_correl` accepts."""

MIN_RETURNS: Final[int] = 3
"""Fewest usable returns for a beta, correlation, ratio or effectiveness."""

MIN_VOL_RETURNS: Final[int] = 2
"""Fewest usable returns for :func:`realized_vol` (a sample standard deviation needs two)."""

REPLAY_COLUMNS: Final[tuple[str, ...]] = (
    "unhedged_pl",
    "hedge_pl",
    "funding_cost",
    "hedged_pl",
)
"""The four columns of :func:`scenario_replay`, in order."""

_DEFAULT_THRESHOLD: Final[float] = 0.0
# Centred values whose spread is below this many ulps of their size are rounding noise, so the
# series is treated as constant (zero variance) rather than producing a meaningless huge beta.
_NOISE_ULPS: Final[float] = 64.0 * float(np.finfo(np.float64).eps)


# --------------------------------------------------------------------------------------------
# Argument coercion and validation (the messy part, in one place)
# --------------------------------------------------------------------------------------------


def _as_float_array(value: npt.ArrayLike, name: str) -> FloatArray:
    """Convert to a float64 array without copying a float64 input.

    Unlike ``_arrays.as_float_array`` this does not copy: a 50 x 44,000 panel would cost a
    copy per call. So nothing in this module writes into an array it was given.
    """
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise WrongTypeError(f"{name} must be numbers; got {value!r}") from exc
    return arr


def _rows(n: int) -> str:
    return f"{n} row" if n == 1 else f"{n} rows"


def _prices(value: npt.ArrayLike, name: str, *, allow_2d: bool) -> tuple[FloatArray, BoolArray | None]:
    """Validate a price (or value) array; return it and the mask of present (finite) cells.

    The mask is ``None`` when every cell is present, so large clean panels skip building it.
    A ``(n, 1)`` column is accepted where only one series is allowed.
    """
    arr = _as_float_array(value, name)
    if arr.ndim == 2 and not allow_2d and arr.shape[1] == 1:
        arr = arr[:, 0]
    if arr.ndim == 0 or arr.ndim > (2 if allow_2d else 1):
        shape = "a column or a table of prices" if allow_2d else "one column of prices"
        raise WrongTypeError(f"{name} must be {shape}; got an array of shape {arr.shape}")
    # Fast path, two reductions and no temporary: min and max propagate NaN, which fails both.
    if arr.size == 0 or (arr.min() > 0.0 and arr.max() < np.inf):
        return arr, None
    ok: BoolArray = np.asarray((arr > 0.0) & (arr < np.inf))
    bad = ~(ok | np.isnan(arr))
    if bad.any():
        first = np.argwhere(bad)[0]
        val = float(arr[tuple(first)])
        where = f"row {int(first[0]) + 1}" + (f", column {int(first[1]) + 1}" if arr.ndim == 2 else "")
        kind = "infinite" if math.isinf(val) else ("zero" if val == 0.0 else "negative")
        raise BadNumberError(f"{name} has a {kind} price ({val!r}) in {where}; prices must be positive")
    return arr, ok


def _present(ok: BoolArray | None, shape: tuple[int, ...]) -> BoolArray:
    """The present-cell mask, built when :func:`_prices` skipped it."""
    return np.ones(shape, dtype=np.bool_) if ok is None else ok


def _complete_rows(ok: BoolArray | None, n: int) -> BoolArray:
    """Rows with every cell present, for a (n,) or (n, k) mask."""
    if ok is None:
        return np.ones(n, dtype=np.bool_)
    rows: BoolArray = ok if ok.ndim == 1 else np.asarray(ok.all(axis=1))
    return rows


def _same_rows(a: FloatArray, a_name: str, b: FloatArray, b_name: str) -> None:
    if a.shape[0] != b.shape[0]:
        raise WrongTypeError(
            f"{a_name} has {_rows(a.shape[0])} but {b_name} has {_rows(b.shape[0])}; they must cover the same dates"
        )


def _parse_method(method: object, allowed: tuple[str, ...]) -> str:
    """``method`` through the package's one parser of named choices (case and spaces ignored)."""
    return parse_choice(method, "method", allowed)


def _scalar(value: npt.ArrayLike, name: str) -> float:
    """A single number; ``NaN`` (a blank) is returned as is for the caller to decide."""
    return single(_as_float_array(value, name), name)


def _optional_scalar(value: npt.ArrayLike | None, name: str) -> float | None:
    """``None`` or ``NaN`` (a blank cell) mean "not given"; infinity is an error."""
    if value is None:
        return None
    out = _scalar(value, name)
    if math.isnan(out):
        return None
    if math.isinf(out):
        raise BadNumberError(f"{name} must be finite; got {out!r}")
    return out


def _halflife(value: npt.ArrayLike | None, method: str) -> float | None:
    hl = _optional_scalar(value, "halflife")
    if method != "ewma":
        return None  # only used by "ewma"
    if hl is None:
        raise MissingValueError("halflife (in periods) is required when method is 'ewma'")
    if hl <= 0.0:
        raise BadNumberError(f"halflife must be a positive number of periods; got {hl!r}")
    return hl


def _threshold(value: npt.ArrayLike | None) -> float:
    th = _optional_scalar(value, "threshold")
    return _DEFAULT_THRESHOLD if th is None else th


def _basket_weights(weights: npt.ArrayLike | None, k: int, alt_name: str) -> FloatArray:
    """Weights normalised to sum 1; equal weights when ``None``."""
    if weights is None:
        return np.full(k, 1.0 / k)
    w = _as_float_array(weights, "weights")
    if w.ndim > 2 or w.size != k or (w.ndim == 2 and 1 not in w.shape):
        raise WrongTypeError(
            f"weights has {w.size} values but {alt_name} has {k} column{'s' if k != 1 else ''}; "
            "give one weight per column"
        )
    w = w.ravel()
    if np.isnan(w).any():
        raise MissingValueError("weights has a blank; give a weight for every column")
    if not np.all(np.isfinite(w)) or np.any(w < 0.0):
        raise BadNumberError("weights must be finite and not negative")
    total = float(w.sum())
    if not total > 0.0 or not math.isfinite(total):
        raise BadNumberError("weights must not all be zero")
    return w / total


def _kept_rows(masks: list[tuple[BoolArray, str]], need_rows: int, need_what: str) -> BoolArray:
    """Rows where every input is present; error naming the argument when too few remain."""
    for mask, name in masks:
        have = int(mask.sum())
        if have < need_rows:
            raise MissingValueError(
                f"{name} has only {_rows(have)} with a price; need at least {need_rows} ({need_what})"
            )
    keep: BoolArray = masks[0][0].copy()
    for mask, _ in masks[1:]:
        keep = np.logical_and(keep, mask)
    have = int(keep.sum())
    if have < need_rows:
        names = " and ".join(name for _, name in masks)
        raise MissingValueError(
            f"only {_rows(have)} have a price in both {names}; need at least {need_rows} ({need_what})"
        )
    return keep


def _returns_aligned(prices: FloatArray) -> FloatArray:
    """Simple returns of consecutive rows of clean, positive prices (axis 0)."""
    out: FloatArray = np.divide(prices[1:], prices[:-1])
    out -= 1.0
    return out


def _finite_or_raise(value: FloatArray | float, what: str) -> None:
    if not np.all(np.isfinite(value)):
        raise BadNumberError(f"{what} is not a finite number: the inputs are too extreme")


def _column_groups(ok: BoolArray | None, n: int, k: int) -> Iterator[tuple[BoolArray, npt.NDArray[np.intp]]]:
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


# --------------------------------------------------------------------------------------------
# Kernels: clean, aligned returns in, numbers out
# --------------------------------------------------------------------------------------------


def _is_constant(centred: FloatArray, raw: FloatArray) -> bool:
    """True when the spread of ``raw`` is zero or at the level of rounding noise."""
    spread = float(np.max(np.abs(centred))) if centred.size else 0.0
    scale = float(np.max(np.abs(raw))) if raw.size else 0.0
    return not spread > _NOISE_ULPS * scale


def _beta_aligned(r_alt: FloatArray, r_btc: FloatArray, w: FloatArray | None, btc_label: str) -> FloatArray:
    """Slope of (weighted) least squares with intercept of each column of ``r_alt`` on ``r_btc``.

    ``beta_j = sum w (x - xbar_w)(y_j - ybar_w) / sum w (x - xbar_w)^2`` with weighted means;
    ``w = None`` is ordinary least squares, i.e. ``cov(y_j, x) / var(x)``.
    """
    # The second centring pass makes sum(w * xc) zero to rounding, so
    # sum w xc (y - ybar_w) = sum w xc y and the (T, k) panel need not be centred: one
    # matrix-vector product does all columns.
    if w is None:
        xc = r_btc - r_btc.mean()
        xc -= xc.mean()
        wxc = xc
    else:
        sw = w.sum()
        xc = r_btc - (w @ r_btc) / sw
        xc -= (w @ xc) / sw
        wxc = w * xc
    sxx = float(wxc @ xc)
    if _is_constant(xc, r_btc) or not sxx > 0.0:
        raise BadNumberError(f"{btc_label} returns have zero variance over the periods used; beta is undefined")
    beta: FloatArray = (wxc @ r_alt) / sxx
    return beta


def _correl_aligned(r_alt: FloatArray, r_btc: FloatArray, alt_label: str) -> float:
    """Pearson correlation of two clean return series."""
    xc = r_btc - r_btc.mean()
    yc = r_alt - r_alt.mean()
    if _is_constant(xc, r_btc):
        raise BadNumberError("btc_prices returns have zero variance over the periods used; correlation is undefined")
    if _is_constant(yc, r_alt):
        raise BadNumberError(f"{alt_label} returns have zero variance over the periods used; correlation is undefined")
    rho = float(xc @ yc) / math.sqrt(float(xc @ xc) * float(yc @ yc))
    return min(1.0, max(-1.0, rho))


def _effectiveness_aligned(r_alt: FloatArray, r_btc: FloatArray, h: FloatArray) -> FloatArray:
    """``1 - var(r_a - h r_b) / var(r_a)`` for each ratio in ``h`` (sample variances)."""
    resid = r_alt[:, None] - r_btc[:, None] * h[None, :]
    out: FloatArray = 1.0 - resid.var(axis=0, ddof=1) / r_alt.var(ddof=1)
    return out


def _select_periods(
    r_alt: FloatArray,
    r_btc: FloatArray,
    method: str,
    halflife: float | None,
    threshold: float,
    label: str,
) -> tuple[FloatArray, FloatArray, FloatArray | None]:
    """Apply the method's choice of periods and weights; check enough returns remain."""
    w: FloatArray | None = None
    if method == "downside":
        stress = r_btc < threshold
        have = int(stress.sum())
        if have < MIN_RETURNS:
            raise MissingValueError(
                f"only {have} period{'s' if have != 1 else ''} of {label} where the BTC return "
                f"is below threshold {threshold!r}; need at least {MIN_RETURNS}"
            )
        r_alt, r_btc = r_alt[stress], r_btc[stress]
    elif method == "ewma":
        assert halflife is not None
        t_count = r_btc.shape[0]
        with np.errstate(over="ignore", under="ignore"):  # a tiny halflife: old weights are 0
            w = 0.5 ** ((t_count - 1 - np.arange(t_count)) / halflife)
    return r_alt, r_btc, w


def _paired_returns(
    alt_prices: npt.ArrayLike,
    btc_prices: npt.ArrayLike,
    weights: npt.ArrayLike | None,
    alt_name: str = "alt_prices",
) -> tuple[FloatArray, FloatArray]:
    """Validate, align and turn (basket) alt prices and BTC prices into paired returns."""
    alt, alt_ok = _prices(alt_prices, alt_name, allow_2d=True)
    btc, btc_ok = _prices(btc_prices, "btc_prices", allow_2d=False)
    _same_rows(alt, alt_name, btc, "btc_prices")
    if alt.ndim == 1:
        alt = alt[:, None]
    n = alt.shape[0]
    w = _basket_weights(weights, alt.shape[1], alt_name)
    keep = _kept_rows(
        [(_complete_rows(alt_ok, n), alt_name), (_complete_rows(btc_ok, n), "btc_prices")],
        MIN_RETURNS + 1,
        f"{MIN_RETURNS} returns",
    )
    with np.errstate(all="ignore"):
        r_alt = _returns_aligned(alt[keep]) @ w
        r_btc = _returns_aligned(btc[keep])
    _finite_or_raise(r_alt, f"a return of {alt_name}")
    _finite_or_raise(r_btc, "a return of btc_prices")
    return r_alt, r_btc


# --------------------------------------------------------------------------------------------
# Public functions
# --------------------------------------------------------------------------------------------


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
    arr, _ = _prices(prices, "prices", allow_2d=True)
    if arr.shape[0] < 2:
        raise MissingValueError(f"prices has {_rows(arr.shape[0])}; need at least 2 for a return")
    with np.errstate(all="ignore"):
        out = _returns_aligned(arr)
    if np.isinf(out).any():
        raise BadNumberError("a return of prices is not a finite number: prices are too extreme")
    return out


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
        A zero, negative or infinite price; a non-positive ``halflife``; BTC returns with
        zero variance over the periods used.
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
    key = _parse_method(method, BETA_METHODS)
    hl = _halflife(halflife, key)
    th = _threshold(threshold)
    r_alt, r_btc = _paired_returns(alt_prices, btc_prices, weights)
    r_alt, r_btc, w = _select_periods(r_alt, r_btc, key, hl, th, "alt_prices and btc_prices")
    with np.errstate(all="ignore"):
        beta = float(_beta_aligned(r_alt[:, None], r_btc, w, "btc_prices")[0])
    _finite_or_raise(beta, "the beta")
    return beta


def betas(
    asset_prices: npt.ArrayLike,
    btc_prices: npt.ArrayLike,
    method: str = "ols",
    halflife: float | None = None,
    threshold: float | None = None,
) -> FloatArray:
    """Beta of each column of ``asset_prices`` on BTC, all in one vectorised pass.

    Parameters
    ----------
    asset_prices : array_like, shape (n, k) or (n,)
        Prices (USD/USDT) of ``k`` assets, one per column, oldest row first; ``NaN`` blank.
    btc_prices : array_like, shape (n,)
        BTC prices on the same rows.
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
    not be centred, as ``X`` sums to zero).
    Columns that share a blank pattern are computed together, so a panel without blanks is
    a single matrix product.

    Examples
    --------
    The coin of :func:`hedge_beta`'s example, and BTC itself (beta 1):

    >>> btc = [100.0, 110.0, 99.0, 103.95, 98.7525]
    >>> alt = [10.0, 12.0, 9.0, 9.9, 9.405]
    >>> import numpy as np
    >>> betas(np.column_stack([alt, btc]), btc).round(6).tolist()
    [2.1, 1.0]
    """
    key = _parse_method(method, BETA_METHODS)
    hl = _halflife(halflife, key)
    th = _threshold(threshold)
    assets, assets_ok = _prices(asset_prices, "asset_prices", allow_2d=True)
    btc, btc_ok = _prices(btc_prices, "btc_prices", allow_2d=False)
    _same_rows(assets, "asset_prices", btc, "btc_prices")
    if assets.ndim == 1:
        assets = assets[:, None]
        assets_ok = None if assets_ok is None else assets_ok[:, None]
    n, k = assets.shape
    out = np.empty(k)
    btc_rows = _complete_rows(btc_ok, n)
    _kept_rows([(btc_rows, "btc_prices")], MIN_RETURNS + 1, f"{MIN_RETURNS} returns")
    cells = None if assets_ok is None and btc_ok is None else _present(assets_ok, (n, k)) & btc_rows[:, None]
    for rows, cols in _column_groups(cells, n, k):
        label = "asset_prices" if k == 1 else f"asset_prices column {int(cols[0]) + 1}"
        own_rows = _complete_rows(None if assets_ok is None else assets_ok[:, cols[0]], n)
        _kept_rows([(own_rows, label), (btc_rows, "btc_prices")], MIN_RETURNS + 1, f"{MIN_RETURNS} returns")
        # The group without blanks is computed over every column, its betas picked out
        # afterwards: gathering its columns would cost more than the few wasted (NaN) ones.
        all_rows = bool(rows.all())
        with np.errstate(all="ignore"):
            if all_rows:
                r_alt = _returns_aligned(assets)
                r_btc = _returns_aligned(btc)
            else:
                r_alt = _returns_aligned(assets[:, cols][rows])
                r_btc = _returns_aligned(btc[rows])
        # prices are positive and finite, so a return can only overflow to +inf; a column
        # with one gives a non-finite beta, caught below without scanning the whole panel
        _finite_or_raise(r_btc, "a return of btc_prices")
        r_alt, r_btc, w = _select_periods(r_alt, r_btc, key, hl, th, label + " and btc_prices")
        with np.errstate(all="ignore"):
            group_betas = _beta_aligned(r_alt, r_btc, w, "btc_prices")
        out[cols] = group_betas[cols] if all_rows else group_betas
    _finite_or_raise(out, "a beta (a return of asset_prices overflows?)")
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
    key = _parse_method(method, CORREL_METHODS)
    th = _threshold(threshold)
    r_alt, r_btc = _paired_returns(alt_prices, btc_prices, weights)
    r_alt, r_btc, _ = _select_periods(
        r_alt,
        r_btc,
        "downside" if key == "downside" else "ols",
        None,
        th,
        "alt_prices and btc_prices",
    )
    with np.errstate(all="ignore"):
        rho = _correl_aligned(r_alt, r_btc, "alt_prices")
    _finite_or_raise(rho, "the correlation")
    return rho


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
    r_basket, r_btc = _paired_returns(_basket_value(values_or_prices), btc_prices, None, alt_name="values_or_prices")
    with np.errstate(all="ignore"):
        ratio = float(_beta_aligned(r_basket[:, None], r_btc, None, "btc_prices")[0])
    _finite_or_raise(ratio, "the minimum-variance ratio")
    return ratio


def _basket_value(values_or_prices: npt.ArrayLike) -> FloatArray:
    """Sum the value columns of each row; blank (NaN) when any column of the row is blank."""
    name = "values_or_prices"
    vals = _as_float_array(values_or_prices, name)
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
    h = _as_float_array(hedge_ratio, "hedge_ratio")
    if np.isnan(h).any():
        raise MissingValueError("hedge_ratio is blank; give a ratio such as 0.4")
    if np.isinf(h).any():
        raise BadNumberError("hedge_ratio must be finite")
    r_alt, r_btc = _paired_returns(alt_prices, btc_prices, weights)
    with np.errstate(all="ignore"):
        if _is_constant(r_alt - r_alt.mean(), r_alt):
            raise BadNumberError("alt_prices returns have zero variance; hedge effectiveness is undefined")
        out = _effectiveness_aligned(r_alt, r_btc, h.ravel()).reshape(h.shape)
    _finite_or_raise(out, "the hedge effectiveness")
    if out.ndim == 0:
        return float(out)
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
        A zero, negative or infinite price, or a non-positive ``periods_per_year``.
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
    ppy = _scalar(periods_per_year, "periods_per_year")
    if math.isnan(ppy):
        raise MissingValueError("periods_per_year is blank; use 365 for daily crypto closes")
    if not (ppy > 0.0 and math.isfinite(ppy)):
        raise BadNumberError(f"periods_per_year must be a positive number; got {ppy!r}")
    arr, ok = _prices(prices, "prices", allow_2d=True)
    one = arr.ndim == 1
    if one:
        arr = arr[:, None]
        ok = None if ok is None else ok[:, None]
    n, k = arr.shape
    out = np.empty(k)
    scale = math.sqrt(ppy)
    for rows, cols in _column_groups(ok, n, k):
        label = "prices" if k == 1 else f"prices column {int(cols[0]) + 1}"
        _kept_rows([(rows, label)], MIN_VOL_RETURNS + 1, f"{MIN_VOL_RETURNS} returns")
        with np.errstate(all="ignore"):
            sub = arr[rows][:, cols]
            r = np.diff(np.log(sub), axis=0)
            out[cols] = r.std(axis=0, ddof=1) * scale
    _finite_or_raise(out, "the volatility")
    if one:
        return float(out[0])
    return out


def scenario_replay(
    holdings_values: npt.ArrayLike,
    asset_prices: npt.ArrayLike,
    btc_prices: npt.ArrayLike,
    hedge_notional: float,
    funding_rates: npt.ArrayLike | None = None,
) -> FloatArray:
    """P/L of a spot portfolio and its short BTC hedge along a real price window.

    Parameters
    ----------
    holdings_values : array_like, shape (k,)
        USD value of each altcoin holding at the first row (quantity = value / first price).
        Not negative.
    asset_prices : array_like, shape (n, k) or (n,)
        Prices (USD/USDT) of the ``k`` holdings, oldest row first; ``NaN`` for a blank. The
        first row must be complete.
    btc_prices : array_like, shape (n,)
        BTC prices on the same rows (the future's price, or spot as its proxy); first row
        required.
    hedge_notional : float
        USD notional of the BTC short opened at the first row's BTC price; the short
        quantity ``q = hedge_notional / btc_prices[0]`` is held to the end. Not negative.
    funding_rates : array_like, shape (n,), optional
        For each row ``t``, the sum of the perpetual's funding rates (fractions per interval,
        as the exchange reports them) of the settlements that fall in that row's period
        ``(time of row t-1, time of row t]``. With Binance's daily closes (the candle of day D
        closes at 23:59:59.999 UTC), row D takes the settlements stamped on day D (00:00, 08:00
        and 16:00 UTC for BTCUSDT): the 00:00 settlement comes just after the previous close;
        the 00:00 settlement of day D+1 belongs to the next row.
        ``NaN`` means no settlement. Row 0's entry is ignored: those settlements precede the
        hedge. Default: no funding.

    Returns
    -------
    ndarray, shape (n, 4)
        Columns (see ``REPLAY_COLUMNS``), in USD, each measured from the first row (row 0
        is all zeros):

        0. unhedged P/L ``U_t = sum_i V_i (P_i,t / P_i,0 - 1)``;
        1. hedge P/L ``H_t = -N (B_t / B_0 - 1)`` (a gain when BTC falls);
        2. cumulative funding cost ``C_t = sum_{s=1..t} -q B_s f_s`` (positive = paid by the
           user);
        3. hedged P/L ``U_t + H_t - C_t``.

    Raises
    ------
    WrongTypeError
        Lengths or column counts that do not match.
    BadNumberError
        A zero, negative or infinite price, value, notional or funding rate.
    MissingValueError
        Fewer than 2 rows, a blank in the first row, a blank holding or notional.

    Notes
    -----
    Funding follows the exchanges' rule: each settlement pays ``notional x rate`` where the
    notional is valued at the settlement's price, and a positive rate means longs pay
    shorts. The short is ``-q`` BTC, so its cost at row ``t`` is ``-q B_t f_t``: a positive
    rate is income (negative cost), a negative rate a cost. The settlements of a row are
    valued at that row's BTC price ``B_t`` (the close), an approximation of the mark price at
    each settlement. The position is not rebalanced and no trading fees are charged.

    Blanks are never filled: a row with any blank price has ``NaN`` in all four columns.
    Funding in a row with a blank BTC price cannot be valued, so if that row has a rate the
    cumulative funding (and the hedged P/L) stays ``NaN`` from there on; a row with a blank
    BTC price and no rate adds nothing.

    Examples
    --------
    The method's worked example, replayed: altcoins 30,000 and 20,000 fall 20 % and BTC 15 %,
    the 20,000 short gains 3,000. The short receives 200 x 85 x 0.0003 = 5.10 of funding on
    day 1 and pays 200 x 90 x 0.0001 = 1.80 on day 2:

    >>> import numpy as np
    >>> out = scenario_replay(
    ...     [30_000.0, 20_000.0],
    ...     [[100.0, 10.0], [80.0, 8.0], [90.0, 9.0]],
    ...     [100.0, 85.0, 90.0],
    ...     20_000.0,
    ...     [np.nan, 0.0003, -0.0001],
    ... )
    >>> out.round(2).tolist()
    [[0.0, 0.0, 0.0, 0.0], [-10000.0, 3000.0, -5.1, -6994.9], [-5000.0, 2000.0, -3.3, -2996.7]]
    """
    vals = _as_float_array(holdings_values, "holdings_values")
    if vals.ndim > 2 or (vals.ndim == 2 and 1 not in vals.shape):
        raise WrongTypeError("holdings_values must be one row or one column of values")
    vals = vals.ravel()
    prices, prices_ok = _prices(asset_prices, "asset_prices", allow_2d=True)
    if prices.ndim == 1:
        prices = prices[:, None]
    if vals.size != prices.shape[1]:
        raise WrongTypeError(
            f"holdings_values has {vals.size} values but asset_prices has "
            f"{prices.shape[1]} columns; give one value per asset"
        )
    btc, btc_ok = _prices(btc_prices, "btc_prices", allow_2d=False)
    _same_rows(prices, "asset_prices", btc, "btc_prices")
    n = btc.shape[0]
    if n < 2:
        raise MissingValueError(f"btc_prices has {_rows(n)}; the replay needs at least 2")
    if np.isnan(vals).any():
        raise MissingValueError("holdings_values has a blank; give a value for every asset")
    if np.isinf(vals).any() or (vals < 0.0).any():
        raise BadNumberError("holdings_values must be finite and not negative")
    notional = _scalar(hedge_notional, "hedge_notional")
    if math.isnan(notional):
        raise MissingValueError("hedge_notional is blank; give the USD notional of the short")
    if not (notional >= 0.0 and math.isfinite(notional)):
        raise BadNumberError(f"hedge_notional must be a finite, non-negative USD amount; got {notional!r}")
    rates: FloatArray
    if funding_rates is None:
        rates = np.zeros(n)
    else:
        rates = _as_float_array(funding_rates, "funding_rates")
        if rates.ndim == 2 and rates.shape[1] == 1:
            rates = rates[:, 0]
        if rates.ndim != 1:
            raise WrongTypeError(f"funding_rates must be one column; got shape {rates.shape}")
        _same_rows(rates, "funding_rates", btc, "btc_prices")
        if np.isinf(rates).any():
            raise BadNumberError("funding_rates must be finite; leave a row blank for no funding")
    present = _complete_rows(prices_ok, n) & _complete_rows(btc_ok, n)
    if not present[0]:
        raise MissingValueError(
            "the first row of asset_prices and btc_prices must be complete: the replay measures every P/L from it"
        )
    btc_present = _complete_rows(btc_ok, n)
    with np.errstate(all="ignore"):
        unhedged = (prices / prices[0] - 1.0) @ vals
        hedge = -notional * (btc / btc[0] - 1.0)
        qty = notional / btc[0]
        has_rate = ~np.isnan(rates) & (rates != 0.0)
        has_rate[0] = False
        cost = np.zeros(n)
        cost[has_rate] = -qty * btc[has_rate] * rates[has_rate]
        cum_cost = np.cumsum(cost)
        out = np.column_stack([unhedged, hedge, cum_cost, unhedged + hedge - cum_cost])
    out[0] = 0.0  # by definition (and no -0.0 from the hedge column)
    out[~present] = np.nan
    if (
        np.isinf(out).any()
        or not np.isfinite(out[present, :2]).all()
        or not np.isfinite(cost[has_rate & btc_present]).all()
    ):
        raise BadNumberError("the replay overflows: the inputs are too extreme")
    return out

"""Correlation of each column of a price panel with BTC, all columns in one vectorised pass."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from althedge_xl.core._arrays import FloatArray
from althedge_xl.core._sums import column_dots, column_sums, exact_dot, exact_mean
from althedge_xl.core.errors import BadNumberError
from althedge_xl.core.stats._inputs import check_same_rows, checked_prices, complete_rows, finite_or_raise, present_mask
from althedge_xl.core.stats.methods import downside_threshold, parse_method, select_periods
from althedge_xl.core.stats.regression import CORREL_METHODS, is_constant, rounding_noise
from althedge_xl.core.stats.returns import MIN_RETURNS, check_moves, column_groups, kept_rows, returns_aligned

__all__ = ["correls"]


def _correl_columns(r_alt: FloatArray, r_btc: FloatArray, labels: list[str]) -> FloatArray:
    """Pearson correlation of each column of clean returns ``r_alt`` (T, k) with ``r_btc`` (T,).

    The same operations as :func:`~althedge_xl.core.stats.regression.hedge_correl`'s, column by column
    (exactly rounded sums), so each column's correlation is that function's to the bit, on any CPU.
    """
    xc = r_btc - exact_mean(r_btc)
    yc = r_alt - column_sums(r_alt) / r_alt.shape[0]
    if is_constant(xc, r_btc):
        raise BadNumberError("btc_prices returns have zero variance over the periods used; correlation is undefined")
    flat = ~(np.max(np.abs(yc), axis=0) > rounding_noise(r_alt))
    if flat.any():
        label = labels[int(np.argmax(flat))]
        raise BadNumberError(f"{label} returns have zero variance over the periods used; correlation is undefined")
    rho: FloatArray = column_dots(xc, yc) / np.sqrt(exact_dot(xc, xc) * column_sums(yc * yc))
    return np.clip(rho, -1.0, 1.0)


def correls(
    asset_prices: npt.ArrayLike,
    btc_prices: npt.ArrayLike,
    method: str = "pearson",
    threshold: float | None = None,
    name: str = "asset_prices",
) -> FloatArray:
    """Correlation of each column of ``asset_prices`` with BTC, in O(n k) memory and time.

    Parameters
    ----------
    asset_prices : array_like, shape (n, k) or (n,)
        Prices (USD/USDT) of ``k`` assets, one per column, oldest row first; ``NaN`` blank.
    btc_prices : array_like, shape (n,)
        BTC prices on the same rows.
    name : str
        What the messages call ``asset_prices`` (the caller's own name for it, e.g. a function's argument).
    method, threshold
        As in :func:`~althedge_xl.core.stats.regression.hedge_correl`.

    Returns
    -------
    ndarray, shape (k,)
        ``correls(P, B)[j]`` equals ``hedge_correl(P[:, j], B, ...)``: each column aligned with
        BTC on its own, as :func:`~althedge_xl.core.stats.regression.betas` aligns them; the
        columns that share a blank pattern are computed together.

    Raises
    ------
    WrongTypeError, BadNumberError, MissingValueError
        As in ``hedge_correl``; the message names the column (counting from 1).

    Examples
    --------
    The coin of ``hedge_correl``'s example, and BTC itself (correlation 1):

    >>> btc = [100.0, 110.0, 99.0, 103.95, 98.7525]
    >>> alt = [10.0, 12.0, 9.0, 9.9, 9.405]
    >>> correls(np.column_stack([alt, btc]), btc).round(6).tolist()
    [0.97913, 1.0]
    """
    key = "downside" if parse_method(method, CORREL_METHODS) == "downside" else "ols"
    cut = downside_threshold(threshold)
    assets, assets_ok = checked_prices(asset_prices, name, allow_2d=True)
    btc, btc_ok = checked_prices(btc_prices, "btc_prices", allow_2d=False)
    check_same_rows(assets, name, btc, "btc_prices")
    if assets.ndim == 1:
        assets = assets[:, None]
        assets_ok = None if assets_ok is None else assets_ok[:, None]
    n, k = assets.shape
    labels = [name] if k == 1 else [f"{name} column {j + 1}" for j in range(k)]
    out = np.empty(k)
    btc_rows = complete_rows(btc_ok, n)
    kept_rows([(btc_rows, "btc_prices")], MIN_RETURNS + 1, f"{MIN_RETURNS} returns")
    cells = None if assets_ok is None and btc_ok is None else present_mask(assets_ok, (n, k)) & btc_rows[:, None]
    for rows, cols in column_groups(cells, n, k):
        own_rows = complete_rows(None if assets_ok is None else assets_ok[:, cols[0]], n)
        kept_rows([(own_rows, labels[cols[0]]), (btc_rows, "btc_prices")], MIN_RETURNS + 1, f"{MIN_RETURNS} returns")
        kept = np.flatnonzero(rows)
        prices, btc_kept = assets[:, cols][kept], btc[kept]
        with np.errstate(all="ignore"):
            r_alt = returns_aligned(prices)
            r_btc = returns_aligned(btc_kept)
        check_moves(r_alt, prices, name, kept, cols if k > 1 else None)
        check_moves(r_btc, btc_kept, "btc_prices", kept)
        r_alt, r_btc, _ = select_periods(r_alt, r_btc, key, None, cut, labels[cols[0]] + " and btc_prices")
        with np.errstate(all="ignore"):
            out[cols] = _correl_columns(r_alt, r_btc, [labels[j] for j in cols])
    finite_or_raise(out, "a correlation")
    return out

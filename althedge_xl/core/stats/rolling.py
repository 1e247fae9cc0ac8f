"""Sums over a trailing window of rows in O(n) memory and time, as accurate as each window's own sum.

A trailing statistic over ``w`` rows at each of ``n`` rows computed window by window costs
``n x w`` (a 5,000-day window over 100,000 rows is 3.7 GB of float64); the running-total shortcut
``c[t] - c[t - w]`` costs ``n`` but subtracts totals of the whole history, so a quiet window after
a wild decade loses digits. :func:`window_sums` does neither: the rows are cut into blocks of
``w``, and each window is the tail of one block plus the head of the next (sums from each block's
start and to each block's end, van Herk and Gil-Werman's scheme), so each window's sum adds its
own ``w`` values and nothing else. No result depends on a row after its window (a backtest
reads them without look-ahead).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from althedge_xl.core._arrays import FloatArray

__all__ = ["window_sums", "window_variance"]


def window_sums(values: FloatArray, window: int) -> FloatArray:
    """Sum of the ``window`` rows ending at each row from ``window - 1`` on, along axis 0.

    Parameters
    ----------
    values : ndarray, shape (n,) or (n, k)
        Finite numbers (a ``NaN`` would spread to the windows of its block and the next:
        replace blanks first and count them with a window sum of their mask).
    window : int
        Rows per window, 1 to ``n``.

    Returns
    -------
    ndarray, shape (n - window + 1,) or (n - window + 1, k)
        Row ``i``: ``values[i] + ... + values[i + window - 1]``, summed in order from the
        window's two ends inwards to one block boundary: the rounding error of ``window`` terms.

    Examples
    --------
    >>> window_sums(np.array([1.0, 2.0, 3.0, 4.0, 5.0]), 2).tolist()
    [3.0, 5.0, 7.0, 9.0]
    """
    n = values.shape[0]
    blocks = -(-n // window)
    padded = np.zeros((blocks * window, *values.shape[1:]))
    padded[:n] = values
    cut = padded.reshape(blocks, window, *values.shape[1:])
    from_start = np.cumsum(cut, axis=1).reshape(padded.shape)
    to_end = np.cumsum(cut[:, ::-1], axis=1)[:, ::-1].reshape(padded.shape)
    first = np.arange(n - window + 1)
    out: FloatArray = to_end[first]
    inside = first % window != 0  # a window that starts at a block's start is that block
    out[inside] += from_start[first[inside] + window - 1]
    return out


#: How far a window's shortcut may cancel before the window is recomputed directly: where the sum
#: of squares exceeds the centred one this many times (values nearly equal and far from the shift),
#: the difference would have lost more than ~2 of its 16 digits.
CANCELLATION = 64.0

#: Most values gathered at once when windows are recomputed directly (8 MB of float64).
_CHUNK = 1 << 20


def _centred(values: FloatArray, window: int) -> tuple[FloatArray, np.ndarray]:
    """``values`` less a shift per column, 0 where blank, and the blank mask.

    The shift is the mean of the column's first ``window`` present values: data no later
    than the first window without a blank, so no result depends on a later row.
    """
    blank = np.isnan(values)
    present = np.where(blank, 0.0, values)
    early = ~blank & (np.cumsum(~blank, axis=0) <= window)
    count = np.sum(early, axis=0)
    total = np.sum(np.where(early, present, 0.0), axis=0)
    shift = np.divide(total, count, out=np.zeros(np.shape(count)), where=count > 0)
    return np.where(blank, 0.0, present - shift), blank


def _holes(blank: np.ndarray, window: int) -> np.ndarray:
    """Windows that hold a blank."""
    return window_sums(blank.astype(np.float64), window) > 0.0


def _gather(values: FloatArray, starts: np.ndarray, columns: np.ndarray | None, window: int) -> FloatArray:
    """The windows starting at ``starts`` (of ``columns`` for a 2-D array), one per row."""
    rows = starts[:, None] + np.arange(window)
    out: FloatArray = values[rows] if columns is None else values[rows, columns[:, None]]
    return out


def _redo(suspect: np.ndarray, window: int, direct: Callable[[np.ndarray, np.ndarray | None], None]) -> None:
    """Call ``direct(starts, columns)`` on the suspect windows, a bounded number at a time."""
    found = np.nonzero(suspect)
    step = max(1, _CHUNK // window)
    for first in range(0, found[0].size, step):
        part = [index[first : first + step] for index in found]
        direct(part[0], part[1] if len(part) > 1 else None)


def window_variance(values: FloatArray, window: int) -> FloatArray:
    """Sample variance (``ddof=1``) of the ``window`` rows ending at each row, along axis 0.

    ``NaN`` where the window holds a ``NaN``. From window sums of the values shifted by the
    mean of the first window, ``(S2 - S1^2 / w) / (w - 1)``; a window where that difference
    cancels more than :data:`CANCELLATION` allows (values nearly equal and far from the shift)
    is recomputed directly, two-pass, as ``numpy.var`` does.

    Examples
    --------
    >>> window_variance(np.array([1.0, 3.0, 2.0, np.nan, 5.0]), 2).tolist()
    [2.0, 0.5, nan, nan]
    """
    centred, blank = _centred(values, window)
    s1 = window_sums(centred, window)
    s2 = window_sums(centred * centred, window)
    m2 = s2 - s1 * (s1 / window)
    variance: FloatArray = np.maximum(m2, 0.0) / (window - 1)
    holes = _holes(blank, window)

    def direct(starts: np.ndarray, columns: np.ndarray | None) -> None:
        where = starts if columns is None else (starts, columns)
        variance[where] = _gather(values, starts, columns, window).var(axis=1, ddof=1)

    _redo((s2 > CANCELLATION * m2) & ~holes, window, direct)
    variance[holes] = np.nan
    return variance


def window_slopes(y: FloatArray, x: FloatArray, window: int) -> FloatArray:
    """OLS slope of each column of ``y`` on ``x`` over the ``window`` rows ending at each row.

    ``sum (x - mean x)(y - mean y) / sum (x - mean x)^2`` per window, from window sums of
    ``x``, ``y``, ``x^2`` and ``xy`` (shifted by the means of their first windows); a window where
    either difference cancels more than :data:`CANCELLATION` allows is recomputed directly.

    Parameters
    ----------
    y : ndarray, shape (n, k)
    x : ndarray, shape (n,)
    window : int
        Rows per window, at least 2.

    Returns
    -------
    ndarray, shape (n - window + 1, k)
        ``NaN`` where the window holds a blank in ``x`` or in the column; infinite or ``NaN``
        where ``x`` is constant over the window.

    Examples
    --------
    >>> window_slopes(np.array([[2.0], [4.0], [5.0]]), np.array([1.0, 2.0, 4.0]), 2).tolist()
    [[2.0], [0.5]]
    """
    xc, x_blank = _centred(x, window)
    yc, y_blank = _centred(y, window)
    sx = window_sums(xc, window)
    sx2 = window_sums(xc * xc, window)
    sxx = sx2 - sx * (sx / window)
    sy = window_sums(yc, window)
    sxy_raw = window_sums(xc[:, None] * yc, window)
    sxy = sxy_raw - sx[:, None] * (sy / window)
    with np.errstate(divide="ignore", invalid="ignore"):
        slopes: FloatArray = sxy / sxx[:, None]
    holes = _holes(y_blank | x_blank[:, None], window)
    cancels = (sx2 > CANCELLATION * sxx)[:, None] | (
        np.abs(sxy_raw) + np.abs(sx[:, None] * (sy / window)) > CANCELLATION * np.abs(sxy)
    )

    def direct(starts: np.ndarray, columns: np.ndarray | None) -> None:
        assert columns is not None
        xs = _gather(x, starts, None, window)
        ys = _gather(y, starts, columns, window)
        xs = xs - xs.mean(axis=1, keepdims=True)
        with np.errstate(divide="ignore", invalid="ignore"):
            slopes[starts, columns] = np.einsum("ij,ij->i", xs, ys - ys.mean(axis=1, keepdims=True)) / np.einsum(
                "ij,ij->i", xs, xs
            )

    _redo(cancels & ~holes, window, direct)
    slopes[holes] = np.nan
    return slopes

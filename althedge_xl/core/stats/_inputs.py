"""Validation of the statistics' inputs: price arrays, single numbers, basket weights.

The messy part in one place; the kernels in the other modules assume what these checks
guarantee (positive, finite prices where present; ``NaN`` only for a blank).
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

from althedge_xl.core._arrays import FloatArray, single
from althedge_xl.core.errors import BadNumberError, MissingValueError, WrongTypeError

BoolArray = npt.NDArray[np.bool_]


def float_view(value: npt.ArrayLike, name: str) -> FloatArray:
    """Convert to a float64 array without copying a float64 input.

    Unlike ``_arrays.as_float_array`` this does not copy: a 50 x 44,000 panel would cost a
    copy per call. So nothing in this module writes into an array it was given.
    """
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise WrongTypeError(f"{name} must be numbers; got {value!r}") from exc
    return arr


def n_rows(n: int) -> str:
    return f"{n} row" if n == 1 else f"{n} rows"


def checked_prices(value: npt.ArrayLike, name: str, *, allow_2d: bool) -> tuple[FloatArray, BoolArray | None]:
    """Validate a price (or value) array; return it and the mask of present (finite) cells.

    The mask is ``None`` when every cell is present, so large clean panels skip building it.
    A ``(n, 1)`` column is accepted where only one series is allowed.
    """
    arr = float_view(value, name)
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


def present_mask(ok: BoolArray | None, shape: tuple[int, ...]) -> BoolArray:
    """The present-cell mask, built when :func:`checked_prices` skipped it."""
    return np.ones(shape, dtype=np.bool_) if ok is None else ok


def complete_rows(ok: BoolArray | None, n: int) -> BoolArray:
    """Rows with every cell present, for a (n,) or (n, k) mask."""
    if ok is None:
        return np.ones(n, dtype=np.bool_)
    rows: BoolArray = ok if ok.ndim == 1 else np.asarray(ok.all(axis=1))
    return rows


def check_same_rows(a: FloatArray, a_name: str, b: FloatArray, b_name: str) -> None:
    if a.shape[0] != b.shape[0]:
        raise WrongTypeError(
            f"{a_name} has {n_rows(a.shape[0])} but {b_name} has {n_rows(b.shape[0])}; they must cover the same dates"
        )


def one_number(value: npt.ArrayLike, name: str) -> float:
    """A single number; ``NaN`` (a blank) is returned as is for the caller to decide."""
    return single(float_view(value, name), name)


def optional_number(value: npt.ArrayLike | None, name: str) -> float | None:
    """``None`` or ``NaN`` (a blank cell) mean "not given"; infinity is an error."""
    if value is None:
        return None
    out = one_number(value, name)
    if math.isnan(out):
        return None
    if math.isinf(out):
        raise BadNumberError(f"{name} must be finite; got {out!r}")
    return out


def finite_or_raise(value: FloatArray | float, what: str) -> None:
    if not np.all(np.isfinite(value)):
        raise BadNumberError(f"{what} is not a finite number: the inputs are too extreme")


def basket_weights(weights: npt.ArrayLike | None, k: int, alt_name: str) -> FloatArray:
    """Weights normalised to sum 1; equal weights when ``None``."""
    if weights is None:
        return np.full(k, 1.0 / k)
    w = float_view(weights, "weights")
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

"""The one broadcasting rule of :mod:`althedge_xl.core`.

Every public core function takes scalars or array-likes, works on float arrays
and hands back a Python ``float`` when every input was a scalar, otherwise an
``ndarray`` of the broadcast shape, like a numpy ufunc.
"""

from __future__ import annotations

from typing import TypeAlias

import numpy as np
from numpy.typing import ArrayLike, NDArray

from althedge_xl.core.errors import BadNumberError, WrongTypeError
from althedge_xl.core.limits import check_result_shape

FloatArray = NDArray[np.float64]
Result: TypeAlias = float | FloatArray


def as_float_array(value: ArrayLike, name: str) -> FloatArray:
    """Return ``value`` as a new float array, or raise :class:`WrongTypeError` naming ``name``."""
    try:
        return np.array(value, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise WrongTypeError(f"{name} must be numbers ({exc})") from None


def finish(result: FloatArray) -> Result:
    """Return a 0-d array as a Python float and any other array unchanged."""
    if result.ndim == 0:
        return float(result)
    return result


def broadcast(**named: FloatArray) -> list[FloatArray]:
    """Broadcast the named arrays together, naming them when their shapes clash.

    A combined shape beyond a sheet or the cell budget (:mod:`althedge_xl.core.limits`) is
    refused before anything is computed: a column of 100,000 against a row of 100,000 would be
    10¹⁰ cells.
    """
    arrays = list(named.values())
    shapes = {a.shape for a in arrays}
    if len(shapes) == 1:  # the common case, cheaply
        return arrays
    if all(a.size == 1 for a in arrays):  # single cells of different ranks (a 1×1 range and a default)
        shape = max(shapes, key=len)
        return [a.reshape(shape) for a in arrays]
    listed = ", ".join(f"{name} {np.shape(a)}" for name, a in named.items())
    try:
        shape = np.broadcast_shapes(*shapes)
    except ValueError:
        raise WrongTypeError(f"ranges of different shapes cannot be combined: {listed}") from None
    check_result_shape(shape, f"combining {listed}")
    return [np.asarray(a) for a in np.broadcast_arrays(*arrays)]


def require(condition: NDArray[np.bool_] | bool, message: str) -> None:
    """Raise :class:`BadNumberError` with ``message`` unless ``condition`` holds everywhere."""
    holds = condition if isinstance(condition, bool) else bool(condition) if condition.size == 1 else condition.all()
    if not holds:
        raise BadNumberError(message)


def require_finite(values: FloatArray, name: str) -> None:
    """Raise :class:`BadNumberError` if ``values`` holds a NaN or an infinity."""
    require(np.isfinite(values), f"{name} must be a finite number")


def single(values: FloatArray, name: str) -> float:
    """Return the one value of ``values``, or raise :class:`WrongTypeError` if there are more."""
    if values.size != 1:
        raise WrongTypeError(f"{name} must be a single value, not {values.size} values")
    return float(values.reshape(()))

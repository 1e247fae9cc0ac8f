"""What every Excel function module shares: the type of a cell argument and the blank-row rule."""

from __future__ import annotations

from typing import Any

import numpy as np

from althedge_xl.core.errors import MissingValueError, WrongTypeError

Cells = Any
"""Whatever Excel passes for an argument: a value, None, or a list of rows."""

FRACTION = "as a fraction or percentage (40% = 0.4)"


def used_rows(values: np.ndarray, name: str, *others: np.ndarray) -> list[np.ndarray]:
    """Drop the rows whose value is blank (NaN) from ``values`` and from each of ``others``.

    A range of blank rows is an empty portfolio (its sum is 0, as in Excel's SUM); a single blank
    cell is a missing argument (``#N/A``).
    """
    flat = values.ravel()
    used = ~np.isnan(flat)
    if flat.size == 1 and not used.any():
        raise MissingValueError(f"{name} is blank")
    out = [flat[used]]
    for other in others:
        if other.size == 1:
            out.append(np.full(int(used.sum()), float(other.reshape(-1)[0])))
            continue
        if other.size != flat.size:
            raise WrongTypeError(f"ranges of different sizes: {flat.size} values but {other.size} others")
        out.append(other.ravel()[used])
    return out

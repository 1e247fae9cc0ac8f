"""The values the template caches in its formula cells, written the same on every machine.

A cached value is what the headless engine computed for a formula cell; readers that do not
recalculate (file previews, openpyxl, LibreOffice, Excel before content is enabled) show it, and
Excel replaces it when it recalculates. The statistics behind those values add their terms with
exactly rounded sums (:mod:`althedge_xl.core._sums`), so they do not depend on the CPU; as a second
defence every cached float is also rounded to :data:`CACHED_DIGITS` significant digits, so that a
difference of a few units in the last place anywhere else (numpy's own loops, a BLAS kernel, a
library's ``exp``) changes no byte of the file. It still would for a value that sits within that
difference of a 12-digit rounding boundary: about one value in 10,000 for a one-ulp difference.
Twelve digits are more than any sheet shows; fifteen would not do, as a one-ulp difference crosses
a 15-digit boundary for several percent of values.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, Final

__all__ = ["CACHED_DIGITS", "cached_number", "cached_values"]

#: Significant digits a cached float keeps.
CACHED_DIGITS: Final[int] = 12


def cached_number(value: float) -> float:
    """``value`` rounded to :data:`CACHED_DIGITS` significant digits; inf and NaN unchanged.

    Python's decimal formatting rounds the float's exact binary value, half to even, the same
    on every platform.

    >>> cached_number(1.4969537004925542), cached_number(1.496953700492555)
    (1.49695370049, 1.49695370049)
    >>> cached_number(74847.6850246277), cached_number(0.30000000000000004)
    (74847.6850246, 0.3)
    """
    if not math.isfinite(value):
        return value
    return float(f"{value:.{CACHED_DIGITS}g}")


def cached_values(cached: Mapping[tuple[str, str], Any]) -> dict[tuple[str, str], Any]:
    """``cached`` ((sheet, address) to value) with every float through :func:`cached_number`.

    Text, booleans, integers and error values are kept as they are.
    """
    return {key: cached_number(value) if isinstance(value, float) else value for key, value in cached.items()}

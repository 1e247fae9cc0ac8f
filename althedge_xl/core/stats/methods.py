"""How a statistic's ``method`` chooses its periods and weights, and the arguments that go with it.

The beta and correlation functions (:mod:`~althedge_xl.core.stats.regression`,
:mod:`~althedge_xl.core.stats.correlations`) share them: the method's name, the downside ``threshold``,
the EWMA ``halflife``, and the choice of periods they make.
"""

from __future__ import annotations

from typing import Final

import numpy as np
import numpy.typing as npt

from althedge_xl.core._arrays import FloatArray
from althedge_xl.core.conventions import parse_choice
from althedge_xl.core.errors import BadNumberError, MissingValueError
from althedge_xl.core.stats._inputs import optional_number
from althedge_xl.core.stats.returns import MIN_RETURNS

_DEFAULT_THRESHOLD: Final[float] = 0.0


def parse_method(method: object, allowed: tuple[str, ...]) -> str:
    """``method`` through the package's one parser of named choices (case and spaces ignored)."""
    return parse_choice(method, "method", allowed)


def ewma_halflife(value: npt.ArrayLike | None, method: str) -> float | None:
    """The ``halflife`` argument, in periods, for ``method`` "ewma" (required there, positive); None otherwise."""
    hl = optional_number(value, "halflife")
    if method != "ewma":
        return None  # only used by "ewma"
    if hl is None:
        raise MissingValueError("halflife (in periods) is required when method is 'ewma'")
    if hl <= 0.0:
        raise BadNumberError(f"halflife must be a positive number of periods; got {hl!r}")
    return hl


def downside_threshold(value: npt.ArrayLike | None) -> float:
    """The ``threshold`` argument of the downside methods, a fraction per period; 0.0 (every down period) when
    omitted or blank."""
    th = optional_number(value, "threshold")
    return _DEFAULT_THRESHOLD if th is None else th


def select_periods(
    r_alt: FloatArray,
    r_btc: FloatArray,
    method: str,
    halflife: float | None,
    threshold: float,
    label: str,
) -> tuple[FloatArray, FloatArray, FloatArray | None]:
    """The returns ``method`` uses and their weights: "downside" keeps the periods when BTC's return is below
    ``threshold`` (at least :data:`~althedge_xl.core.stats.returns.MIN_RETURNS` of them, ``label`` naming the
    series in the message); "ewma" weighs period ``t`` of ``T`` by ``0.5 ** ((T - 1 - t) / halflife)``; any
    other keeps every period, unweighted (weights None)."""
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

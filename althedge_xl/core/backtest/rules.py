"""The hedge-ratio rules a backtest compares, each a ratio per day decided from data up to that close.

A rule turns the market history into ``ratio[t]``: the short BTC notional, as a fraction of the
altcoins' value, that the rule wants *after* the close of day ``t``, computed from rows ``0 .. t``
only (trailing windows end at ``t``). ``NaN`` means the rule cannot decide at ``t`` (its window
is not full, or its input is missing that day): the backtest then keeps the short it holds.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt

from althedge_xl.core._arrays import FloatArray
from althedge_xl.core.conventions import MAX_HEDGE_RATIO
from althedge_xl.core.errors import BadNumberError, MissingValueError, WrongTypeError
from althedge_xl.core.ratio_rules import hedge_ratio_volatility
from althedge_xl.core.sizing import hedge_ratio_fear_greed
from althedge_xl.core.stats.rolling import window_slopes
from althedge_xl.core.stats.signals import trailing_vol

__all__ = ["DEFAULT_RULES", "RULE_LABELS", "Market", "RuleSettings", "parse_rules", "ratio_path"]

DEFAULT_RULES: Final = (
    "unhedged",
    "flat25",
    "flat40",
    "flat50",
    "flat75",
    "fear_greed",
    "volatility",
    "minvar",
    "beta",
)
"""The rules compared by default, in the table's order; ``flatNN`` is any flat NN % (0–300)."""

RULE_LABELS: Final = {
    "unhedged": "Unhedged",
    "fear_greed": "Fear & Greed table",
    "volatility": "Volatility table",
    "minvar": "Minimum variance (trailing)",
    "beta": "Beta-weighted (trailing)",
}
"""How each rule is named in tables; a flat rule is "Flat NN%"."""

_FLAT = re.compile(r"flat(\d+(?:\.\d+)?)%?")


@dataclass(frozen=True)
class RuleSettings:
    """The parameters of the rules that have any (the defaults are the workbook's)."""

    vol_window: int = 30
    """Days of log returns in the volatility rule's realized volatility."""
    regression_window: int = 90
    """Days of returns in the trailing minimum-variance ratio and betas."""
    vol_table: npt.ArrayLike | None = None
    """``(volatility, ratio)`` edges; default :data:`althedge_xl.core.ratio_rules.VOLATILITY_TABLE`."""
    fg_table: npt.ArrayLike | None = None
    """``(index, ratio)`` edges; default :data:`althedge_xl.core.sizing.FEAR_GREED_TABLE`."""


@dataclass(frozen=True)
class Market:
    """The validated history a rule reads: BTC, the altcoins held and their value, the index."""

    btc: FloatArray
    """BTC closes, shape (n,)."""
    alt_prices: FloatArray
    """Altcoin closes, shape (n, k); ``NaN`` before a coin's listing."""
    alt_quantities: FloatArray
    """Units of each altcoin held (bought at the start, then held), shape (k,)."""
    fear_greed: FloatArray | None
    """The Fear & Greed index per day, shape (n,), ``NaN`` where unpublished; None if not given."""


def parse_rules(rules: str | Sequence[str] | None) -> tuple[str, ...]:
    """Rule keys from names (case, spaces and ``-`` ignored): ``"flat 40%"`` is ``flat40``.

    ``None`` gives :data:`DEFAULT_RULES`. "unhedged" is always first (the others are measured
    against it) and each rule appears once.

    >>> parse_rules("Flat 40%, volatility")
    ('unhedged', 'flat40', 'volatility')
    """
    if rules is None:
        return DEFAULT_RULES
    items = rules.split(",") if isinstance(rules, str) else list(rules)
    keys: list[str] = ["unhedged"]
    for item in items:
        key = re.sub(r"[\s\-&]+", "", str(item).lower()).replace("feargreed", "fear_greed")
        key = {"fg": "fear_greed", "minimumvariance": "minvar", "betaweighted": "beta", "vol": "volatility"}.get(
            key, key
        )
        if not key:
            continue
        flat = _FLAT.fullmatch(key)
        if flat:
            level = float(flat.group(1))
            if level > 100 * MAX_HEDGE_RATIO:
                raise BadNumberError(f"rule {item!r}: a flat ratio is 0 to 300 (percent)")
            key = f"flat{flat.group(1)}"
        elif key not in DEFAULT_RULES:
            allowed = ", ".join(r for r in DEFAULT_RULES if not r.startswith("flat"))
            raise WrongTypeError(f"unknown rule {item!r}; use flatNN (e.g. flat40) or one of {allowed}")
        if key not in keys:
            keys.append(key)
    return tuple(keys)


def rule_label(key: str) -> str:
    """The rule's name in a table.

    >>> rule_label("flat40"), rule_label("minvar")
    ('Flat 40%', 'Minimum variance (trailing)')
    """
    flat = _FLAT.fullmatch(key)
    return f"Flat {flat.group(1)}%" if flat else RULE_LABELS[key]


def _window_slopes(y: FloatArray, x: FloatArray, window: int) -> FloatArray:
    """OLS slope of each column of ``y`` on ``x`` over the ``window`` rows ending at each row.

    ``y`` is (m, k), ``x`` (m,); row ``s`` of the result uses rows ``s-window+1 .. s``; ``NaN``
    before the window is full and wherever it holds a blank. O(m k) memory whatever the window.
    """
    out = np.full(y.shape, np.nan)
    if x.shape[0] >= window:
        out[window - 1 :] = window_slopes(y, x, window)
    return out


def _returns(prices: FloatArray) -> FloatArray:
    out: FloatArray = prices[1:] / prices[:-1] - 1.0
    return out


def ratio_path(key: str, market: Market, settings: RuleSettings) -> FloatArray:
    """The rule's ratio decided at each row's close, from rows up to that one only.

    Parameters
    ----------
    key : str
        A key from :func:`parse_rules`.
    market : Market
        The validated history.
    settings : RuleSettings
        The rules' parameters.

    Returns
    -------
    ndarray, shape (n,)
        The hedge ratio (a fraction of the altcoins' value) decided at each close; ``NaN``
        where the rule cannot decide.

    Notes
    -----
    - ``unhedged``: 0; ``flatNN``: NN %.
    - ``fear_greed``: the day's index through the Fear & Greed table (the index of day ``t`` is
      published at its start, so it is known at its close).
    - ``volatility``: BTC's realized volatility over the ``vol_window`` log returns to ``t``
      through the volatility table.
    - ``minvar``: ``cov(r_A, r_B) / var(r_B)`` over the ``regression_window`` daily returns to
      ``t``, ``A`` the altcoins' value as held (buy and hold), ``B`` BTC.
    - ``beta``: ``sum_i beta_i V_i,t / A_t``, each coin's OLS beta on BTC over the same window
      weighted by its value: the beta-weighted notional at a 100 % ratio.

    The regression rules are clipped to 0–300 %, the workbook's range of a ratio.

    Examples
    --------
    >>> import numpy as np
    >>> m = Market(np.array([100.0, 110.0]), np.array([[10.0], [12.0]]), np.array([1.0]), None)
    >>> ratio_path("flat40", m, RuleSettings()).tolist()
    [0.4, 0.4]
    """
    n = market.btc.shape[0]
    flat = _FLAT.fullmatch(key)
    if key == "unhedged":
        return np.zeros(n)
    if flat:
        return np.full(n, float(flat.group(1)) / 100.0)
    if key == "fear_greed":
        if market.fear_greed is None:
            raise MissingValueError("the fear_greed rule needs the Fear & Greed index for every day")
        out = np.full(n, np.nan)
        known = ~np.isnan(market.fear_greed)
        out[known] = hedge_ratio_fear_greed(market.fear_greed[known], settings.fg_table)
        return out
    if key == "volatility":
        vol = trailing_vol(market.btc, settings.vol_window)
        out = np.full(n, np.nan)
        known = ~np.isnan(vol)
        out[known] = hedge_ratio_volatility(vol[known], settings.vol_table)
        return out
    window = settings.regression_window
    with np.errstate(all="ignore"):
        r_btc = _returns(market.btc)
        values = market.alt_prices * market.alt_quantities
        if key == "minvar":
            slope = _window_slopes(_returns(values.sum(axis=1))[:, None], r_btc, window)[:, 0]
        else:
            betas = _window_slopes(_returns(market.alt_prices), r_btc, window)
            total = values.sum(axis=1)[1:]
            slope = np.einsum("ij,ij->i", betas, values[1:]) / total
    out = np.concatenate([[np.nan], slope])
    finite = np.isfinite(out)
    out[finite] = np.clip(out[finite], 0.0, MAX_HEDGE_RATIO)
    out[~finite] = np.nan
    return out


def check_window(value: int, name: str) -> int:
    """A window of at least 2 whole days."""
    if not (isinstance(value, (int, np.integer)) or (isinstance(value, float) and value.is_integer())):
        raise BadNumberError(f"{name} must be a whole number of days; got {value!r}")
    if not 2 <= int(value) < 10_000 or math.isnan(float(value)):
        raise BadNumberError(f"{name} must be at least 2 days; got {value!r}")
    return int(value)

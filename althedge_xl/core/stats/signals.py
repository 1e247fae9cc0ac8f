"""Signals to scale the hedge up or down, each from data up to the last close.

Trailing measures, one value per row computed from that row and the ``window`` rows before it
only (so a backtest can use them without look-ahead), and :func:`hedge_signals`, which reads
them at the last row and votes: the method scales the hedge *up* on an extreme altcoin rally,
macro uncertainty (high volatility) and overextension, and *down* when volatility is low ("the
cost of maintaining the hedge ... outweighs the benefit") or the hedge costs funding.

A window with a blank price gives ``NaN`` there (never filled).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt

from althedge_xl.core._arrays import FloatArray
from althedge_xl.core._sums import row_dots
from althedge_xl.core.errors import BadNumberError, MissingValueError, WrongTypeError
from althedge_xl.core.stats._inputs import basket_weights, check_same_rows, checked_prices, float_view, one_number
from althedge_xl.core.stats.rolling import window_variance

__all__ = [
    "SIGNAL_NAMES",
    "SIGNAL_THRESHOLDS",
    "Signal",
    "hedge_signals",
    "suggestion",
    "trailing_funding",
    "trailing_outperformance",
    "trailing_vol",
    "window_length",
]

SIGNAL_NAMES: Final = ("altcoin rally", "BTC volatility", "funding", "Fear & Greed")
"""The signals :func:`hedge_signals` returns, in order."""

SIGNAL_THRESHOLDS: Final[tuple[tuple[float, float], ...]] = (
    (math.nan, 0.20),
    (0.40, 0.70),
    (0.0, 0.30),
    (75.0, 25.0),
)
"""Default ``(scale down, scale up)`` thresholds per signal, in the order of :data:`SIGNAL_NAMES`.

Altcoin rally: up when the altcoins beat BTC by more than 20 % over the window (no down side).
BTC volatility (annualized): down below 40 % (about its 25th percentile 2020–2025), up above
70 % (about its 75th). Funding the short earned, annualized: down below 0 % (the short pays),
up above 30 % (longs crowded, overextension; the 2020–2025 mean was 13 %). Fear & Greed: down at
75 or more (greed), up at 25 or less (fear), as the method's table (more fear, more hedge).
"""


def window_length(value: npt.ArrayLike, name: str, minimum: int) -> int:
    """A whole number of rows, at least ``minimum``; blank is missing."""
    w = one_number(value, name)
    if math.isnan(w):
        raise MissingValueError(f"{name} is blank; give a number of days such as 30")
    if not (math.isfinite(w) and w == int(w) and w >= minimum):
        raise BadNumberError(f"{name} must be a whole number of days, at least {minimum}; got {w!r}")
    return int(w)


def _enough(n: int, window: int, name: str) -> None:
    if n < window + 1:
        raise MissingValueError(f"{name} has {n} rows; a {window}-day window needs at least {window + 1}")


def trailing_vol(prices: npt.ArrayLike, window: float = 30, periods_per_year: float = 365) -> FloatArray:
    """Annualized realized volatility over the ``window`` log returns ending at each row.

    Parameters
    ----------
    prices : array_like, shape (n,)
        Prices (USD/USDT), oldest first; ``NaN`` for a blank.
    window : int, optional
        Returns per window (default 30, i.e. 31 closes). At least 2.
    periods_per_year : float, optional
        Rows per year: 365 for daily crypto closes.

    Returns
    -------
    ndarray, shape (n,)
        Row ``t``: ``std(ln(P_s / P_{s-1}), s = t-window+1 .. t; ddof=1) * sqrt(periods_per_year)``
        as a fraction per year; ``NaN`` for the first ``window`` rows and wherever the window
        holds a blank. Uses rows up to ``t`` only. Memory and time O(n) whatever the window
        (:func:`~althedge_xl.core.stats.rolling.window_variance`).

    Examples
    --------
    Log returns alternating +10 % and -10 %: over 2 returns the sample variance is 0.02, so
    the daily volatility is sqrt(0.02) = 0.1414 and the yearly 0.1414 x sqrt(365) = 2.702:

    >>> import math
    >>> p = [100.0, 100.0 * math.exp(0.1), 100.0, 100.0 * math.exp(0.1)]
    >>> trailing_vol(p, 2).round(3).tolist()
    [nan, nan, 2.702, 2.702]
    """
    w = window_length(window, "window", 2)
    ppy = one_number(periods_per_year, "periods_per_year")
    if not (ppy > 0.0 and math.isfinite(ppy)):
        raise BadNumberError(f"periods_per_year must be a positive number; got {ppy!r}")
    arr, _ = checked_prices(prices, "prices", allow_2d=False)
    n = arr.shape[0]
    _enough(n, w, "prices")
    out = np.full(n, np.nan)
    with np.errstate(all="ignore"):
        r = np.diff(np.log(arr))
        out[w:] = np.sqrt(window_variance(r, w)) * math.sqrt(ppy)
    return out


def trailing_outperformance(
    alt_prices: npt.ArrayLike, btc_prices: npt.ArrayLike, window: float = 30, weights: npt.ArrayLike | None = None
) -> FloatArray:
    """Return of an altcoin basket minus BTC's over the ``window`` days ending at each row.

    Parameters
    ----------
    alt_prices : array_like, shape (n,) or (n, k)
        Prices of the altcoins, one column each; ``NaN`` for a blank.
    btc_prices : array_like, shape (n,)
        BTC prices on the same rows.
    window : int, optional
        Days (rows) the returns span (default 30). At least 1.
    weights : array_like, shape (k,), optional
        The basket's value shares at the window's start (normalised to sum 1; default equal).

    Returns
    -------
    ndarray, shape (n,)
        Row ``t``: ``sum_i w_i P_i,t / P_i,t-window - B_t / B_t-window`` (a buy-and-hold basket
        bought ``window`` days earlier, minus BTC), a fraction; ``NaN`` for the first ``window``
        rows and where a price at either end is blank.

    Examples
    --------
    Over two days ETH rises 30 % and BTC 5 %: the altcoins beat BTC by 25 points:

    >>> trailing_outperformance([100.0, 110.0, 130.0], [50.0, 51.0, 52.5], 2).round(10).tolist()
    [nan, nan, 0.25]
    """
    w = window_length(window, "window", 1)
    alt, _ = checked_prices(alt_prices, "alt_prices", allow_2d=True)
    btc, _ = checked_prices(btc_prices, "btc_prices", allow_2d=False)
    check_same_rows(alt, "alt_prices", btc, "btc_prices")
    if alt.ndim == 1:
        alt = alt[:, None]
    share = basket_weights(weights, alt.shape[1], "alt_prices")
    n = btc.shape[0]
    _enough(n, w, "btc_prices")
    out = np.full(n, np.nan)
    with np.errstate(all="ignore"):
        out[w:] = row_dots(alt[w:] / alt[:-w], share) - btc[w:] / btc[:-w]
    return out


def trailing_funding(daily_rates: npt.ArrayLike, window: float = 30, periods_per_year: float = 365) -> FloatArray:
    """What a short earned in funding over the ``window`` days ending at each row, annualized.

    Parameters
    ----------
    daily_rates : array_like, shape (n,)
        Each day's funding rates summed (fractions; three BTCUSDT settlements a day); ``NaN``
        for a day without a record.
    window : int, optional
        Days (rows) per window (default 30). At least 1.
    periods_per_year : float, optional
        Rows per year (365).

    Returns
    -------
    ndarray, shape (n,)
        Row ``t``: the mean of the recorded days among rows ``t-window+1 .. t`` times
        ``periods_per_year``, a fraction of the notional per year; positive when the short
        *receives* (the exchanges' rule: a positive rate means longs pay shorts). Days without a
        record are left out of the mean, never filled; ``NaN`` where none is recorded.

    Examples
    --------
    The neutral 0.01 % per 8 hours, three times a day, is 0.03 % a day or 10.95 % a year:

    >>> trailing_funding([0.0003] * 3, 2).round(6).tolist()
    [nan, 0.1095, 0.1095]
    """
    w = window_length(window, "window", 1)
    rates = float_view(daily_rates, "daily_rates")
    if rates.ndim == 2 and rates.shape[1] == 1:
        rates = rates[:, 0]
    if rates.ndim != 1:
        raise WrongTypeError(f"daily_rates must be one column; got shape {rates.shape}")
    if np.isinf(rates).any():
        raise BadNumberError("daily_rates must be finite; leave a day blank when it has no record")
    ppy = one_number(periods_per_year, "periods_per_year")
    recorded = ~np.isnan(rates)
    sums = np.concatenate([[0.0], np.cumsum(np.where(recorded, rates, 0.0))])
    counts = np.concatenate([[0], np.cumsum(recorded)])
    n = rates.shape[0]
    out = np.full(n, np.nan)
    if n >= w:
        total = sums[w:] - sums[:-w]
        have = counts[w:] - counts[:-w]
        with np.errstate(all="ignore"):
            out[w - 1 :] = np.where(have > 0, total / have * ppy, np.nan)
    return out


@dataclass(frozen=True)
class Signal:
    """One signal at the last close: its value, its vote (+1 up, 0 hold, -1 down) and why."""

    name: str
    value: float
    vote: int
    reason: str


def _pct(x: float) -> str:
    return f"{x:.0%}" if abs(x) >= 0.1 else f"{x:.1%}"


def _vote(value: float, down: float, up: float, *, up_when_high: bool) -> int:
    if math.isnan(value):
        return 0
    if up_when_high:
        return 1 if value > up else -1 if value < down else 0
    return 1 if value <= up else -1 if value >= down else 0


def _last(values: FloatArray) -> float:
    return float(values[-1])


def hedge_signals(
    btc_prices: npt.ArrayLike,
    alt_prices: npt.ArrayLike,
    daily_funding: npt.ArrayLike,
    fear_greed: float,
    weights: npt.ArrayLike | None = None,
    thresholds: npt.ArrayLike | None = None,
    window: float = 30,
) -> tuple[Signal, ...]:
    """The four scale-up / scale-down signals at the last row, each with its vote and reason.

    Parameters
    ----------
    btc_prices : array_like, shape (n,)
        BTC daily closes, oldest first, ending at the last close.
    alt_prices : array_like, shape (n,) or (n, k)
        The altcoins' closes on the same rows.
    daily_funding : array_like, shape (m,)
        Each day's BTCUSDT funding rates summed; ``NaN`` for a day without a record. The
        signal reads the ``window`` days to the last recorded day.
    fear_greed : float
        Today's Fear & Greed index, 0–100; ``NaN`` when unknown.
    weights : array_like, shape (k,), optional
        The altcoins' value shares (default equal).
    thresholds : array_like, shape (4, 2), optional
        ``(scale down, scale up)`` per signal in the order of :data:`SIGNAL_NAMES`; ``NaN`` for
        "no threshold on that side". Default :data:`SIGNAL_THRESHOLDS`.
    window : int, optional
        Days for the rally, the volatility and the funding (default 30).

    Returns
    -------
    tuple of Signal
        One per :data:`SIGNAL_NAMES`; a signal whose data is missing has ``NaN`` and votes 0.

    Notes
    -----
    Rally: :func:`trailing_outperformance`, up above its threshold. Volatility:
    :func:`trailing_vol` of BTC, down below the low threshold, up above the high one. Funding:
    :func:`trailing_funding`, down below the low threshold (the short pays), up above the high
    one. Fear & Greed: up at or below the fear threshold, down at or above the greed one.

    Examples
    --------
    BTC swinging between 100 and 101 (log returns of +-0.995 %: 0.995 % x sqrt(30/29) x
    sqrt(365) = 19 % a year, below 40 %), an altcoin rising steadily from 10 to 15 (15 / 11.15
    over the last 30 days, +34.5 % against BTC's 0 %, above 20 %), the neutral funding
    (10.95 % a year, inside 0-30 %) and fear at 20:

    >>> btc = [100.0, 101.0] * 20
    >>> alt = [10.0 + 5.0 * i / 39 for i in range(40)]
    >>> [(s.name, s.vote) for s in hedge_signals(btc, alt, [0.0003] * 40, 20.0)]
    [('altcoin rally', 1), ('BTC volatility', -1), ('funding', 0), ('Fear & Greed', 1)]
    """
    w = window_length(window, "window", 2)
    table = float_view(SIGNAL_THRESHOLDS if thresholds is None else thresholds, "thresholds")
    if table.shape != (len(SIGNAL_NAMES), 2):
        raise WrongTypeError(
            f"thresholds must be {len(SIGNAL_NAMES)} rows of (scale down, scale up); got {table.shape}"
        )
    if np.isinf(table).any():
        raise BadNumberError("thresholds must be finite; leave a cell blank for no threshold")
    fg = one_number(fear_greed, "fear_greed")
    if not math.isnan(fg) and not 0.0 <= fg <= 100.0:
        raise BadNumberError(f"fear_greed must be between 0 and 100; got {fg!r}")
    rates = float_view(daily_funding, "daily_funding").ravel()
    recorded = np.flatnonzero(~np.isnan(rates))
    funding = math.nan if recorded.size == 0 else _last(trailing_funding(rates[: recorded[-1] + 1], w))
    rally = _last(trailing_outperformance(alt_prices, btc_prices, w, weights))
    vol = _last(trailing_vol(btc_prices, w))
    (rally_dn, rally_up), (vol_dn, vol_up), (fund_dn, fund_up), (fg_dn, fg_up) = table.tolist()
    out = []
    for name, value, down, up, high, say in (
        (SIGNAL_NAMES[0], rally, rally_dn, rally_up, True, f"altcoins beat BTC by {{v}} over {w} days"),
        (SIGNAL_NAMES[1], vol, vol_dn, vol_up, True, f"BTC's {w}-day volatility is {{v}} a year"),
        (SIGNAL_NAMES[2], funding, fund_dn, fund_up, True, f"the short earned {{v}} a year in funding ({w} days)"),
        (SIGNAL_NAMES[3], fg, fg_dn, fg_up, False, "Fear & Greed is {v}"),
    ):
        shown = "no data" if math.isnan(value) else (f"{value:.0f}" if not high else _pct(value))
        vote = _vote(value, down, up, up_when_high=high)
        limit = up if vote > 0 else down
        if math.isnan(value):
            reason = f"{name}: no data, no vote"
        elif vote == 0:
            reason = say.format(v=shown) + ": inside the thresholds"
        else:
            edge = f"{limit:.0f}" if not high else _pct(limit)
            side = ("above" if vote > 0 else "below") if high else ("at or below" if vote > 0 else "at or above")
            reason = say.format(v=shown) + f", {side} {edge}"
        out.append(Signal(name, value, vote, reason))
    return tuple(out)


def suggestion(signals: tuple[Signal, ...]) -> tuple[int, str, str]:
    """The suggested direction from the votes: ``(score, "scale up" | "hold" | "scale down", why)``.

    The score is the sum of the votes; positive scales up, negative down. The reason names the
    signals that voted, in words.

    Examples
    --------
    >>> suggestion((Signal("a", 0.3, 1, "altcoins beat BTC by 30%"), Signal("b", 0.5, 0, "")))
    (1, 'scale up', 'altcoins beat BTC by 30%')
    """
    score = sum(s.vote for s in signals)
    word = "scale up" if score > 0 else "scale down" if score < 0 else "hold"
    up = [s.reason for s in signals if s.vote > 0]
    down = [s.reason for s in signals if s.vote < 0]
    if not up and not down:
        return score, word, "no signal past its threshold"
    parts = []
    if up:
        parts.append("; ".join(up))
    if down:
        parts.append(("against: " if score > 0 else "") + "; ".join(down) if up else "; ".join(down))
    if score == 0:
        parts.append("the signals cancel out")
    return score, word, "; ".join(parts)

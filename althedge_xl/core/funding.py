"""Carrying the hedge: perpetual funding, the basis of dated futures, and their break-even.

Money in USD; rates as fractions per funding interval (0.0001 = 0.01 % per 8 h); basis as a
fraction per year. A cost is positive when the user pays it. Exchanges' rule: a positive
funding rate means longs pay shorts, so a short hedge *receives* funding when the rate is positive.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from althedge_xl.core._arrays import (
    FloatArray,
    Result,
    as_float_array,
    broadcast,
    finish,
    require,
    require_finite,
    single,
)
from althedge_xl.core.conventions import (
    FUNDING_INTERVAL_HOURS,
    FUNDING_RATE_CLAMP,
    SIDES,
    parse_choice,
)
from althedge_xl.core.errors import BadNumberError, MissingValueError, WrongTypeError
from althedge_xl.core.exchanges import PROFILES, ExchangeProfile, exchange_profile

DAYS_PER_YEAR = 365.0
#: Why a dated future with no days left is refused: it is at or past its expiry, so it has no basis to earn.
EXPIRED = "days_to_expiry must be greater than 0: the future is at or past its expiry; refresh for a live one"
HOURS_PER_DAY = 24.0


def _side_sign(side: str) -> float:
    """+1 for a long (pays a positive rate), −1 for a short (receives it)."""
    return 1.0 if parse_choice(side, "side", SIDES) == "long" else -1.0


def check_rates(
    rates: FloatArray, name: str = "funding_rate", clamp: float = FUNDING_RATE_CLAMP, whose: str = "BTCUSDT's clamp"
) -> None:
    """Refuse a rate the exchange could not charge: beyond ``clamp`` a settlement (BTCUSDT's ±0.3 %).

    Such a rate is most often a per-cent value typed as a fraction, so the message suggests it.

    >>> check_rates(np.array([0.0001, 0.01]))
    Traceback (most recent call last):
    ...
    althedge_xl.core.errors.BadNumberError: funding_rate 0.01 is 1% a settlement, beyond BTCUSDT's clamp of ±0.3%: rates are fractions, did you mean 0.01% (0.0001)?
    """
    require_finite(rates, name)
    beyond = np.abs(rates) > clamp + 1e-12
    if np.any(beyond):
        rate = float(rates[beyond].flat[0])
        raise BadNumberError(
            f"{name} {rate:g} is {rate * 100:g}% a settlement, beyond {whose} of "
            f"±{clamp * 100:g}%: rates are fractions, did you mean {rate:g}% ({rate / 100:g})?"
        )


def funding_terms(rule: str | ExchangeProfile | None) -> tuple[float | None, float, str]:
    """The funding interval default, the rate clamp and its description for an exchange (None: BTCUSDT's).

    An exchange's BTC perpetual interval and cap come from its profile. Where the profile cites no
    interval the interval must be given (None); where it cites no cap, rates are held to the
    largest cap any profile cites, a guard against a per cent typed as a fraction.
    """
    if rule is None:
        return FUNDING_INTERVAL_HOURS, FUNDING_RATE_CLAMP, "BTCUSDT's clamp"
    profile = exchange_profile(rule)
    if profile.funding_cap is not None:
        return profile.funding_interval_hours, profile.funding_cap, f"{profile.label}'s BTC clamp"
    widest = max(p.funding_cap for p in PROFILES.values() if p.funding_cap is not None)
    return profile.funding_interval_hours, widest, f"any cited BTC clamp ({profile.label} publishes none)"


def _check_interval(hours: FloatArray) -> None:
    require_finite(hours, "interval_hours")
    require((hours > 0) & (hours <= HOURS_PER_DAY), "interval_hours must be more than 0 and at most 24")


@np.errstate(all="ignore")  # overflow gives inf: #NUM! in a cell
def funding_cost(
    notional: ArrayLike,
    funding_rate: ArrayLike,
    days: ArrayLike | None = None,
    interval_hours: ArrayLike | None = None,
    side: str = "short",
    mark_prices: ArrayLike | None = None,
    entry_price: ArrayLike | None = None,
    rule: str | ExchangeProfile | None = None,
) -> Result:
    """Funding a perpetual futures position pays over a holding period.

    Parameters
    ----------
    notional : array_like
        Position notional in USD (mark price × size), non-negative.
    funding_rate : array_like
        A single value with ``days``: one rate per interval as a fraction, applied at every
        settlement. A sequence without ``days``: one rate per funding settlement (e.g. real
        history), even a sequence of one. Within the exchange's clamp a settlement (no ``rule``:
        BTCUSDT's ±0.3 %).
    days : array_like, optional
        Holding period in days; required with a single rate, not allowed with a series.
    interval_hours : array_like, optional
        Hours between settlements; blank, the exchange's (no ``rule``: 8, BTCUSDT settles at
        00:00, 08:00, 16:00 UTC).
    side : {"short", "long"}, optional
        The position's side (default "short", the hedge).
    mark_prices : array_like, optional
        With a series of rates: the mark (or index) price at each settlement, one per rate. Each
        settlement then charges size × mark × rate, the size being ``notional / entry_price``
        BTC, as the exchanges do.
    entry_price : array_like, optional
        The price at which ``notional`` was valued (default the first mark price).
    rule : str, optional
        The exchange (:data:`~althedge_xl.core.exchanges.RULES`, any case): its BTC perpetual's
        funding interval is the default and its cap the clamp (:func:`funding_terms`).

    Returns
    -------
    float or ndarray
        Cost in USD, positive when the user pays, negative when the position receives funding.
        With one rate: s·N·r·(days·24 / interval_hours), the expected number of settlements in
        the period (fractional for a period that is not a whole number of intervals). With a
        series: s·N·Σ rₜ, or s·q·Σ Mₜ·rₜ with marks (q = N / entry price). s = +1 for a long,
        −1 for a short.

    Examples
    --------
    A 20,000 USD short held 30 days at the neutral +0.01 % per 8 h: 90 settlements, and the
    short *receives* 180 USD, a cost of −180. The same long pays 180.

    >>> round(funding_cost(20_000, 0.0001, 30), 10)
    -180.0
    >>> round(funding_cost(20_000, 0.0001, 30, side="long"), 10)
    180.0

    Valued at the mark: 0.2 BTC (20,000 at 100,000) short through settlements at 100,000 and
    110,000, both at +0.01 %, receives 0.2 · (100,000 + 110,000) · 0.0001 = 4.20:

    >>> round(funding_cost(20_000, [0.0001, 0.0001], mark_prices=[100_000, 110_000]), 10)
    -4.2
    """
    sign = _side_sign(side)
    amount = as_float_array(notional, "notional")
    require_finite(amount, "notional")
    require(amount >= 0, "notional must not be negative")
    rates = as_float_array(funding_rate, "funding_rate")
    default_hours, clamp, whose = funding_terms(rule)
    check_rates(rates, clamp=clamp, whose=whose)
    if days is None:
        if rates.ndim == 0:
            raise MissingValueError("days is needed with a single funding_rate")
        flat = rates.ravel()
        if mark_prices is None:
            return finish(sign * amount * float(flat.sum()))
        marks = as_float_array(mark_prices, "mark_prices").ravel()
        if marks.size != flat.size:
            raise WrongTypeError(f"mark_prices must hold one price per rate: {flat.size} rates, {marks.size} prices")
        require_finite(marks, "mark_prices")
        require(marks > 0, "mark_prices must be greater than 0")
        entry = marks[0] if entry_price is None else single(as_float_array(entry_price, "entry_price"), "entry_price")
        require(bool(np.isfinite(entry) and entry > 0), "entry_price must be greater than 0")
        return finish(sign * amount / entry * float(np.sum(marks * flat)))
    if rates.size > 1:
        raise WrongTypeError("days applies to a single funding_rate; a range of rates is one rate per settlement")
    if mark_prices is not None:
        raise WrongTypeError("mark_prices go with a range of rates, one per settlement, not with days")
    period = as_float_array(days, "days")
    given = interval_hours if interval_hours is not None else default_hours
    if given is None:
        raise MissingValueError(
            f"{exchange_profile(rule).label} publishes no BTC funding interval AltHedge can cite: give interval_hours"
        )
    hours = as_float_array(given, "interval_hours")
    amount, rates, period, hours = broadcast(notional=amount, funding_rate=rates, days=period, interval_hours=hours)
    require_finite(period, "days")
    require(period >= 0, "days must not be negative")
    _check_interval(hours)
    settlements = period * HOURS_PER_DAY / hours
    return finish(sign * amount * rates * settlements)


@np.errstate(all="ignore")  # overflow gives inf: #NUM! in a cell
def basis_annualized(futures_price: ArrayLike, spot_price: ArrayLike, days_to_expiry: ArrayLike) -> Result:
    """Annualized basis of a dated future: ``(F / S − 1) · 365 / days``.

    Simple interest on a 365-day year, as Binance's basis data implies.

    Parameters
    ----------
    futures_price, spot_price : array_like
        Prices in USD (positive).
    days_to_expiry : array_like
        Days until the future expires (positive).

    Returns
    -------
    float or ndarray
        Basis per year as a fraction; positive in contango (future above spot).

    Examples
    --------
    A quarterly future 90 days out at 101,500 against spot 100,000 carries 6.08 % a year:

    >>> round(basis_annualized(101_500, 100_000, 90), 6)
    0.060833
    """
    future = as_float_array(futures_price, "futures_price")
    spot = as_float_array(spot_price, "spot_price")
    days = as_float_array(days_to_expiry, "days_to_expiry")
    future, spot, days = broadcast(futures_price=future, spot_price=spot, days_to_expiry=days)
    for values, name in ((future, "futures_price"), (spot, "spot_price"), (days, "days_to_expiry")):
        require_finite(values, name)
    require(future > 0, "futures_price must be greater than 0")
    require(spot > 0, "spot_price must be greater than 0")
    require(days > 0, EXPIRED)
    return finish((future / spot - 1.0) * DAYS_PER_YEAR / days)


@np.errstate(all="ignore")  # overflow gives inf: #NUM! in a cell
def dated_hedge_cost(
    notional: ArrayLike,
    futures_price: ArrayLike,
    spot_price: ArrayLike,
    days_to_expiry: ArrayLike,
    days_held: ArrayLike | None = None,
) -> Result:
    """Carry cost of hedging with a *short* dated future instead of a perpetual.

    A short future sold at F above spot S earns the basis as F converges to S at expiry, so the
    cost is negative in contango: −N · (F/S − 1) · held / days_to_expiry, the basis accruing
    linearly (the usual approximation; held defaults to the whole time to expiry and may not pass
    it: a longer hedge rolls into the next future, at a basis not known today).

    Returns
    -------
    float or ndarray
        USD, positive when the user pays (backwardation), negative when the short earns.

    Examples
    --------
    >>> round(dated_hedge_cost(20_000, 101_500, 100_000, 90, 30), 10)
    -100.0
    """
    held = days_to_expiry if days_held is None else days_held
    basis = as_float_array(basis_annualized(futures_price, spot_price, days_to_expiry), "basis")
    amount = as_float_array(notional, "notional")
    period = as_float_array(held, "days_held")
    require_finite(amount, "notional")
    require(amount >= 0, "notional must not be negative")
    require_finite(period, "days_held")
    require(period >= 0, "days_held must not be negative")
    expiry = as_float_array(days_to_expiry, "days_to_expiry")
    period, expiry = broadcast(days_held=period, days_to_expiry=expiry)
    require(period <= expiry, "days_held must not be past the future's expiry (roll into the next one)")
    amount, basis, period = broadcast(notional=amount, basis=basis, days_held=period)
    return finish(-amount * basis * period / DAYS_PER_YEAR)


@np.errstate(all="ignore")  # overflow gives inf: #NUM! in a cell
def funding_breakeven(
    futures_price: ArrayLike,
    spot_price: ArrayLike,
    days_to_expiry: ArrayLike,
    interval_hours: ArrayLike = FUNDING_INTERVAL_HOURS,
) -> Result:
    """Funding rate per interval at which a short perpetual costs the same as a short dated future.

    Above it the perpetual is the cheaper hedge (the short receives more funding than the
    future's basis earns); below it the dated future is.

    Notes
    -----
    Equal costs over d days: N·r·(24·d / h) = N·basis·d / 365, so r* = basis · h / (24 · 365).

    Examples
    --------
    A 6.08 % annual basis is worth 0.00556 % per 8-hour funding interval:

    >>> round(funding_breakeven(101_500, 100_000, 90) * 100, 5)
    0.00556
    """
    basis = as_float_array(basis_annualized(futures_price, spot_price, days_to_expiry), "basis")
    hours = as_float_array(interval_hours, "interval_hours")
    _check_interval(hours)
    basis, hours = broadcast(basis=basis, interval_hours=hours)
    return finish(basis * hours / (HOURS_PER_DAY * DAYS_PER_YEAR))


@np.errstate(all="ignore")  # overflow gives inf: #NUM! in a cell
def cumulative_funding(notional: ArrayLike, funding_rates: ArrayLike, side: str = "short") -> FloatArray:
    """Running funding cost over a series of settlements: s·N·cumsum(rₜ), USD (positive = paid).

    >>> cumulative_funding(20_000, [0.0001, -0.0002]).round(10).tolist()
    [-2.0, 2.0]
    """
    amount = single(as_float_array(notional, "notional"), "notional")
    require(amount >= 0, "notional must not be negative")
    rates = as_float_array(funding_rates, "funding_rate").ravel()
    check_rates(rates)
    return _side_sign(side) * amount * np.cumsum(rates)

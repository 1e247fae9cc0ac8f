"""How much BTC to short: hedge notional, contracts and the ratio from Fear & Greed.

Money is in the quote currency (USD/USDT); ratios are fractions (40 % is 0.40).
"""

from __future__ import annotations

from decimal import Decimal

import numpy as np
from numpy.typing import ArrayLike, NDArray

from althedge_xl.core._arrays import (
    FloatArray,
    Result,
    as_float_array,
    broadcast,
    finish,
    require,
    require_finite,
)
from althedge_xl.core.conventions import (
    BTCUSDT_MIN_NOTIONAL,
    BTCUSDT_QUANTITY_STEP,
    CONTRACTS,
    INVERSE_CONTRACT_USD,
    MAX_HEDGE_RATIO,
    ROUNDINGS,
    parse_choice,
)
from althedge_xl.core.errors import BadNumberError, WrongTypeError

#: The method's Fear & Greed table as (index, hedge ratio) band edges: ≤20 → 50–75 %,
#: 40–60 → 20–30 %, ≥80 → 0–10 %. Between edges the ratio is linear in the index.
FEAR_GREED_TABLE: tuple[tuple[float, float], ...] = (
    (0.0, 0.75),
    (20.0, 0.50),
    (40.0, 0.30),
    (60.0, 0.20),
    (80.0, 0.10),
    (100.0, 0.0),
)


def _check_ratio(ratio: FloatArray, name: str) -> None:
    require_finite(ratio, name)
    require((ratio >= 0) & (ratio <= MAX_HEDGE_RATIO), f"{name} must be between 0% and 300%")


def hedge_notional(alt_values: ArrayLike, hedge_ratio: ArrayLike, betas: ArrayLike = 1.0) -> Result:
    """USD notional of BTC futures to short against a set of altcoin holdings.

    Parameters
    ----------
    alt_values : array_like
        USD value of each altcoin holding (non-negative). All of it is summed.
    hedge_ratio : array_like
        Share of the beta-weighted altcoin value to hedge, as a fraction (0.40 = 40 %),
        from 0 to 3. An array of ratios gives one notional per ratio.
    betas : array_like, optional
        Beta of each holding to BTC (default 1, the flat hedge); broadcast against
        ``alt_values``.

    Returns
    -------
    float or ndarray
        ``sum(alt_values * betas) * hedge_ratio`` in USD; the shape of ``hedge_ratio``.

    Notes
    -----
    Notional N = h · Σᵢ vᵢ βᵢ. With every βᵢ = 1 this is the method's flat hedge; hedging only
    the satellite (small caps) is the same formula on the satellite values.

    Examples
    --------
    The method's portfolio holds 50,000 of altcoins; hedging 40 % of it means shorting
    20,000 USD of BTC futures:

    >>> hedge_notional([30_000, 20_000], 0.40)
    20000.0

    Core-satellite: hedge half of the 30,000 satellite only.

    >>> hedge_notional(30_000, 0.50)
    15000.0
    """
    values = as_float_array(alt_values, "alt_values")
    weights = as_float_array(betas, "betas")
    ratio = as_float_array(hedge_ratio, "hedge_ratio")
    values, weights = broadcast(alt_values=values, betas=weights)
    require_finite(values, "alt_values")
    require(values >= 0, "alt_values must not be negative")
    require_finite(weights, "betas")
    _check_ratio(ratio, "hedge_ratio")
    exposure = float(np.sum(values * weights))
    require(exposure >= 0, "the beta-weighted altcoin value is negative: a short BTC hedge would add risk")
    return finish(exposure * ratio)


def is_overhedged(hedge_notional: ArrayLike, alt_values: ArrayLike) -> bool | NDArray[np.bool_]:
    """True where the hedge notional exceeds 100 % of the altcoin value: allowed, but flagged.

    Parameters
    ----------
    hedge_notional : array_like
        USD notional of the short (non-negative); an array gives one flag per notional.
    alt_values : array_like
        USD value of the altcoin holdings (non-negative), all summed.

    Examples
    --------
    >>> is_overhedged(20_000, [30_000, 20_000]), is_overhedged(60_000, 50_000)
    (False, True)
    """
    notional = as_float_array(hedge_notional, "hedge_notional")
    values = as_float_array(alt_values, "alt_values")
    require_finite(notional, "hedge_notional")
    require(notional >= 0, "hedge_notional must not be negative")
    require_finite(values, "alt_values")
    require(values >= 0, "alt_values must not be negative")
    flags = notional > float(values.sum())
    return bool(flags) if flags.ndim == 0 else flags


@np.errstate(all="ignore")  # overflow gives inf: #NUM! in a cell
def hedge_contracts(
    notional: ArrayLike,
    price: ArrayLike,
    contract: str = "linear",
    step: ArrayLike | None = None,
    rounding: str = "down",
    min_notional: ArrayLike | None = None,
) -> Result:
    """Size of the short position that hedges ``notional`` USD at BTC ``price``, as the exchange accepts it.

    Parameters
    ----------
    notional : array_like
        USD notional to hedge (non-negative; 0 means no hedge and gives 0).
    price : array_like
        BTC futures price in USD (positive).
    contract : {"linear", "inverse"}
        ``"linear"``: USDT-margined, sized in BTC (Binance BTCUSDT; CME with step 5 or 0.1).
        ``"inverse"``: coin-margined, sized in USD-face contracts (Binance COIN-M BTCUSD).
    step : array_like, optional
        Linear: quantity step in BTC (default 0.001, BTCUSDT). Inverse: USD face value of one
        contract (default 100, BTCUSD; other COIN-M symbols 10).
    rounding : {"down", "nearest", "up"}, optional
        How the size rounds to the step (default ``"down"``: the hedge never exceeds the
        notional chosen; over-hedging is the method's named danger).
    min_notional : array_like, optional
        Smallest order notional the exchange accepts, USD (default 100 for linear, Binance
        BTCUSDT's; inverse: one contract).

    Returns
    -------
    float or ndarray
        Linear: BTC quantity, a multiple of ``step``. Inverse: whole number of contracts.
        A non-zero size below the exchange's minimum raises, naming the minimum.

    Notes
    -----
    Linear: q = step · R(N / (P · step)). Inverse: n = R(N / face). R rounds down, to the
    nearest (halves away from zero) or up, forgiving float noise of 1e-9 of a step.

    Examples
    --------
    >>> hedge_contracts(20_000, 100_000)
    0.2
    >>> hedge_contracts(20_000, 100_000, "inverse")
    200.0
    >>> hedge_contracts(12_345, 67_890), hedge_contracts(12_345, 67_890, rounding="nearest")
    (0.181, 0.182)
    """
    kind = parse_choice(contract, "contract", CONTRACTS)
    how = parse_choice(rounding, "rounding", ROUNDINGS)
    default_step = BTCUSDT_QUANTITY_STEP if kind == "linear" else INVERSE_CONTRACT_USD
    size = as_float_array(default_step if step is None else step, "step")
    amount = as_float_array(notional, "notional")
    px = as_float_array(price, "price")
    floor_default = BTCUSDT_MIN_NOTIONAL if kind == "linear" else 0.0
    least = as_float_array(floor_default if min_notional is None else min_notional, "min_notional")
    amount, px, size, least = broadcast(notional=amount, price=px, step=size, min_notional=least)
    for values, name in ((amount, "notional"), (px, "price"), (size, "step"), (least, "min_notional")):
        require_finite(values, name)
    require(amount >= 0, "notional must not be negative")
    require(px > 0, "price must be greater than 0")
    require(size > 0, "step must be greater than 0")
    require(least >= 0, "min_notional must not be negative")
    if kind == "linear":
        quantity = np.round(round_to_step(amount / px, size, how), step_decimals(size))
        order_notional = quantity * px
    else:
        quantity = round_to_step(amount / size, np.ones_like(size), how)
        order_notional = quantity * size
    _check_minimum(amount, quantity, order_notional, least, size, kind)
    return finish(quantity)


def _check_minimum(
    wanted: FloatArray,
    quantity: FloatArray,
    order_notional: FloatArray,
    least: FloatArray,
    step: FloatArray,
    contract: str,
) -> None:
    """Refuse a hedge the exchange would not fill: less than one step (one contract) or below the minimum notional."""
    small = (wanted > 0) & ((quantity == 0) | (order_notional < least - 1e-9))
    if not np.any(small):
        return
    first = int(np.flatnonzero(small.ravel())[0])
    asked, made = float(wanted.ravel()[first]), float(order_notional.ravel()[first])
    unit = float(step.ravel()[first])
    if made == 0:
        one = f"one contract ({unit:,.0f} USD)" if contract == "inverse" else f"one step ({unit:g} BTC)"
        raise BadNumberError(f"a hedge of {asked:,.2f} USD is less than the exchange's minimum of {one}")
    raise BadNumberError(
        f"a hedge of {asked:,.2f} USD makes an order of {made:,.2f} USD, below the exchange's minimum of "
        f"{float(least.ravel()[first]):,.0f} USD (Binance BTCUSDT: 100 USDT)"
    )


def round_to_step(units: FloatArray, step: FloatArray, rounding: str) -> FloatArray:
    """``units`` rounded to a multiple of ``step``: down, to the nearest (halves away from zero) or up.

    Float noise of 1e-9 of a step is forgiven, so 0.3 / 0.1 rounds down to 3 steps, not 2.

    >>> round_to_step(np.array([0.18184, -0.0025]), np.array(0.001), "down").round(6).tolist()
    [0.181, -0.003]
    """
    steps = units / step
    if rounding == "down":
        counted = np.floor(steps + 1e-9)
    elif rounding == "up":
        counted = np.ceil(steps - 1e-9)
    else:
        counted = np.sign(steps) * np.floor(np.abs(steps) + 0.5 + 1e-9)
    return counted * step


def step_decimals(step: FloatArray) -> int:
    """Decimal places that print every step exactly (0.001 → 3, 1e-13 → 13), at most 15.

    >>> step_decimals(np.array([0.001, 5.0])), step_decimals(np.array(1e-13))
    (3, 13)
    """
    places = 0
    for value in np.ravel(step):
        exponent = Decimal(repr(float(value))).normalize().as_tuple().exponent
        places = max(places, -int(exponent) if isinstance(exponent, int) else 0)
    return min(places, 15)


def hedge_ratio_fear_greed(fear_greed: ArrayLike, table: ArrayLike | None = None) -> Result:
    """Hedge ratio for a Fear & Greed index value, interpolated in a band table.

    Parameters
    ----------
    fear_greed : array_like
        The crypto Fear & Greed index, 0 (extreme fear) to 100 (extreme greed).
    table : array_like, optional
        Pairs ``(index, ratio)``, one per row, indices distinct within 0–100, ratios 0–3.
        Default: the method's table through the band edges 0→75 %, 20→50 %, 40→30 %,
        60→20 %, 80→10 %, 100→0 %.

    Returns
    -------
    float or ndarray
        The hedge ratio as a fraction; the shape of ``fear_greed``.

    Notes
    -----
    The method gives bands (≥80: 0–10 %; 40–60: 20–30 %; ≤20: 50–75 %) with gaps between them.
    The rule that fills the gaps: the ratio is piecewise linear through the band edges, so it is
    continuous, stays inside every band, and more fear never gives less hedge. Outside the
    table's first and last index the ratio is held at the end values.

    Examples
    --------
    Neutral sentiment (50) sits in the middle of the 20–30 % band:

    >>> round(hedge_ratio_fear_greed(50), 10)
    0.25
    >>> hedge_ratio_fear_greed([20, 90]).round(10).tolist()
    [0.5, 0.05]
    """
    index = as_float_array(fear_greed, "fear_greed")
    require_finite(index, "fear_greed")
    require((index >= 0) & (index <= 100), "fear_greed must be between 0 and 100")
    points = as_float_array(FEAR_GREED_TABLE if table is None else table, "table")
    if points.ndim != 2 or points.shape[1] != 2 or points.shape[0] < 2:
        raise WrongTypeError("table must have two columns (index, ratio) and at least two rows")
    order = np.argsort(points[:, 0], kind="stable")
    xs, ys = points[order, 0], points[order, 1]
    require_finite(points, "table")
    require((xs >= 0) & (xs <= 100), "table indices must be between 0 and 100")
    require(np.diff(xs) > 0, "table indices must all be different")
    _check_ratio(ys, "table ratios")
    return finish(np.interp(index, xs, ys))

"""How much BTC to short: hedge notional, contracts and the ratio from Fear & Greed.

Money is in the quote currency (USD/USDT); ratios are fractions (40 % is 0.40).
"""

from __future__ import annotations

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
    BTCUSDT_QUANTITY_STEP,
    CONTRACTS,
    INVERSE_CONTRACT_USD,
    MAX_HEDGE_RATIO,
    parse_choice,
)
from althedge_xl.core.errors import WrongTypeError

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


def hedge_contracts(
    notional: ArrayLike,
    price: ArrayLike,
    contract: str = "linear",
    step: ArrayLike | None = None,
) -> Result:
    """Size of the short position that hedges ``notional`` USD at BTC ``price``.

    Parameters
    ----------
    notional : array_like
        USD notional to hedge (non-negative).
    price : array_like
        BTC futures price in USD (positive).
    contract : {"linear", "inverse"}
        ``"linear"``: USDT-margined, sized in BTC (Binance BTCUSDT; CME with step 5 or 0.1).
        ``"inverse"``: coin-margined, sized in USD-face contracts (Binance COIN-M BTCUSD).
    step : array_like, optional
        Linear: quantity step in BTC (default 0.001, BTCUSDT). Inverse: USD face value of one
        contract (default 100).

    Returns
    -------
    float or ndarray
        Linear: BTC quantity, a multiple of ``step``. Inverse: whole number of contracts.

    Notes
    -----
    Linear: q = step · round(N / (P · step)). Inverse: n = round(N / face).
    Rounding is to the **nearest** step, halves away from zero, so the hedge is as close as the
    exchange allows to the target; the order must still meet the exchange's minimum notional
    (100 USDT for BTCUSDT).

    Examples
    --------
    >>> hedge_contracts(20_000, 100_000)
    0.2
    >>> hedge_contracts(20_000, 100_000, "inverse")
    200.0
    """
    kind = parse_choice(contract, "contract", CONTRACTS)
    default_step = BTCUSDT_QUANTITY_STEP if kind == "linear" else INVERSE_CONTRACT_USD
    size = as_float_array(default_step if step is None else step, "step")
    amount = as_float_array(notional, "notional")
    px = as_float_array(price, "price")
    amount, px, size = broadcast(notional=amount, price=px, step=size)
    for values, name in ((amount, "notional"), (px, "price"), (size, "step")):
        require_finite(values, name)
    require(amount >= 0, "notional must not be negative")
    require(px > 0, "price must be greater than 0")
    require(size > 0, "step must be greater than 0")
    if kind == "linear":
        steps = _round_half_away(amount / (px * size))
        decimals = _step_decimals(size)
        return finish(np.round(steps * size, decimals))
    return finish(_round_half_away(amount / size))


def _round_half_away(x: FloatArray) -> FloatArray:
    """Round to the nearest integer, halves away from zero, forgiving float noise of 1e-9."""
    return np.sign(x) * np.floor(np.abs(x) + 0.5 + 1e-9)


def _step_decimals(step: FloatArray) -> int:
    """Decimal places needed to print every step exactly (0.001 → 3), at most 12."""
    for decimals in range(13):
        if np.allclose(np.round(step, decimals), step, rtol=0, atol=1e-12):
            return decimals
    return 12


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

"""Margin of the short hedge: initial margin, maintenance tiers, liquidation price, buffer.

Prices and notionals in USD(T); rates as fractions (0.4 % is 0.004). Liquidation prices follow
Binance's published isolated-margin formulas (USDⓈ-M for linear, COIN-M for inverse contracts),
one-way mode, with the isolated wallet balance equal to the initial margin.
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
    BTCUSDT_TIERS,
    CONTRACTS,
    DEFAULT_MAINT_AMOUNT,
    DEFAULT_MMR,
    MAX_LEVERAGE,
    SIDES,
    parse_choice,
)
from althedge_xl.core.errors import MissingValueError, WrongTypeError


def _check_leverage(leverage: FloatArray) -> None:
    require_finite(leverage, "leverage")
    require(leverage >= 1, "leverage must be at least 1")
    require(leverage <= MAX_LEVERAGE, f"leverage must be at most {MAX_LEVERAGE:g}")


def initial_margin(notional: ArrayLike, leverage: ArrayLike) -> Result:
    """Initial margin of a futures position: ``notional / leverage``.

    Parameters
    ----------
    notional : array_like
        Position notional in USD (non-negative).
    leverage : array_like
        Leverage, from 1 to 125 (20 means 5 % margin).

    Returns
    -------
    float or ndarray
        Margin in USD, the broadcast shape of the inputs.

    Examples
    --------
    The method's hedge: 20,000 USD short at 20× needs 1,000 USD of margin.

    >>> initial_margin(20_000, 20)
    1000.0
    """
    amount = as_float_array(notional, "notional")
    lev = as_float_array(leverage, "leverage")
    amount, lev = broadcast(notional=amount, leverage=lev)
    require_finite(amount, "notional")
    require(amount >= 0, "notional must not be negative")
    _check_leverage(lev)
    return finish(amount / lev)


def maintenance_amounts(floors: ArrayLike, rates: ArrayLike) -> FloatArray:
    """Maintenance amounts ("cum") of a tier table from its lower bounds and rates.

    Binance's rule: cumₙ = floorₙ · (MMRₙ − MMRₙ₋₁) + cumₙ₋₁, with cum₁ = 0, rounded to
    8 decimals (the exchange's precision) so that float noise does not show.

    >>> maintenance_amounts([0, 300_000, 800_000], [0.004, 0.005, 0.0065]).tolist()
    [0.0, 300.0, 1500.0]
    """
    lower = as_float_array(floors, "floors")
    mmr = as_float_array(rates, "rates")
    steps = lower[1:] * np.diff(mmr)
    return np.round(np.concatenate((np.zeros(1), np.cumsum(steps))), 8).astype(np.float64)


def maintenance_tier(notional: ArrayLike, tiers: ArrayLike | None = None) -> tuple[float, float]:
    """Maintenance margin rate and amount of the tier a position's notional falls in.

    Parameters
    ----------
    notional : scalar
        Position notional in USDT (non-negative).
    tiers : array_like, optional
        Rows ``(upper bound of the tier's notional, maintenance rate)``, bounds increasing.
        Default: Binance's BTCUSDT tiers (up to 300k: 0.40 %, 800k: 0.50 %, 3M: 0.65 %,
        12M: 1.00 %, 70M: 2.00 %, 100M: 2.50 %).

    Returns
    -------
    (float, float)
        The tier's maintenance margin rate (fraction) and maintenance amount (USDT), the amount
        derived by :func:`maintenance_amounts`. A notional on a bound belongs to the lower tier.

    Examples
    --------
    >>> maintenance_tier(500_000)
    (0.005, 300.0)
    """
    amount = as_float_array(notional, "notional")
    value = single(amount, "notional")
    require_finite(amount, "notional")
    require(value >= 0, "notional must not be negative")
    table = as_float_array(BTCUSDT_TIERS if tiers is None else tiers, "tiers")
    if table.ndim != 2 or table.shape[1] != 2 or table.shape[0] < 1:
        raise WrongTypeError("tiers must have two columns (upper notional bound, rate)")
    require_finite(table, "tiers")
    caps, rates = table[:, 0], table[:, 1]
    require(np.diff(caps) > 0, "tier bounds must increase")
    require((rates > 0) & (rates < 1), "tier rates must be between 0 and 100%")
    if value > caps[-1]:
        raise MissingValueError(f"notional {value:,.2f} is above the last tier's bound {caps[-1]:,.0f}")
    index = int(np.searchsorted(caps, value, side="left"))
    floors = np.concatenate(([0.0], caps[:-1]))
    return float(rates[index]), float(maintenance_amounts(floors, rates)[index])


def liquidation_price(
    entry_price: ArrayLike,
    leverage: ArrayLike,
    mmr: ArrayLike = DEFAULT_MMR,
    maint_amount: ArrayLike = DEFAULT_MAINT_AMOUNT,
    side: str = "short",
    contract: str = "linear",
    quantity: ArrayLike | None = None,
) -> Result:
    """Isolated-margin liquidation price by Binance's published formula.

    Parameters
    ----------
    entry_price : array_like
        Entry price in USD (positive).
    leverage : array_like
        Leverage, 1–125; the isolated wallet balance is the initial margin, WB = Q·EP / L.
    mmr : array_like, optional
        Maintenance margin rate as a fraction (default 0.004, BTCUSDT's first tier).
    maint_amount : array_like, optional
        Maintenance amount "cum" of the tier: USDT for linear, BTC for inverse (default 0).
    side : {"short", "long"}
    contract : {"linear", "inverse"}
        Linear: USDⓈ-M (BTCUSDT). Inverse: COIN-M (BTCUSD), 100 USD contracts.
    quantity : array_like, optional
        Position size (BTC for linear, contracts for inverse). The price does not depend on it
        when ``maint_amount`` is 0, so it is needed only otherwise.

    Returns
    -------
    float or ndarray
        Liquidation price in USD. An inverse short at 1× (its BTC margin covers its whole value)
        cannot be liquidated and raises, as does a maintenance rate of 1/leverage or more (the
        position would be liquidated at entry).

    Notes
    -----
    Linear, from WB + s·Q·(LP − EP) = Q·LP·MMR − cum (s = +1 long, −1 short):
    short LP = (WB + cum + Q·EP) / (Q·(1 + MMR)); long LP = (Q·EP − WB − cum) / (Q·(1 − MMR)).
    Inverse, with S = contracts·100 USD and WB = S / EP / L in BTC:
    short LP = S·(1 − MMR) / (S/EP − WB − cum); long LP = S·(1 + MMR) / (S/EP + WB + cum).
    Bybit computes maintenance margin at the entry price instead, so its price differs slightly.

    Examples
    --------
    A 20× short of BTCUSDT entered at 100,000 is liquidated near 104,581.67:

    >>> round(liquidation_price(100_000, 20), 2)
    104581.67
    >>> round(liquidation_price(100_000, 20, side="long"), 2)
    95381.53
    """
    direction = parse_choice(side, "side", SIDES)
    kind = parse_choice(contract, "contract", CONTRACTS)
    ep = as_float_array(entry_price, "entry_price")
    lev = as_float_array(leverage, "leverage")
    rate = as_float_array(mmr, "mmr")
    cum = as_float_array(maint_amount, "maint_amount")
    if quantity is None:
        if np.any(cum != 0):
            raise MissingValueError("quantity is needed when maint_amount is not 0")
        qty = np.ones_like(ep)
    else:
        qty = as_float_array(quantity, "quantity")
    ep, lev, rate, cum, qty = broadcast(entry_price=ep, leverage=lev, mmr=rate, maint_amount=cum, quantity=qty)
    for values, name in ((ep, "entry_price"), (rate, "mmr"), (cum, "maint_amount"), (qty, "quantity")):
        require_finite(values, name)
    require(ep > 0, "entry_price must be greater than 0")
    _check_leverage(lev)
    require((rate >= 0) & (rate < 1), "mmr must be from 0% to below 100%")
    require(rate < 1 / lev, "mmr must be below 1/leverage: the margin would not cover the maintenance margin at entry")
    require(cum >= 0, "maint_amount must not be negative")
    require(qty > 0, "quantity must be greater than 0")
    if kind == "linear":
        wallet = qty * ep / lev
        if direction == "short":
            price = (wallet + cum + qty * ep) / (qty * (1 + rate))
        else:
            price = (qty * ep - wallet - cum) / (qty * (1 - rate))
    else:
        face = qty * 100.0
        wallet = face / ep / lev
        if direction == "short":
            denominator = face / ep - wallet - cum
            require(denominator > 0, "the position cannot be liquidated: margin covers its whole value")
            price = face * (1 - rate) / denominator
        else:
            price = face * (1 + rate) / (face / ep + wallet + cum)
    require(price > 0, "the position cannot be liquidated at a positive price with this margin")
    return finish(price)


def margin_buffer(
    entry_price: ArrayLike,
    mark_price: ArrayLike,
    leverage: ArrayLike,
    mmr: ArrayLike = DEFAULT_MMR,
    maint_amount: ArrayLike = DEFAULT_MAINT_AMOUNT,
    contract: str = "linear",
    quantity: ArrayLike | None = None,
) -> Result:
    """How far BTC can rise from the mark price before the short hedge is liquidated.

    Parameters are those of :func:`liquidation_price` for a short, plus ``mark_price`` (USD).

    Returns
    -------
    float or ndarray
        ``LP / mark_price − 1`` as a fraction: 0.05 means a 5 % rise liquidates the short.
        Negative when the mark is already beyond the liquidation price.

    Examples
    --------
    A 20× short entered at 100,000 with BTC now at 102,000 survives a further 2.53 % rise:

    >>> round(margin_buffer(100_000, 102_000, 20), 6)
    0.025311
    """
    mark = as_float_array(mark_price, "mark_price")
    require_finite(mark, "mark_price")
    require(mark > 0, "mark_price must be greater than 0")
    price = as_float_array(
        liquidation_price(entry_price, leverage, mmr, maint_amount, "short", contract, quantity),
        "liquidation price",
    )
    price, mark = broadcast(liquidation_price=price, mark_price=mark)
    return finish(price / mark - 1.0)

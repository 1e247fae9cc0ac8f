"""The order to place now: what brings the short currently held to the target hedge.

Sizes: BTC for linear contracts, contracts for inverse ones. A short is held as a positive size.
Small drifts inside a no-trade band place no order, so that rebalancing does not burn fees.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from althedge_xl.core._arrays import as_float_array, single
from althedge_xl.core.conventions import (
    BTCUSDT_MIN_NOTIONAL,
    BTCUSDT_QUANTITY_STEP,
    CONTRACTS,
    INVERSE_CONTRACT_USD,
    ROUNDINGS,
    parse_choice,
)
from althedge_xl.core.errors import BadNumberError
from althedge_xl.core.sizing import round_to_step, step_decimals

#: Default no-trade band: no order while the short is within 10 % of the target notional.
DEFAULT_BAND = 0.10
#: Default taker fee rate (Binance USDⓈ-M regular taker, 0.05 %).
DEFAULT_FEE_RATE = 0.0005


@dataclass(frozen=True)
class Order:
    """An order that brings the short to target, or none and why.

    ``side`` is ``"sell"`` (add to the short), ``"buy"`` (buy back part of it) or ``"none"``;
    ``quantity`` in BTC or contracts, ``notional`` and ``fee`` in USD; ``reason`` in words.
    """

    side: str
    quantity: float
    notional: float
    fee: float
    reason: str

    def row(self) -> list[object]:
        """The order as one row of cells: side, quantity, notional, fee, reason."""
        return [self.side, self.quantity, self.notional, self.fee, self.reason]


def _value(value: ArrayLike, name: str, low: float, high: float = np.inf) -> float:
    number = single(as_float_array(value, name), name)
    if not np.isfinite(number):
        raise BadNumberError(f"{name} must be a finite number")
    if not low <= number <= high:
        bounds = f"from {low:g} to {high:g}" if np.isfinite(high) else f"at least {low:g}"
        raise BadNumberError(f"{name} must be {bounds}, not {number:g}")
    return number


@np.errstate(all="ignore")  # overflow gives inf: #NUM! in a cell
def order_to_target(
    target_notional: ArrayLike,
    held: ArrayLike,
    price: ArrayLike,
    contract: str = "linear",
    step: ArrayLike | None = None,
    band: ArrayLike = DEFAULT_BAND,
    fee_rate: ArrayLike = DEFAULT_FEE_RATE,
    rounding: str = "down",
    min_notional: ArrayLike | None = None,
) -> Order:
    """The order that brings the short held to the target notional, as the exchange sizes it.

    Parameters
    ----------
    target_notional : scalar
        USD notional of the short wanted (non-negative; 0 closes the short).
    held : scalar
        The short held now: BTC (linear) or contracts (inverse), non-negative.
    price : scalar
        BTC price in USD at which the order would fill.
    contract : {"linear", "inverse"}
    step : scalar, optional
        Linear: quantity step in BTC (default 0.001, BTCUSDT); inverse: USD a contract (default 100).
    band : scalar, optional
        No order while the short's notional differs from the target by at most this share of
        the target (default 0.10; 0 trades any difference). From 0 to 1.
    fee_rate : scalar, optional
        Taker fee rate charged on the order's notional (default 0.0005), 0 to 1 %.
    rounding : {"down", "nearest", "up"}, optional
        How the short *after* the order rounds to the step (default ``"down"``: it never exceeds
        the target).
    min_notional : scalar, optional
        Smallest order notional the exchange accepts (default 100 USD linear, 0 inverse, where
        the minimum is one contract).

    Returns
    -------
    Order

    Notes
    -----
    Wanted size w = target / price (linear) or target / face (inverse). If
    \\|w − held\\| · (price or face) ≤ band · target there is no order. Otherwise the change in
    whole steps k = R((w − held) / step): sell k steps when k > 0, buy −k when k < 0; notional =
    \\|k\\| · step · price (linear) or \\|k\\| · face (inverse); fee = notional · fee_rate. An order below
    one step or the minimum notional is not placed, with the reason.

    Examples
    --------
    A 20,000 USD target at 100,000 while 0.15 BTC is held: 25 % below target, outside the 10 %
    band, so sell 0.05 BTC (5,000 USD, fee 2.50):

    >>> order_to_target(20_000, 0.15, 100_000).row()
    ['sell', 0.05, 5000.0, 2.5, 'sell 0.05 BTC to bring the short to 0.2 BTC']
    >>> order_to_target(20_000, 0.19, 100_000).reason
    'no order: the short is within the 10% no-trade band of the target'
    """
    kind = parse_choice(contract, "contract", CONTRACTS)
    how = parse_choice(rounding, "rounding", ROUNDINGS)
    target = _value(target_notional, "target_notional", 0.0)
    now = _value(held, "held", 0.0)
    px = _value(price, "price", 0.0)
    if px == 0:
        raise BadNumberError("price must be greater than 0")
    default_step = BTCUSDT_QUANTITY_STEP if kind == "linear" else INVERSE_CONTRACT_USD
    unit = _value(default_step if step is None else step, "step", 0.0)
    if unit == 0:
        raise BadNumberError("step must be greater than 0")
    width = _value(band, "band", 0.0, 1.0)
    fee = _value(fee_rate, "fee_rate", 0.0, 0.01)
    default_min = BTCUSDT_MIN_NOTIONAL if kind == "linear" else 0.0
    least = _value(default_min if min_notional is None else min_notional, "min_notional", 0.0)
    if kind == "linear":
        wanted, steps_of, value_of, name = target / px, unit, px, "BTC"
    else:
        wanted, steps_of, value_of, name = target / unit, 1.0, unit, "contracts"
    gap = wanted - now
    if abs(gap) * value_of <= width * target:
        percent = f"{width * 100:g}%"
        return Order("none", 0.0, 0.0, 0.0, f"no order: the short is within the {percent} no-trade band of the target")
    change = float(round_to_step(np.array(gap), np.array(steps_of), how))
    if kind == "linear":
        change = round(change, step_decimals(np.array(unit)))
    size = abs(change)
    notional = size * value_of
    if size == 0:
        return Order("none", 0.0, 0.0, 0.0, "no order: the difference is less than one step of the exchange")
    if notional < least - 1e-9:
        return Order(
            "none", 0.0, 0.0, 0.0, f"no order: {notional:,.2f} USD is below the exchange's minimum of {least:,.0f} USD"
        )
    side = "sell" if change > 0 else "buy"
    after = now + change
    shown = round(after, step_decimals(np.array(unit))) if kind == "linear" else after
    reason = f"{side} {size:g} {name} to bring the short to {shown:g} {name}"
    return Order(side, size, notional, notional * fee, reason)

"""The fee to close in the liquidation condition: its rate, and where the exchange values it.

Some exchanges liquidate a position when its margin plus P/L falls to the maintenance margin
**plus the fee to close it**. The profile (:mod:`althedge_xl.core.exchanges`) says at which price
that fee is valued:

* ``"liquidation"``: fee · N(LP), the notional at the liquidation price (OKX's margin ratio). It
  adds to the maintenance rate where maintenance is valued at LP (see
  :func:`~althedge_xl.core.margin.price_in_tier`);
* ``"bankruptcy"``: fee · N(BP), at the bankruptcy price BP where the margin left is just that
  fee (Bybit's published cross formula of its legacy help desk, rule ``bybit``). It does not
  depend on LP: it is taken off the wallet before the fee-free formula applies
  (:func:`wallet_net_of_fee`);
* ``"extra_margin"``: the fee to close is in the initial margin and in the maintenance margin alike
  and cancels, except on the extra margin EM (the collateral beyond the initial margin), which
  counts net of the taker fee, EM / (1 ± fee) (rule ``bybit-2025``: Bybit's Unified Trading Account,
  inverse contracts, page of 2026-05-27; :func:`wallet_net_of_extra_margin_fee`);
* ``"cancels"``: the fee to close is in the initial and the maintenance margin alike and cancels
  entirely (rule ``bybit-2025``: Bybit's Unified Trading Account, USDT contracts, as its margin
  calculation of 2025-09-02 defines them).

Where the fee cancels, ``fee`` is still the taker rate of the fee to close; with no initial margin
to tell the extra margin by (cross margin, the spike functions), it has no effect.

Rates are fractions of a notional (0.0005 = 0.05 %).
"""

from __future__ import annotations

from typing import TypeVar

import numpy as np

from althedge_xl.core._arrays import FloatArray, require, require_finite
from althedge_xl.core.errors import BadNumberError
from althedge_xl.core.exchanges.profile import FEE_PRICES

#: Largest fee rate accepted in the liquidation condition (1 % of the notional); above it is almost
#: surely a per cent typed as a number.
MAX_FEE_RATE = 0.01
Fee = TypeVar("Fee", FloatArray, float)

__all__ = [
    "FEE_PRICES",
    "MAX_FEE_RATE",
    "check_fee_rate",
    "split_fee",
    "wallet_net_of_extra_margin_fee",
    "wallet_net_of_fee",
    "wallet_with_fee",
]


def check_fee_rate(fee: FloatArray) -> None:
    """Refuse a fee rate that is negative, not finite or above :data:`MAX_FEE_RATE` (1 %)."""
    require_finite(fee, "fee_rate")
    require(fee >= 0, "fee_rate must not be negative")
    if np.any(fee > MAX_FEE_RATE):
        value = float(fee[fee > MAX_FEE_RATE].flat[0])
        raise BadNumberError(
            f"fee_rate {value:g} is {value * 100:g}% of the notional, above 1%: fees are fractions, "
            f"did you mean {value:g}% ({value / 100:g})?"
        )


def split_fee(fee: Fee, fee_price: str) -> tuple[Fee, Fee]:
    """The fee rate as (valued at the liquidation price, valued at the bankruptcy price).

    One of them is 0; both where the fee cancels between the initial and the maintenance margin
    (``"extra_margin"``, ``"cancels"``: :func:`wallet_net_of_extra_margin_fee` applies it).
    """
    none = fee * 0.0
    if fee_price == "liquidation":
        return fee, none
    if fee_price == "bankruptcy":
        return none, fee
    return none, none


def _sign(side: str, contract: str) -> float:
    """+1 where the bankruptcy-price notional grows with the wallet (linear short, inverse long), else −1."""
    return 1.0 if (side == "short") == (contract == "linear") else -1.0


def wallet_net_of_fee(wallet: Fee, notional: Fee | float, side: str, contract: str, fee: Fee | float) -> Fee:
    """The wallet less the fee to close valued at the bankruptcy price: W' = (W − f·N) / (1 ± f).

    ``notional`` at entry in the margin currency (Q·EP USDT, S/EP BTC). The bankruptcy price
    solves W + P/L(BP) = f · N(BP): linear short BP = (W + Q·EP) / (Q·(1 + f)), long
    BP = (Q·EP − W) / (Q·(1 − f)); inverse short BP = S·(1 − f) / (S/EP − W), long
    BP = S·(1 + f) / (W + S/EP). The fee f · N(BP) taken off W leaves (W − f·N) / (1 + f) for a
    linear short and an inverse long, (W − f·N) / (1 − f) for the other two. With f = 0, W.

    >>> round(wallet_net_of_fee(0.5, 10_000 / 8_000, "long", "inverse", 0.00075), 8)  # Bybit's cross example
    0.49868848
    """
    return (wallet - fee * notional) / (1 + _sign(side, contract) * fee)


def wallet_net_of_extra_margin_fee(
    wallet: Fee, initial_margin: Fee | float, side: str, contract: str, fee: Fee | float, fee_price: str
) -> Fee:
    """The wallet with its extra margin net of the taker fee where the profile says so: IM + (W − IM) / (1 ± f).

    ``wallet`` W is the position's collateral, initial margin included; ``initial_margin`` IM the
    notional at entry over the leverage (Q·EP / L USDT, S/EP / L BTC), without the fee to close
    (which cancels); the extra margin EM = W − IM (negative where W is below IM). Bybit's inverse
    formula (Unified Trading Account, 2026-05-27) divides EM by 1 + f for a long and 1 − f for a
    short: the sign is that of :func:`wallet_net_of_fee` (+ for an inverse long or a linear short,
    where the notional at the bankruptcy price grows with the wallet). Other fee prices: W.

    >>> round(wallet_net_of_extra_margin_fee(0.17, 0.12, "long", "inverse", 0.00055, "extra_margin"), 10)
    0.1699725151
    """
    if fee_price != "extra_margin":
        return wallet
    return initial_margin + (wallet - initial_margin) / (1 + _sign(side, contract) * fee)


def wallet_with_fee(net: Fee, notional: Fee | float, side: str, contract: str, fee: Fee | float) -> Fee:
    """The inverse of :func:`wallet_net_of_fee`: the wallet whose net of the fee is ``net``."""
    return net * (1 + _sign(side, contract) * fee) + fee * notional

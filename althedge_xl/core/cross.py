"""Cross margin: the liquidation price of one position whose wallet balance is shared with others.

Binance's published cross formula (USDⓈ-M, one-way mode) is its isolated one with the cross wallet
balance less the other positions' maintenance margin plus their unrealised P/L::

    LP = (WB − TMM₁ + UPNL₁ + cum − side · Q · EP) / (Q · MMR − side · Q)

(TMM₁, UPNL₁: every other position's maintenance margin and P/L at its mark price; the tier at
the liquidation price). Bybit's published cross formula has the same shape with maintenance at
entry and the fee to close valued at the bankruptcy price. So the price is the exchange's isolated
rule (:func:`~althedge_xl.core.tier_liquidation.liquidation_in_table`) applied to the margin the
position can lose, WB − TMM₁ + UPNL₁. Under ``bybit-2025`` (Bybit's margin calculation of
2025-09-02: cross maintenance valued at the mark price) that is its isolated rule with the whole
margin the position can lose and no extra margin, so the fee to close, which cancels but on the
extra margin, has no effect; Bybit publishes no cross liquidation-price formula of that calculation.

Sizes: BTC (linear) or the rule's contracts (inverse: Binance 100 USD, Bybit 1 USD). Wallet,
maintenance and P/L: USDT for linear, BTC for inverse.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from althedge_xl.core._arrays import as_float_array, single
from althedge_xl.core.conventions import CONTRACTS, SIDES, parse_choice
from althedge_xl.core.errors import BadNumberError
from althedge_xl.core.exchanges import ExchangeProfile, exchange_profile
from althedge_xl.core.margin import position_notional
from althedge_xl.core.tier_liquidation import fee_of, liquidation_in_table, resolve_tiers, unit
from althedge_xl.core.tiers import TierTable


def _number(value: ArrayLike | None, name: str, default: float) -> float:
    if value is None:
        return default
    number = single(as_float_array(value, name), name)
    if not np.isfinite(number):
        raise BadNumberError(f"{name} must be a finite number")
    return number


@np.errstate(all="ignore")  # overflow gives inf: #NUM! in a cell
def cross_liquidation(
    entry_price: ArrayLike,
    quantity: ArrayLike,
    wallet_balance: ArrayLike,
    other_maintenance: ArrayLike | None = None,
    other_pnl: ArrayLike | None = None,
    side: str = "short",
    contract: str = "linear",
    rule: str | ExchangeProfile = "binance",
    tiers: ArrayLike | TierTable | None = None,
    fee_rate: ArrayLike | None = None,
) -> float:
    """Liquidation price in USD of one position of a cross-margin account.

    Parameters
    ----------
    entry_price : scalar
        The position's entry price in USD.
    quantity : scalar
        Its size: BTC (linear) or the rule's contracts (inverse), positive.
    wallet_balance : scalar
        The cross wallet balance (USDT linear, BTC inverse), positive.
    other_maintenance : scalar, optional
        Maintenance margin of every other position of the account, not negative (default 0).
    other_pnl : scalar, optional
        Unrealised P/L of every other position at its mark price, a loss negative (default 0).
    side, contract, rule, tiers, fee_rate
        As in :func:`~althedge_xl.core.liquidation.position_liquidation`.

    Returns
    -------
    float
        The liquidation price, unrounded (the published formula's value).

    Examples
    --------
    Alone in the account the position is an isolated one with the whole wallet as collateral:
    2 BTC short at 100,000 and 10,000 USDT, Binance bracket 1: (10,000 + 200,000) / (2 · 1.004).

    >>> round(cross_liquidation(100_000, 2, 10_000), 2)
    104581.67
    """
    direction = parse_choice(side, "side", SIDES)
    kind = parse_choice(contract, "contract", CONTRACTS)
    profile = exchange_profile(rule).for_contract(kind)
    ep = _number(entry_price, "entry_price", 0.0)
    qty = _number(quantity, "quantity", 0.0)
    wallet = _number(wallet_balance, "wallet_balance", 0.0)
    for value, name in ((ep, "entry_price"), (qty, "quantity"), (wallet, "wallet_balance")):
        if value <= 0:
            raise BadNumberError(f"{name} must be greater than 0")
    others = _number(other_maintenance, "other_maintenance", 0.0)
    if others < 0:
        raise BadNumberError("other_maintenance must not be negative")
    pnl = _number(other_pnl, "other_pnl", 0.0)
    fee = fee_of(fee_rate, profile)
    table = resolve_tiers(tiers, profile, kind)
    size = qty if kind == "linear" else qty * profile.face_value()
    table.index(float(position_notional(np.float64(size), np.float64(ep), kind)))  # in the table at entry
    available = wallet - others + pnl
    if available <= 0:
        raise BadNumberError(
            f"the wallet balance less the other positions' maintenance margin plus their P/L is "
            f"{available:,.2f} {unit(kind)}: the account is liquidated already"
        )
    return liquidation_in_table(table, ep, size, available, direction, kind, profile, fee)[0]

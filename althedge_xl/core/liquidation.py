"""Liquidation with the exchange's tier table: the price of one position, its margin buffer, a notional's tier.

The rule is an exchange's profile (:mod:`althedge_xl.core.exchanges`; ``rule`` names it in any
case), for the contract: Binance and ``bybit-2025`` look the tier up at the notional **at the
liquidation price** (and value the maintenance margin there); Bybit and MEXC at the notional **at
entry**; a profile with a fee term adds the fee to close where it values it; ``bybit-2025``'s
inverse rule counts the extra margin net of the taker fee.
:mod:`althedge_xl.core.tier_liquidation` holds the kernel; leverage above the maximum of the
position's tier at entry is refused, as the exchange refuses the order.

A blank maintenance rate (:func:`liquidation_price`, :func:`margin_buffer`) means the default
table's tier for the position, never its first tier silently; only when the size is unknown too
does the first tier apply, with its maximum leverage. :mod:`althedge_xl.core.spike` builds on the
same kernel for the BTC spike a short survives.

Sizes: BTC for linear contracts, contracts for inverse ones (``contract_usd`` USD each, blank the
rule's). Collateral: USDT for linear, BTC for inverse: the initial margin notional / leverage plus
the extra margin added, so that the extra margin is collateral − notional / leverage. Notionals in USD.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from althedge_xl.core._arrays import Result, as_float_array, broadcast, finish, require, require_finite, single
from althedge_xl.core.conventions import CONTRACTS, SIDES, parse_choice
from althedge_xl.core.errors import BadNumberError, MissingValueError
from althedge_xl.core.exchanges import ExchangeProfile, exchange_profile
from althedge_xl.core.fee_terms import wallet_net_of_extra_margin_fee
from althedge_xl.core.liquidation_arrays import liquidation_many
from althedge_xl.core.margin import (
    check_leverage,
    contract_face,
    liquidation_price_in_tier,
    position_notional,
)
from althedge_xl.core.tier_liquidation import (
    check_tier_leverage,
    fee_of,
    liquidation_in_table,
    resolve_tiers,
)
from althedge_xl.core.tiers import TierTable, exchange_label

__all__ = [
    "liquidation_in_table",
    "liquidation_price",
    "maintenance_tier",
    "margin_buffer",
    "position_liquidation",
    "resolve_tiers",
]


@np.errstate(all="ignore")  # overflow gives inf: #NUM! in a cell
def position_liquidation(
    entry_price: ArrayLike,
    quantity: ArrayLike,
    leverage: ArrayLike,
    collateral: ArrayLike | None = None,
    side: str = "short",
    contract: str = "linear",
    rule: str | ExchangeProfile = "binance",
    tiers: ArrayLike | TierTable | None = None,
    contract_usd: ArrayLike | None = None,
    fee_rate: ArrayLike | None = None,
) -> tuple[float, float, float, float]:
    """Liquidation price of one position and the tier it is computed in.

    Parameters
    ----------
    entry_price : scalar
        Entry price in USD.
    quantity : scalar
        Position size: BTC (linear) or contracts (inverse), positive.
    leverage : scalar
        The position's leverage, 1 to the maximum of its tier at entry.
    collateral : scalar, optional
        Wallet balance of the position, margin added included (USDT linear, BTC inverse);
        default notional / leverage. Under ``bybit-2025`` it is Bybit's "Initial Margin + Extra
        Margin Added" without the estimated fee to close (which cancels between its initial and
        maintenance margin): the extra margin is collateral − notional / leverage, which its
        inverse rule counts net of the taker fee ``fee_rate``, ÷ (1 + fee) long, ÷ (1 − fee) short.
    side : {"short", "long"}
    contract : {"linear", "inverse"}
    rule : str or ExchangeProfile
        The exchange whose rule applies, any case (:data:`~althedge_xl.core.exchanges.RULES`).
    tiers : array_like or TierTable, optional
        Rows ``floor, cap, mmr, amount, max leverage`` of the rule's exchange; default the
        rule's table for the contract (Binance: the BTCUSDT brackets recorded 2026-03-05).
    contract_usd : scalar, optional
        USD face value of one inverse contract; blank, the rule's (Binance: 100).
    fee_rate : scalar, optional
        Fee to close in the liquidation condition, a fraction of the notional at the
        liquidation price; blank, the rule's (0 for Binance and Bybit); 0, none. Under
        ``bybit-2025`` the fee cancels and ``fee_rate`` is the taker rate the inverse extra
        margin is net of (blank or 0: in full).

    Returns
    -------
    (price, mmr, amount, max_leverage)
        The liquidation price in USD and the tier's rate, amount and maximum leverage: the tier
        at the liquidation price (Binance, ``bybit-2025``) or at entry (Bybit).

    Notes
    -----
    Valued at the liquidation price, the price is computed in every tier with
    :func:`~althedge_xl.core.margin.price_in_tier`; the one whose notional at that price falls in
    the tier is the answer. Because Binance's amounts follow its rule, the maintenance margin is
    continuous in the notional and exactly one tier qualifies.

    Examples
    --------
    A short of 10 BTC at 100,000 with 75× (notional 1,000,000: Binance's bracket 3, 0.65 %, cum
    1,500, at most 75×): LP = (1,000,000 / 75 + 1,500 + 1,000,000) / (10 · 1.0065) = 100,827.95.

    >>> price, mmr, amount, most = position_liquidation(100_000, 10, 75)
    >>> round(price, 2), mmr, amount, most
    (100827.95, 0.0065, 1500.0, 75.0)
    """
    direction = parse_choice(side, "side", SIDES)
    kind = parse_choice(contract, "contract", CONTRACTS)
    profile = exchange_profile(rule).for_contract(kind)
    ep = _positive(entry_price, "entry_price")
    qty = _positive(quantity, "quantity")
    face = _positive(contract_face(contract_usd, kind, profile), "contract_usd")
    lev_array = as_float_array(leverage, "leverage")
    check_leverage(lev_array)
    lev = single(lev_array, "leverage")
    fee = fee_of(fee_rate, profile)
    table = resolve_tiers(tiers, profile, kind)
    size = qty if kind == "linear" else qty * face
    notional = float(position_notional(np.float64(size), np.float64(ep), kind))
    check_tier_leverage(table, notional, lev, kind)
    wallet = notional / lev if collateral is None else _positive(collateral, "collateral")
    wallet = float(wallet_net_of_extra_margin_fee(wallet, notional / lev, direction, kind, fee, profile.fee_price))
    return liquidation_in_table(table, ep, size, wallet, direction, kind, profile, fee)


def _positive(value: ArrayLike, name: str) -> float:
    number = single(as_float_array(value, name), name)
    if not np.isfinite(number):
        raise BadNumberError(f"{name} must be a finite number")
    if number <= 0:
        raise BadNumberError(f"{name} must be greater than 0")
    return number


def maintenance_tier(
    notional: ArrayLike,
    tiers: ArrayLike | TierTable | None = None,
    rule: str | ExchangeProfile = "binance",
    contract: str = "linear",
) -> tuple[float, float, float]:
    """Maintenance rate, maintenance amount and maximum leverage of the tier a notional falls in.

    Parameters
    ----------
    notional : scalar
        Position notional (USDT for linear, BTC for inverse), non-negative.
    tiers, rule, contract
        As in :func:`position_liquidation` (default Binance's BTCUSDT brackets of 2026-03-05).

    Examples
    --------
    A 250,000 USDT position is in Binance's first bracket (0–300,000): 0.40 %, cum 0, 150×.

    >>> maintenance_tier(250_000)
    (0.004, 0.0, 150.0)
    """
    table = resolve_tiers(tiers, exchange_profile(rule), parse_choice(contract, "contract", CONTRACTS))
    value = single(as_float_array(notional, "notional"), "notional")
    if not np.isfinite(value) or value < 0:
        raise BadNumberError("notional must be a finite number, not negative")
    n = table.index(value)
    return table.rates[n], table.amounts[n], table.max_leverage[n]


@np.errstate(all="ignore")  # overflow gives inf: #NUM! in a cell
def liquidation_price(
    entry_price: ArrayLike,
    leverage: ArrayLike,
    mmr: ArrayLike | None = None,
    maint_amount: ArrayLike | None = None,
    side: str = "short",
    contract: str = "linear",
    quantity: ArrayLike | None = None,
    collateral: ArrayLike | None = None,
    rule: str | ExchangeProfile = "binance",
    contract_usd: ArrayLike | None = None,
    fee_rate: ArrayLike | None = None,
) -> Result:
    """Liquidation price of a position in USD: in the tier given, or in the default table's tier for it.

    Parameters
    ----------
    entry_price, leverage, side, contract, collateral, rule, contract_usd, fee_rate
        As in :func:`~althedge_xl.core.margin.liquidation_price_in_tier` (leverage 1–150; the
        rule any of :data:`~althedge_xl.core.exchanges.RULES`, in any case).
    mmr : array_like, optional
        The tier's maintenance margin rate as a fraction. Given, the price is computed in that
        one tier (with ``maint_amount``, default 0). Blank, the tier is the one the default table
        of ``rule`` and ``contract`` gives this position, looked up as the exchange does
        (:func:`position_liquidation`), and the leverage must be at most that tier's maximum.
    maint_amount : array_like, optional
        The tier's maintenance amount; only with ``mmr``.
    quantity : array_like, optional
        Position size (BTC linear, contracts inverse). With ``mmr`` blank it decides the tier;
        if it is blank too the size is unknown and the **first tier** of the default table
        applies (Binance BTCUSDT: 0.40 %, cum 0, at most 150×).

    Returns
    -------
    float or ndarray
        The liquidation price in USD, the broadcast shape of the inputs.

    Examples
    --------
    Size unknown, first bracket: a 20× short from 100,000 liquidates at 104,581.67 (DESIGN.md).

    >>> round(liquidation_price(100_000, 20), 2)
    104581.67

    10 BTC at 100,000 is 1,000,000 USDT: Binance's bracket 3 (0.65 %, cum 1,500, at most 75×).

    >>> round(liquidation_price(100_000, 75, quantity=10), 2)
    100827.95
    >>> liquidation_price(100_000, 125, quantity=10)
    Traceback (most recent call last):
    ...
    althedge_xl.core.errors.BadNumberError: Binance allows at most 75× for a 1,000,000 USDT position
    """
    if mmr is not None:
        amount = 0.0 if maint_amount is None else maint_amount
        return liquidation_price_in_tier(
            entry_price, leverage, mmr, amount, side, contract, quantity, collateral, rule, contract_usd, fee_rate
        )
    if maint_amount is not None:
        raise MissingValueError(
            "maint_amount is given without mmr: give the tier's rate too, or leave both blank for the default table's tier"
        )
    direction = parse_choice(side, "side", SIDES)
    kind = parse_choice(contract, "contract", CONTRACTS)
    profile = exchange_profile(rule).for_contract(kind)
    table = profile.default_tiers(kind)
    fee = fee_of(fee_rate, profile)
    if quantity is None:  # the size is unknown: the first tier, with its maximum leverage
        lev = as_float_array(leverage, "leverage")
        check_leverage(lev)
        require(
            lev <= table.max_leverage[0],
            f"{exchange_label(table.exchange)} allows at most {table.max_leverage[0]:g}× in its first tier; "
            "give the quantity for the position's own tier",
        )
        return liquidation_price_in_tier(
            entry_price,
            leverage,
            table.rates[0],
            table.amounts[0],
            direction,
            kind,
            None,
            collateral,
            profile,
            contract_usd,
            fee,
        )
    named = {
        "entry_price": as_float_array(entry_price, "entry_price"),
        "quantity": as_float_array(quantity, "quantity"),
        "leverage": as_float_array(leverage, "leverage"),
        "contract_usd": as_float_array(contract_face(contract_usd, kind, profile), "contract_usd"),
    }
    if collateral is not None:
        named["collateral"] = as_float_array(collateral, "collateral")
    arrays = dict(zip(named, broadcast(**named), strict=True))

    def kernel(ep: float, qty: float, lev: float, face: float, *wallet: float) -> float:
        try:
            posted = wallet[0] if wallet else None
            return position_liquidation(ep, qty, lev, posted, direction, kind, profile, table, face, fee)[0]
        except MissingValueError as exc:  # beyond the default table: the tier can be given by hand
            raise MissingValueError(f"{exc}, or this position's tier as mmr and maint_amount") from None

    ep, qty, lev, face = (arrays[name] for name in ("entry_price", "quantity", "leverage", "contract_usd"))
    return liquidation_many(table, direction, kind, profile, ep, qty, lev, face, arrays.get("collateral"), kernel, fee)


@np.errstate(all="ignore")  # overflow gives inf: #NUM! in a cell
def margin_buffer(
    entry_price: ArrayLike,
    mark_price: ArrayLike,
    leverage: ArrayLike,
    mmr: ArrayLike | None = None,
    maint_amount: ArrayLike | None = None,
    contract: str = "linear",
    quantity: ArrayLike | None = None,
    collateral: ArrayLike | None = None,
    rule: str | ExchangeProfile = "binance",
    contract_usd: ArrayLike | None = None,
    fee_rate: ArrayLike | None = None,
) -> Result:
    """How far BTC can rise from the mark price before the short hedge is liquidated.

    Parameters are those of :func:`liquidation_price` for a short (a blank ``mmr``: the default
    table's tier for the position), plus ``mark_price`` (USD).

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
        liquidation_price(
            entry_price,
            leverage,
            mmr,
            maint_amount,
            "short",
            contract,
            quantity,
            collateral,
            rule,
            contract_usd,
            fee_rate,
        ),
        "liquidation price",
    )
    price, mark = broadcast(liquidation_price=price, mark_price=mark)
    return finish(price / mark - 1.0)

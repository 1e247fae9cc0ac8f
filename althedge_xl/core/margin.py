"""Margin of the short hedge: initial margin, liquidation price and buffer in one tier.

Prices in USD(T); rates as fractions (0.4 % is 0.004). One-way mode, isolated margin (or a single
position in cross margin, with the cross wallet balance as collateral). The exchange's profile
(:mod:`althedge_xl.core.exchanges`) says where the maintenance margin is valued:

* at the liquidation price, MM = N(LP) · MMR − amount (Binance's rule; USDⓈ-M for linear
  contracts, COIN-M for inverse ones);
* at entry, MM = N(EP) · MMR − amount (Bybit's rule);

and whether the liquidation condition adds the fee to close, ``fee · N(LP)``, to MM.

The functions here take one tier's rate and amount; :mod:`althedge_xl.core.liquidation` looks the
tier up in a table (and is where a blank rate means the default table's tier for the position).
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
)
from althedge_xl.core.conventions import CONTRACTS, MAX_LEVERAGE, SIDES, parse_choice
from althedge_xl.core.errors import BadNumberError, MissingValueError
from althedge_xl.core.exchanges import ExchangeProfile, exchange_profile
from althedge_xl.core.fee_terms import (
    check_fee_rate,
    split_fee,
    wallet_net_of_extra_margin_fee,
    wallet_net_of_fee,
)


def check_leverage(leverage: FloatArray) -> None:
    """Refuse a leverage below 1, above :data:`~althedge_xl.core.conventions.MAX_LEVERAGE` (150) or not finite."""
    require_finite(leverage, "leverage")
    require(leverage >= 1, "leverage must be at least 1")
    require(leverage <= MAX_LEVERAGE, f"leverage must be at most {MAX_LEVERAGE:g}")


@np.errstate(all="ignore")  # overflow gives inf: #NUM! in a cell
def initial_margin(notional: ArrayLike, leverage: ArrayLike) -> Result:
    """Initial margin of a futures position: ``notional / leverage``.

    Parameters
    ----------
    notional : array_like
        Position notional in USD (non-negative).
    leverage : array_like
        Leverage, from 1 to 150, the highest any default tier allows (20 means 5 % margin).

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
    check_leverage(lev)
    return finish(amount / lev)


def contract_face(contract_usd: ArrayLike | None, contract: str, profile: ExchangeProfile) -> ArrayLike:
    """The inverse contract's USD face value: the one given, or the profile's (asked for if it has none).

    Linear contracts do not use it: a blank there is 1, never an error.
    """
    if contract_usd is not None:
        return contract_usd
    return profile.face_value() if contract == "inverse" else 1.0


def position_notional(size: FloatArray, price: FloatArray, contract: str) -> FloatArray:
    """Notional in the margin currency: Q·P USDT (linear, Q in BTC), S/P BTC (inverse, S in USD)."""
    return size * price if contract == "linear" else size / price


def price_in_tier(
    entry_price: FloatArray,
    size: FloatArray,
    wallet: FloatArray,
    mmr: FloatArray,
    amount: FloatArray,
    side: str,
    contract: str,
    valuation: str,
    fee: FloatArray | float = 0.0,
) -> FloatArray:
    """Liquidation price in one tier, inputs already checked (NaN or ≤ 0 where there is none).

    ``size`` is Q in BTC (linear) or S = contracts × face in USD (inverse); ``wallet`` is the
    collateral in USDT (linear) or BTC (inverse); ``valuation`` is where the maintenance margin is
    valued ("liquidation" or "entry"); ``fee`` the fee to close as a fraction of the notional at
    LP. The position is liquidated when WB + P/L = MM + fee · N(LP); s = +1 long, −1 short.

    At the liquidation price (Binance), the fee adds to the rate, m = MMR + fee:
    linear WB + s·Q·(LP − EP) = Q·LP·m − cum, so short LP = (WB + cum + Q·EP) / (Q·(1 + m)),
    long LP = (Q·EP − WB − cum) / (Q·(1 − m)); inverse WB + s·S·(1/EP − 1/LP) = S·m/LP − cum, so
    short LP = S·(1 − m) / (S/EP − WB − cum), long LP = S·(1 + m) / (S/EP + WB + cum).

    At entry (Bybit), MM = N(EP)·MMR − d: linear short LP = (EP + (WB − MM)/Q) / (1 + fee),
    long LP = (EP − (WB − MM)/Q) / (1 − fee); inverse short 1/LP = (1/EP − (WB − MM)/S) / (1 − fee),
    long 1/LP = (1/EP + (WB − MM)/S) / (1 + fee). With no fee: LP = EP − s·(WB − MM)/Q and
    1/LP = 1/EP + s·(WB − MM)/S.
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        if valuation == "liquidation":
            rate = mmr + fee
            if contract == "linear":
                if side == "short":
                    return (wallet + amount + size * entry_price) / (size * (1 + rate))
                return (size * entry_price - wallet - amount) / (size * (1 - rate))
            if side == "short":
                denominator = size / entry_price - wallet - amount
                return np.where(denominator > 0, size * (1 - rate) / denominator, np.nan)
            return size * (1 + rate) / (size / entry_price + wallet + amount)
        sign = 1.0 if side == "long" else -1.0
        if contract == "linear":
            maintenance = size * entry_price * mmr - amount
            return (entry_price - sign * (wallet - maintenance) / size) / (1 + sign * -fee)
        maintenance = size * mmr / entry_price - amount
        inverse_price = (1 / entry_price + sign * (wallet - maintenance) / size) / (1 + sign * fee)
        return np.where(inverse_price > 0, 1 / inverse_price, np.nan)


def maintenance_at_entry(
    notional: FloatArray | float, mmr: FloatArray | float, amount: FloatArray | float, fee: FloatArray | float = 0.0
) -> FloatArray | float:
    """What the collateral must exceed for the position not to be liquidated at once: N·(MMR + fee) − amount.

    ``notional`` at entry in the margin currency; the fee to close at entry counts when the
    liquidation condition has one.
    """
    return notional * mmr - amount + notional * fee


@np.errstate(all="ignore")  # overflow gives inf: #NUM! in a cell
def liquidation_price_in_tier(
    entry_price: ArrayLike,
    leverage: ArrayLike,
    mmr: ArrayLike,
    maint_amount: ArrayLike,
    side: str = "short",
    contract: str = "linear",
    quantity: ArrayLike | None = None,
    collateral: ArrayLike | None = None,
    rule: str | ExchangeProfile = "binance",
    contract_usd: ArrayLike | None = None,
    fee_rate: ArrayLike | None = None,
) -> Result:
    """Isolated-margin liquidation price in one maintenance tier, by the rule of an exchange's profile.

    Parameters
    ----------
    entry_price : array_like
        Entry price in USD (positive).
    leverage : array_like
        Leverage, 1–150. Without ``collateral`` the wallet balance is the initial margin,
        WB = Q·EP / L (linear) or S / EP / L BTC (inverse).
    mmr : array_like
        The tier's maintenance margin rate as a fraction (0.004 = 0.40 %).
    maint_amount : array_like
        The tier's maintenance amount (Binance "cum", Bybit "mmDeduction"): USDT for linear,
        BTC for inverse.
    side : {"short", "long"}
    contract : {"linear", "inverse"}
        Linear: USDⓈ-M (BTCUSDT), sized in BTC. Inverse: coin-margined (BTCUSD), sized in contracts.
    quantity : array_like, optional
        Position size (BTC for linear, contracts for inverse). The price does not depend on it
        when ``maint_amount`` is 0 and no collateral is given, so it is needed only otherwise.
    collateral : array_like, optional
        The position's wallet balance, including margin added (USDT for linear, BTC for
        inverse; for a single position in cross margin, the cross wallet balance). Replaces
        notional / leverage. Under ``bybit-2025`` it is Initial Margin + Extra Margin Added
        without the estimated fee to close (which cancels): its inverse rule counts the extra
        margin, collateral − notional / leverage, net of the taker fee ``fee_rate``.
    rule : str or ExchangeProfile
        Whose formula (:data:`~althedge_xl.core.exchanges.RULES`, any case): where the profile
        values maintenance (Binance and ``bybit-2025`` at the liquidation price, Bybit at entry)
        and its fee term.
    contract_usd : array_like, optional
        USD face value of one inverse contract; blank, the rule's (Binance's BTCUSD: 100).
    fee_rate : array_like, optional
        The fee to close in the liquidation condition, a fraction of the notional at the
        liquidation price; blank, the rule's (0 for Binance and Bybit); 0, none. Under
        ``bybit-2025`` it is the taker rate the inverse extra margin is net of.

    Returns
    -------
    float or ndarray
        Liquidation price in USD. A position whose collateral does not cover its maintenance
        margin at entry raises, as does one that cannot be liquidated at a positive price (an
        inverse short whose BTC margin covers its whole value).

    Notes
    -----
    See :func:`price_in_tier` for the four formulas.

    Examples
    --------
    A 20× short of BTCUSDT entered at 100,000 in the first bracket (0.40 %, cum 0) is liquidated
    near 104,581.67 (DESIGN.md):

    >>> round(liquidation_price_in_tier(100_000, 20, 0.004, 0), 2)
    104581.67

    Bybit's help-centre example: a long of 1 BTC at 20,000 with 50× and 0.5 % maintenance
    liquidates at 20,000 − (400 − 100) = 19,700:

    >>> round(liquidation_price_in_tier(20_000, 50, 0.005, 0, "long", rule="bybit", quantity=1), 2)
    19700.0
    """
    direction = parse_choice(side, "side", SIDES)
    kind = parse_choice(contract, "contract", CONTRACTS)
    profile = exchange_profile(rule).for_contract(kind)
    ep = as_float_array(entry_price, "entry_price")
    lev = as_float_array(leverage, "leverage")
    rate = as_float_array(mmr, "mmr")
    cum = as_float_array(maint_amount, "maint_amount")
    face = as_float_array(contract_face(contract_usd, kind, profile), "contract_usd")
    fee = as_float_array(profile.default_fee_rate() if fee_rate is None else fee_rate, "fee_rate")
    if quantity is None:
        if np.any(cum != 0) or collateral is not None:
            raise MissingValueError("quantity is needed when maint_amount is not 0 or collateral is given")
        qty = np.ones_like(ep)
    else:
        qty = as_float_array(quantity, "quantity")
    wb_given = None if collateral is None else as_float_array(collateral, "collateral")
    arrays = {
        "entry_price": ep,
        "leverage": lev,
        "mmr": rate,
        "maint_amount": cum,
        "quantity": qty,
        "contract_usd": face,
        "fee_rate": fee,
    }
    if wb_given is not None:
        arrays["collateral"] = wb_given
    values = dict(zip(arrays, broadcast(**arrays), strict=True))
    for name, array in values.items():
        require_finite(array, name)
    ep, lev, rate, cum, qty, face, fee = (
        values[k] for k in ("entry_price", "leverage", "mmr", "maint_amount", "quantity", "contract_usd", "fee_rate")
    )
    require(ep > 0, "entry_price must be greater than 0")
    check_leverage(lev)
    require((rate >= 0) & (rate < 1), "mmr must be from 0% to below 100%")
    require(cum >= 0, "maint_amount must not be negative")
    require(qty > 0, "quantity must be greater than 0")
    require(face > 0, "contract_usd must be greater than 0")
    check_fee_rate(fee)
    size = qty if kind == "linear" else qty * face
    notional = position_notional(size, ep, kind)
    at_lp, at_bankruptcy = split_fee(fee, profile.fee_price)
    if wb_given is None:
        wallet = notional / lev
        reason = "mmr must be below 1/leverage: the margin would not cover the maintenance margin at entry"
    else:
        wallet = values["collateral"]
        require(wallet > 0, "collateral must be greater than 0")
        reason = "collateral must exceed the maintenance margin at entry: the position would be liquidated at once"
    wallet = wallet_net_of_extra_margin_fee(wallet, notional / lev, direction, kind, fee, profile.fee_price)
    wallet = wallet_net_of_fee(wallet, notional, direction, kind, at_bankruptcy)
    require(wallet > maintenance_at_entry(notional, rate, cum, at_lp), reason)
    price = price_in_tier(ep, size, wallet, rate, cum, direction, kind, profile.valuation, at_lp)
    if not np.all(np.isfinite(price) & (price > 0)):
        raise BadNumberError("the position cannot be liquidated at a positive price: its margin covers its whole value")
    return finish(price)

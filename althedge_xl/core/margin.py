"""Margin of the short hedge: initial margin, liquidation price and buffer in one tier.

Prices in USD(T); rates as fractions (0.4 % is 0.004). One-way mode, isolated margin (or a single
position in cross margin, with the cross wallet balance as collateral). Two exchange rules:

* ``"binance"``: the maintenance margin is valued at the liquidation price,
  MM = N(LP) · MMR − cum (Binance USDⓈ-M for linear contracts, COIN-M for inverse ones);
* ``"bybit"``: it is valued at the entry price, MM = N(EP) · MMR − mmDeduction.

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
from althedge_xl.core.conventions import (
    CONTRACTS,
    INVERSE_CONTRACT_USD,
    MAX_LEVERAGE,
    RULES,
    SIDES,
    parse_choice,
)
from althedge_xl.core.errors import BadNumberError, MissingValueError


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
    rule: str,
) -> FloatArray:
    """Liquidation price in one tier, inputs already checked (NaN or ≤ 0 where there is none).

    ``size`` is Q in BTC (linear) or S = contracts × face in USD (inverse); ``wallet`` is the
    collateral in USDT (linear) or BTC (inverse). s = +1 for a long, −1 for a short.

    Binance, linear: WB + s·Q·(LP − EP) = Q·LP·MMR − cum, so
    short LP = (WB + cum + Q·EP) / (Q·(1 + MMR)), long LP = (Q·EP − WB − cum) / (Q·(1 − MMR)).
    Binance, inverse: WB + s·S·(1/EP − 1/LP) = S·MMR/LP − cum, so
    short LP = S·(1 − MMR) / (S/EP − WB − cum), long LP = S·(1 + MMR) / (S/EP + WB + cum).
    Bybit values MM at entry: linear MM = Q·EP·MMR − d, LP = EP − s·(WB − MM)/Q;
    inverse MM = S·MMR/EP − d, 1/LP = 1/EP + s·(WB − MM)/S.
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        if rule == "binance":
            if contract == "linear":
                if side == "short":
                    return (wallet + amount + size * entry_price) / (size * (1 + mmr))
                return (size * entry_price - wallet - amount) / (size * (1 - mmr))
            if side == "short":
                denominator = size / entry_price - wallet - amount
                return np.where(denominator > 0, size * (1 - mmr) / denominator, np.nan)
            return size * (1 + mmr) / (size / entry_price + wallet + amount)
        sign = 1.0 if side == "long" else -1.0
        if contract == "linear":
            maintenance = size * entry_price * mmr - amount
            return entry_price - sign * (wallet - maintenance) / size
        maintenance = size * mmr / entry_price - amount
        inverse_price = 1 / entry_price + sign * (wallet - maintenance) / size
        return np.where(inverse_price > 0, 1 / inverse_price, np.nan)


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
    rule: str = "binance",
    contract_usd: ArrayLike = INVERSE_CONTRACT_USD,
) -> Result:
    """Isolated-margin liquidation price in one maintenance tier, by Binance's or Bybit's rule.

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
        notional / leverage.
    rule : {"binance", "bybit"}
        Whose formula: Binance values maintenance at the liquidation price, Bybit at entry.
    contract_usd : array_like, optional
        USD face value of one inverse contract (default 100, BTCUSD; other symbols 10).

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
    which = parse_choice(rule, "rule", RULES)
    ep = as_float_array(entry_price, "entry_price")
    lev = as_float_array(leverage, "leverage")
    rate = as_float_array(mmr, "mmr")
    cum = as_float_array(maint_amount, "maint_amount")
    face = as_float_array(contract_usd, "contract_usd")
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
    }
    if wb_given is not None:
        arrays["collateral"] = wb_given
    values = dict(zip(arrays, broadcast(**arrays), strict=True))
    for name, array in values.items():
        require_finite(array, name)
    ep, lev, rate, cum, qty, face = (
        values[k] for k in ("entry_price", "leverage", "mmr", "maint_amount", "quantity", "contract_usd")
    )
    require(ep > 0, "entry_price must be greater than 0")
    check_leverage(lev)
    require((rate >= 0) & (rate < 1), "mmr must be from 0% to below 100%")
    require(cum >= 0, "maint_amount must not be negative")
    require(qty > 0, "quantity must be greater than 0")
    require(face > 0, "contract_usd must be greater than 0")
    size = qty if kind == "linear" else qty * face
    notional = position_notional(size, ep, kind)
    if wb_given is None:
        wallet = notional / lev
        require(
            wallet > notional * rate - cum,
            "mmr must be below 1/leverage: the margin would not cover the maintenance margin at entry",
        )
    else:
        wallet = values["collateral"]
        require(wallet > 0, "collateral must be greater than 0")
        require(
            wallet > notional * rate - cum,
            "collateral must exceed the maintenance margin at entry: the position would be liquidated at once",
        )
    price = price_in_tier(ep, size, wallet, rate, cum, direction, kind, which)
    if not np.all(np.isfinite(price) & (price > 0)):
        raise BadNumberError("the position cannot be liquidated at a positive price: its margin covers its whole value")
    return finish(price)

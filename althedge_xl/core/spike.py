"""The BTC spike a short survives: the collateral a rise needs, and the rise a collateral survives.

Both look the tier up as :mod:`althedge_xl.core.liquidation` does (valued at the liquidation
price, Binance and ``bybit-2025``: at the notional there; valued at entry, Bybit: at entry), with
the profile's fee to close where it has one, and each inverts the other: wherever one answers, the other
answers with its argument back. A position whose notional at entry lies beyond the table is
refused by both, since the exchange's tier for it (its maximum leverage, its maintenance margin
at entry) is not in the table.

Sizes: the short's USD notional at entry (Q·EP for linear, the contracts' face S for inverse).
Collateral: USDT for linear, BTC for inverse.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from althedge_xl.core._arrays import Result, as_float_array, broadcast, require, require_finite
from althedge_xl.core.conventions import CONTRACTS, parse_choice
from althedge_xl.core.errors import BadNumberError
from althedge_xl.core.exchanges import ExchangeProfile, exchange_profile
from althedge_xl.core.fee_terms import split_fee, wallet_with_fee
from althedge_xl.core.liquidation_arrays import collateral_many, rise_survived_many
from althedge_xl.core.tier_liquidation import fee_of, liquidation_in_table, resolve_tiers
from althedge_xl.core.tiers import TierTable

#: Largest BTC rise the spike functions accept (+1,000 %); above it is almost surely a per cent typed as a number.
MAX_RISE = 10.0


@np.errstate(all="ignore")  # overflow gives inf: #NUM! in a cell
def collateral_for_rise(
    notional: ArrayLike,
    entry_price: ArrayLike,
    rise: ArrayLike,
    contract: str = "linear",
    rule: str | ExchangeProfile = "binance",
    tiers: ArrayLike | TierTable | None = None,
    fee_rate: ArrayLike | None = None,
) -> Result:
    """Collateral a short of ``notional`` USD needs so that a BTC rise of ``rise`` does not liquidate it.

    Parameters
    ----------
    notional : array_like
        USD notional of the short at entry (Q·EP for linear, the contracts' face S for inverse).
    entry_price : array_like
        Entry price in USD.
    rise : array_like
        The BTC rise from entry to survive, as a fraction (0.40 = +40 %), above 0 and at most 10.
    contract, rule, tiers, fee_rate
        As in :func:`~althedge_xl.core.liquidation.position_liquidation`.

    Returns
    -------
    float or ndarray
        The wallet balance (USDT for linear, BTC for inverse) at which the short's liquidation
        price is exactly EP·(1 + rise). An exchange opens no position with less than
        notional / (the tier's maximum leverage): compare the result with it.

    Notes
    -----
    With LP = EP·(1 + rise), the tier at LP's notional (valued at the liquidation price, Binance)
    or at entry (Bybit) and f the fee rate, the liquidation equations of
    :func:`~althedge_xl.core.margin.price_in_tier` solved for WB:
    at LP, linear WB = Q·LP·(1 + MMR + f) − cum − Q·EP, inverse WB = S/EP − cum − S·(1 − MMR − f)/LP;
    at entry, linear WB = Q·(LP − EP) + Q·EP·MMR − d + f·Q·LP,
    inverse WB = S·(1/EP − 1/LP) + S·MMR/EP − d + f·S/LP.

    Examples
    --------
    To survive +40 % from 100,000, a 20,000 USDT short (0.2 BTC) by Binance's rule needs
    0.2 · 140,000 · 1.004 − 20,000 = 8,112 USDT (its notional at LP, 28,000, is in bracket 1):

    >>> round(collateral_for_rise(20_000, 100_000, 0.40), 2)
    8112.0
    """
    kind = parse_choice(contract, "contract", CONTRACTS)
    profile = exchange_profile(rule).for_contract(kind)
    fee, at_bankruptcy = split_fee(fee_of(fee_rate, profile), profile.fee_price)
    table = resolve_tiers(tiers, profile, kind)
    at_lp = profile.valuation == "liquidation"
    amount = as_float_array(notional, "notional")
    ep = as_float_array(entry_price, "entry_price")
    up = as_float_array(rise, "rise")
    amount, ep, up = broadcast(notional=amount, entry_price=ep, rise=up)
    for values, name in ((amount, "notional"), (ep, "entry_price"), (up, "rise")):
        require_finite(values, name)
        require(values > 0, f"{name} must be greater than 0")
    _check_rise(up)

    def needed(n: float, e: float, r: float) -> float:
        return float(
            wallet_with_fee(net_needed(n, e, r), n if kind == "linear" else n / e, "short", kind, at_bankruptcy)
        )

    def net_needed(n: float, e: float, r: float) -> float:
        lp = e * (1 + r)
        table.index(n if kind == "linear" else n / e)  # the position at entry must be in the table
        if kind == "linear":
            q = n / e
            if at_lp:
                t = table.index(q * lp)
                return q * lp * (1 + table.rates[t] + fee) - table.amounts[t] - q * e
            t = table.index(n)
            return q * (lp - e) + n * table.rates[t] - table.amounts[t] + q * lp * fee
        if at_lp:
            t = table.index(n / lp)
            return n / e - table.amounts[t] - n * (1 - table.rates[t] - fee) / lp
        t = table.index(n / e)
        return n * (1 / e - 1 / lp) + n * table.rates[t] / e - table.amounts[t] + n * fee / lp

    return collateral_many(table, kind, profile, amount, ep, up, needed, fee + at_bankruptcy)


@np.errstate(all="ignore")  # overflow gives inf: #NUM! in a cell
def rise_survived(
    collateral: ArrayLike,
    notional: ArrayLike,
    entry_price: ArrayLike,
    contract: str = "linear",
    rule: str | ExchangeProfile = "binance",
    tiers: ArrayLike | TierTable | None = None,
    fee_rate: ArrayLike | None = None,
) -> Result:
    """The BTC rise from entry a short of ``notional`` USD with ``collateral`` survives: LP / EP − 1.

    Parameters are those of :func:`collateral_for_rise` (``fee_rate`` too), with the collateral (USDT for linear,
    BTC for inverse) in place of the rise.

    Examples
    --------
    The collateral of the example of :func:`collateral_for_rise` survives exactly +40 %:

    >>> round(rise_survived(8_112, 20_000, 100_000), 10)
    0.4
    """
    kind = parse_choice(contract, "contract", CONTRACTS)
    profile = exchange_profile(rule).for_contract(kind)
    fee = fee_of(fee_rate, profile)
    table = resolve_tiers(tiers, profile, kind)
    wallet = as_float_array(collateral, "collateral")
    amount = as_float_array(notional, "notional")
    ep = as_float_array(entry_price, "entry_price")
    wallet, amount, ep = broadcast(collateral=wallet, notional=amount, entry_price=ep)
    for values, name in ((wallet, "collateral"), (amount, "notional"), (ep, "entry_price")):
        require_finite(values, name)
        require(values > 0, f"{name} must be greater than 0")

    def survived(w: float, n: float, e: float) -> float:
        price, *_ = liquidation_in_table(table, e, n / e if kind == "linear" else n, w, "short", kind, profile, fee)
        return price / e - 1

    return rise_survived_many(table, kind, profile, wallet, amount, ep, survived, fee)


def _check_rise(rise: np.ndarray) -> None:
    if np.any(rise > MAX_RISE):
        value = float(rise[rise > MAX_RISE].flat[0])
        raise BadNumberError(
            f"rise {value:g} is +{value * 100:,.0f}%: rises are fractions, did you mean {value:g}% ({value / 100:g})?"
        )

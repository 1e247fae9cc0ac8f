"""Liquidation in an exchange's tier table: the table to use, the price of one position, and its tier.

The exchange's profile (:mod:`althedge_xl.core.exchanges`) says where its maintenance margin is
valued. Valued at the liquidation price (Binance, ``bybit-2025``), the tier is the one the notional
**at the liquidation price** falls in; valued at entry (Bybit), the one the notional **at entry** falls in.
A tier table belongs to one exchange: a table of one exchange is never used with another's rule.
Leverage above the maximum of the position's tier at entry is refused, as the exchange refuses
the order. The liquidation condition adds the profile's fee to close, ``fee · N(LP)``, where the
exchange has one.

Sizes: BTC for linear contracts, USD for inverse ones (contracts × face value).
Collateral: USDT for linear, BTC for inverse. Notionals in USDT (linear) or BTC (inverse).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from althedge_xl.core._arrays import as_float_array, single
from althedge_xl.core.errors import BadNumberError, MissingValueError, WrongTypeError
from althedge_xl.core.exchanges import ExchangeProfile, exchange_profile
from althedge_xl.core.fee_terms import check_fee_rate, split_fee, wallet_net_of_fee
from althedge_xl.core.liquidation_arrays import TIER_EDGE
from althedge_xl.core.margin import maintenance_at_entry, position_notional, price_in_tier
from althedge_xl.core.tiers import TierTable, exchange_label, tier_table


def resolve_tiers(tiers: ArrayLike | TierTable | None, rule: str | ExchangeProfile, contract: str) -> TierTable:
    """The tier table to use: the profile's default for the contract, or the user's, checked.

    Rows from a worksheet are taken as the rule's exchange's and checked as its profile reads the
    amount column; a :class:`TierTable` of another exchange is refused.

    >>> resolve_tiers(None, "Binance", "linear").described()
    'Binance BTCUSDT (recorded 2026-03-05)'
    """
    profile = exchange_profile(rule)
    if tiers is None:
        return profile.default_tiers(contract)
    if isinstance(tiers, TierTable):
        if tiers.exchange != profile.exchange_name:
            raise WrongTypeError(
                f"the tiers are {exchange_label(tiers.exchange)}'s but the rule is {profile.name}: "
                "use that exchange's tiers with its rule"
            )
        return tiers
    return tier_table(tiers, exchange=profile.exchange_name, amounts=profile.amounts)


def fee_of(fee_rate: ArrayLike | None, profile: ExchangeProfile) -> float:
    """The fee term's rate: the one given (checked), or the profile's default."""
    if fee_rate is None:
        return profile.default_fee_rate()
    fee = as_float_array(fee_rate, "fee_rate")
    check_fee_rate(fee)
    return single(fee, "fee_rate")


def unit(contract: str) -> str:
    """The margin currency of a contract: USDT (linear) or BTC (inverse)."""
    return "USDT" if contract == "linear" else "BTC"


def check_tier_leverage(table: TierTable, notional: float, leverage: float, contract: str) -> None:
    """Refuse a leverage above the maximum of the tier the position is in at entry."""
    n = table.index(notional)
    allowed = table.max_leverage[n]
    if leverage > allowed:
        raise BadNumberError(
            f"{exchange_label(table.exchange)} allows at most {allowed:g}× for a "
            f"{notional:,.{0 if contract == 'linear' else 4}f} {unit(contract)} position"
        )


def liquidation_in_table(
    table: TierTable,
    ep: float,
    size: float,
    wallet: float,
    side: str,
    contract: str,
    profile: ExchangeProfile,
    fee: float = 0.0,
) -> tuple[float, float, float, float]:
    """Liquidation price of one position in ``table`` and its tier's rate, amount and maximum leverage.

    Inputs are checked already: ``size`` is Q BTC (linear) or S USD (inverse), ``wallet`` the
    collateral the position can lose (USDT linear, BTC inverse; where the profile counts the extra
    margin net of the fee, already net of it), ``fee`` the fee term's rate (valued where the profile
    says, :mod:`althedge_xl.core.fee_terms`); ``profile`` is the rule for this contract
    (:meth:`~althedge_xl.core.exchanges.profile.ExchangeProfile.for_contract`). Valued at the liquidation price,
    the price is computed in every tier (:func:`~althedge_xl.core.margin.price_in_tier`) and the
    one whose notional at that price falls in the tier is the answer (the lowest for a short, the
    highest for a long, should two qualify); valued at entry, it is the entry tier's.
    """
    notional = float(position_notional(np.float64(size), np.float64(ep), contract))
    entry_tier = table.index(notional)
    fee, at_bankruptcy = split_fee(fee, profile.fee_price)
    wallet = float(wallet_net_of_fee(wallet, notional, side, contract, at_bankruptcy))
    maintenance = float(maintenance_at_entry(notional, table.rates[entry_tier], table.amounts[entry_tier], fee))
    if wallet <= maintenance:
        raise BadNumberError(
            f"the collateral {wallet:,.2f} does not exceed the maintenance margin at entry "
            f"{maintenance:,.2f} {unit(contract)}: the position would be liquidated at once"
        )
    at_entry = profile.valuation == "entry"
    candidates = [entry_tier] if at_entry else range(len(table.rates))
    found = []
    for n in candidates:
        price = _price(ep, size, wallet, table, n, side, contract, profile.valuation, fee)
        if price is None:
            continue
        at = float(position_notional(np.float64(size), np.float64(price), contract))
        if at_entry or table.floors[n] * (1 - TIER_EDGE) <= at <= table.caps[n] * (1 + TIER_EDGE):
            found.append((price, n))
    if not found and not at_entry:
        found = _on_a_tier_edge(table, ep, size, wallet, side, contract, fee)
    if not found:
        if at_entry or _price(ep, size, wallet, table, entry_tier, side, contract, profile.valuation, fee) is None:
            raise BadNumberError(
                "the position cannot be liquidated at a positive price: its margin covers its whole value"
            )
        raise MissingValueError(
            f"the liquidation price lies beyond the last tier of {table.described()}: give the exchange's full table"
        )
    price, n = min(found) if side == "short" else max(found)
    return price, table.rates[n], table.amounts[n], table.max_leverage[n]


def _on_a_tier_edge(
    table: TierTable, ep: float, size: float, wallet: float, side: str, contract: str, fee: float
) -> list[tuple[float, int]]:
    """Where a tier edge liquidates: the price at a cap where the next tier's margin is not met but this one's is.

    A table whose amounts do not make the maintenance margin continuous (one rate on the whole
    position, no amount) makes it jump at each cap. Past such a jump no tier may hold its own
    price: the position is liquidated as the price reaches the cap, where equity still covers
    tier n's maintenance but not tier n + 1's.
    """
    sign = 1.0 if side == "long" else -1.0
    found = []
    for n, cap in enumerate(table.caps[:-1]):
        price = cap / size if contract == "linear" else size / cap
        pnl = size * (price - ep) if contract == "linear" else size * (1 / ep - 1 / price)
        adverse = price < ep if side == "long" else price > ep
        margins = [wallet + sign * pnl - (cap * (table.rates[k] + fee) - table.amounts[k]) for k in (n, n + 1)]
        if adverse and min(margins) <= 0 < max(margins):
            found.append((price, n if margins[0] <= 0 else n + 1))
    return found


def _price(
    ep: float,
    size: float,
    wallet: float,
    table: TierTable,
    n: int,
    side: str,
    contract: str,
    valuation: str,
    fee: float,
) -> float | None:
    """The tier's liquidation price, or None where the position has none at a positive price."""
    price = float(
        price_in_tier(
            np.float64(ep),
            np.float64(size),
            np.float64(wallet),
            np.float64(table.rates[n]),
            np.float64(table.amounts[n]),
            side,
            contract,
            valuation,
            np.float64(fee),
        )
    )
    return price if np.isfinite(price) and price > 0 else None

"""Liquidation kernels over whole arrays: one numpy pass per tier instead of a Python call per cell.

:func:`~althedge_xl.core.liquidation.liquidation_price` with a blank maintenance rate,
:func:`~althedge_xl.core.spike.collateral_for_rise` and :func:`~althedge_xl.core.spike.rise_survived`
define their answer one cell at a time (a ``kernel(*cell) -> float``). The functions here give the
same numbers for a whole array at once — the same operations in the same order on float64, so the
same bits — and hand every cell they cannot settle (an input the kernel refuses, a position beyond
the table at entry or at its liquidation price, a leverage above its tier's maximum, a position
liquidated at entry, no tier that holds its liquidation price) back to that per-cell kernel, in
order: its answer, or its error, is the function's, exactly as a loop over the cells would give.
100,000 cells take milliseconds, not seconds.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from althedge_xl.core._arrays import FloatArray, Result, finish
from althedge_xl.core.conventions import MAX_LEVERAGE
from althedge_xl.core.exchanges import ExchangeProfile, exchange_profile
from althedge_xl.core.fee_terms import (
    split_fee,
    wallet_net_of_extra_margin_fee,
    wallet_net_of_fee,
    wallet_with_fee,
)
from althedge_xl.core.margin import maintenance_at_entry, position_notional, price_in_tier
from althedge_xl.core.tiers import TierTable

TIER_EDGE = 1e-12
"""Relative slack of a tier's bounds, for a liquidation price that lands on one."""


def _tier_of(table: TierTable, notional: FloatArray) -> tuple[np.ndarray, np.ndarray]:
    """Index of each notional's tier (floor < notional ≤ cap), and where it is beyond the last cap."""
    caps = np.asarray(table.caps)
    beyond = ~(notional <= caps[-1])
    tier = np.searchsorted(caps, np.where(beyond, caps[-1], notional), side="left")
    return tier, beyond


def _settle(out: FloatArray, unsettled: np.ndarray, kernel: Callable[..., float], *arrays: FloatArray) -> Result:
    """Give the cells the arrays could not settle to the per-cell kernel, in order."""
    result = np.array(out, dtype=np.float64)  # a 0-d result of numpy arithmetic is a scalar
    flat = result.reshape(-1)
    cells = [np.reshape(a, -1) for a in arrays]
    for i in np.flatnonzero(unsettled):
        flat[i] = kernel(*(float(a[i]) for a in cells))
    return finish(result)


def collateral_many(
    table: TierTable,
    contract: str,
    rule: str | ExchangeProfile,
    notional: FloatArray,
    entry_price: FloatArray,
    rise: FloatArray,
    kernel: Callable[..., float],
    fee: float = 0.0,
) -> Result:
    """``kernel(n, e, r)`` of :func:`~althedge_xl.core.spike.collateral_for_rise` for every cell.

    The tier is looked up at the notional at LP = EP·(1 + rise) (valued at the liquidation price)
    or at entry; a position whose notional at entry is beyond the table is left to the kernel,
    which refuses it. The fee to close, ``fee`` × the notional at LP, is part of the collateral.
    """
    profile = exchange_profile(rule).for_contract(contract)
    valuation = profile.valuation
    fee, at_bankruptcy = split_fee(fee, profile.fee_price)
    rates, amounts = np.asarray(table.rates), np.asarray(table.amounts)
    lp = entry_price * (1 + rise)
    at_lp = valuation == "liquidation"
    if contract == "linear":
        q = notional / entry_price
        tier, beyond = _tier_of(table, q * lp if at_lp else notional)
        if at_lp:
            out = q * lp * (1 + rates[tier] + fee) - amounts[tier] - q * entry_price
        else:
            out = q * (lp - entry_price) + notional * rates[tier] - amounts[tier] + q * lp * fee
    else:
        tier, beyond = _tier_of(table, notional / lp if at_lp else notional / entry_price)
        if at_lp:
            out = notional / entry_price - amounts[tier] - notional * (1 - rates[tier] - fee) / lp
        else:
            out = (
                notional * (1 / entry_price - 1 / lp)
                + notional * rates[tier] / entry_price
                - amounts[tier]
                + notional * fee / lp
            )
    at_entry = notional if contract == "linear" else notional / entry_price
    _, beyond_at_entry = _tier_of(table, at_entry)
    out = wallet_with_fee(out, at_entry, "short", contract, at_bankruptcy)
    return _settle(out, beyond | beyond_at_entry, kernel, notional, entry_price, rise)


def rise_survived_many(
    table: TierTable,
    contract: str,
    rule: str | ExchangeProfile,
    collateral: FloatArray,
    notional: FloatArray,
    entry_price: FloatArray,
    kernel: Callable[..., float],
    fee: float = 0.0,
) -> Result:
    """``kernel(w, n, e)`` of :func:`~althedge_xl.core.spike.rise_survived` for every cell.

    A short's liquidation price in every tier (valued at the liquidation price: the one whose
    notional at that price falls in the tier, the lowest if several; at entry: the entry's tier),
    over the entry price, less 1.
    """
    profile = exchange_profile(rule).for_contract(contract)
    fee, at_bankruptcy = split_fee(fee, profile.fee_price)
    size = notional / entry_price if contract == "linear" else notional
    at_entry = position_notional(size, entry_price, contract)
    entry_tier, beyond = _tier_of(table, at_entry)
    rates, amounts = np.asarray(table.rates), np.asarray(table.amounts)
    wallet = wallet_net_of_fee(collateral, at_entry, "short", contract, at_bankruptcy)
    unsettled = beyond | (wallet <= maintenance_at_entry(at_entry, rates[entry_tier], amounts[entry_tier], fee))
    best = _price_in_its_tier(table, profile.valuation, fee, "short", contract, entry_price, size, wallet, entry_tier)
    unsettled |= ~np.isfinite(best)
    out: FloatArray = best / entry_price - 1
    return _settle(out, unsettled, kernel, collateral, notional, entry_price)


def _price_in_its_tier(
    table: TierTable,
    valuation: str,
    fee: float,
    side: str,
    contract: str,
    entry_price: FloatArray,
    size: FloatArray,
    wallet: FloatArray,
    entry_tier: np.ndarray,
) -> FloatArray:
    """Each position's liquidation price in its tier; not finite where no tier holds one.

    Valued at entry: the price in the entry's tier. At the liquidation price: the price in every
    tier (:func:`~althedge_xl.core.margin.price_in_tier`), kept where the notional at that price
    lies in the tier (within :data:`TIER_EDGE`); the lowest such price for a short, the highest
    for a long.
    """
    rates, amounts = np.asarray(table.rates), np.asarray(table.amounts)
    if valuation == "entry":
        price = price_in_tier(
            entry_price, size, wallet, rates[entry_tier], amounts[entry_tier], side, contract, valuation, fee
        )
        return np.where(np.isfinite(price) & (price > 0), price, np.nan)
    short = side == "short"
    best = np.full(np.shape(size), np.inf if short else -np.inf)
    for n in range(len(rates)):
        price = price_in_tier(entry_price, size, wallet, rates[n], amounts[n], side, contract, valuation, fee)
        at = position_notional(size, price, contract)
        usable = np.isfinite(price) & (price > 0)
        usable &= (table.floors[n] * (1 - TIER_EDGE) <= at) & (at <= table.caps[n] * (1 + TIER_EDGE))
        better = price < best if short else price > best
        best = np.where(usable & better, price, best)
    return best


def _positive(values: FloatArray) -> np.ndarray:
    return np.isfinite(values) & (values > 0)


@np.errstate(all="ignore")  # the cells left to the kernel may overflow or divide by zero here
def liquidation_many(
    table: TierTable,
    side: str,
    contract: str,
    rule: str | ExchangeProfile,
    entry_price: FloatArray,
    quantity: FloatArray,
    leverage: FloatArray,
    contract_usd: FloatArray,
    collateral: FloatArray | None,
    kernel: Callable[..., float],
    fee: float = 0.0,
) -> Result:
    """``kernel(e, q, lev, face[, w])`` of :func:`~althedge_xl.core.liquidation.liquidation_price`
    with a blank rate, for every cell of arrays of one shape.

    The kernel is :func:`~althedge_xl.core.liquidation.position_liquidation`'s price: size Q = q
    BTC (linear) or S = q·face USD (inverse), wallet w or notional / lev, the price in the tier the
    exchange's rule gives (:func:`_price_in_its_tier`). A cell with an input it refuses (entry
    price, quantity, face value or collateral not finite and positive; leverage not 1–150), beyond
    the table at entry, above its entry tier's maximum leverage, liquidated at entry or with no tier
    holding its price is left to the kernel.
    """
    profile = exchange_profile(rule).for_contract(contract)
    taker = fee
    fee, at_bankruptcy = split_fee(fee, profile.fee_price)
    valid = _positive(entry_price) & _positive(quantity) & _positive(contract_usd)
    valid &= np.isfinite(leverage) & (leverage >= 1) & (leverage <= MAX_LEVERAGE)
    size = quantity if contract == "linear" else quantity * contract_usd
    at_entry = position_notional(size, entry_price, contract)
    entry_tier, beyond = _tier_of(table, at_entry)
    rates, amounts = np.asarray(table.rates), np.asarray(table.amounts)
    wallet = at_entry / leverage if collateral is None else collateral
    if collateral is not None:
        valid &= _positive(collateral)
    wallet = wallet_net_of_extra_margin_fee(wallet, at_entry / leverage, side, contract, taker, profile.fee_price)
    wallet = wallet_net_of_fee(wallet, at_entry, side, contract, at_bankruptcy)
    unsettled = ~valid | beyond | (leverage > np.asarray(table.max_leverage)[entry_tier])
    unsettled |= wallet <= maintenance_at_entry(at_entry, rates[entry_tier], amounts[entry_tier], fee)
    price = _price_in_its_tier(table, profile.valuation, fee, side, contract, entry_price, size, wallet, entry_tier)
    unsettled |= ~np.isfinite(price)
    cells = (entry_price, quantity, leverage, contract_usd) + (() if collateral is None else (collateral,))
    return _settle(price, unsettled, kernel, *cells)

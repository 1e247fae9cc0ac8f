"""The spike functions' kernels over whole arrays: one numpy pass per tier instead of a Python call per cell.

:func:`~althedge_xl.core.spike.collateral_for_rise` and
:func:`~althedge_xl.core.spike.rise_survived` define their answer one cell at a time (a
``kernel(*cell) -> float``). The functions here give the same numbers for a whole array at once —
the same operations in the same order on float64, so the same bits — and hand every cell they
cannot settle (a position beyond the table at entry or at its liquidation price, a position liquidated at entry, no tier that holds
its liquidation price) back to that per-cell kernel, in order: its answer, or its error, is the
function's, exactly as a loop over the cells would give. 100,000 cells take milliseconds, not
seconds.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from althedge_xl.core._arrays import FloatArray, Result, finish
from althedge_xl.core.margin import position_notional, price_in_tier
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
    rule: str,
    notional: FloatArray,
    entry_price: FloatArray,
    rise: FloatArray,
    kernel: Callable[..., float],
) -> Result:
    """``kernel(n, e, r)`` of :func:`~althedge_xl.core.spike.collateral_for_rise` for every cell.

    The tier is looked up at the notional at LP = EP·(1 + rise) (Binance) or at entry (Bybit); a
    position whose notional at entry is beyond the table is left to the kernel, which refuses it.
    """
    rates, amounts = np.asarray(table.rates), np.asarray(table.amounts)
    lp = entry_price * (1 + rise)
    if contract == "linear":
        q = notional / entry_price
        tier, beyond = _tier_of(table, q * lp if rule == "binance" else notional)
        if rule == "binance":
            out = q * lp * (1 + rates[tier]) - amounts[tier] - q * entry_price
        else:
            out = q * (lp - entry_price) + notional * rates[tier] - amounts[tier]
    else:
        tier, beyond = _tier_of(table, notional / lp if rule == "binance" else notional / entry_price)
        if rule == "binance":
            out = notional / entry_price - amounts[tier] - notional * (1 - rates[tier]) / lp
        else:
            out = notional * (1 / entry_price - 1 / lp) + notional * rates[tier] / entry_price - amounts[tier]
    _, beyond_at_entry = _tier_of(table, notional if contract == "linear" else notional / entry_price)
    return _settle(out, beyond | beyond_at_entry, kernel, notional, entry_price, rise)


def rise_survived_many(
    table: TierTable,
    contract: str,
    rule: str,
    collateral: FloatArray,
    notional: FloatArray,
    entry_price: FloatArray,
    kernel: Callable[..., float],
) -> Result:
    """``kernel(w, n, e)`` of :func:`~althedge_xl.core.spike.rise_survived` for every cell.

    A short's liquidation price in every tier (Binance: the one whose notional at that price
    falls in the tier, the lowest if several; Bybit: the entry's tier), over the entry price, less 1.
    """
    size = notional / entry_price if contract == "linear" else notional
    at_entry = position_notional(size, entry_price, contract)
    entry_tier, beyond = _tier_of(table, at_entry)
    unsettled = beyond | (
        collateral <= at_entry * np.asarray(table.rates)[entry_tier] - np.asarray(table.amounts)[entry_tier]
    )
    best = np.full(np.shape(size), np.inf)
    for n in range(len(table.rates)):
        if rule == "bybit" and not (entry_tier == n).any():
            continue
        price = price_in_tier(
            entry_price,
            size,
            collateral,
            np.float64(table.rates[n]),
            np.float64(table.amounts[n]),
            "short",
            contract,
            rule,
        )
        usable = np.isfinite(price) & (price > 0)
        if rule == "bybit":
            usable &= entry_tier == n
        else:
            at = position_notional(size, price, contract)
            usable &= (table.floors[n] * (1 - TIER_EDGE) <= at) & (at <= table.caps[n] * (1 + TIER_EDGE))
        best = np.where(usable & (price < best), price, best)
    unsettled |= np.isinf(best)
    out: FloatArray = best / entry_price - 1
    return _settle(out, unsettled, kernel, collateral, notional, entry_price)

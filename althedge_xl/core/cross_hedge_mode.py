"""Cross margin in hedge mode: one symbol's LONG and SHORT positions, liquidated together.

Binance's published USDⓈ-M cross formula (help page "How to Calculate Liquidation Price of USDⓈ-M Futures
Contracts") has terms for the one-way position of contract 1 and for its LONG and SHORT positions in hedge
mode; TMM₁ and UPNL₁ are those of the *other* contracts only::

    LP = (WB − TMM₁ + UPNL₁ + cumB + cumL + cumS − Side₁·Position₁BOTH·EP₁BOTH
          − Position₁LONG·EP₁LONG + Position₁SHORT·EP₁SHORT)
       / (Position₁BOTH·MMRB + Position₁LONG·MMRL + Position₁SHORT·MMRS
          − Side₁·Position₁BOTH − Position₁LONG + Position₁SHORT)

In hedge mode the BOTH terms are 0. The LONG leg of the same symbol is therefore not one of the "other"
positions valued at its mark: its P/L, Q_L·(LP − EP_L), and its maintenance, Q_L·LP·MMR_L − cum_L, move
with the same price as the SHORT leg's. Both legs have the one liquidation price. Each leg's bracket is the
one its own notional falls in, at the liquidation price where the rule values maintenance there (Binance),
at entry otherwise (then the maintenance terms are constants: Q·EP·MMR − amount). The formula has no fee
term: a rule with one is refused.

Sizes in BTC (linear contracts only); wallet, maintenance and P/L in USDT; prices in USD.
"""

from __future__ import annotations

import itertools

import numpy as np
from numpy.typing import ArrayLike

from althedge_xl.core._arrays import as_float_array, single
from althedge_xl.core.errors import BadNumberError
from althedge_xl.core.exchanges import ExchangeProfile, exchange_profile
from althedge_xl.core.liquidation_arrays import TIER_EDGE
from althedge_xl.core.tier_liquidation import fee_of, resolve_tiers
from althedge_xl.core.tiers import TierTable


def _value(value: ArrayLike, name: str, positive: bool) -> float:
    number = single(as_float_array(value, name), name)
    if not np.isfinite(number) or (positive and number <= 0):
        raise BadNumberError(f"{name} must be a finite number" + (" greater than 0" if positive else ""))
    return number


def hedge_mode_cross_liquidation(
    long_entry: ArrayLike,
    long_quantity: ArrayLike,
    short_entry: ArrayLike,
    short_quantity: ArrayLike,
    wallet_balance: ArrayLike,
    other_maintenance: ArrayLike = 0.0,
    other_pnl: ArrayLike = 0.0,
    rule: str | ExchangeProfile = "binance",
    tiers: ArrayLike | TierTable | None = None,
) -> float:
    """Liquidation price in USD of a symbol's LONG and SHORT positions (hedge mode) in a cross wallet.

    Parameters
    ----------
    long_entry, short_entry : scalar
        Entry prices of the LONG and SHORT positions, USD.
    long_quantity, short_quantity : scalar
        Their sizes in BTC, positive.
    wallet_balance : scalar
        The cross wallet balance WB, USDT, positive.
    other_maintenance, other_pnl : scalar, optional
        TMM₁ and UPNL₁: maintenance margin (not negative) and unrealised P/L of the account's *other*
        contracts, USDT (default 0).
    rule, tiers
        As in :func:`~althedge_xl.core.cross.cross_liquidation` (linear tiers of the rule's exchange).

    Returns
    -------
    float
        The liquidation price, unrounded: the lowest qualifying price when the SHORT is the larger leg,
        the highest when the LONG is.

    Examples
    --------
    0.5 BTC short at 100,000 and 0.2 BTC long at 95,000, 20,000 USDT, Binance bracket 1 (0.4 %, cum 0):
    (20,000 − 0.2·95,000 + 0.5·100,000) / (0.2·0.004 + 0.5·0.004 − 0.2 + 0.5).

    >>> round(hedge_mode_cross_liquidation(95_000, 0.2, 100_000, 0.5, 20_000), 2)
    168428.01
    """
    profile = exchange_profile(rule)
    if fee_of(None, profile) != 0:
        raise BadNumberError(f"{profile.label} has a fee term: Binance's hedge-mode formula has none")
    ep_l, q_l = _value(long_entry, "long_entry", True), _value(long_quantity, "long_quantity", True)
    ep_s, q_s = _value(short_entry, "short_entry", True), _value(short_quantity, "short_quantity", True)
    wallet = _value(wallet_balance, "wallet_balance", True)
    others, pnl = _value(other_maintenance, "other_maintenance", False), _value(other_pnl, "other_pnl", False)
    if others < 0:
        raise BadNumberError("other_maintenance must not be negative")
    if q_l == q_s:
        raise BadNumberError("the LONG and SHORT positions are the same size: no price liquidates them")
    table = resolve_tiers(tiers, profile, "linear")
    available = wallet - others + pnl
    at_entry = profile.valuation == "entry"
    pairs = (
        [(table.index(q_l * ep_l), table.index(q_s * ep_s))]
        if at_entry
        else itertools.product(range(len(table.rates)), repeat=2)
    )
    found = []
    for n_l, n_s in pairs:
        mmr_l, mmr_s = table.rates[n_l], table.rates[n_s]
        cum = table.amounts[n_l] + table.amounts[n_s]
        if at_entry:  # maintenance fixed at entry: (q_l - q_s) LP = maintenance - available + q_l ep_l - q_s ep_s
            fixed = q_l * ep_l * mmr_l + q_s * ep_s * mmr_s - cum
            price = (fixed - available + q_l * ep_l - q_s * ep_s) / (q_l - q_s)
        else:
            price = (available + cum - q_l * ep_l + q_s * ep_s) / (q_l * mmr_l + q_s * mmr_s - q_l + q_s)
        if not np.isfinite(price) or price <= 0:
            continue
        if at_entry or all(
            table.floors[n] * (1 - TIER_EDGE) <= q * price <= table.caps[n] * (1 + TIER_EDGE)
            for n, q in ((n_l, q_l), (n_s, q_s))
        ):
            found.append(price)
    if not found:
        raise BadNumberError("the positions cannot be liquidated at a positive price within the tiers given")
    return min(found) if q_s > q_l else max(found)

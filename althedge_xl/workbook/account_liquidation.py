"""AltHedge's liquidation price for a position the exchange reported, and how it was computed.

An isolated position is computed with :func:`~althedge_xl.core.liquidation.position_liquidation` (what
``HEDGE_LIQ_PRICE`` and the Hedge sheet use) with the isolated margin as collateral. A cross position's
collateral is the whole futures wallet: until AltHedge has a cross-margin function it is computed the same
way with the wallet balance as the position's collateral, and the method says so (other positions' margin
and unrealised P/L in the same wallet are not counted). :data:`CROSS_METHOD` is the one place to swap in a
cross-margin function.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import NamedTuple

from althedge_xl.core.errors import AltHedgeInputError
from althedge_xl.core.liquidation import position_liquidation
from althedge_xl.market.account.records import Position


class AltHedgeLiquidation(NamedTuple):
    """``price`` in USD (None with ``error`` when it cannot be computed) and ``method`` in words."""

    price: float | None
    method: str
    error: str | None


def _isolated_rule(position: Position, collateral: float, rule: str, tiers: Sequence[Sequence[float]] | None) -> float:
    leverage = position.leverage if position.leverage is not None else 1.0
    price, _, _, _ = position_liquidation(
        position.entry_price, position.size, leverage, collateral, position.side, position.contract, rule, tiers
    )
    return float(price)


#: The cross-margin computation: (position, wallet balance, rule, tiers) -> price. The wallet balance as the
#: position's collateral, by the isolated rule, until a cross-margin function replaces it here.
CROSS_METHOD: Callable[[Position, float, str, Sequence[Sequence[float]] | None], float] = _isolated_rule
CROSS_WORDS = (
    "cross: HEDGE_LIQ_PRICE's rule with the futures wallet balance ({wallet:,.2f} USDT) as collateral"
    " (no cross-margin function yet; other positions and unrealised P/L not counted)"
)


def althedge_liquidation(
    position: Position, wallet: float | None, rule: str, tiers: Sequence[Sequence[float]] | None
) -> AltHedgeLiquidation:
    """AltHedge's liquidation price of ``position`` by ``rule`` (``"binance"``/``"bybit"``) and ``tiers``."""
    tier_words = "the account's brackets" if tiers else f"{rule}'s default tiers"
    try:
        if position.margin_mode == "isolated":
            method = f"isolated: HEDGE_LIQ_PRICE's rule with the isolated margin ({position.isolated_margin:,.2f} USDT)"
            price = _isolated_rule(position, position.isolated_margin, rule, tiers)
        else:
            if not wallet:
                return AltHedgeLiquidation(None, "cross", "the futures wallet balance did not arrive")
            method = CROSS_WORDS.format(wallet=wallet)
            price = CROSS_METHOD(position, wallet, rule, tiers)
    except AltHedgeInputError as exc:
        return AltHedgeLiquidation(None, "", str(exc))
    return AltHedgeLiquidation(price, f"{method}, {tier_words}", None)

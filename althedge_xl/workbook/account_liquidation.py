"""AltHedge's liquidation price for a position the exchange reported, and how it was computed.

An isolated position is computed with :func:`~althedge_xl.core.liquidation.position_liquidation` (what
``HEDGE_LIQ_PRICE`` and the Hedge sheet use) with the isolated margin as collateral. A cross position
shares its wallet with the account's other cross positions: it is computed with
:func:`~althedge_xl.core.cross.cross_liquidation` (what ``HEDGE_LIQ_CROSS`` uses, Binance's published
cross formula), the exchange's rule applied to WB − TMM₁ + UPNL₁, where WB is the cross wallet balance
(Binance ``crossWalletBalance``), TMM₁ the other cross positions' maintenance margin and UPNL₁ their
unrealised P/L, both as the exchange reports them (isolated positions have wallets of their own and
count for nothing). When the exchange's answer lacks the maintenance margin or the P/L of another cross
position, the position is computed as before the others were read, by the isolated rule with the cross
wallet balance as collateral, and the method says which position's number was missing.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from althedge_xl.core.cross import cross_liquidation
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


def _name(position: Position) -> str:
    return f"{position.symbol.split(':')[0].replace('/', '')} {position.side}"


class CrossNeighbours(NamedTuple):
    """The other cross positions of ``position``'s wallet: their totals (USDT), and those lacking a number."""

    sharing: list[Position]
    maintenance: float
    pnl: float
    lacking: list[Position]


def cross_neighbours(position: Position, others: Sequence[Position]) -> CrossNeighbours:
    """TMM₁ and UPNL₁ of Binance's cross formula: the other cross positions' maintenance margin and P/L."""
    sharing = [p for p in others if p.margin_mode != "isolated" and p is not position]
    lacking = [p for p in sharing if p.maintenance_margin is None or p.unrealized_pnl is None]
    maintenance = sum(p.maintenance_margin or 0.0 for p in sharing)
    pnl = sum(p.unrealized_pnl or 0.0 for p in sharing)
    return CrossNeighbours(sharing, maintenance, pnl, lacking)


def _cross(
    position: Position, wallet: float, others: Sequence[Position], rule: str, tiers: Sequence[Sequence[float]] | None
) -> tuple[float, str]:
    """The cross price of ``position`` and its method in words (the fallback when a number is missing)."""
    sharing, maintenance, pnl, lacking = cross_neighbours(position, others)
    if lacking:
        missing = ", ".join(_name(p) for p in lacking)
        method = (
            f"cross: HEDGE_LIQ_PRICE's rule with the cross wallet balance ({wallet:,.2f} USDT) as collateral;"
            f" the exchange's answer lacks the maintenance margin or unrealised P/L of {missing}, so the other"
            " positions are not counted"
        )
        return _isolated_rule(position, wallet, rule, tiers), method
    price = cross_liquidation(
        position.entry_price,
        position.size,
        wallet,
        maintenance,
        pnl,
        position.side,
        position.contract,
        rule,
        tiers,
    )
    if not sharing:
        return price, f"cross: HEDGE_LIQ_CROSS with the cross wallet balance ({wallet:,.2f} USDT), no other position"
    names = ", ".join(_name(p) for p in sharing)
    method = (
        f"cross: HEDGE_LIQ_CROSS with the cross wallet balance ({wallet:,.2f} USDT) less the other positions'"
        f" maintenance margin ({maintenance:,.2f} USDT) plus their unrealised P/L ({pnl:,.2f} USDT): {names}"
    )
    return price, method


def althedge_liquidation(
    position: Position,
    wallet: float | None,
    rule: str,
    tiers: Sequence[Sequence[float]] | None,
    others: Sequence[Position] = (),
) -> AltHedgeLiquidation:
    """AltHedge's liquidation price of ``position`` by ``rule`` (``"binance"``/``"bybit"``) and ``tiers``.

    ``wallet``: the cross wallet balance (USDT); ``others``: the account's other positions (those in the
    cross margin mode count, each with the exchange's maintenance margin and unrealised P/L in USDT).
    """
    tier_words = "the account's brackets" if tiers else f"{rule}'s default tiers"
    try:
        if position.margin_mode == "isolated":
            method = f"isolated: HEDGE_LIQ_PRICE's rule with the isolated margin ({position.isolated_margin:,.2f} USDT)"
            price = _isolated_rule(position, position.isolated_margin, rule, tiers)
        else:
            if not wallet:
                return AltHedgeLiquidation(None, "cross", "the futures wallet balance did not arrive")
            price, method = _cross(position, wallet, others, rule, tiers)
    except AltHedgeInputError as exc:
        return AltHedgeLiquidation(None, "", str(exc))
    return AltHedgeLiquidation(price, f"{method}, {tier_words}", None)

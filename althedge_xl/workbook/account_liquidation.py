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

An inverse (COIN-M) position is computed the same way with ``contract="inverse"``: its size in the
exchange's contracts (the rule's ``contract_usd`` each), its collateral, wallet and the other positions'
maintenance margin and P/L in BTC, the other positions being those of the same BTC wallet; its tiers are
the account's COIN-M brackets (in BTC) when they were read, otherwise the rule's default inverse tiers.

In hedge mode (Binance ``positionSide`` LONG and SHORT) a cross position's opposite leg of the same
symbol is not one of the "other" positions: Binance's published formula gives it terms of its own, whose
P/L and maintenance move with the same price
(:func:`~althedge_xl.core.cross_hedge_mode.hedge_mode_cross_liquidation`); TMM₁ and UPNL₁ are then the
other symbols' only. That formula is the USDⓈ-M one: a COIN-M position's opposite leg is counted as one
of the other positions, at its mark.

Bybit (``positionIdx`` 1 and 2) publishes no hedge-mode formula for a cross position: its help centre says
only that the net position of hedged legs may be liquidated, and its API calls the ``liqPrice`` of a cross
position in a unified account an estimate. A Bybit leg's opposite leg is therefore counted as one of the
other positions at its mark (its maintenance margin and unrealised P/L as Bybit reports them), as the Hedge
sheet's cross block counts it, and the method says that this is AltHedge's approximation, not Bybit's
formula. Isolated legs are independent positions (Bybit: the margin of each is calculated on its own, in
hedge mode as in one-way mode), each computed with its own isolated margin.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from althedge_xl.core.cross import cross_liquidation
from althedge_xl.core.cross_hedge_mode import hedge_mode_cross_liquidation
from althedge_xl.core.errors import AltHedgeInputError
from althedge_xl.core.exchanges import exchange_profile
from althedge_xl.core.liquidation import position_liquidation
from althedge_xl.core.tier_liquidation import unit
from althedge_xl.market.account.records import Position

#: The exchanges whose published cross formula has hedge-mode terms (:mod:`~althedge_xl.core.cross_hedge_mode`).
HEDGE_MODE_FORMULA_EXCHANGES = frozenset({"binance"})


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


def describe(position: Position) -> str:
    """``"BTCUSDT short"``, ``"BTCUSD short (COIN-M)"``: the contract and side, in words."""
    kind = " (COIN-M)" if position.contract == "inverse" else ""
    return f"{position.symbol.split(':')[0].replace('/', '')} {position.side}{kind}"


class CrossNeighbours(NamedTuple):
    """The other cross positions of ``position``'s wallet: their totals (in the wallet's currency), and those lacking a number."""

    sharing: list[Position]
    maintenance: float
    pnl: float
    lacking: list[Position]


def cross_neighbours(position: Position, others: Sequence[Position]) -> CrossNeighbours:
    """TMM₁ and UPNL₁ of Binance's cross formula: the other cross positions' maintenance margin and P/L
    (``others`` are the positions of ``position``'s wallet)."""
    sharing = [p for p in others if p.margin_mode != "isolated" and p is not position]
    lacking = [p for p in sharing if p.maintenance_margin is None or p.unrealized_pnl is None]
    maintenance = sum(p.maintenance_margin or 0.0 for p in sharing)
    pnl = sum(p.unrealized_pnl or 0.0 for p in sharing)
    return CrossNeighbours(sharing, maintenance, pnl, lacking)


def opposite_leg(position: Position, others: Sequence[Position]) -> Position | None:
    """The other hedge-mode leg (LONG for a SHORT, SHORT for a LONG) of ``position``'s symbol in the cross
    wallet, or None (one-way mode, isolated, or no such leg)."""
    legs = {"LONG": "SHORT", "SHORT": "LONG"}
    if position.margin_mode == "isolated" or position.position_side not in legs:
        return None
    wanted = legs[position.position_side]
    return next(
        (
            p
            for p in others
            if p.symbol == position.symbol and p.position_side == wanted and p.margin_mode != "isolated"
        ),
        None,
    )


def _cross(
    position: Position, wallet: float, others: Sequence[Position], rule: str, tiers: Sequence[Sequence[float]] | None
) -> tuple[float, str]:
    """The cross price of ``position`` and its method in words (the fallback when a number is missing)."""
    leg = opposite_leg(position, others)
    published = exchange_profile(rule).exchange_name in HEDGE_MODE_FORMULA_EXCHANGES
    by_formula = leg is not None and published and position.contract == "linear"
    if by_formula:
        others = [p for p in others if p is not leg]
    sharing, maintenance, pnl, lacking = cross_neighbours(position, others)
    currency = unit(position.contract)
    if lacking:
        missing = ", ".join(describe(p) for p in lacking)
        method = (
            f"cross: HEDGE_LIQ_PRICE's rule with the cross wallet balance ({_amount(wallet, currency)}) as collateral;"
            f" the exchange's answer lacks the maintenance margin or unrealised P/L of {missing}, so the other"
            " positions are not counted"
        )
        return _isolated_rule(position, wallet, rule, tiers), method
    if leg is not None and by_formula:
        long_leg, short_leg = (leg, position) if position.side == "short" else (position, leg)
        price = hedge_mode_cross_liquidation(
            long_leg.entry_price,
            long_leg.size,
            short_leg.entry_price,
            short_leg.size,
            wallet,
            maintenance,
            pnl,
            rule,
            tiers,
        )
        others_words = f": {', '.join(describe(p) for p in sharing)}" if sharing else " (none)"
        method = (
            f"cross, hedge mode: Binance's formula with the {describe(leg)} leg ({leg.size:g} at"
            f" {leg.entry_price:,.2f}) moving with the price, the cross wallet balance ({_amount(wallet, currency)})"
            f" less the other symbols' maintenance margin ({_amount(maintenance, currency)}) plus their unrealised"
            f" P/L ({_amount(pnl, currency)}){others_words}"
        )
        return price, method
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
        return (
            price,
            f"cross: HEDGE_LIQ_CROSS with the cross wallet balance ({_amount(wallet, currency)}), no other position",
        )
    names = ", ".join(describe(p) for p in sharing)
    if leg is not None and not published and leg.maintenance_margin is not None and leg.unrealized_pnl is not None:
        label = exchange_profile(rule).label
        method = (
            f"cross, hedge mode: AltHedge's approximation, not {label}'s published formula ({label} publishes none"
            f" for hedge mode): HEDGE_LIQ_CROSS with the {describe(leg)} leg counted as another position at its mark"
            f" (maintenance {_amount(leg.maintenance_margin, currency)}, P/L {_amount(leg.unrealized_pnl, currency)}),"
            f" the cross wallet balance ({_amount(wallet, currency)}) less the other positions' maintenance margin"
            f" ({_amount(maintenance, currency)}) plus their unrealised P/L ({_amount(pnl, currency)}): {names}"
        )
        return price, method
    method = (
        f"cross: HEDGE_LIQ_CROSS with the cross wallet balance ({_amount(wallet, currency)}) less the other positions'"
        f" maintenance margin ({_amount(maintenance, currency)}) plus their unrealised P/L ({_amount(pnl, currency)}):"
        f" {names}"
    )
    return price, method


def _amount(value: float, currency: str) -> str:
    """``"5,000.00 USDT"``, ``"0.05000000 BTC"``: an amount with the decimals of its currency."""
    return f"{value:,.2f} {currency}" if currency == "USDT" else f"{value:,.8f} {currency}"


def althedge_liquidation(
    position: Position,
    wallet: float | None,
    rule: str,
    tiers: Sequence[Sequence[float]] | None,
    others: Sequence[Position] = (),
) -> AltHedgeLiquidation:
    """AltHedge's liquidation price of ``position`` by ``rule`` (``"binance"``/``"bybit"``) and ``tiers``.

    ``wallet``: the cross wallet balance (USDT linear, BTC inverse); ``others``: the other positions of that
    wallet (those in the cross margin mode count, each with the exchange's maintenance margin and unrealised
    P/L in the wallet's currency). ``tiers`` are the account's brackets of the position's contract (USDT
    floors for linear, BTC for inverse), None for the rule's default table of that contract.
    """
    tier_words = "the account's brackets" if tiers else f"{rule}'s default {position.contract} tiers"
    try:
        if position.margin_mode == "isolated":
            margin = _amount(position.isolated_margin, unit(position.contract))
            method = f"isolated: HEDGE_LIQ_PRICE's rule with the isolated margin ({margin})"
            price = _isolated_rule(position, position.isolated_margin, rule, tiers)
        else:
            if not wallet:
                return AltHedgeLiquidation(None, "cross", "the futures wallet balance did not arrive")
            price, method = _cross(position, wallet, others, rule, tiers)
    except AltHedgeInputError as exc:
        return AltHedgeLiquidation(None, "", str(exc))
    return AltHedgeLiquidation(price, f"{method}, {tier_words}", None)

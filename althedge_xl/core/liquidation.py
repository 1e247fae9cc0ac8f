"""Liquidation with the exchange's tier table: the price of one position, its margin buffer, a notional's tier.

Binance's rule looks the tier up at the notional **at the liquidation price** (and values the
maintenance margin there); Bybit's at the notional **at entry**. A tier table belongs to one
exchange: a table of one exchange is never used with the other's rule. Leverage above the
maximum of the position's tier at entry is refused, as the exchange refuses the order.

A blank maintenance rate (:func:`liquidation_price`, :func:`margin_buffer`) means the default
table's tier for the position, never its first tier silently; only when the size is unknown too
does the first tier apply, with its maximum leverage. :mod:`althedge_xl.core.spike` builds on the
same kernel for the BTC spike a short survives.

Sizes: BTC for linear contracts, contracts for inverse ones (``contract_usd`` USD each).
Collateral: USDT for linear, BTC for inverse. Notionals in USD.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from althedge_xl.core._arrays import Result, as_float_array, broadcast, finish, require, require_finite, single
from althedge_xl.core.conventions import (
    CONTRACTS,
    DEFAULT_TIERS,
    INVERSE_CONTRACT_USD,
    RULES,
    SIDES,
    parse_choice,
)
from althedge_xl.core.errors import BadNumberError, MissingValueError, WrongTypeError
from althedge_xl.core.liquidation_arrays import TIER_EDGE, liquidation_many
from althedge_xl.core.margin import check_leverage, liquidation_price_in_tier, position_notional, price_in_tier
from althedge_xl.core.tiers import TierTable, tier_table


def resolve_tiers(tiers: ArrayLike | TierTable | None, rule: str, contract: str) -> TierTable:
    """The tier table to use: the rule's default for the contract, or the user's, checked.

    Rows from a worksheet are taken as the rule's exchange's; a :class:`TierTable` of another
    exchange is refused.

    >>> resolve_tiers(None, "binance", "linear").described()
    'Binance BTCUSDT (recorded 2026-03-05)'
    """
    if tiers is None:
        return DEFAULT_TIERS[(rule, contract)]
    if isinstance(tiers, TierTable):
        if tiers.exchange != rule:
            raise WrongTypeError(
                f"the tiers are {tiers.exchange.capitalize()}'s but the rule is {rule}: "
                "use that exchange's tiers with its rule"
            )
        return tiers
    return tier_table(tiers, exchange=rule, check_amounts=rule == "binance")


def _size(quantity: float, contract: str, contract_usd: float) -> float:
    return quantity if contract == "linear" else quantity * contract_usd


def _unit(contract: str) -> str:
    return "USDT" if contract == "linear" else "BTC"


def _check_tier_leverage(table: TierTable, notional: float, leverage: float, contract: str) -> None:
    """Refuse a leverage above the maximum of the tier the position is in at entry."""
    n = table.index(notional)
    allowed = table.max_leverage[n]
    if leverage > allowed:
        raise BadNumberError(
            f"{table.exchange.capitalize()} allows at most {allowed:g}× for a "
            f"{notional:,.{0 if contract == 'linear' else 4}f} {_unit(contract)} position"
        )


@np.errstate(all="ignore")  # overflow gives inf: #NUM! in a cell
def position_liquidation(
    entry_price: ArrayLike,
    quantity: ArrayLike,
    leverage: ArrayLike,
    collateral: ArrayLike | None = None,
    side: str = "short",
    contract: str = "linear",
    rule: str = "binance",
    tiers: ArrayLike | TierTable | None = None,
    contract_usd: ArrayLike = INVERSE_CONTRACT_USD,
) -> tuple[float, float, float, float]:
    """Liquidation price of one position and the tier it is computed in.

    Parameters
    ----------
    entry_price : scalar
        Entry price in USD.
    quantity : scalar
        Position size: BTC (linear) or contracts (inverse), positive.
    leverage : scalar
        The position's leverage, 1 to the maximum of its tier at entry.
    collateral : scalar, optional
        Wallet balance of the position, margin added included (USDT linear, BTC inverse);
        default notional / leverage.
    side : {"short", "long"}
    contract : {"linear", "inverse"}
    rule : {"binance", "bybit"}
    tiers : array_like or TierTable, optional
        Rows ``floor, cap, mmr, amount, max leverage`` of the rule's exchange; default the
        rule's table for the contract (Binance: the BTCUSDT brackets recorded 2026-03-05).
    contract_usd : scalar, optional
        USD face value of one inverse contract (default 100).

    Returns
    -------
    (price, mmr, amount, max_leverage)
        The liquidation price in USD and the tier's rate, amount and maximum leverage: the tier
        at the liquidation price (Binance) or at entry (Bybit).

    Notes
    -----
    Binance: the price is computed in every tier with :func:`~althedge_xl.core.margin.price_in_tier`;
    the one whose notional at that price falls in the tier is the answer. Because the amounts
    follow the exchanges' rule the maintenance margin is continuous in the notional, and exactly
    one tier qualifies.

    Examples
    --------
    A short of 10 BTC at 100,000 with 75× (notional 1,000,000: Binance's bracket 3, 0.65 %, cum
    1,500, at most 75×): LP = (1,000,000 / 75 + 1,500 + 1,000,000) / (10 · 1.0065) = 100,827.95.

    >>> price, mmr, amount, most = position_liquidation(100_000, 10, 75)
    >>> round(price, 2), mmr, amount, most
    (100827.95, 0.0065, 1500.0, 75.0)
    """
    direction = parse_choice(side, "side", SIDES)
    kind = parse_choice(contract, "contract", CONTRACTS)
    which = parse_choice(rule, "rule", RULES)
    ep = _positive(entry_price, "entry_price")
    qty = _positive(quantity, "quantity")
    face = _positive(contract_usd, "contract_usd")
    lev_array = as_float_array(leverage, "leverage")
    check_leverage(lev_array)
    lev = single(lev_array, "leverage")
    table = resolve_tiers(tiers, which, kind)
    size = _size(qty, kind, face)
    notional = float(position_notional(np.float64(size), np.float64(ep), kind))
    _check_tier_leverage(table, notional, lev, kind)
    wallet = notional / lev if collateral is None else _positive(collateral, "collateral")
    return liquidation_in_table(table, ep, size, wallet, direction, kind, which)


def liquidation_in_table(
    table: TierTable, ep: float, size: float, wallet: float, side: str, contract: str, rule: str
) -> tuple[float, float, float, float]:
    """The kernel of :func:`position_liquidation`, inputs checked; ``size`` is Q BTC or S USD."""
    notional = float(position_notional(np.float64(size), np.float64(ep), contract))
    entry_tier = table.index(notional)
    maintenance = notional * table.rates[entry_tier] - table.amounts[entry_tier]
    if wallet <= maintenance:
        raise BadNumberError(
            f"the collateral {wallet:,.2f} does not exceed the maintenance margin at entry "
            f"{maintenance:,.2f} {_unit(contract)}: the position would be liquidated at once"
        )
    candidates = [entry_tier] if rule == "bybit" else range(len(table.rates))
    found = []
    for n in candidates:
        price = _price(ep, size, wallet, table, n, side, contract, rule)
        if price is None:
            continue
        at = float(position_notional(np.float64(size), np.float64(price), contract))
        if rule == "bybit" or table.floors[n] * (1 - TIER_EDGE) <= at <= table.caps[n] * (1 + TIER_EDGE):
            found.append((price, n))
    if not found:
        if rule == "bybit" or _price(ep, size, wallet, table, entry_tier, side, contract, rule) is None:
            raise BadNumberError(
                "the position cannot be liquidated at a positive price: its margin covers its whole value"
            )
        raise MissingValueError(
            f"the liquidation price lies beyond the last tier of {table.described()}: give the exchange's full table"
        )
    price, n = min(found) if side == "short" else max(found)
    return price, table.rates[n], table.amounts[n], table.max_leverage[n]


def _positive(value: ArrayLike, name: str) -> float:
    number = single(as_float_array(value, name), name)
    if not np.isfinite(number):
        raise BadNumberError(f"{name} must be a finite number")
    if number <= 0:
        raise BadNumberError(f"{name} must be greater than 0")
    return number


def _price(
    ep: float, size: float, wallet: float, table: TierTable, n: int, side: str, contract: str, rule: str
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
            rule,
        )
    )
    return price if np.isfinite(price) and price > 0 else None


def maintenance_tier(
    notional: ArrayLike,
    tiers: ArrayLike | TierTable | None = None,
    rule: str = "binance",
    contract: str = "linear",
) -> tuple[float, float, float]:
    """Maintenance rate, maintenance amount and maximum leverage of the tier a notional falls in.

    Parameters
    ----------
    notional : scalar
        Position notional (USDT for linear, BTC for inverse), non-negative.
    tiers, rule, contract
        As in :func:`position_liquidation` (default Binance's BTCUSDT brackets of 2026-03-05).

    Examples
    --------
    A 250,000 USDT position is in Binance's first bracket (0–300,000): 0.40 %, cum 0, 150×.

    >>> maintenance_tier(250_000)
    (0.004, 0.0, 150.0)
    """
    table = resolve_tiers(tiers, parse_choice(rule, "rule", RULES), parse_choice(contract, "contract", CONTRACTS))
    value = single(as_float_array(notional, "notional"), "notional")
    if not np.isfinite(value) or value < 0:
        raise BadNumberError("notional must be a finite number, not negative")
    n = table.index(value)
    return table.rates[n], table.amounts[n], table.max_leverage[n]


@np.errstate(all="ignore")  # overflow gives inf: #NUM! in a cell
def liquidation_price(
    entry_price: ArrayLike,
    leverage: ArrayLike,
    mmr: ArrayLike | None = None,
    maint_amount: ArrayLike | None = None,
    side: str = "short",
    contract: str = "linear",
    quantity: ArrayLike | None = None,
    collateral: ArrayLike | None = None,
    rule: str = "binance",
    contract_usd: ArrayLike = INVERSE_CONTRACT_USD,
) -> Result:
    """Liquidation price of a position in USD: in the tier given, or in the default table's tier for it.

    Parameters
    ----------
    entry_price, leverage, side, contract, collateral, rule, contract_usd
        As in :func:`~althedge_xl.core.margin.liquidation_price_in_tier` (leverage 1–150).
    mmr : array_like, optional
        The tier's maintenance margin rate as a fraction. Given, the price is computed in that
        one tier (with ``maint_amount``, default 0). Blank, the tier is the one the default table
        of ``rule`` and ``contract`` gives this position, looked up as the exchange does
        (:func:`position_liquidation`), and the leverage must be at most that tier's maximum.
    maint_amount : array_like, optional
        The tier's maintenance amount; only with ``mmr``.
    quantity : array_like, optional
        Position size (BTC linear, contracts inverse). With ``mmr`` blank it decides the tier;
        if it is blank too the size is unknown and the **first tier** of the default table
        applies (Binance BTCUSDT: 0.40 %, cum 0, at most 150×).

    Returns
    -------
    float or ndarray
        The liquidation price in USD, the broadcast shape of the inputs.

    Examples
    --------
    Size unknown, first bracket: a 20× short from 100,000 liquidates at 104,581.67 (DESIGN.md).

    >>> round(liquidation_price(100_000, 20), 2)
    104581.67

    10 BTC at 100,000 is 1,000,000 USDT: Binance's bracket 3 (0.65 %, cum 1,500, at most 75×).

    >>> round(liquidation_price(100_000, 75, quantity=10), 2)
    100827.95
    >>> liquidation_price(100_000, 125, quantity=10)
    Traceback (most recent call last):
    ...
    althedge_xl.core.errors.BadNumberError: Binance allows at most 75× for a 1,000,000 USDT position
    """
    if mmr is not None:
        amount = 0.0 if maint_amount is None else maint_amount
        return liquidation_price_in_tier(
            entry_price, leverage, mmr, amount, side, contract, quantity, collateral, rule, contract_usd
        )
    if maint_amount is not None:
        raise MissingValueError(
            "maint_amount is given without mmr: give the tier's rate too, or leave both blank for the default table's tier"
        )
    direction = parse_choice(side, "side", SIDES)
    kind = parse_choice(contract, "contract", CONTRACTS)
    which = parse_choice(rule, "rule", RULES)
    table = DEFAULT_TIERS[(which, kind)]
    if quantity is None:  # the size is unknown: the first tier, with its maximum leverage
        lev = as_float_array(leverage, "leverage")
        check_leverage(lev)
        require(
            lev <= table.max_leverage[0],
            f"{table.exchange.capitalize()} allows at most {table.max_leverage[0]:g}× in its first tier; "
            "give the quantity for the position's own tier",
        )
        return liquidation_price_in_tier(
            entry_price,
            leverage,
            table.rates[0],
            table.amounts[0],
            direction,
            kind,
            None,
            collateral,
            which,
            contract_usd,
        )
    named = {
        "entry_price": as_float_array(entry_price, "entry_price"),
        "quantity": as_float_array(quantity, "quantity"),
        "leverage": as_float_array(leverage, "leverage"),
        "contract_usd": as_float_array(contract_usd, "contract_usd"),
    }
    if collateral is not None:
        named["collateral"] = as_float_array(collateral, "collateral")
    arrays = dict(zip(named, broadcast(**named), strict=True))

    def kernel(ep: float, qty: float, lev: float, face: float, *wallet: float) -> float:
        try:
            posted = wallet[0] if wallet else None
            return position_liquidation(ep, qty, lev, posted, direction, kind, which, table, face)[0]
        except MissingValueError as exc:  # beyond the default table: the tier can be given by hand
            raise MissingValueError(f"{exc}, or this position's tier as mmr and maint_amount") from None

    ep, qty, lev, face = (arrays[name] for name in ("entry_price", "quantity", "leverage", "contract_usd"))
    return liquidation_many(table, direction, kind, which, ep, qty, lev, face, arrays.get("collateral"), kernel)


@np.errstate(all="ignore")  # overflow gives inf: #NUM! in a cell
def margin_buffer(
    entry_price: ArrayLike,
    mark_price: ArrayLike,
    leverage: ArrayLike,
    mmr: ArrayLike | None = None,
    maint_amount: ArrayLike | None = None,
    contract: str = "linear",
    quantity: ArrayLike | None = None,
    collateral: ArrayLike | None = None,
    rule: str = "binance",
    contract_usd: ArrayLike = INVERSE_CONTRACT_USD,
) -> Result:
    """How far BTC can rise from the mark price before the short hedge is liquidated.

    Parameters are those of :func:`liquidation_price` for a short (a blank ``mmr``: the default
    table's tier for the position), plus ``mark_price`` (USD).

    Returns
    -------
    float or ndarray
        ``LP / mark_price − 1`` as a fraction: 0.05 means a 5 % rise liquidates the short.
        Negative when the mark is already beyond the liquidation price.

    Examples
    --------
    A 20× short entered at 100,000 with BTC now at 102,000 survives a further 2.53 % rise:

    >>> round(margin_buffer(100_000, 102_000, 20), 6)
    0.025311
    """
    mark = as_float_array(mark_price, "mark_price")
    require_finite(mark, "mark_price")
    require(mark > 0, "mark_price must be greater than 0")
    price = as_float_array(
        liquidation_price(
            entry_price, leverage, mmr, maint_amount, "short", contract, quantity, collateral, rule, contract_usd
        ),
        "liquidation price",
    )
    price, mark = broadcast(liquidation_price=price, mark_price=mark)
    return finish(price / mark - 1.0)

"""Liquidation with the exchange's tier table: the price, the collateral a BTC spike needs, the spike survived.

Binance's rule looks the tier up at the notional **at the liquidation price** (and values the
maintenance margin there); Bybit's at the notional **at entry**. A tier table belongs to one
exchange: a table of one exchange is never used with the other's rule. Leverage above the
maximum of the position's tier at entry is refused, as the exchange refuses the order.

Sizes: BTC for linear contracts, contracts for inverse ones (``contract_usd`` USD each).
Collateral: USDT for linear, BTC for inverse. Notionals in USD.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from althedge_xl.core._arrays import Result, as_float_array, broadcast, require, require_finite, single
from althedge_xl.core.conventions import (
    CONTRACTS,
    DEFAULT_TIERS,
    INVERSE_CONTRACT_USD,
    RULES,
    SIDES,
    parse_choice,
)
from althedge_xl.core.errors import BadNumberError, MissingValueError, WrongTypeError
from althedge_xl.core.liquidation_arrays import TIER_EDGE as _EDGE
from althedge_xl.core.liquidation_arrays import collateral_many, rise_survived_many
from althedge_xl.core.margin import check_leverage, position_notional, price_in_tier
from althedge_xl.core.tiers import TierTable, tier_table

#: Largest BTC rise the spike functions accept (+1,000 %); above it is almost surely a per cent typed as a number.
MAX_RISE = 10.0


def resolve_tiers(tiers: ArrayLike | TierTable | None, rule: str, contract: str) -> TierTable:
    """The tier table to use: the rule's default for the contract, or the user's, checked.

    Rows from a worksheet are taken as the rule's exchange's; a :class:`TierTable` of another
    exchange is refused.

    >>> resolve_tiers(None, "binance", "linear").described()
    'Binance BTCUSDT (recorded 2024-10-24)'
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
        rule's table for the contract (Binance: the BTCUSDT brackets recorded 2024-10-24).
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
    A short of 1 BTC at 60,000 with 10× (notional 60,000: Binance's bracket 2, 0.50 %, cum 50):
    LP = (6,000 + 50 + 60,000) / 1.005 = 65,721.39.

    >>> price, mmr, amount, most = position_liquidation(60_000, 1, 10)
    >>> round(price, 2), mmr, amount, most
    (65721.39, 0.005, 50.0, 100.0)
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
    return _liquidation(table, ep, size, wallet, direction, kind, which)


def _liquidation(
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
        if rule == "bybit" or table.floors[n] * (1 - _EDGE) <= at <= table.caps[n] * (1 + _EDGE):
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


@np.errstate(all="ignore")  # overflow gives inf: #NUM! in a cell
def collateral_for_rise(
    notional: ArrayLike,
    entry_price: ArrayLike,
    rise: ArrayLike,
    contract: str = "linear",
    rule: str = "binance",
    tiers: ArrayLike | TierTable | None = None,
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
    contract, rule, tiers
        As in :func:`position_liquidation`.

    Returns
    -------
    float or ndarray
        The wallet balance (USDT for linear, BTC for inverse) at which the short's liquidation
        price is exactly EP·(1 + rise). An exchange opens no position with less than
        notional / (the tier's maximum leverage): compare the result with it.

    Notes
    -----
    With LP = EP·(1 + rise) and the tier at LP's notional (Binance) or at entry (Bybit), the
    liquidation equations of :func:`~althedge_xl.core.margin.price_in_tier` solved for WB:
    Binance linear WB = Q·LP·(1 + MMR) − cum − Q·EP; Bybit linear WB = Q·(LP − EP) + Q·EP·MMR − d;
    Binance inverse WB = S/EP − cum − S·(1 − MMR)/LP; Bybit inverse WB = S·(1/EP − 1/LP) + S·MMR/EP − d.

    Examples
    --------
    To survive +40 % from 100,000, a 20,000 USDT short (0.2 BTC) by Binance's rule needs
    0.2 · 140,000 · 1.004 − 20,000 = 8,112 USDT (its notional at LP, 28,000, is in bracket 1):

    >>> round(collateral_for_rise(20_000, 100_000, 0.40), 2)
    8112.0
    """
    kind = parse_choice(contract, "contract", CONTRACTS)
    which = parse_choice(rule, "rule", RULES)
    table = resolve_tiers(tiers, which, kind)
    amount = as_float_array(notional, "notional")
    ep = as_float_array(entry_price, "entry_price")
    up = as_float_array(rise, "rise")
    amount, ep, up = broadcast(notional=amount, entry_price=ep, rise=up)
    for values, name in ((amount, "notional"), (ep, "entry_price"), (up, "rise")):
        require_finite(values, name)
        require(values > 0, f"{name} must be greater than 0")
    _check_rise(up)

    def needed(n: float, e: float, r: float) -> float:
        lp = e * (1 + r)
        if kind == "linear":
            q = n / e
            if which == "binance":
                t = table.index(q * lp)
                return q * lp * (1 + table.rates[t]) - table.amounts[t] - q * e
            t = table.index(n)
            return q * (lp - e) + n * table.rates[t] - table.amounts[t]
        if which == "binance":
            t = table.index(n / lp)
            return n / e - table.amounts[t] - n * (1 - table.rates[t]) / lp
        t = table.index(n / e)
        return n * (1 / e - 1 / lp) + n * table.rates[t] / e - table.amounts[t]

    return collateral_many(table, kind, which, amount, ep, up, needed)


@np.errstate(all="ignore")  # overflow gives inf: #NUM! in a cell
def rise_survived(
    collateral: ArrayLike,
    notional: ArrayLike,
    entry_price: ArrayLike,
    contract: str = "linear",
    rule: str = "binance",
    tiers: ArrayLike | TierTable | None = None,
) -> Result:
    """The BTC rise from entry a short of ``notional`` USD with ``collateral`` survives: LP / EP − 1.

    Parameters are those of :func:`collateral_for_rise`, with the collateral (USDT for linear,
    BTC for inverse) in place of the rise.

    Examples
    --------
    The collateral of the example of :func:`collateral_for_rise` survives exactly +40 %:

    >>> round(rise_survived(8_112, 20_000, 100_000), 10)
    0.4
    """
    kind = parse_choice(contract, "contract", CONTRACTS)
    which = parse_choice(rule, "rule", RULES)
    table = resolve_tiers(tiers, which, kind)
    wallet = as_float_array(collateral, "collateral")
    amount = as_float_array(notional, "notional")
    ep = as_float_array(entry_price, "entry_price")
    wallet, amount, ep = broadcast(collateral=wallet, notional=amount, entry_price=ep)
    for values, name in ((wallet, "collateral"), (amount, "notional"), (ep, "entry_price")):
        require_finite(values, name)
        require(values > 0, f"{name} must be greater than 0")

    def survived(w: float, n: float, e: float) -> float:
        price, *_ = _liquidation(table, e, n / e if kind == "linear" else n, w, "short", kind, which)
        return price / e - 1

    return rise_survived_many(table, kind, which, wallet, amount, ep, survived)


def _check_rise(rise: np.ndarray) -> None:
    if np.any(rise > MAX_RISE):
        value = float(rise[rise > MAX_RISE].flat[0])
        raise BadNumberError(
            f"rise {value:g} is +{value * 100:,.0f}%: rises are fractions, did you mean {value:g}% ({value / 100:g})?"
        )


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
        As in :func:`position_liquidation` (default Binance's BTCUSDT brackets of 2024-10-24).

    Examples
    --------
    A 60,000 USDT position is in Binance's bracket 2 (50,000–600,000): 0.50 %, cum 50, 100×.

    >>> maintenance_tier(60_000)
    (0.005, 50.0, 100.0)
    """
    table = resolve_tiers(tiers, parse_choice(rule, "rule", RULES), parse_choice(contract, "contract", CONTRACTS))
    value = single(as_float_array(notional, "notional"), "notional")
    if not np.isfinite(value) or value < 0:
        raise BadNumberError("notional must be a finite number, not negative")
    n = table.index(value)
    return table.rates[n], table.amounts[n], table.max_leverage[n]

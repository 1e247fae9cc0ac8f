"""The account's BTC futures positions: the Account sheet's table, the Hedge sheet's inputs, "Exchange says".

Which short is the hedge (:mod:`~althedge_xl.market.account.hedge_choice`). Every BTC position the account holds is read: USDⓈ-M ``BTC/USDT:USDT``
(linear, sized in BTC, margined in USDT) and COIN-M ``BTC/USD:BTC`` (inverse, sized in the exchange's
contracts, margined in BTC; dated ``BTC/USD:BTC-YYMMDD`` too). Each is valued in USD: linear size × mark
price (entry when the answer has no mark), inverse contracts × the contract's USD face value (the rule's
``contract_usd``: Binance 100, Bybit 1). The short of the largest USD notional is the hedge; every other
BTC short is listed on the Account sheet and named in a note, never added to it: a linear and an inverse
short have different wallets, collateral currencies and liquidation prices, and their sum is no position
the exchange liquidates. With no short open, ``HELD`` is 0 and the largest BTC position's liquidation
price is still compared.

Hedge inputs of an inverse short: ``CONTRACT_TYPE`` "inverse", ``HELD`` in the exchange's own contracts
(the Hedge sheet sizes inverse contracts by the exchange ``HEDGE_RULE`` names: Binance 100 USD, Bybit 1 USD),
``COLLATERAL`` and the cross block in BTC.

Hedge mode (LONG and SHORT positions of one symbol: Binance ``positionSide``, Bybit ``positionIdx`` 1 and 2):
the SHORT leg is the hedge. The Hedge sheet's cross block takes one position and fixed "other" numbers, so
the LONG leg's maintenance margin and P/L at its mark are counted there as "other" (a note says so);
"Exchange says" computes Binance's formula, in which the LONG leg moves with the price, and for Bybit, which
publishes no hedge-mode formula, counts the LONG leg at its mark as the Hedge sheet does and says it is
AltHedge's approximation (:mod:`~althedge_xl.workbook.account_liquidation`).

The "Exchange says" flag is raised when the two prices are more than a tick apart: the tick of the
position's market as ccxt loaded it, else the rule's profile's tick for the contract.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace

from althedge_xl.core.exchanges import dated_rules, exchange_profile
from althedge_xl.market.account.hedge_choice import is_btc, position_usd
from althedge_xl.market.account.positions import in_isolated_account
from althedge_xl.market.account.records import AccountSnapshot, FuturesWallet, Position, position_key
from althedge_xl.workbook import account_layout as ax
from althedge_xl.workbook.account_liquidation import (
    HEDGE_MODE_FORMULA_EXCHANGES,
    althedge_liquidation,
    cross_neighbours,
    describe,
    opposite_leg,
)
from althedge_xl.workbook.patch import CellValue

#: The rule's tick when neither the market nor the profile has one (USD).
FALLBACK_TICK = 0.1


def with_wallet_maintenance(positions: Sequence[Position], wallet: FuturesWallet | None) -> list[Position]:
    """``positions`` with the maintenance margin the wallet's answer gives where the position's has none."""
    found = wallet.maintenance if wallet is not None else {}
    return [
        replace(p, maintenance_margin=found[key])
        if p.maintenance_margin is None and (key := position_key(p.symbol, p.position_side)) in found
        else p
        for p in positions
    ]


def positions_cells(
    snapshot: AccountSnapshot,
    hedge: dict[str, CellValue],
    account: dict[str, CellValue],
    notes: list[str],
    tiers: Mapping[str, Sequence[Sequence[float]] | None],
) -> None:
    """Fill ``hedge`` (by defined name), ``account`` (by cell) and ``notes`` from ``snapshot``'s positions.

    ``tiers``: the account's brackets by contract (``"linear"``: BTCUSDT's in USDT, ``"inverse"``: COIN-M
    BTCUSD's in BTC), None where they did not arrive (then the rule's default table of that contract).

    Nothing is written when either kind of position did not arrive: the hedge cannot be chosen from half
    the account.
    """
    linear: list[Position] | None = snapshot.value("futures positions")
    inverse: list[Position] | None = snapshot.value("COIN-M positions")
    if linear is None or inverse is None:
        if linear is not None or inverse is not None:
            missing = "USDⓈ-M" if linear is None else "COIN-M"
            notes.append(
                f"the {missing} positions did not arrive: the positions and the Hedge inputs are kept as before"
            )
        return
    usdt_wallet: FuturesWallet | None = snapshot.value("futures wallet")
    coin_wallet: FuturesWallet | None = snapshot.value("COIN-M wallet")
    inverse = with_wallet_maintenance(inverse, coin_wallet)
    account_mode: str | None = snapshot.value("account margin mode")
    linear, inverse = in_isolated_account(linear, account_mode), in_isolated_account(inverse, account_mode)
    rule = snapshot.exchange if snapshot.exchange in ("binance", "bybit", "okx") else "binance"
    profile = exchange_profile(rule)
    face = profile.face_value()
    btc = sorted((p for p in [*linear, *inverse] if is_btc(p)), key=lambda p: -position_usd(p, face))
    _table(account, btc)
    says = ax.says_cells()
    shorts = [p for p in btc if p.side == "short"]
    if not btc:
        hedge["HELD"] = 0
        account.update({cell: None for cell in says.values()})
        account[says["SAYS_METHOD"]] = "no BTC futures position is open"
        return
    compared = shorts[0] if shorts else btc[0]
    for other in shorts[1:]:
        notes.append(
            f"{len(shorts)} BTC shorts are open: the hedge is {describe(compared)} ({position_usd(compared, face):,.0f}"
            f" USD), the largest by USD notional; {describe(other)} ({position_usd(other, face):,.0f} USD) is listed"
            " on the Account sheet, not added to it"
        )
    if compared.contract == "linear":
        others, wallet = linear, usdt_wallet.cross.get("USDT") if usdt_wallet else None
    else:  # Binance's COIN-M wallet is its own; Bybit's unified wallet margins inverse contracts too
        source = coin_wallet if coin_wallet is not None else usdt_wallet
        others, wallet = inverse, source.cross.get("BTC") if source else None
    others = [p for p in others if p is not compared]
    if shorts:
        _hedge_inputs(hedge, notes, compared, wallet, rule, others)
    else:
        hedge["HELD"] = 0
    own_tiers = tiers.get(compared.contract)
    ours = althedge_liquidation(compared, wallet, rule, own_tiers, others)
    prefix = "" if shorts else f"no BTC short is open; the {compared.side}: "
    theirs = compared.liquidation_price
    account[says["SAYS_EXCHANGE"]] = theirs
    account[says["SAYS_ALTHEDGE"]] = ours.price if ours.price is not None else ours.error
    difference = ours.price - theirs if ours.price is not None and theirs is not None else None
    account[says["SAYS_DIFFERENCE"]] = difference
    tick = compared.price_tick or profile.ticks.get(compared.contract) or FALLBACK_TICK
    flag = None if difference is None else ("YES" if abs(difference) > tick + 1e-9 else "no")
    account[says["SAYS_FLAG"]] = flag
    account[says["SAYS_METHOD"]] = (prefix + ours.method if ours.method else ours.error or "") + _dated_rules_text(
        compared, wallet, rule, own_tiers, others, theirs, ours.price, tick
    )
    account[says["SAYS_POSITION"]] = (
        f"{describe(compared)}, {compared.size:g} {'BTC' if compared.contract == 'linear' else 'contracts'}"
        f" ({position_usd(compared, face):,.0f} USD); tick {tick:g} USD"
    )
    if flag == "YES":
        notes.append(
            f"{snapshot.exchange}'s liquidation price {theirs:,.2f} and AltHedge's {ours.price:,.2f} differ by"
            f" {difference:+,.2f} USD, more than a tick of {tick:g} ({ours.method})"
        )


def _dated_rules_text(
    position: Position,
    wallet: float | None,
    rule: str,
    tiers: Sequence[Sequence[float]] | None,
    others: Sequence[Position],
    theirs: float | None,
    ours: float | None,
    tick: float,
) -> str:
    """The same position by each dated rule of ``rule``'s exchange, and which rule the exchange's price matches.

    Empty for an exchange with no dated rule. A rule matches when its price is within ``tick`` (USD) of
    the exchange's.
    """
    names = dated_rules(rule)
    if not names:
        return ""
    parts, matching = [], []
    if ours is not None and theirs is not None and abs(ours - theirs) <= tick + 1e-9:
        matching.append(rule)
    for name in names:
        other = althedge_liquidation(position, wallet, name, tiers, others)
        label = exchange_profile(name).label
        if other.price is None:
            parts.append(f"; by {name} ({label}): {other.error}")
            continue
        apart = "" if theirs is None else f", {other.price - theirs:+,.2f} USD from the exchange's"
        parts.append(f"; by {name} ({label}): {other.price:,.2f}{apart}")
        if theirs is not None and abs(other.price - theirs) <= tick + 1e-9:
            matching.append(name)
    if theirs is not None:
        parts.append(
            f"; the exchange's price matches {' and '.join(matching)} within a tick"
            if matching
            else f"; the exchange's price matches neither {rule} nor {' nor '.join(names)} within a tick"
        )
    return "".join(parts)


def _table(account: dict[str, CellValue], positions: list[Position]) -> None:
    for i in range(ax.POSITION_ROWS):
        values: tuple[CellValue, ...] = (None,) * len(ax.POSITION_COLUMNS)
        if i < len(positions):
            p = positions[i]
            leverage = f"{p.leverage:g} (notional / initial margin)" if p.leverage_derived else p.leverage
            values = (
                f"{p.symbol} {p.position_side}",
                p.side,
                p.size,
                p.entry_price,
                p.mark_price,
                leverage,
                p.margin_mode,
                p.isolated_margin if p.margin_mode == "isolated" else None,
                p.unrealized_pnl,
                p.liquidation_price,
            )
        for col, value in zip(ax.POSITION_COLUMNS, values, strict=True):
            account[f"{col}{ax.POSITION_FIRST_ROW + i}"] = value


def _hedge_inputs(
    hedge: dict[str, CellValue],
    notes: list[str],
    short: Position,
    wallet: float | None,
    rule: str,
    others: Sequence[Position],
) -> None:
    """The Hedge sheet's inputs for ``short``; in cross also its cross block (``CROSS_WALLET``, the other
    positions' maintenance ``CROSS_OTHER_MM`` and P/L ``CROSS_OTHER_PNL``, in the wallet's currency) when every
    number arrived."""
    hedge.update(HELD=short.size, ENTRY_PRICE=short.entry_price, CONTRACT_TYPE=short.contract, HEDGE_RULE=rule)
    if short.leverage is not None:
        hedge["LEVERAGE"] = short.leverage
    collateral = short.isolated_margin if short.margin_mode == "isolated" else wallet
    if collateral:
        hedge["COLLATERAL"] = collateral
    neighbours = cross_neighbours(short, others)
    if short.margin_mode != "isolated" and wallet and not neighbours.lacking:
        hedge.update(CROSS_WALLET=wallet, CROSS_OTHER_MM=neighbours.maintenance, CROSS_OTHER_PNL=neighbours.pnl)
        leg = opposite_leg(short, others)
        if leg is not None:
            label = exchange_profile(rule).label
            says = (
                "moves it with the price, as Binance's formula does"
                if exchange_profile(rule).exchange_name in HEDGE_MODE_FORMULA_EXCHANGES
                else f"counts it the same way: {label} publishes no hedge-mode formula, so its price there is"
                " AltHedge's approximation"
            )
            notes.append(
                f"hedge mode: the Hedge sheet's cross block counts the {describe(leg)} leg at its mark (maintenance"
                f' {leg.maintenance_margin:,.2f}, P/L {leg.unrealized_pnl:,.2f}); the Account sheet\'s "Exchange says"'
                f" {says}"
            )

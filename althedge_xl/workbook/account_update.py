"""The cells ``althedge refresh --account`` writes: Portfolio quantities, Hedge inputs, the Account sheet.

Portfolio (rows 5-24: asset, class, quantity, price, USD value):

* a row whose asset the spot wallet holds gets the wallet's total (free + locked) as its quantity;
* an asset held but not on the sheet goes to the first free row, its class left blank for the user;
* an asset worth less than ``dust_usd`` (at the Prices sheet's price) is left out;
* a row with a quantity whose asset the account no longer holds is set to 0;
* a row the user filled with a USD value (and no quantity) is never touched;
* stablecoins and quote currencies (:data:`~althedge_xl.market.account.records.CASH_ASSETS`) are cash:
  listed on the Account sheet, never on Portfolio.

Hedge (found through the workbook's defined names, wherever the sheet puts them): from the largest BTC
short, ``HELD``, ``ENTRY_PRICE``, ``LEVERAGE``, ``COLLATERAL`` (isolated margin, or the cross wallet
balance in cross), ``CONTRACT_TYPE`` and ``HEDGE_RULE``; in cross also ``CROSS_WALLET``,
``CROSS_OTHER_MM`` and ``CROSS_OTHER_PNL`` (the other positions' totals); ``FEE_RATE`` from the account's taker rate;
Binance's brackets into ``TIERS``, their heading dated "from your account".

Account: the "Exchange says" block compares the exchange's liquidation price of the largest BTCUSDT short
(or, with none open, of the largest BTCUSDT position) with AltHedge's
(:func:`~althedge_xl.workbook.account_liquidation.althedge_liquidation`, given the account's other
USDT positions for the cross formula); where the exchange has another published rule (a dated rule,
``bybit-2025``), the method cell adds that rule's price of the same position and says which rule the
exchange's price matches within a tick.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from althedge_xl.core.exchanges import dated_rules, exchange_profile
from althedge_xl.market.account.positions import btc_positions
from althedge_xl.market.account.records import (
    CASH_ASSETS,
    AccountSnapshot,
    FundingIncome,
    FuturesWallet,
    Holding,
    Position,
)
from althedge_xl.workbook import account_layout as ax
from althedge_xl.workbook.account_liquidation import althedge_liquidation, cross_neighbours
from althedge_xl.workbook.patch import CellValue

PORTFOLIO_FIRST, PORTFOLIO_LAST = 5, 24
DEFAULT_DUST_USD = 1.0
#: Binance's and Bybit's BTCUSDT price step (USD), when the exchange's market does not say.
DEFAULT_TICK = 0.1
TIER_ROWS = 30
_CHOOSE = ": choose its class (column B)"


@dataclass
class AccountCells:
    """Cells per sheet (``{"Portfolio": {"C5": 1.2}, …}``; Hedge by defined name) and what to tell the user."""

    portfolio: dict[str, CellValue] = field(default_factory=dict)
    hedge: dict[str, CellValue] = field(default_factory=dict)
    tiers: list[list[float]] | None = None
    account: dict[str, CellValue] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def account_cells(
    snapshot: AccountSnapshot,
    portfolio: Sequence[tuple[int, Any, Any, Any, Any]],
    prices: Mapping[str, float],
    dust_usd: float = DEFAULT_DUST_USD,
) -> AccountCells:
    """Everything the account refresh writes, from ``snapshot``, the Portfolio rows
    ``(row, asset, class, quantity, value)`` and the Prices sheet's prices (symbol -> USD)."""
    out = AccountCells()
    balance_rows: list[tuple[str, Holding, str]] = []
    spot: list[Holding] | None = snapshot.value("spot balances")
    if spot is not None:
        balance_rows += _portfolio(out, spot, portfolio, prices, dust_usd)
    wallet: FuturesWallet | None = snapshot.value("futures wallet")
    for asset, amount in sorted((wallet.balances if wallet else {}).items()):
        if asset.upper() in CASH_ASSETS:
            wallet_name = "USDⓈ-M futures" if snapshot.exchange == "binance" else "unified (margin)"
            balance_rows.append((wallet_name, Holding(asset, amount, 0.0), "collateral of the futures positions"))
    for part, wallet_name in (
        ("funding wallet", "funding"),
        ("margin wallet", "cross margin"),
        ("earn (flexible)", "earn"),
    ):
        for holding in snapshot.value(part) or []:
            balance_rows.append((wallet_name, holding, f"not imported ({part})"))
    _balances_block(out, balance_rows)
    tiers = snapshot.value("brackets")
    positions: list[Position] | None = snapshot.value("futures positions")
    cross_wallet = wallet.cross.get("USDT") if wallet else None
    if positions is not None:
        _positions(out, snapshot.exchange, positions, cross_wallet, tiers)
    fee = snapshot.value("fee rate")
    if fee is not None:
        out.hedge["FEE_RATE"] = fee[0]
        out.account[ax.FEE_TAKER_CELL], out.account[ax.FEE_MAKER_CELL] = fee
    if tiers is not None:
        out.tiers = [list(map(float, row)) for row in tiers]
    income: FundingIncome | None = snapshot.value("funding paid and received")
    if income is not None:
        cells = ax.funding_cells()
        values = (income.received, income.paid, income.net, income.settlements)
        for name, value in zip(
            ("FUNDING_RECEIVED", "FUNDING_PAID", "FUNDING_NET", "FUNDING_SETTLEMENTS"), values, strict=True
        ):
            out.account[cells[name]] = value
    out.account[ax.EXCHANGE_CELL] = snapshot.exchange
    out.account[ax.READ_AT_CELL] = snapshot.time
    out.account[ax.RIGHTS_CELL] = snapshot.rights
    failed = [part.name for part in snapshot.failed]
    out.account[ax.PARTS_CELL] = (
        f"all {len(snapshot.parts)} arrived" if not failed else f"did not arrive (kept as before): {', '.join(failed)}"
    )
    return out


def _portfolio(
    out: AccountCells,
    spot: list[Holding],
    rows: Sequence[tuple[int, Any, Any, Any, Any]],
    prices: Mapping[str, float],
    dust_usd: float,
) -> list[tuple[str, Holding, str]]:
    listed: list[tuple[str, Holding, str]] = []
    by_asset = {str(asset).strip().upper(): (row, qty, value) for row, asset, _, qty, value in rows if _text(asset)}
    unclassed = {row for row, asset, cls, _, _ in rows if _text(asset) and not _text(cls)}
    free_rows = [row for row, asset, _, qty, value in rows if not _text(asset) and qty is None and value is None]
    held: set[str] = set()
    for holding in spot:
        asset = holding.asset.upper()
        if asset in CASH_ASSETS:
            listed.append(("spot", holding, "cash (stablecoin or quote currency), not a holding to hedge"))
            continue
        price = prices.get(asset)
        if price is not None and holding.total * price < dust_usd:
            listed.append(("spot", holding, f"left out: dust, under {dust_usd:g} USD"))
            continue
        held.add(asset)
        if asset in by_asset:
            row, qty, value = by_asset[asset]
            if qty is None and value is not None:
                listed.append(("spot", holding, f"not imported: Portfolio row {row} has a USD value, kept"))
                continue
            out.portfolio[f"C{row}"] = holding.total
            listed.append(("spot", holding, f"Portfolio row {row}" + (_CHOOSE if row in unclassed else "")))
        elif free_rows:
            row = free_rows.pop(0)
            out.portfolio[f"A{row}"], out.portfolio[f"C{row}"] = asset, holding.total
            listed.append(("spot", holding, f"Portfolio row {row}{_CHOOSE}"))
            out.notes.append(f"added {asset} to Portfolio row {row}: choose its class")
        else:
            listed.append(("spot", holding, "not imported: Portfolio has no free row"))
            out.notes.append(f"{asset} not imported: Portfolio has no free row")
    for asset, (row, qty, _) in by_asset.items():
        if isinstance(qty, int | float) and qty != 0 and asset not in held and asset not in CASH_ASSETS:
            out.portfolio[f"C{row}"] = 0
            out.notes.append(f"{asset} (Portfolio row {row}) is no longer in the spot wallet: quantity set to 0")
    return listed


def _balances_block(out: AccountCells, rows: list[tuple[str, Holding, str]]) -> None:
    for i in range(ax.BALANCE_ROWS):
        values: tuple[CellValue, ...] = (None,) * len(ax.BALANCE_COLUMNS)
        if i < len(rows):
            wallet, h, where = rows[i]
            values = (wallet, h.asset, h.free, h.locked, h.total, where)
        elif i == ax.BALANCE_ROWS - 1 and len(rows) > ax.BALANCE_ROWS:
            values = ("", "", None, None, None, f"and {len(rows) - ax.BALANCE_ROWS + 1} more not shown")
        for col, value in zip(ax.BALANCE_COLUMNS, values, strict=True):
            out.account[f"{col}{ax.BALANCE_FIRST_ROW + i}"] = value


def _positions(
    out: AccountCells,
    exchange: str,
    every: list[Position],
    wallet: float | None,
    tiers: Sequence[Sequence[float]] | None,
) -> None:
    """The BTCUSDT positions' table, the Hedge inputs and the "Exchange says" block; ``every``: all the
    account's USDT positions, ``wallet``: the cross wallet balance (USDT)."""
    positions = btc_positions(every)
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
            out.account[f"{col}{ax.POSITION_FIRST_ROW + i}"] = value
    says = ax.says_cells()
    linear = [p for p in positions if p.contract == "linear"]
    shorts = [p for p in linear if p.side == "short"]
    rule = exchange if exchange in ("binance", "bybit") else "binance"
    if not shorts:
        out.hedge["HELD"] = 0
        out.account.update({cell: None for cell in says.values()})
        out.account[says["SAYS_METHOD"]] = "no BTCUSDT position is open"
        if not linear:
            return
        compared, prefix = linear[0], f"no BTCUSDT short is open; the {linear[0].side}: "
    else:
        compared, prefix = shorts[0], ""
    others = [p for p in every if p is not compared]
    if shorts:
        _hedge_inputs(out, compared, wallet, rule, others)
    ours = althedge_liquidation(compared, wallet, rule, tiers, others)
    ours = ours._replace(method=prefix + ours.method if ours.method else "")
    theirs = compared.liquidation_price
    out.account[says["SAYS_EXCHANGE"]] = theirs
    out.account[says["SAYS_ALTHEDGE"]] = ours.price if ours.price is not None else ours.error
    difference = ours.price - theirs if ours.price is not None and theirs is not None else None
    out.account[says["SAYS_DIFFERENCE"]] = difference
    flag = None if difference is None else ("YES" if abs(difference) > DEFAULT_TICK + 1e-9 else "no")
    out.account[says["SAYS_FLAG"]] = flag
    out.account[says["SAYS_METHOD"]] = (ours.method or ours.error or "") + _dated_rules_text(
        compared, wallet, rule, tiers, others, theirs, ours.price
    )
    if flag == "YES":
        out.notes.append(
            f"{exchange}'s liquidation price {theirs:,.2f} and AltHedge's {ours.price:,.2f} differ by"
            f" {difference:+,.2f} USD, more than a tick ({ours.method})"
        )


def _dated_rules_text(
    position: Position,
    wallet: float | None,
    rule: str,
    tiers: Sequence[Sequence[float]] | None,
    others: Sequence[Position],
    theirs: float | None,
    ours: float | None,
) -> str:
    """The same position by each dated rule of ``rule``'s exchange, and which rule the exchange's price matches.

    Empty for an exchange with no dated rule. A rule matches when its price is within a tick
    (:data:`DEFAULT_TICK`) of the exchange's.
    """
    names = dated_rules(rule)
    if not names:
        return ""
    parts, matching = [], []
    if ours is not None and theirs is not None and abs(ours - theirs) <= DEFAULT_TICK + 1e-9:
        matching.append(rule)
    for name in names:
        other = althedge_liquidation(position, wallet, name, tiers, others)
        label = exchange_profile(name).label
        if other.price is None:
            parts.append(f"; by {name} ({label}): {other.error}")
            continue
        apart = "" if theirs is None else f", {other.price - theirs:+,.2f} USD from the exchange's"
        parts.append(f"; by {name} ({label}): {other.price:,.2f}{apart}")
        if theirs is not None and abs(other.price - theirs) <= DEFAULT_TICK + 1e-9:
            matching.append(name)
    if theirs is not None:
        parts.append(
            f"; the exchange's price matches {' and '.join(matching)} within a tick"
            if matching
            else f"; the exchange's price matches neither {rule} nor {' nor '.join(names)} within a tick"
        )
    return "".join(parts)


def _hedge_inputs(
    out: AccountCells, short: Position, wallet: float | None, rule: str, others: Sequence[Position]
) -> None:
    """The Hedge sheet's inputs for ``short``; in cross also its cross block (``CROSS_WALLET``, the other
    positions' maintenance ``CROSS_OTHER_MM`` and P/L ``CROSS_OTHER_PNL``) when every number arrived."""
    out.hedge.update(HELD=short.size, ENTRY_PRICE=short.entry_price, CONTRACT_TYPE="linear", HEDGE_RULE=rule)
    if short.leverage is not None:
        out.hedge["LEVERAGE"] = short.leverage
    collateral = short.isolated_margin if short.margin_mode == "isolated" else wallet
    if collateral:
        out.hedge["COLLATERAL"] = collateral
    neighbours = cross_neighbours(short, others)
    if short.margin_mode != "isolated" and wallet and not neighbours.lacking:
        out.hedge.update(CROSS_WALLET=wallet, CROSS_OTHER_MM=neighbours.maintenance, CROSS_OTHER_PNL=neighbours.pnl)


def _text(value: Any) -> bool:
    return isinstance(value, str) and bool(value.strip())

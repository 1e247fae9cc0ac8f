"""The cells ``althedge refresh --account`` writes: Portfolio quantities, Hedge inputs, the Account sheet.

Portfolio (rows 5-24: asset, class, quantity, price, USD value):

* a row whose asset the spot wallet holds gets the wallet's total (free + locked) as its quantity;
* an asset held but not on the sheet goes to the first free row, its class left blank for the user;
* an asset worth less than ``dust_usd`` (at the Prices sheet's price) is left out;
* a row with a quantity whose asset the account no longer holds is set to 0;
* a row the user filled with a USD value (and no quantity) is never touched;
* stablecoins and quote currencies (:data:`~althedge_xl.market.account.records.CASH_ASSETS`) are cash:
  listed on the Account sheet, never on Portfolio.

Hedge (found through the workbook's defined names, wherever the sheet puts them): from the BTC short of
the largest USD notional, USDⓈ-M or COIN-M (:mod:`~althedge_xl.workbook.account_hedge`), ``HELD``,
``ENTRY_PRICE``, ``LEVERAGE``, ``COLLATERAL`` (isolated margin, or the cross wallet balance in cross),
``CONTRACT_TYPE`` and ``HEDGE_RULE``; in cross also ``CROSS_WALLET``, ``CROSS_OTHER_MM`` and
``CROSS_OTHER_PNL`` (the other positions' totals); ``FEE_RATE`` from the account's taker rate on the hedge
contract (the COIN-M contract's when the hedge is a COIN-M short); Binance's brackets into ``TIERS``, their
heading dated "from your account".

Account: the "Exchange says" block compares the exchange's liquidation price of that short (or, with none
open, of the largest BTC position) with AltHedge's
(:func:`~althedge_xl.workbook.account_liquidation.althedge_liquidation`, given the other positions of the
same wallet for the cross formula). The hedge contract's own funding over 90 days, in its settle currency
(USDT, or BTC for a COIN-M contract, named beside each amount) and in USD (USDT at 1 USD; BTC at the
position's mark price when read, not at each settlement's price, as the cell beside it says); a dated future
pays no funding and the block says so. The account's taker and maker rates. Beside each block's heading,
whose contract it is.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from althedge_xl.market.account.records import (
    CASH_ASSETS,
    AccountSnapshot,
    FeeRate,
    FundingIncome,
    FuturesWallet,
    Holding,
    Position,
)
from althedge_xl.workbook import account_layout as ax
from althedge_xl.workbook.account_hedge import positions_cells
from althedge_xl.workbook.patch import CellValue

PORTFOLIO_FIRST, PORTFOLIO_LAST = 5, 24
DEFAULT_DUST_USD = 1.0
TIER_ROWS = 30
_CHOOSE = ": choose its class (column B)"


@dataclass
class AccountCells:
    """Cells per sheet (``{"Portfolio": {"C5": 1.2}, …}``; Hedge by defined name) and what to tell the user."""

    portfolio: dict[str, CellValue] = field(default_factory=dict)
    hedge: dict[str, CellValue] = field(default_factory=dict)
    tiers: list[list[float]] | None = None
    inverse_tiers: list[list[float]] | None = None
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
    balance_rows: list[tuple[str, Holding | None, str]] = []
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
        unreadable = snapshot.parts.get(part)
        if unreadable is not None and unreadable.unreadable:
            balance_rows.append((wallet_name, None, unreadable.unreadable))
    _balances_block(out, balance_rows)
    tiers = snapshot.value("brackets")
    inverse_tiers = snapshot.value("COIN-M brackets")
    positions_cells(snapshot, out.hedge, out.account, out.notes, {"linear": tiers, "inverse": inverse_tiers})
    fee: FeeRate | None = snapshot.value("fee rate")
    if fee is not None:
        out.hedge["FEE_RATE"] = fee.taker
        out.account[ax.FEE_TAKER_CELL], out.account[ax.FEE_MAKER_CELL] = fee.taker, fee.maker
        out.account[ax.FEE_CONTRACT_CELL] = contract_label(fee.symbol)
    if tiers is not None:
        out.tiers = [list(map(float, row)) for row in tiers]
    if inverse_tiers is not None:
        out.inverse_tiers = [list(map(float, row)) for row in inverse_tiers]
    income: FundingIncome | None = snapshot.value("funding paid and received")
    if income is not None:
        _funding_block(out, income, snapshot.value("COIN-M positions") or [])
    out.account[ax.EXCHANGE_CELL] = snapshot.exchange
    out.account[ax.READ_AT_CELL] = snapshot.time
    out.account[ax.RIGHTS_CELL] = snapshot.rights
    failed = [part.name for part in snapshot.failed]
    unread = [part.name for part in snapshot.parts.values() if part.unreadable]
    arrived = len(snapshot.parts) - len(unread)
    out.account[ax.PARTS_CELL] = (
        f"all {arrived} arrived" if not failed else f"did not arrive (kept as before): {', '.join(failed)}"
    ) + (f"; not readable with this key: {', '.join(unread)}" if unread else "")
    return out


def contract_label(symbol: str) -> str:
    """Whose fee rate or funding a block shows: ``"BTC/USD:BTC (COIN-M)"``, ``"BTC/USDT:USDT (USDⓈ-M)"``."""
    if not symbol.endswith(":USDT"):
        return f"{symbol} (COIN-M{', dated' if '-' in symbol.split(':')[-1] else ''})"
    return f"{symbol} (USDⓈ-M)"


def _funding_block(out: AccountCells, income: FundingIncome, inverse: list[Position]) -> None:
    """The funding block: amounts in the contract's settle currency (named beside each), the net in USD and
    how it was converted; for a dated future, that it pays no funding (no amount shown as if measured)."""
    cells = ax.funding_cells()
    out.account[ax.FUNDING_CONTRACT_CELL] = contract_label(income.symbol)
    amounts = ("FUNDING_RECEIVED", "FUNDING_PAID", "FUNDING_NET")
    usd_cell, how_cell = f"B{ax.FUNDING_NET_USD_ROW}", f"{ax.FUNDING_ASSET_COLUMN}{ax.FUNDING_NET_USD_ROW}"
    if not income.pays_funding:
        out.account[cells["FUNDING_RECEIVED"]] = f"none: {income.symbol} is a dated future, which pays no funding"
        for name in (*amounts[1:], "FUNDING_SETTLEMENTS"):
            out.account[cells[name]] = None
        for name in amounts:
            out.account[ax.FUNDING_ASSET_COLUMN + cells[name][1:]] = None
        out.account[usd_cell], out.account[how_cell] = None, None
        return
    values = (income.received, income.paid, income.net, income.settlements)
    for name, value in zip((*amounts, "FUNDING_SETTLEMENTS"), values, strict=True):
        out.account[cells[name]] = value
    for name in amounts:
        out.account[ax.FUNDING_ASSET_COLUMN + cells[name][1:]] = income.asset
    if income.asset != "BTC":
        out.account[usd_cell], out.account[how_cell] = income.net, f"{income.asset} counted at 1 USD"
        return
    mark = next((p.mark_price for p in inverse if p.symbol == income.symbol and p.mark_price), None)
    if mark is None:
        out.account[usd_cell], out.account[how_cell] = None, "not converted: no mark price of the position arrived"
        return
    out.account[usd_cell] = income.net * mark
    out.account[how_cell] = (
        f"BTC at the position's mark price when read, {mark:,.2f} USD/BTC (not at each settlement's price)"
    )


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


def _balances_block(out: AccountCells, rows: list[tuple[str, Holding | None, str]]) -> None:
    """The Account sheet's balances: one row per holding, or per wallet not read (no holding, the reason)."""
    for i in range(ax.BALANCE_ROWS):
        values: tuple[CellValue, ...] = (None,) * len(ax.BALANCE_COLUMNS)
        if i < len(rows):
            wallet, h, where = rows[i]
            values = (wallet, h.asset, h.free, h.locked, h.total, where) if h else (wallet, "", None, None, None, where)
        elif i == ax.BALANCE_ROWS - 1 and len(rows) > ax.BALANCE_ROWS:
            values = ("", "", None, None, None, f"and {len(rows) - ax.BALANCE_ROWS + 1} more not shown")
        for col, value in zip(ax.BALANCE_COLUMNS, values, strict=True):
            out.account[f"{col}{ax.BALANCE_FIRST_ROW + i}"] = value


def _text(value: Any) -> bool:
    return isinstance(value, str) and bool(value.strip())

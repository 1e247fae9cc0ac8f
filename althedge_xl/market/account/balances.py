"""Balances: the spot wallet (imported), the futures wallet (collateral); the funding wallet, the
cross margin wallet and the flexible Earn products (listed, not imported).

Through ccxt's unified ``fetch_balance``: spot ``GET /api/v3/account`` (Binance) or the unified
wallet ``GET /v5/account/wallet-balance`` (Bybit) or the trading account ``GET /api/v5/account/balance``
(OKX, whose unified account holds spot and margin); the USDⓈ-M futures wallet with ``type="swap"``
(Binance ``GET /fapi/v3/account``); Binance's COIN-M wallet with ``subType="inverse"``
(``GET /dapi/v1/account``, with each COIN-M position's maintenance margin); the funding wallet with
``type="funding"`` (Binance ``POST /sapi/v1/asset/get-funding-asset``, Bybit
``GET /v5/asset/transfer/query-account-coins-balance?accountType=FUND``). The flexible Earn products have
no unified call: each exchange's endpoint is read raw (signed by ccxt), :data:`EARN_FLEXIBLE`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from althedge_xl.market.account.records import FuturesWallet, Holding, position_key


def holdings(balance: Any) -> list[Holding]:
    """The assets of a ccxt balance structure with a non-zero total, sorted by name."""
    if not isinstance(balance, Mapping):
        raise ValueError("the balance came back unreadable")
    found = []
    for asset, entry in balance.items():
        if asset in ("info", "free", "used", "total", "timestamp", "datetime", "debt") or not isinstance(
            entry, Mapping
        ):
            continue
        free, used = _number(entry.get("free")), _number(entry.get("used"))
        if free == 0 and used == 0:
            total = _number(entry.get("total"))
            free = total
        if free or used:
            found.append(Holding(str(asset), free, used))
    return sorted(found, key=lambda h: h.asset)


def spot(client: Any) -> list[Holding]:
    """The spot wallet's holdings."""
    return holdings(client.fetch_balance({"type": "spot"}))


def futures_wallet(client: Any, exchange: str, sub_type: str = "linear") -> FuturesWallet:
    """The wallet that margins the USDT futures (``sub_type="linear"``) or Binance's COIN-M futures
    (``"inverse"``): ``walletBalance`` and ``crossWalletBalance`` per asset.

    Binance's USDⓈ-M and COIN-M futures wallets are their own; Bybit's unified account margins both with
    its one wallet (no cross balance of its own: the wallet balance is both), and so does OKX's trading
    account (``GET /api/v5/account/balance``, each currency's ``cashBal``).
    """
    params = {"type": "swap", "subType": sub_type} if exchange == "binance" else {}
    balance = client.fetch_balance(params)
    info = balance.get("info") if isinstance(balance, Mapping) else None
    assets = info.get("assets") if isinstance(info, Mapping) else None
    wallet_rows = WALLET_ROWS.get(exchange)
    if wallet_rows is not None and isinstance(info, Mapping):
        assets = wallet_rows(info)
    if isinstance(assets, list):
        rows = [a for a in assets if isinstance(a, Mapping)]
        wallet = {str(a.get("asset")): _number(a.get("walletBalance")) for a in rows}
        cross = {
            str(a.get("asset")): _number(
                a["crossWalletBalance"] if "crossWalletBalance" in a else a.get("walletBalance")
            )
            for a in rows
        }
        return FuturesWallet(
            {asset: amount for asset, amount in wallet.items() if amount},
            {asset: amount for asset, amount in cross.items() if amount},
            _maintenance(client, info.get("positions") if isinstance(info, Mapping) else None),
        )
    totals = {h.asset: h.total for h in holdings(balance)}
    return FuturesWallet(totals, dict(totals))


def _maintenance(client: Any, rows: Any) -> dict[str, float]:
    """Each open position's ``maintMargin`` of a Binance futures account answer, by unified symbol and side."""
    found: dict[str, float] = {}
    for row in rows if isinstance(rows, list) else []:
        if not isinstance(row, Mapping) or not _number(row.get("positionAmt")) or "maintMargin" not in row:
            continue
        symbol = client.safe_symbol(str(row.get("symbol")), None, None, "contract")
        found[position_key(str(symbol), str(row.get("positionSide") or "BOTH"))] = _number(row.get("maintMargin"))
    return found


def _bybit_coins(info: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Bybit's wallet-balance answer's coins, each with its name as ``asset``."""
    result = info.get("result")
    accounts = result.get("list") if isinstance(result, Mapping) else None
    coins: list[dict[str, Any]] = []
    for account in accounts if isinstance(accounts, list) else []:
        for coin in account.get("coin") or [] if isinstance(account, Mapping) else []:
            if isinstance(coin, Mapping):
                coins.append({**coin, "asset": coin.get("coin")})
    return coins


def _okx_details(info: Mapping[str, Any]) -> list[dict[str, Any]]:
    """OKX's trading-account answer's currencies, each with its name as ``asset`` and its cash balance
    (``cashBal``, without the positions' unrealised P/L) as ``walletBalance``."""
    data = info.get("data")
    first = data[0] if isinstance(data, list) and data and isinstance(data[0], Mapping) else {}
    details = first.get("details")
    return [
        {**d, "asset": d.get("ccy"), "walletBalance": d.get("cashBal")}
        for d in (details if isinstance(details, list) else [])
        if isinstance(d, Mapping)
    ]


#: The wallet rows of a unified account's balance answer, by exchange (Binance's futures answer has ``assets``).
WALLET_ROWS = {"bybit": _bybit_coins, "okx": _okx_details}


def funding_wallet(client: Any) -> list[Holding]:
    """The funding wallet (listed, never imported): Binance ``POST /sapi/v1/asset/get-funding-asset``, Bybit
    ``GET /v5/asset/transfer/query-account-coins-balance?accountType=FUND`` (``walletBalance`` per coin), OKX
    ``GET /api/v5/asset/balances``."""
    return holdings(client.fetch_balance({"type": "funding"}))


def margin_wallet(client: Any) -> list[Holding]:
    """Binance's cross margin wallet, free + locked, loans not netted (listed, never imported): ``GET /sapi/v1/margin/account``."""
    return holdings(client.fetch_balance({"type": "margin"}))


def binance_earn_flexible(client: Any) -> list[Holding]:
    """Binance's Simple Earn flexible products (listed, never imported): ``GET /sapi/v1/simple-earn/flexible/position``,
    ``rows[].totalAmount`` per ``asset``."""
    answer = client.sapi_get_simple_earn_flexible_position({"size": 100})
    rows = answer.get("rows") if isinstance(answer, Mapping) else None
    return _summed(rows, "asset", "totalAmount", "the Simple Earn positions")


def bybit_earn_flexible(client: Any) -> list[Holding]:
    """Bybit's Flexible Saving positions (listed, never imported): ``GET /v5/earn/position?category=FlexibleSaving``,
    ``result.list[].amount`` per ``coin`` (Bybit returns fully redeemed positions too, at 0: left out)."""
    answer = client.private_get_v5_earn_position({"category": "FlexibleSaving"})
    result = answer.get("result") if isinstance(answer, Mapping) else None
    rows = result.get("list") if isinstance(result, Mapping) else None
    return _summed(rows, "coin", "amount", "the Flexible Saving positions")


#: The reader of each exchange's flexible Earn products (no unified ccxt call exists for them).
EARN_FLEXIBLE = {"binance": binance_earn_flexible, "bybit": bybit_earn_flexible}


def _summed(rows: Any, asset_field: str, amount_field: str, what: str) -> list[Holding]:
    """``rows``' ``amount_field`` summed per ``asset_field``, non-zero totals sorted by asset."""
    if not isinstance(rows, list):
        raise ValueError(f"{what} came back unreadable")
    totals: dict[str, float] = {}
    for row in rows:
        if isinstance(row, Mapping) and row.get(asset_field):
            asset = str(row[asset_field])
            totals[asset] = totals.get(asset, 0.0) + _number(row.get(amount_field))
    return [Holding(asset, amount, 0.0) for asset, amount in sorted(totals.items()) if amount]


def _number(value: Any) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return 0.0
    return number if math.isfinite(number) else 0.0

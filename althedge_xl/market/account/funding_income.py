"""The position's own funding, paid and received, through ccxt's unified ``fetch_funding_history``.

The contract is the hedge's (:func:`~althedge_xl.market.account.hedge_choice.hedge_symbol`): USDⓈ-M
BTCUSDT unless the hedge is an inverse (COIN-M) short. Binance: ``GET /fapi/v1/income?incomeType=FUNDING_FEE
&symbol=BTCUSDT&startTime=…`` (amounts in USDT), for the inverse perpetual ``GET /dapi/v1/income`` with
``symbol=BTCUSD_PERP`` (amounts in BTC); positive amounts received, negative paid; Binance keeps three
months. Bybit: ``GET /v5/execution/list?execType=Funding&category=linear&symbol=BTCUSDT`` (``category=inverse
&symbol=BTCUSD`` for the inverse perpetual, ``execFee`` then in BTC). Pages of up to 1,000 settlements are
read until one comes back short. The amounts are in the contract's settle currency (ccxt labels Bybit's
inverse funding with the quote currency, USD, though its ``execFee`` is in BTC: the settle currency of the
symbol is used). A dated future pays no funding: nothing is read for it, and the record says so.
"""

from __future__ import annotations

import math
from typing import Any

from althedge_xl.market.account.hedge_choice import is_dated, settle_asset
from althedge_xl.market.account.positions import LINEAR_BTC
from althedge_xl.market.account.records import FundingIncome

DAYS = 90
#: The sign of a funding amount the account received, as ccxt passes each exchange's on: Binance's
#: ``income`` is positive when received; Bybit's ``execFee`` is a fee, positive when paid.
RECEIVED_SIGN = {"bybit": -1.0}
PAGE = 1000
_DAY_MS = 86_400_000


def funding_income(
    client: Any, exchange: str, now_ms: int, days: int = DAYS, symbol: str = LINEAR_BTC
) -> FundingIncome:
    """Funding received and paid by ``symbol``'s positions over the ``days`` days before ``now_ms``."""
    asset = settle_asset(symbol)
    if is_dated(symbol):
        return FundingIncome(symbol, days, 0.0, 0.0, 0, asset, pays_funding=False)
    since = now_ms - days * _DAY_MS
    received = paid = 0.0
    count = 0
    seen: set[Any] = set()
    while True:
        page = client.fetch_funding_history(symbol, since, PAGE)
        if not isinstance(page, list):
            raise ValueError("the funding history came back unreadable")
        newest = since
        for entry in page:
            key = entry.get("id") or (entry.get("timestamp"), entry.get("amount"))
            if key in seen:
                continue
            seen.add(key)
            amount = float(entry.get("amount")) * RECEIVED_SIGN.get(exchange, 1.0)
            if not math.isfinite(amount):
                raise ValueError("a funding amount came back unusable")
            received += max(amount, 0.0)
            paid += max(-amount, 0.0)
            count += 1
            newest = max(newest, int(entry.get("timestamp") or since))
        if len(page) < PAGE or newest <= since:
            break
        since = newest + 1
    return FundingIncome(symbol, days, received, paid, count, asset)

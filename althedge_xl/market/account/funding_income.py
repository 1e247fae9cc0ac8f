"""The position's own funding, paid and received, through ccxt's unified ``fetch_funding_history``.

The contract is the hedge's (:func:`~althedge_xl.market.account.hedge_choice.hedge_symbol`): USDⓈ-M
BTCUSDT unless the hedge is an inverse (COIN-M) short. Binance: ``GET /fapi/v1/income?incomeType=FUNDING_FEE
&symbol=BTCUSDT&startTime=…`` (amounts in USDT), for the inverse perpetual ``GET /dapi/v1/income`` with
``symbol=BTCUSD_PERP`` (amounts in BTC); positive amounts received, negative paid; Binance keeps three
months. Bybit: ``GET /v5/execution/list?execType=Funding&category=linear&symbol=BTCUSDT`` (``category=inverse
&symbol=BTCUSD`` for the inverse perpetual, ``execFee`` then in BTC), which answers 7 days per request:
read a week at a time (:data:`WINDOWS`). Binance's pages of up to 1,000 settlements are read until one
comes back short. The amounts are in the contract's settle currency (ccxt labels Bybit's
inverse funding with the quote currency, USD, though its ``execFee`` is in BTC: the settle currency of the
symbol is used). A dated future pays no funding: nothing is read for it, and the record says so.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
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


@dataclass(frozen=True)
class HistoryWindow:
    """How much of the funding history one request of an exchange may reach.

    ``days``: the longest span between ``startTime`` and ``endTime`` the endpoint answers; ``page``: the
    most rows it returns, asked for with ``params`` (the page-size parameter under the exchange's own
    name). A window that comes back full is read again in two halves, so no settlement is cut off.
    """

    days: int
    page: int
    params: Mapping[str, Any]


#: Bybit's ``/v5/execution/list`` answers at most 7 days per request (``startTime`` alone: the 7 days from
#: it, so one request would give the first week of the 90) and pages by ``limit`` (1-100, default 50),
#: which ccxt 4.5 sends as ``size``.
WINDOWS = {"bybit": HistoryWindow(days=7, page=100, params={"limit": 100})}


def funding_income(
    client: Any, exchange: str, now_ms: int, days: int = DAYS, symbol: str = LINEAR_BTC
) -> FundingIncome:
    """Funding received and paid by ``symbol``'s positions over the ``days`` days before ``now_ms``."""
    asset = settle_asset(symbol)
    if is_dated(symbol):
        return FundingIncome(symbol, days, 0.0, 0.0, 0, asset, pays_funding=False)
    since = now_ms - days * _DAY_MS
    window = WINDOWS.get(exchange)
    entries = _windowed(client, symbol, since, now_ms, window) if window else _paged(client, symbol, since)
    received = paid = 0.0
    count = 0
    seen: set[Any] = set()
    for entry in entries:
        key = entry.get("id") or (entry.get("timestamp"), entry.get("amount"))
        if key in seen:
            continue
        seen.add(key)
        amount = float(entry.get("amount", "nan")) * RECEIVED_SIGN.get(exchange, 1.0)
        if not math.isfinite(amount):
            raise ValueError("a funding amount came back unusable")
        received += max(amount, 0.0)
        paid += max(-amount, 0.0)
        count += 1
    return FundingIncome(symbol, days, received, paid, count, asset)


def _page(client: Any, symbol: str, since: int, limit: int, params: Mapping[str, Any] | None = None) -> list[Any]:
    page = client.fetch_funding_history(symbol, since, limit, dict(params or {}))
    if not isinstance(page, list) or not all(isinstance(entry, Mapping) for entry in page):
        raise ValueError("the funding history came back unreadable")
    return page


def _paged(client: Any, symbol: str, since: int) -> Iterator[Mapping[str, Any]]:
    """Pages of up to :data:`PAGE` settlements from ``since`` on, until one comes back short."""
    while True:
        page = _page(client, symbol, since, PAGE)
        yield from page
        newest = max((int(entry.get("timestamp") or since) for entry in page), default=since)
        if len(page) < PAGE or newest <= since:
            return
        since = newest + 1


def _windowed(client: Any, symbol: str, since: int, until: int, window: HistoryWindow) -> Iterator[Mapping[str, Any]]:
    """Every settlement from ``since`` to ``until`` (ms, both included), ``window.days`` at a time."""
    start = since
    while start <= until:
        end = min(start + window.days * _DAY_MS - 1, until)
        yield from _window(client, symbol, start, end, window)
        start = end + 1


def _window(client: Any, symbol: str, start: int, end: int, window: HistoryWindow) -> Iterator[Mapping[str, Any]]:
    page = _page(client, symbol, start, window.page, {**window.params, "until": end})
    if len(page) < window.page:
        yield from page
        return
    if end - start < 1000:
        raise ValueError(f"more than {window.page} funding settlements within a second: the history cannot be read")
    middle = start + (end - start) // 2
    yield from _window(client, symbol, start, middle, window)
    yield from _window(client, symbol, middle + 1, end, window)

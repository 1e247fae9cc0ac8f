"""The position's own funding, paid and received, through ccxt's unified ``fetch_funding_history``.

The contract is the hedge's (:func:`~althedge_xl.market.account.hedge_choice.hedge_symbol`): USDⓈ-M
BTCUSDT unless the hedge is an inverse (COIN-M) short. Binance: ``GET /fapi/v1/income?incomeType=FUNDING_FEE
&symbol=BTCUSDT&startTime=…`` (amounts in USDT), for the inverse perpetual ``GET /dapi/v1/income`` with
``symbol=BTCUSD_PERP`` (amounts in BTC); positive amounts received, negative paid; Binance keeps three
months. Bybit: ``GET /v5/execution/list?execType=Funding&category=linear&symbol=BTCUSDT`` (``category=inverse
&symbol=BTCUSD`` for the inverse perpetual, ``execFee`` then in BTC). OKX:
``GET /api/v5/account/bills-archive?type=8&instType=SWAP&ctType=linear&ccy=USDT`` (its bills of the last
three months; ``balChg`` positive when received).

How each exchange's history is paged (:data:`PAGING`): Binance's pages of up to 1,000 settlements are read
forward from the start of the window until one comes back short; Bybit answers 7 days per request, so the
window is read a week at a time (a week that comes back full is read again in halves); OKX's pages (100 at
most, newest first, ccxt passing no start time on) are read backward with its ``after`` cursor, the bill id
of the page's oldest row, until a page is short or reaches before the window. Rows of another contract or
from before the window are left out. The amounts are in the contract's settle currency (ccxt labels Bybit's
inverse funding with the quote currency, USD, though its ``execFee`` is in BTC: the settle currency of the
symbol is used). A dated future pays no funding: nothing is read for it, and the record says so.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from althedge_xl.market.account.hedge_choice import is_dated, settle_asset
from althedge_xl.market.account.positions import LINEAR_BTC
from althedge_xl.market.account.records import FundingIncome

DAYS = 90
#: The sign of a funding amount the account received, as ccxt passes each exchange's on: Binance's
#: ``income`` and OKX's ``balChg`` are positive when received; Bybit's ``execFee`` is a fee, positive when paid.
RECEIVED_SIGN = {"bybit": -1.0}
PAGE = 1000
_DAY_MS = 86_400_000


@dataclass(frozen=True)
class Paging:
    """How an exchange's funding history pages.

    ``size``: the most rows one request returns, asked for with ``params`` (the page-size parameter under
    the exchange's own name where ccxt sends another). ``window_days``: the longest span one request may
    cover (``startTime`` to ``endTime``), None for none. ``cursor``: the request parameter of a backward
    cursor, set to the ``info`` field ``cursor_field`` of the oldest row read (None: forward by start time).
    """

    size: int = PAGE
    params: Mapping[str, Any] = field(default_factory=dict)
    window_days: int | None = None
    cursor: str | None = None
    cursor_field: str = ""


#: Each exchange's paging where it is not Binance's (forward by start time, 1,000 a page). Bybit's
#: ``/v5/execution/list`` answers at most 7 days per request (``startTime`` alone: the 7 days from it) and
#: pages by ``limit`` (1-100, default 50), which ccxt 4.5 sends as ``size``.
PAGING = {
    "bybit": Paging(100, {"limit": 100}, window_days=7),
    "okx": Paging(100, cursor="after", cursor_field="billId"),
}


def funding_income(
    client: Any, exchange: str, now_ms: int, days: int = DAYS, symbol: str = LINEAR_BTC
) -> FundingIncome:
    """Funding received and paid by ``symbol``'s positions over the ``days`` days before ``now_ms``."""
    asset = settle_asset(symbol)
    if is_dated(symbol):
        return FundingIncome(symbol, days, 0.0, 0.0, 0, asset, pays_funding=False)
    since = now_ms - days * _DAY_MS
    paging = PAGING.get(exchange, Paging())
    if paging.window_days is not None:
        entries = _windowed(client, symbol, since, now_ms, paging)
    elif paging.cursor is not None:
        entries = _backward(client, symbol, since, paging)
    else:
        entries = _forward(client, symbol, since, paging)
    received = paid = 0.0
    count = 0
    seen: set[Any] = set()
    for entry in entries:
        key = entry.get("id") or (entry.get("timestamp"), entry.get("amount"))
        if key in seen or _stamp(entry, since) < since or entry.get("symbol") not in (None, symbol):
            continue
        seen.add(key)
        amount = float(entry.get("amount", "nan")) * RECEIVED_SIGN.get(exchange, 1.0)
        if not math.isfinite(amount):
            raise ValueError("a funding amount came back unusable")
        received += max(amount, 0.0)
        paid += max(-amount, 0.0)
        count += 1
    return FundingIncome(symbol, days, received, paid, count, asset)


def _stamp(entry: Mapping[str, Any], default: int) -> int:
    return int(entry.get("timestamp") or default)


def _page(client: Any, symbol: str, since: int, paging: Paging, params: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    page = client.fetch_funding_history(symbol, since, paging.size, {**paging.params, **params})
    if not isinstance(page, list) or not all(isinstance(entry, Mapping) for entry in page):
        raise ValueError("the funding history came back unreadable")
    return page


def _forward(client: Any, symbol: str, since: int, paging: Paging) -> Iterator[Mapping[str, Any]]:
    """Pages from ``since`` on, each starting after the newest row of the one before, until one comes back short."""
    while True:
        page = _page(client, symbol, since, paging, {})
        yield from page
        newest = max((_stamp(entry, since) for entry in page), default=since)
        if len(page) < paging.size or newest <= since:
            return
        since = newest + 1


def _backward(client: Any, symbol: str, since: int, paging: Paging) -> Iterator[Mapping[str, Any]]:
    """Pages newest first, each before the oldest row of the one before (the exchange's cursor), until one
    comes back short or reaches before ``since``."""
    params: dict[str, str] = {}
    while True:
        page = _page(client, symbol, since, paging, params)
        yield from page
        if len(page) < paging.size or not page:
            return
        oldest = min(page, key=lambda entry: _stamp(entry, since))
        info = oldest.get("info")
        cursor = str(info.get(paging.cursor_field) or "") if isinstance(info, Mapping) else ""
        if not cursor or _stamp(oldest, since) < since or params.get(str(paging.cursor)) == cursor:
            return
        params = {str(paging.cursor): cursor}


def _windowed(client: Any, symbol: str, since: int, until: int, paging: Paging) -> Iterator[Mapping[str, Any]]:
    """Every settlement from ``since`` to ``until`` (ms, both included), ``paging.window_days`` at a time."""
    days = paging.window_days or 1
    start = since
    while start <= until:
        end = min(start + days * _DAY_MS - 1, until)
        yield from _window(client, symbol, start, end, paging)
        start = end + 1


def _window(client: Any, symbol: str, start: int, end: int, paging: Paging) -> Iterator[Mapping[str, Any]]:
    page = _page(client, symbol, start, paging, {"until": end})
    if len(page) < paging.size:
        yield from page
        return
    if end - start < 1000:
        raise ValueError(f"more than {paging.size} funding settlements within a second: the history cannot be read")
    middle = start + (end - start) // 2
    yield from _window(client, symbol, start, middle, paging)
    yield from _window(client, symbol, middle + 1, end, paging)

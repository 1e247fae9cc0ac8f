"""The position's own funding, paid and received, through ccxt's unified ``fetch_funding_history``.

Binance: ``GET /fapi/v1/income?incomeType=FUNDING_FEE&symbol=BTCUSDT&startTime=…`` (positive amounts
received, negative paid; Binance keeps three months); Bybit: ``GET /v5/account/transaction-log`` with
``type=SETTLEMENT``; OKX: ``GET /api/v5/account/bills-archive?type=8&instType=SWAP&ctType=linear&ccy=USDT``
(its bills of the last three months; ``balChg`` positive when received). Binance's and Bybit's pages of up
to 1,000 settlements are read forward from the start of the window; OKX's (100 at most, newest first, ccxt
passing no start time on) backward with its ``after`` cursor, the bill id of the page's oldest row, until a
page is short or reaches before the window (:data:`PAGING`). Rows of another contract or from before the
window are left out.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from althedge_xl.market.account.positions import LINEAR_BTC
from althedge_xl.market.account.records import FundingIncome

DAYS = 90
#: The sign of a funding amount the account received, as ccxt passes each exchange's on: Binance's
#: ``income`` is positive when received; Bybit's ``execFee`` is a fee, positive when paid.
RECEIVED_SIGN = {"bybit": -1.0}
PAGE = 1000
_DAY_MS = 86_400_000


@dataclass(frozen=True)
class Paging:
    """How an exchange's funding history pages: ``size`` rows at most, and for a backward cursor the request
    parameter ``cursor`` set to the ``info`` field ``cursor_field`` of the oldest row read (None: forward by
    start time)."""

    size: int = PAGE
    cursor: str | None = None
    cursor_field: str = ""


#: Each exchange's paging when it is not Binance's and Bybit's (forward by start time, 1,000 a page).
PAGING = {"okx": Paging(100, "after", "billId")}


def funding_income(
    client: Any, exchange: str, now_ms: int, days: int = DAYS, symbol: str = LINEAR_BTC
) -> FundingIncome:
    """Funding received and paid by ``symbol``'s positions over the ``days`` days before ``now_ms``."""
    start = since = now_ms - days * _DAY_MS
    paging = PAGING.get(exchange, Paging())
    received = paid = 0.0
    count = 0
    seen: set[Any] = set()
    asset = symbol.split(":")[-1]
    params: dict[str, str] = {}
    while True:
        page = client.fetch_funding_history(symbol, since, paging.size, params)
        if not isinstance(page, list):
            raise ValueError("the funding history came back unreadable")
        newest, oldest, cursor = since, None, None
        for entry in page:
            stamp = int(entry.get("timestamp") or since)
            if paging.cursor is not None and (oldest is None or stamp < oldest):  # ccxt sorts the page by time
                info = entry.get("info")
                cursor = str(info.get(paging.cursor_field) or "") if isinstance(info, dict) else ""
            oldest = stamp if oldest is None else min(oldest, stamp)
            key = entry.get("id") or (entry.get("timestamp"), entry.get("amount"))
            if key in seen or stamp < start or entry.get("symbol") not in (None, symbol):
                continue
            seen.add(key)
            amount = float(entry.get("amount")) * RECEIVED_SIGN.get(exchange, 1.0)
            if not math.isfinite(amount):
                raise ValueError("a funding amount came back unusable")
            received += max(amount, 0.0)
            paid += max(-amount, 0.0)
            count += 1
            asset = str(entry.get("code") or asset)
            newest = max(newest, stamp)
        if len(page) < paging.size:
            break
        if paging.cursor is not None:
            if not cursor or oldest is None or oldest < start or params.get(paging.cursor) == cursor:
                break
            params = {paging.cursor: cursor}
            continue
        if newest <= since:
            break
        since = newest + 1
    return FundingIncome(symbol, days, received, paid, count, asset)

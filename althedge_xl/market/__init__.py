"""Market data from public APIs: spot prices, BTC perpetual funding, a BTC quarterly future and Fear & Greed.

This is the only package of AltHedge XL that touches the network. It fetches, caches and marks
values stale; it never computes anything with them (that is :mod:`althedge_xl.core`).

Modules (each imports only those above it, and nothing of the workbook, headless or cli layers)
---------------------------------------------------------------------------------------------
=============  ==================================================================================
``values``     numbers and times as the APIs send them (finite floats, epoch ms, ISO-8601, ages)
``errors``     the feed errors and the one-line reason of any failure
``records``    the frozen records a refresh returns (:class:`Quote` … :class:`MarketSnapshot`)
``http``       plain HTTP for alternative.me, ``Retry-After``, the retry policy
``cache``      the last good value of each series on disk, written atomically
``session``    one refresh in progress: retries, failed hosts, progress, fresh-or-cached resolution
``exchange``   the ccxt client (imported lazily) with its markets loaded
``spot``, ``perpetual``, ``dated``, ``fear_greed``
               one series family each: fetch, validate, fall back to the cache
``snapshot``   the entry points :func:`refresh_market_data` and :func:`fetch_daily_closes`
``risk_limits``
               Bybit's public risk limits (maintenance tiers) of BTCUSDT, fresh or cached
``account``    the user's own account with a read-only key (a sub-package; never cached): see its docstring
=============  ==================================================================================

Units and conventions
---------------------
* Prices are in the quote currency (USDT) for one unit of the base asset: ``BTC 106599.9`` means
  106,599.90 USDT per BTC.
* Funding rates are plain fractions **per funding interval**, exactly as the exchanges publish
  them: ``0.0001`` is 0.01 % per interval (8 hours for BTCUSDT). A positive rate means longs pay
  shorts, so a short hedge receives it.
* Times are UTC, written ISO-8601 with milliseconds and a ``Z`` (``2025-06-17T08:38:08.000Z``);
  Fear & Greed dates are UTC days (``2025-04-22``). Ages are in seconds.

Where the numbers come from
---------------------------
Exchange data comes from ccxt's unified **public** methods; no API key is asked for, stored or
logged, and ccxt is imported only when a refresh actually talks to an exchange. For Binance
(the default) and Bybit the requests are:

=====================  ===============================================  =======================================
item                   Binance (api / fapi)                             Bybit (v5)
=====================  ===============================================  =======================================
markets (once)         ``GET /api/v3/exchangeInfo``,                    ``GET /v5/market/instruments-info``
                       ``GET /fapi/v1/exchangeInfo``                    (``category=spot``, ``linear`` and
                                                                        ``linear&status=PreLaunch``)
spot prices            ``GET /api/v3/ticker/24hr?symbol=…`` (one),      ``GET /v5/market/tickers?category=spot``
                       ``…?symbols=[…]`` (several)                      (``&symbol=…`` for one)
perpetual              ``GET /fapi/v1/premiumIndex`` (all contracts)    ``GET /v5/market/tickers?category=linear
                                                                        &symbol=BTCUSDT``
funding interval       ``GET /fapi/v1/fundingInfo``, else inferred      ``fundingInterval`` of the instrument
                       from the last two settlements                    (from the markets request)
funding history        ``GET /fapi/v1/fundingRate?symbol=BTCUSDT        ``GET /v5/market/funding/history``
                       &startTime=…&limit=1000`` (paged)                (200 a page, paged)
dated (quarterly)      no request of its own: the perpetual's           ``GET /v5/market/tickers?category=linear
future                 ``premiumIndex`` answer lists delivery           &symbol=<contract>``
                       contracts too (``BTCUSDT_250926``)
daily closes           ``GET /api/v3/klines?symbol=…&interval=1d        ``GET /v5/market/kline?category=spot
(fetch_daily_closes)   &startTime=…&limit=…`` (one per symbol)          &symbol=…&interval=D…`` (one per symbol)
=====================  ===============================================  =======================================

The dated future is chosen from the loaded markets: the linear delivery future (ccxt ``future`` and
``linear``, with an ``expiry``) on the perpetual's base and settle currency (BTC, USDT) whose expiry is the
nearest one at least ``dated_min_days`` days away. Its price is the mark price (the last price when the
exchange publishes no mark); ``days_to_expiry`` counts from the exchange's timestamp of the quote (from the
fetch time when it sends none).

The Fear & Greed index comes from alternative.me, ``GET https://api.alternative.me/fng/?limit=N&format=json``,
read with the standard library. alternative.me asks to be credited as the source of the index.

Failure policy
--------------
Every series (each spot price, the perpetual, the funding history, the dated future, Fear & Greed)
keeps its last good value on disk with its fetch time and source. When a fetch fails, that value is
returned marked ``stale`` with its age and the reason in ``error``; nothing is ever blanked or zeroed.
With no cached value either the item is ``missing`` (``value`` None) and ``error`` says why. A cached
dated future whose expiry has passed is no last good value: it is reported missing ("cached future
expired on …"). A stale dated future's ``days_to_expiry`` is counted from now: its price is old, but
its expiry is fixed. Network failures are
retried with exponential backoff (honouring ``Retry-After`` on HTTP 429); once a host has failed
after its retries the rest of the refresh does not call it again. Symbols the exchange does not list
are reported by name in ``MarketSnapshot.unknown_symbols`` and in the messages.

The daily closes of :func:`fetch_daily_closes` are one series for all their symbols together: when any
symbol fails or is not listed, the whole cached table is served stale, the reason naming the symbol.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from althedge_xl.market.cache import CACHE_ENV_VAR, resolve_cache_dir
    from althedge_xl.market.deadline import DEFAULT_DEADLINE_S, Deadline
    from althedge_xl.market.errors import CacheError, FeedError, HttpStatusError, MalformedResponseError
    from althedge_xl.market.exchange import DEFAULT_EXCHANGE, make_exchange
    from althedge_xl.market.fear_greed import FNG_URL, parse_fear_greed
    from althedge_xl.market.http import DEFAULT_TIMEOUT_S, HttpGet, RetryPolicy, parse_retry_after
    from althedge_xl.market.records import (
        PAR_SOURCE,
        DailyCloses,
        DatedFutureQuote,
        FearGreed,
        FearGreedPoint,
        FundingHistory,
        FundingPoint,
        MarketSnapshot,
        PerpQuote,
        Quote,
    )
    from althedge_xl.market.session import OFFLINE_REASON, ProgressCallback
    from althedge_xl.market.snapshot import (
        DEFAULT_CLOSES_DAYS,
        DEFAULT_DATED_MIN_DAYS,
        DEFAULT_HISTORY_DAYS,
        DEFAULT_PERP,
        DEFAULT_QUOTE,
        MAX_CLOSES_DAYS,
        fetch_daily_closes,
        normalize_symbols,
        refresh_market_data,
    )
    from althedge_xl.market.transport import BASE_URL_ENV_VAR, deadline_http_get

#: Each public name -> the module of this package it comes from. A name is imported when first
#: used (PEP 562), so that importing one module of the package (the command line reads
#: ``deadline`` for its ``--timeout`` default) does not load every feed.
_WHERE = {
    "CACHE_ENV_VAR": "cache",
    "resolve_cache_dir": "cache",
    "DEFAULT_DEADLINE_S": "deadline",
    "Deadline": "deadline",
    "CacheError": "errors",
    "FeedError": "errors",
    "HttpStatusError": "errors",
    "MalformedResponseError": "errors",
    "DEFAULT_EXCHANGE": "exchange",
    "make_exchange": "exchange",
    "FNG_URL": "fear_greed",
    "parse_fear_greed": "fear_greed",
    "DEFAULT_TIMEOUT_S": "http",
    "HttpGet": "http",
    "RetryPolicy": "http",
    "parse_retry_after": "http",
    "DailyCloses": "records",
    "DatedFutureQuote": "records",
    "FearGreed": "records",
    "FearGreedPoint": "records",
    "FundingHistory": "records",
    "FundingPoint": "records",
    "MarketSnapshot": "records",
    "PAR_SOURCE": "records",
    "PerpQuote": "records",
    "Quote": "records",
    "OFFLINE_REASON": "session",
    "ProgressCallback": "session",
    "DEFAULT_CLOSES_DAYS": "snapshot",
    "DEFAULT_DATED_MIN_DAYS": "snapshot",
    "DEFAULT_HISTORY_DAYS": "snapshot",
    "DEFAULT_PERP": "snapshot",
    "DEFAULT_QUOTE": "snapshot",
    "MAX_CLOSES_DAYS": "snapshot",
    "fetch_daily_closes": "snapshot",
    "normalize_symbols": "snapshot",
    "refresh_market_data": "snapshot",
    "BASE_URL_ENV_VAR": "transport",
    "deadline_http_get": "transport",
}


if not TYPE_CHECKING:  # type checkers see the imports above, so a misspelt name stays an error

    def __getattr__(name: str) -> object:
        """``althedge_xl.market.NAME``: a public name, or a module of the package, imported on first use."""
        module = _WHERE.get(name)
        if module is None:
            try:
                return importlib.import_module(f"{__name__}.{name}")
            except ModuleNotFoundError as exc:
                if exc.name != f"{__name__}.{name}":
                    raise
                raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
        value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
        globals()[name] = value
        return value

    def __dir__() -> list[str]:
        return sorted({*globals(), *_WHERE})


__all__ = [
    "BASE_URL_ENV_VAR",
    "CACHE_ENV_VAR",
    "DEFAULT_CLOSES_DAYS",
    "DEFAULT_DATED_MIN_DAYS",
    "DEFAULT_DEADLINE_S",
    "DEFAULT_EXCHANGE",
    "DEFAULT_HISTORY_DAYS",
    "DEFAULT_PERP",
    "DEFAULT_QUOTE",
    "DEFAULT_TIMEOUT_S",
    "FNG_URL",
    "MAX_CLOSES_DAYS",
    "OFFLINE_REASON",
    "PAR_SOURCE",
    "CacheError",
    "DailyCloses",
    "DatedFutureQuote",
    "Deadline",
    "FearGreed",
    "FearGreedPoint",
    "FeedError",
    "FundingHistory",
    "FundingPoint",
    "HttpGet",
    "HttpStatusError",
    "MalformedResponseError",
    "MarketSnapshot",
    "PerpQuote",
    "ProgressCallback",
    "Quote",
    "RetryPolicy",
    "deadline_http_get",
    "fetch_daily_closes",
    "make_exchange",
    "normalize_symbols",
    "parse_fear_greed",
    "parse_retry_after",
    "refresh_market_data",
    "resolve_cache_dir",
]

"""Market data from public APIs: spot prices, BTC perpetual funding, a BTC quarterly future and Fear & Greed.

This is the only module of AltHedge XL that touches the network. It fetches, caches and marks
values stale; it never computes anything with them (that is :mod:`althedge_xl.core`).

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

import contextlib
import json
import math
import os
import re
import sys
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from functools import partial
from pathlib import Path
from typing import Any, NamedTuple, TypeVar

from althedge_xl import __version__
from althedge_xl.files import write_atomically

T = TypeVar("T")

HttpGet = Callable[[str, float], bytes]
"""``http_get(url, timeout_s) -> body``: raise :class:`HttpStatusError` for a non-2xx status, ``OSError`` when
the network fails (``TimeoutError``, ``ConnectionRefusedError``, ``urllib.error.URLError``)."""
ProgressCallback = Callable[[int, int, str], None]
"""``progress(done, total, label)``: called after each unit of work; the last call has ``done == total``."""
Clock = Callable[[], datetime]
Sleep = Callable[[float], None]

DEFAULT_EXCHANGE = "binance"
DEFAULT_QUOTE = "USDT"
DEFAULT_PERP = "BTC/USDT:USDT"
DEFAULT_HISTORY_DAYS = 90
DEFAULT_DATED_MIN_DAYS = 7.0
DEFAULT_CLOSES_DAYS = 366
MAX_CLOSES_DAYS = 1000  # candles one request gives on Binance (and Bybit): no paging needed
DEFAULT_TIMEOUT_S = 10.0
CACHE_ENV_VAR = "ALTHEDGE_CACHE_DIR"
CACHE_APP_NAME = "althedge-xl"
FNG_URL = "https://api.alternative.me/fng/?limit={limit}&format=json"
FNG_HOST = "alternative.me"
PAR_SOURCE = "par: the quote currency itself"
OFFLINE_REASON = "offline mode: cache only"

_CACHE_FORMAT = 1
_MS_PER_HOUR = 3_600_000
_MS_PER_DAY = 86_400_000
_MAX_HISTORY_PAGES = 20
_HISTORY_PAGE_LIMIT = {"binance": 1000, "bybit": 200}
_MARKET_TYPES = {"binance": ["spot", "linear"], "bybit": ["spot", "linear"]}
# Exchanges whose ccxt fetch_funding_rates reads one list of every linear contract, delivery futures included
# (Binance: GET /fapi/v1/premiumIndex, as recorded in the wire samples), so the dated future rides along.
_DATED_IN_FUNDING_RATES = frozenset({"binance"})
_SECONDS_PER_DAY = 86_400.0
_TRANSIENT_HTTP = frozenset({408, 425, 429, 500, 502, 503, 504})
_MAX_BODY_BYTES = 5_000_000
_USER_AGENT = f"althedge-xl/{__version__} (market-data refresh)"


# --------------------------------------------------------------------------------------------- errors


class FeedError(Exception):
    """A fetch failed; the message says why in words a user can act on."""


class HttpStatusError(FeedError):
    """A non-2xx HTTP status, raised by an :data:`HttpGet`; ``retry_after_s`` is the server's ``Retry-After``."""

    def __init__(self, url: str, status: int, retry_after_s: float | None = None) -> None:
        self.url = url
        self.status = status
        self.retry_after_s = retry_after_s
        super().__init__(f"HTTP {status} from {url}")


class MalformedResponseError(FeedError):
    """The response is not what the API documents: not JSON, missing fields, or empty."""


class CacheError(Exception):
    """A cache file exists but cannot be read or does not hold a valid record."""


# ------------------------------------------------------------------------------------ public records


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how patiently a failing request is retried.

    Only network failures are retried (timeouts, refused connections, HTTP 408/425/429/5xx). The
    n-th retry waits ``min(max_delay_s, base_delay_s * 2**(n-1))`` seconds, or the server's
    ``Retry-After`` when it sends one; a ``Retry-After`` above ``max_retry_after_s`` ends the retries.

    >>> [RetryPolicy().delay(n) for n in (1, 2, 3)]
    [1.0, 2.0, 4.0]
    """

    attempts: int = 3
    base_delay_s: float = 1.0
    max_delay_s: float = 30.0
    max_retry_after_s: float = 120.0

    def delay(self, retry: int) -> float:
        """Seconds to wait before retry number ``retry`` (1-based) when the server gives no ``Retry-After``."""
        return float(min(self.max_delay_s, self.base_delay_s * 2 ** (retry - 1)))


class _Status:
    """Properties shared by every refreshed item (a frozen dataclass with ``stale`` and ``missing``)."""

    stale: bool

    @property
    def missing(self) -> bool:  # pragma: no cover - every record overrides it
        raise NotImplementedError

    @property
    def fresh(self) -> bool:
        """True when the value was fetched in this refresh."""
        return not self.stale and not self.missing


@dataclass(frozen=True)
class Quote(_Status):
    """Spot last price of one symbol.

    Attributes
    ----------
    symbol : the symbol as asked for, upper-cased (``"ETH"``).
    market : the exchange market it is priced on, in ccxt's unified form (``"ETH/USDT"``).
    value : last traded price in USDT for one unit of the symbol; None when missing.
    as_of : the exchange's own timestamp of that price (UTC ISO-8601), when it sends one.
    time : when the value was fetched (UTC ISO-8601); None when missing.
    source : exchange, ccxt method and market the value came from.
    stale : True when ``value`` is the cached last good value rather than fetched now.
    age_seconds : seconds since ``time`` (about 0 when fresh); None when missing.
    error : why the value is stale or missing; None when fresh.
    """

    symbol: str
    market: str
    value: float | None
    as_of: str | None
    time: str | None
    source: str
    stale: bool
    age_seconds: float | None
    error: str | None

    @property
    def missing(self) -> bool:
        """True when there is no value at all, fresh or cached."""
        return self.value is None


@dataclass(frozen=True)
class PerpQuote(_Status):
    """The BTC perpetual: mark and index price, current funding rate, interval and next settlement.

    Attributes
    ----------
    symbol : ccxt unified contract symbol (``"BTC/USDT:USDT"``).
    mark_price, index_price : USDT per BTC.
    funding_rate : the current (predicted) rate as a fraction per funding interval; positive: longs pay shorts.
    funding_interval_hours : hours between settlements (8 for BTCUSDT); None when unknown.
    next_funding_time : UTC ISO-8601 time of the next settlement.
    as_of : the exchange's timestamp of these values (UTC ISO-8601), when it sends one.
    time, source, stale, age_seconds, error : as in :class:`Quote`.
    """

    symbol: str
    mark_price: float | None
    index_price: float | None
    funding_rate: float | None
    funding_interval_hours: float | None
    next_funding_time: str | None
    as_of: str | None
    time: str | None
    source: str
    stale: bool
    age_seconds: float | None
    error: str | None

    @property
    def missing(self) -> bool:
        """True when there is no mark price or funding rate at all, fresh or cached."""
        return self.mark_price is None or self.funding_rate is None


class FundingPoint(NamedTuple):
    """One funding settlement: UTC ISO-8601 settlement time and the rate paid (fraction per interval)."""

    time: str
    rate: float


@dataclass(frozen=True)
class FundingHistory(_Status):
    """Funding settlements of the perpetual over the last ``history_days`` days, oldest first.

    ``time, source, stale, age_seconds, error`` are as in :class:`Quote`.
    """

    symbol: str
    points: tuple[FundingPoint, ...]
    time: str | None
    source: str
    stale: bool
    age_seconds: float | None
    error: str | None

    @property
    def missing(self) -> bool:
        """True when there is no settlement at all, fresh or cached."""
        return not self.points


class FearGreedPoint(NamedTuple):
    """One day of the Fear & Greed index: UTC date, value 0–100, alternative.me's class name."""

    date: str
    value: int
    classification: str


@dataclass(frozen=True)
class FearGreed(_Status):
    """The Crypto Fear & Greed index (alternative.me): latest value and daily history, oldest first.

    Attributes
    ----------
    value : 0 (extreme fear) to 100 (extreme greed) on ``date``; None when missing.
    date : the UTC day of ``value`` (``YYYY-MM-DD``).
    classification : alternative.me's name for the value (``"Extreme Fear"`` … ``"Extreme Greed"``).
    history : one :class:`FearGreedPoint` per day, oldest first, ending with ``date``.
    time, source, stale, age_seconds, error : as in :class:`Quote`.
    """

    value: int | None
    date: str | None
    classification: str | None
    history: tuple[FearGreedPoint, ...]
    time: str | None
    source: str
    stale: bool
    age_seconds: float | None
    error: str | None

    @property
    def missing(self) -> bool:
        """True when there is no value at all, fresh or cached."""
        return self.value is None


@dataclass(frozen=True)
class DatedFutureQuote(_Status):
    """The nearest BTC quarterly (delivery) future expiring at least ``min_days`` days after now.

    Attributes
    ----------
    symbol : ccxt unified contract symbol (``"BTC/USDT:USDT-250926"``); ``""`` when no contract is known.
    price : its mark price, USDT per BTC (the last price when the exchange publishes no mark); None when missing.
    index_price : the BTC index price, USDT; None when not sent.
    expiry : UTC ISO-8601 delivery time (Binance quarterlies: 08:00 UTC on the last Friday of the quarter).
    days_to_expiry : ``expiry`` minus the time of the quote, in fractional days. The time of a fresh quote is
        ``as_of`` (else ``time``); a stale quote counts from now, since the contract's expiry is fixed.
    as_of : the exchange's timestamp of the price (UTC ISO-8601), when it sends one.
    time, source, stale, age_seconds, error : as in :class:`Quote`.
    """

    symbol: str
    price: float | None
    index_price: float | None
    expiry: str | None
    days_to_expiry: float | None
    as_of: str | None
    time: str | None
    source: str
    stale: bool
    age_seconds: float | None
    error: str | None

    @property
    def missing(self) -> bool:
        """True when there is no price at all, fresh or cached."""
        return self.price is None


def _dated_future_not_fetched() -> DatedFutureQuote:
    """The ``dated_future`` of a snapshot built without one (older callers): missing, with the reason."""
    return DatedFutureQuote("", None, None, None, None, None, None, "", False, None, "not fetched")


@dataclass(frozen=True)
class DailyCloses(_Status):
    """Daily UTC closes (USDT) of several symbols over the last ``days`` complete days, oldest first.

    Attributes
    ----------
    symbols : the symbols as asked, upper-cased (``("BTC", "ETH")``).
    dates : ``YYYY-MM-DD`` UTC days whose candle has closed (today's still-open candle is never included).
    closes : one tuple per date, one close per symbol in the order of ``symbols``, in the quote currency per
        unit; None where the exchange has no candle for that symbol that day (not yet listed, or a gap).
    time, source, stale, age_seconds, error : as in :class:`Quote`; the table is fetched, cached and marked
        stale as one series, so one failing symbol makes all of it stale.
    """

    symbols: tuple[str, ...]
    dates: tuple[str, ...]
    closes: tuple[tuple[float | None, ...], ...]
    time: str | None
    source: str
    stale: bool
    age_seconds: float | None
    error: str | None

    @property
    def missing(self) -> bool:
        """True when there is no day at all, fresh or cached."""
        return not self.dates


@dataclass(frozen=True)
class MarketSnapshot:
    """Everything one refresh produced.

    Attributes
    ----------
    exchange : ccxt id of the exchange asked (``"binance"``).
    quote_currency : the currency prices are quoted in (``"USDT"``).
    created_at : when the refresh ran (UTC ISO-8601).
    offline : True when the snapshot was filled from the cache only.
    spot : one :class:`Quote` per requested symbol, in the order asked, keyed by symbol.
    perp : the BTC perpetual.
    funding_history : its funding settlements over the last ``history_days`` days.
    fear_greed : the Fear & Greed index and its history.
    unknown_symbols : symbols the exchange does not list, by name, in the order asked.
    messages : what went wrong or was worked around, one line each, in the order it happened.
    dated_future : the nearest BTC quarterly future (last, with a default, so that snapshots built by
        hand without it stay valid: it is then missing with the reason ``"not fetched"``).
    """

    exchange: str
    quote_currency: str
    created_at: str
    offline: bool
    spot: dict[str, Quote]
    perp: PerpQuote
    funding_history: FundingHistory
    fear_greed: FearGreed
    unknown_symbols: tuple[str, ...]
    messages: tuple[str, ...]
    dated_future: DatedFutureQuote = field(default_factory=_dated_future_not_fetched)

    def items(self) -> list[Quote | PerpQuote | FundingHistory | FearGreed | DatedFutureQuote]:
        """Every item: spot quotes, then perpetual, funding history, Fear & Greed and the dated future."""
        return [*self.spot.values(), self.perp, self.funding_history, self.fear_greed, self.dated_future]

    @property
    def refreshed_any(self) -> bool:
        """True when at least one item was fetched fresh in this refresh (the CLI fails only when False)."""
        return any(item.fresh and item.source != PAR_SOURCE for item in self.items())


# --------------------------------------------------------------------------------------- public API


def refresh_market_data(
    symbols: Iterable[Any] | str,
    exchange: str = DEFAULT_EXCHANGE,
    offline: bool = False,
    cache_dir: str | os.PathLike[str] | None = None,
    progress: ProgressCallback | None = None,
    client: Any = None,
    *,
    http_get: HttpGet | None = None,
    perp_symbol: str = DEFAULT_PERP,
    quote: str = DEFAULT_QUOTE,
    history_days: int = DEFAULT_HISTORY_DAYS,
    dated_min_days: float = DEFAULT_DATED_MIN_DAYS,
    timeout_s: float = DEFAULT_TIMEOUT_S,
    retry: RetryPolicy | None = None,
    sleep: Sleep = time.sleep,
    clock: Clock | None = None,
) -> MarketSnapshot:
    """Fetch spot prices, the BTC perpetual, its funding history, the BTC quarterly future and Fear & Greed.

    Each item falls back to its cached last good value when its fetch fails.

    Parameters
    ----------
    symbols : base assets to price (``["BTC", "ETH", "SOL"]``), each against ``quote``; a unified market
        (``"ETH/USDT"``) is used as given. Blanks are skipped, duplicates priced once, case ignored.
    exchange : ccxt exchange id (``"binance"``, ``"bybit"``, …); ignored when ``client`` is given.
    offline : fill everything from the cache and make no request at all.
    cache_dir : cache folder; default ``$ALTHEDGE_CACHE_DIR``, else the per-user cache dir of ``althedge-xl``.
    progress : ``progress(done, total, label)`` after each unit of work.
    client : a ccxt exchange instance (or an object with the same methods) to use instead of a new one.
    http_get : ``http_get(url, timeout_s) -> bytes`` for alternative.me; default :func:`urllib_get`.
    perp_symbol : the hedge contract, ccxt unified (default ``"BTC/USDT:USDT"``, the USDT-margined perpetual).
    quote : quote currency of the spot prices (default ``"USDT"``); its own price is 1 by definition.
    history_days : days of funding and Fear & Greed history (default 90).
    dated_min_days : the dated future is the delivery future (same base and settle currency as ``perp_symbol``)
        with the nearest expiry at least this many days after now (default 7), so that a contract about to
        deliver is skipped.
    timeout_s : seconds per HTTP request (for a new ccxt client and for alternative.me).
    retry : retry policy for network failures (default :class:`RetryPolicy`).
    sleep, clock : injectable ``time.sleep`` and UTC ``now`` (tests pass fakes).

    Returns
    -------
    MarketSnapshot
        Every item fresh, stale (cached, with age and reason) or missing (with reason). Never raises
        for a network or API failure; raises ``ValueError`` for an unknown exchange id or a bad argument.

    Examples
    --------
    With an empty cache and ``offline=True`` nothing is fetched and everything is reported missing:

    >>> import tempfile
    >>> snap = refresh_market_data(["btc", "eth"], offline=True, cache_dir=tempfile.mkdtemp())
    >>> list(snap.spot), snap.spot["BTC"].value, snap.refreshed_any
    (['BTC', 'ETH'], None, False)
    >>> snap.spot["ETH"].error
    'offline mode: cache only'
    """
    bases = normalize_symbols([symbols] if isinstance(symbols, str) else symbols)
    if history_days < 1:
        raise ValueError(f"history_days must be a whole number of days >= 1, got {history_days!r}")
    days_ok = isinstance(dated_min_days, int | float) and not isinstance(dated_min_days, bool)
    if not days_ok or not math.isfinite(dated_min_days) or dated_min_days < 0:
        raise ValueError(f"dated_min_days must be a number of days >= 0, got {dated_min_days!r}")
    quote = quote.strip().upper()
    session = _Session(
        cache=_Cache(resolve_cache_dir(cache_dir)),
        clock=clock or _utc_now,
        sleep=sleep,
        retry=retry or RetryPolicy(),
        progress=progress,
        total=len(bases) + 5,
    )
    created_at = _iso(session.now())
    venue = _open_venue(session, client, exchange, timeout_s, offline)
    spot = _spot_quotes(session, venue, bases, quote)
    history = _funding_history(session, venue, perp_symbol, history_days)
    dated = _choose_dated(session, venue, perp_symbol, float(dated_min_days))
    shared = dated.symbols if venue.id in _DATED_IN_FUNDING_RATES else ()  # one premiumIndex list for both
    perp = _perp_quote(session, venue, perp_symbol, history, also=shared)
    dated_future = _dated_future_quote(session, venue, dated)
    fear_greed = _fear_greed(session, http_get or urllib_get, history_days, timeout_s, offline)
    return MarketSnapshot(
        exchange=venue.id,
        quote_currency=quote,
        created_at=created_at,
        offline=offline,
        spot=spot,
        perp=perp,
        funding_history=history,
        fear_greed=fear_greed,
        unknown_symbols=tuple(venue.unknown),
        messages=tuple(session.messages),
        dated_future=dated_future,
    )


def fetch_daily_closes(
    symbols: Iterable[Any] | str,
    days: int = DEFAULT_CLOSES_DAYS,
    exchange: str = DEFAULT_EXCHANGE,
    offline: bool = False,
    cache_dir: str | os.PathLike[str] | None = None,
    client: Any = None,
    *,
    quote: str = DEFAULT_QUOTE,
    timeout_s: float = DEFAULT_TIMEOUT_S,
    retry: RetryPolicy | None = None,
    sleep: Sleep = time.sleep,
    clock: Clock | None = None,
    progress: ProgressCallback | None = None,
) -> DailyCloses:
    """Daily UTC closes of ``symbols`` over the last ``days`` complete days (for the History sheet).

    One ``fetch_ohlcv(market, "1d", since=<start of the day days ago>, limit=days)`` per symbol; the symbols
    are aligned on the union of their dates (None where one has no candle), today's still-open candle is
    dropped and the last ``days`` dates are kept. The table is cached as one series per exchange and set of
    symbols (whatever ``days``; a cached table is cut to its last ``days`` dates): when any symbol fails or is
    not listed, the cached table is returned stale, the reason naming the symbol; with nothing cached it is
    missing, with the reason.

    Parameters
    ----------
    symbols : base assets (``["BTC", "ETH"]``) priced against ``quote``, or unified markets (``"ETH/USDT"``);
        as in :func:`refresh_market_data`. The quote currency itself closes at 1 every day.
    days : complete UTC days to return, 2 to 1000 (one request per symbol; default 366).
    exchange, offline, cache_dir, client, quote, timeout_s, retry, sleep, clock, progress :
        as in :func:`refresh_market_data`.

    Returns
    -------
    DailyCloses
        Fresh, stale or missing. Never raises for a network or API failure; raises ``ValueError`` for an
        unknown exchange id or a bad argument.

    Examples
    --------
    >>> import tempfile
    >>> closes = fetch_daily_closes(["btc", "eth"], days=30, offline=True, cache_dir=tempfile.mkdtemp())
    >>> closes.symbols, closes.missing, closes.error
    (('BTC', 'ETH'), True, 'offline mode: cache only')
    """
    bases = normalize_symbols([symbols] if isinstance(symbols, str) else symbols)
    if not bases:
        raise ValueError("symbols must name at least one symbol")
    if isinstance(days, bool) or not isinstance(days, int) or not 2 <= days <= MAX_CLOSES_DAYS:
        raise ValueError(f"days must be a whole number of days from 2 to {MAX_CLOSES_DAYS}, got {days!r}")
    quote = quote.strip().upper()
    markets = {base: _spot_market(base, quote) for base in bases}
    session = _Session(
        cache=_Cache(resolve_cache_dir(cache_dir)),
        clock=clock or _utc_now,
        sleep=sleep,
        retry=retry or RetryPolicy(),
        progress=progress,
        total=len(bases) + 2,
    )
    venue = _open_venue(session, client, exchange, timeout_s, offline)
    outcome: _Record | str
    if venue.unavailable is not None:
        outcome = venue.unavailable
    else:
        outcome = _attempt(_closes_record, session, venue, markets, quote, days)
    key = _cache_key(venue.id, "daily_closes", *markets.values())
    label = f"daily closes ({venue.id} {' '.join(markets.values())})"
    payload, meta = session.resolve(key, label, outcome, partial(_valid_closes, width=len(bases)))
    data = payload or {}
    session.finish("daily closes")
    return DailyCloses(
        tuple(bases),
        tuple(data.get("dates", [])[-days:]),
        tuple(tuple(row) for row in data.get("closes", [])[-days:]),
        *meta,
    )


def normalize_symbols(symbols: Iterable[Any]) -> list[str]:
    """Upper-case and strip symbols; skip blanks (None, ``""``); keep the first of duplicates, in order.

    >>> normalize_symbols([" btc", "ETH", None, "", "eth", "sol/usdt"])
    ['BTC', 'ETH', 'SOL/USDT']
    """
    seen: dict[str, None] = {}
    for raw in symbols:
        text = "" if raw is None else str(raw).strip().upper()
        if text:
            seen.setdefault(text, None)
    return list(seen)


def resolve_cache_dir(cache_dir: str | os.PathLike[str] | None = None) -> Path:
    """The cache folder: ``cache_dir`` if given, else ``$ALTHEDGE_CACHE_DIR``, else the per-user cache dir.

    The per-user dir is ``platformdirs.user_cache_dir("althedge-xl")`` (``~/.cache/althedge-xl`` on Linux,
    ``%LOCALAPPDATA%\\althedge-xl\\Cache`` on Windows). The folder is created on the first write.

    >>> resolve_cache_dir("/tmp/x").as_posix()
    '/tmp/x'
    """
    if cache_dir is not None:
        return Path(cache_dir)
    from_env = os.environ.get(CACHE_ENV_VAR, "").strip()
    if from_env:
        return Path(from_env)
    import platformdirs  # imported here: only a refresh needs it

    return Path(platformdirs.user_cache_dir(CACHE_APP_NAME, appauthor=False))


def make_exchange(exchange: str = DEFAULT_EXCHANGE, timeout_s: float = DEFAULT_TIMEOUT_S) -> Any:
    """A new public (key-less) ccxt exchange with ccxt's rate limiter on and a request timeout.

    For Binance and Bybit only spot and USDT-margined (linear) markets are loaded, which skips the
    coin-margined and options requests the hedge never needs. Raises ``ValueError`` for an unknown id.
    """
    ccxt = _import_ccxt()
    exchange_id = exchange.strip().lower()
    if exchange_id not in ccxt.exchanges:
        raise ValueError(
            f"unknown exchange {exchange!r}: use a ccxt exchange id such as 'binance', 'bybit', 'okx' "
            f"({len(ccxt.exchanges)} are listed in ccxt.exchanges)"
        )
    config: dict[str, Any] = {"enableRateLimit": True, "timeout": int(timeout_s * 1000)}
    if exchange_id in _MARKET_TYPES:
        config["options"] = {"fetchMarkets": {"types": list(_MARKET_TYPES[exchange_id])}}
    return getattr(ccxt, exchange_id)(config)


def urllib_get(url: str, timeout_s: float) -> bytes:
    """GET ``url`` with the standard library and return the body (at most 5 MB).

    Raises :class:`HttpStatusError` for a non-2xx status (with the ``Retry-After`` header in seconds),
    ``OSError`` subclasses for network failures (timeout, refused connection).
    """
    import urllib.error
    import urllib.request

    if not url.startswith(("https://", "http://")):
        raise ValueError(f"only http(s) URLs are fetched, got {url!r}")
    request = urllib.request.Request(url, headers={"User-Agent": _USER_AGENT, "Accept": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout_s) as response:
            body: bytes = response.read(_MAX_BODY_BYTES + 1)
    except urllib.error.HTTPError as exc:
        header = exc.headers.get("Retry-After") if exc.headers is not None else None
        raise HttpStatusError(url, exc.code, parse_retry_after(header, _utc_now())) from exc
    if len(body) > _MAX_BODY_BYTES:
        raise MalformedResponseError(f"response from {url} is larger than {_MAX_BODY_BYTES} bytes")
    return body


def parse_retry_after(value: str | None, now: datetime) -> float | None:
    """Seconds to wait from an HTTP ``Retry-After`` header: delta-seconds or an HTTP date; None if absent or bad.

    >>> parse_retry_after("7", datetime(2025, 1, 1, tzinfo=timezone.utc))
    7.0
    >>> parse_retry_after("Wed, 01 Jan 2025 00:00:30 GMT", datetime(2025, 1, 1, tzinfo=timezone.utc))
    30.0
    """
    if value is None or not str(value).strip():
        return None
    text = str(value).strip()
    with contextlib.suppress(ValueError):
        seconds = float(text)
        return max(0.0, seconds) if math.isfinite(seconds) else None
    from email.utils import parsedate_to_datetime

    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - now).total_seconds())


# ------------------------------------------------------------------------------------ the cache


@dataclass(frozen=True)
class _Record:
    """A series' value as cached: the payload, when it was fetched (UTC) and where from."""

    payload: dict[str, Any]
    fetched_at: datetime
    source: str


class _Cache:
    """One JSON file per series in ``directory``; every write is atomic (temporary file + ``os.replace``)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def path(self, key: str) -> Path:
        """The file of series ``key``."""
        return self.directory / f"{key}.json"

    def load(self, key: str) -> _Record | None:
        """The cached record of ``key``, None when there is none; :class:`CacheError` when it is unreadable."""
        path = self.path(key)
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise CacheError(f"cannot read {path}: {exc}") from exc
        try:
            doc = json.loads(text)
            if doc.get("format") != _CACHE_FORMAT or doc.get("key") != key:
                raise ValueError("not a cache record of this series")
            record = _Record(dict(doc["payload"]), _parse_iso(doc["fetched_at"]), str(doc["source"]))
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise CacheError(f"{path} is not a valid cache record ({exc})") from exc
        return record

    def save(self, key: str, record: _Record) -> None:
        """Write ``record`` for ``key`` atomically: readers see the old file or the new one, never half of one."""
        doc = {
            "format": _CACHE_FORMAT,
            "key": key,
            "fetched_at": _iso(record.fetched_at),
            "source": record.source,
            "payload": record.payload,
        }
        write_atomically(self.path(key), json.dumps(doc, indent=1, allow_nan=False).encode("utf-8"))


def _cache_key(*parts: str) -> str:
    """A file-name-safe key: ``("binance", "spot", "BTC/USDT")`` → ``"binance.spot.BTC_USDT"``."""
    return ".".join(re.sub(r"[^A-Za-z0-9_-]+", "_", part).strip("_") for part in parts)


# ------------------------------------------------------------------------------------ one refresh


class _Meta(NamedTuple):
    """The provenance fields every record carries."""

    time: str | None
    source: str
    stale: bool
    age_seconds: float | None
    error: str | None


class _Session:
    """State of one refresh: cache, clock, retries, failed hosts, progress and messages."""

    def __init__(
        self,
        cache: _Cache,
        clock: Clock,
        sleep: Sleep,
        retry: RetryPolicy,
        progress: ProgressCallback | None,
        total: int,
    ) -> None:
        self.cache = cache
        self.clock = clock
        self.sleep = sleep
        self.retry = retry
        self.progress = progress
        self.total = total
        self.done = 0
        self.messages: list[str] = []
        self._failed_hosts: dict[str, str] = {}

    def now(self) -> datetime:
        """The current time, UTC."""
        now = self.clock()
        return now.replace(tzinfo=timezone.utc) if now.tzinfo is None else now.astimezone(timezone.utc)

    def note(self, message: str) -> None:
        """Add one line to the snapshot's messages."""
        self.messages.append(message)

    def step(self, label: str) -> None:
        """One unit of work is done: tell the progress callback."""
        self.done = min(self.done + 1, self.total)
        if self.progress is not None:
            self.progress(self.done, self.total, label)

    def finish(self, label: str) -> None:
        """The last unit of work: the progress callback sees ``done == total`` even when a failure skipped steps."""
        self.done = self.total - 1
        self.step(label)

    def call(self, host: str, fn: Callable[[], T], retry_after: Callable[[BaseException], float | None]) -> T:
        """``fn()`` with retries on network failures; a host that failed after its retries is not called again."""
        earlier = self._failed_hosts.get(host)
        if earlier is not None:
            raise FeedError(f"not attempted: {host} already failed in this refresh ({earlier})")
        retry = 0
        while True:
            try:
                return fn()
            except Exception as exc:
                if not _is_transient(exc):
                    raise
                retry += 1
                reason = _describe(exc)
                wait = retry_after(exc)
                if wait is not None and wait > self.retry.max_retry_after_s:
                    self._failed_hosts[host] = reason
                    raise FeedError(
                        f"{reason}; {host} asks to wait {wait:g} s, more than {self.retry.max_retry_after_s:g} s"
                    ) from exc
                if retry >= self.retry.attempts:
                    self._failed_hosts[host] = reason
                    raise FeedError(f"{reason} (after {self.retry.attempts} attempts)") from exc
                delay = wait if wait is not None else self.retry.delay(retry)
                self.note(f"{host}: {reason}; retry {retry} of {self.retry.attempts - 1} in {delay:g} s")
                self.sleep(delay)

    def resolve(
        self,
        key: str,
        label: str,
        outcome: _Record | str,
        valid: Callable[[Mapping[str, Any]], bool],
        reject: Callable[[Mapping[str, Any]], str | None] | None = None,
    ) -> tuple[Mapping[str, Any] | None, _Meta]:
        """A fresh record is cached and returned; a failure (its reason) falls back to the last good record.

        ``reject(payload)`` may refuse a valid cached payload that is no longer a good value (an expired
        future); it returns why, which is added to the reason, and the item is then missing.
        """
        if isinstance(outcome, _Record):
            try:
                self.cache.save(key, outcome)
            except (OSError, TypeError, ValueError) as exc:
                self.note(f"{label}: refreshed, but could not write the cache ({exc})")
            return outcome.payload, _Meta(_iso(outcome.fetched_at), outcome.source, False, self._age(outcome), None)
        reason = outcome
        try:
            cached = self.cache.load(key)
        except CacheError as exc:
            cached, reason = None, f"{reason}; the cached value is unusable ({exc})"
        if cached is not None and not valid(cached.payload):
            cached, reason = None, f"{reason}; the cached value is malformed"
        refused = reject(cached.payload) if cached is not None and reject is not None else None
        if refused:
            self.note(f"{label}: MISSING, {reason}; {refused}, so it is not used")
            return None, _Meta(None, "", False, None, f"{reason}; {refused}")
        if cached is None:
            self.note(f"{label}: MISSING, {reason}; no cached value")
            return None, _Meta(None, "", False, None, reason)
        age = self._age(cached)
        self.note(
            f"{label}: STALE, {reason}; using the value fetched {_iso(cached.fetched_at)} ({_human_age(age)} ago)"
        )
        return cached.payload, _Meta(_iso(cached.fetched_at), cached.source, True, age, reason)

    def cached_payload(self, key: str) -> Mapping[str, Any] | None:
        """The cached payload of ``key``, None when absent or unreadable (for filling gaps in fresh data)."""
        try:
            record = self.cache.load(key)
        except CacheError:
            return None
        return None if record is None else record.payload

    def _age(self, record: _Record) -> float:
        return max(0.0, (self.now() - record.fetched_at).total_seconds())


def _attempt(fetch: Callable[..., _Record], *args: Any) -> _Record | str:
    """``fetch(*args)``, or the reason it failed: every failure falls back to the cache, so none escapes."""
    try:
        return fetch(*args)
    except Exception as exc:
        return _describe(exc)


# ---------------------------------------------------------------------------------- the exchange


class _Venue:
    """A ccxt exchange (or a stand-in) whose markets are loaded, or the reason there is none."""

    def __init__(self, exchange_id: str, client: Any, unavailable: str | None) -> None:
        self.id = exchange_id
        self.client = client
        self.unavailable = unavailable
        self.unknown: list[str] = []
        # funding-rate structures of other contracts that came back with the perpetual's (one request)
        self.side_rates: dict[str, Mapping[str, Any]] = {}

    def has(self, method: str) -> bool:
        """True when ccxt offers ``method`` (natively or emulated) for this exchange."""
        has = getattr(self.client, "has", None) or {}
        return bool(has.get(method))

    def call(self, session: _Session, fn: Callable[[], T]) -> T:
        """One exchange request through the session's retries."""
        return session.call(self.id, fn, self._retry_after)

    def lists(self, market: str) -> bool:
        """True when the loaded markets include ``market``."""
        return market in (getattr(self.client, "markets", None) or {})

    def require_listed(self, market: str) -> None:
        """Raise :class:`FeedError` naming ``market`` when the exchange does not list it."""
        if not self.lists(market):
            raise FeedError(f"not listed on {self.id} (no market {market})")

    def why_empty(self, what: str) -> str:
        """``what`` qualified as malformed (the last body is not JSON) or empty (it is, but holds no data)."""
        body = getattr(self.client, "last_http_response", None)
        if isinstance(body, str) and body.strip():
            try:
                json.loads(body)
            except ValueError:
                return f"malformed response from {self.id}, not JSON: {what}"
        return f"empty result from {self.id}: {what}"

    def record(self, session: _Session, payload: dict[str, Any], method: str, market: str) -> _Record:
        """A fresh record of ``payload`` with its source ``"<exchange> <ccxt method> <market>"``."""
        return _Record(payload, session.now(), f"{self.id} {method} {market}")

    def _retry_after(self, exc: BaseException) -> float | None:
        names = {cls.__name__ for cls in type(exc).__mro__}
        if not names & {"DDoSProtection", "RateLimitExceeded"}:
            return None
        headers = getattr(self.client, "last_response_headers", None) or {}
        value = next((v for k, v in dict(headers).items() if str(k).lower() == "retry-after"), None)
        return parse_retry_after(value, datetime.now(timezone.utc))


def _open_venue(session: _Session, client: Any, exchange: str, timeout_s: float, offline: bool) -> _Venue:
    """Create the ccxt client if needed and load its markets (one request per market type, with retries)."""
    exchange_id = str(getattr(client, "id", None) or exchange).strip().lower()
    if offline:
        session.step("markets: offline")
        return _Venue(exchange_id, None, OFFLINE_REASON)
    if client is None:
        client = make_exchange(exchange_id, timeout_s)
    venue = _Venue(exchange_id, client, None)
    try:
        venue.call(session, client.load_markets)
    except Exception as exc:
        venue.unavailable = f"could not load {exchange_id} markets: {_describe(exc)}"
        session.note(venue.unavailable)
    session.step(f"markets: {exchange_id}")
    return venue


# ------------------------------------------------------------------------------------ spot prices


def _spot_quotes(session: _Session, venue: _Venue, bases: Sequence[str], quote: str) -> dict[str, Quote]:
    """One :class:`Quote` per base, fresh from the exchange or from the cache."""
    markets = {base: _spot_market(base, quote) for base in bases}
    outcomes = _spot_outcomes(session, venue, markets, quote)
    quotes: dict[str, Quote] = {}
    for base, market in markets.items():
        if base == quote:
            quotes[base] = Quote(base, market, 1.0, None, _iso(session.now()), PAR_SOURCE, False, 0.0, None)
        else:
            label = f"{base} spot price ({venue.id} {market})"
            key = _cache_key(venue.id, "spot", market)
            payload, meta = session.resolve(key, label, outcomes[base], _valid_spot)
            payload = payload or {}
            quotes[base] = Quote(base, market, payload.get("value"), payload.get("as_of"), *meta)
        session.step(f"spot: {market}")
    return quotes


def _spot_market(base: str, quote: str) -> str:
    """The spot market of a symbol: ``"ETH"`` → ``"ETH/USDT"``; a unified market (``"ETH/BTC"``) as given."""
    return base if "/" in base else f"{base}/{quote}"


def _spot_outcomes(
    session: _Session, venue: _Venue, markets: Mapping[str, str], quote: str
) -> dict[str, _Record | str]:
    """For each base, a fresh record of its last price or the reason there is none."""
    wanted = {base: market for base, market in markets.items() if base != quote}
    if venue.unavailable is not None:
        return dict.fromkeys(wanted, venue.unavailable)
    outcomes: dict[str, _Record | str] = {}
    listed: dict[str, str] = {}
    for base, market in wanted.items():
        try:
            venue.require_listed(market)
            listed[base] = market
        except FeedError as exc:
            outcomes[base] = str(exc)
            venue.unknown.append(base)
    if venue.unknown:
        session.note(f"not listed on {venue.id} (unknown symbols): {', '.join(venue.unknown)}")
    batch = _batch_tickers(session, venue, list(listed.values()))
    for base, market in listed.items():
        if market in batch:
            outcomes[base] = _attempt(_ticker_record, session, venue, batch[market], market, "fetch_tickers")
        else:
            outcomes[base] = _attempt(_single_ticker_record, session, venue, market)
    return outcomes


def _batch_tickers(session: _Session, venue: _Venue, markets: list[str]) -> Mapping[str, Any]:
    """All tickers in one request when the exchange can; ``{}`` means: ask one market at a time."""
    if len(markets) < 2 or not venue.has("fetchTickers"):
        return {}
    try:
        tickers = venue.call(session, lambda: venue.client.fetch_tickers(markets))
    except Exception as exc:
        session.note(f"{venue.id} fetch_tickers failed ({_describe(exc)}); asking one symbol at a time")
        return {}
    return tickers if isinstance(tickers, Mapping) else {}


def _single_ticker_record(session: _Session, venue: _Venue, market: str) -> _Record:
    ticker = venue.call(session, lambda: venue.client.fetch_ticker(market))
    return _ticker_record(session, venue, ticker, market, "fetch_ticker")


def _ticker_record(session: _Session, venue: _Venue, ticker: Any, market: str, method: str) -> _Record:
    """The last price of a ccxt ticker (``last``, else ``close``), validated positive and finite."""
    data = ticker if isinstance(ticker, Mapping) else {}
    price = _positive(data.get("last"))
    if price is None:
        price = _positive(data.get("close"))
    if price is None:
        raise MalformedResponseError(venue.why_empty(f"no last price for {market}"))
    return venue.record(session, {"value": price, "as_of": _iso_ms(data.get("timestamp"))}, method, market)


# ------------------------------------------------------------------------------ funding history


def _funding_history(session: _Session, venue: _Venue, perp: str, days: int) -> FundingHistory:
    """Funding settlements of ``perp`` over the last ``days`` days, fresh or cached."""
    outcome: _Record | str
    if venue.unavailable is not None:
        outcome = venue.unavailable
    else:
        outcome = _attempt(_history_record, session, venue, perp, days)
    key = _cache_key(venue.id, "funding_history", perp)
    payload, meta = session.resolve(key, f"funding history ({venue.id} {perp})", outcome, _valid_history)
    rows = (payload or {}).get("points") or []
    session.step(f"funding history: {perp}")
    return FundingHistory(perp, tuple(FundingPoint(str(t), float(r)) for t, r in rows), *meta)


def _history_record(session: _Session, venue: _Venue, perp: str, days: int) -> _Record:
    """Page through ``fetch_funding_rate_history`` from ``now - days`` until no newer settlement comes back."""
    venue.require_listed(perp)
    if not venue.has("fetchFundingRateHistory"):
        raise FeedError(f"{venue.id} has no public funding-rate history in ccxt")
    now_ms = _to_ms(session.now())
    cursor = now_ms - days * _MS_PER_DAY
    limit = _HISTORY_PAGE_LIMIT.get(venue.id)
    points: dict[int, float] = {}
    for _page in range(_MAX_HISTORY_PAGES):
        fetch_page = partial(venue.client.fetch_funding_rate_history, perp, since=cursor, limit=limit)
        page = venue.call(session, fetch_page)
        new = _history_points(page, cursor, now_ms)
        if not new:
            break
        points.update(new)
        cursor = max(new) + 1
        if cursor > now_ms:
            break
    else:
        session.note(f"funding history ({venue.id} {perp}): stopped after {_MAX_HISTORY_PAGES} pages")
    if not points:
        raise MalformedResponseError(venue.why_empty(f"no funding rates for {perp} in the last {days} days"))
    covered = (now_ms - min(points)) / _MS_PER_DAY
    if covered < days - 1:
        session.note(f"funding history ({venue.id} {perp}): {venue.id} returned {covered:.1f} of {days} days")
    rows = [[_iso_ms(ts), rate] for ts, rate in sorted(points.items())]
    return venue.record(session, {"points": rows}, "fetch_funding_rate_history", perp)


def _history_points(page: Any, since_ms: int, now_ms: int) -> dict[int, float]:
    """``{settlement time ms: rate}`` of the valid entries of one ccxt page between ``since_ms`` and ``now_ms``."""
    if not isinstance(page, list):
        return {}
    points: dict[int, float] = {}
    for entry in page:
        if not isinstance(entry, Mapping):
            continue
        stamp, rate = entry.get("timestamp"), _finite(entry.get("fundingRate"))
        if isinstance(stamp, int) and since_ms <= stamp <= now_ms and rate is not None:
            points[stamp] = rate
    return points


# ---------------------------------------------------------------------------------- daily closes


def _closes_record(session: _Session, venue: _Venue, markets: Mapping[str, str], quote: str, days: int) -> _Record:
    """The daily closes of every market over the ``days`` complete UTC days before today, aligned on their dates.

    Any unlisted or failing market fails the whole table (the reason names it): the caller then serves the cache.
    """
    wanted = {base: market for base, market in markets.items() if base != quote}
    venue.unknown.extend(base for base, market in wanted.items() if not venue.lists(market))
    if venue.unknown:
        raise FeedError(f"not listed on {venue.id} (unknown symbols): {', '.join(venue.unknown)}")
    if not wanted:
        raise FeedError(f"no daily closes to fetch: only the quote currency {quote} was asked")
    if not venue.has("fetchOHLCV"):
        raise FeedError(f"{venue.id} offers no public candles in ccxt")
    today_ms = _to_ms(session.now()) // _MS_PER_DAY * _MS_PER_DAY
    since = today_ms - days * _MS_PER_DAY
    series: dict[str, dict[str, float]] = {}
    for base, market in wanted.items():
        try:
            candles = venue.call(session, partial(venue.client.fetch_ohlcv, market, "1d", since=since, limit=days))
        except Exception as exc:
            raise FeedError(f"{market}: {_describe(exc)}") from exc
        series[base] = _closes_by_date(candles, since, today_ms)
        if not series[base]:
            raise MalformedResponseError(venue.why_empty(f"no daily candles for {market} in the last {days} days"))
        session.step(f"daily closes: {market}")
    dates = sorted(set().union(*series.values()))[-days:]
    closes = [[1.0 if base == quote else series[base].get(date) for base in markets] for date in dates]
    return venue.record(session, {"dates": dates, "closes": closes}, "fetch_ohlcv 1d", " ".join(wanted.values()))


def _closes_by_date(candles: Any, since_ms: int, before_ms: int) -> dict[str, float]:
    """``{UTC date: close}`` of the valid ccxt candles ``[open time ms, open, high, low, close, volume]`` opened
    from ``since_ms`` up to (not including) ``before_ms``, the start of today: today's candle is still open."""
    closes: dict[str, float] = {}
    for candle in candles if isinstance(candles, list) else []:
        if not isinstance(candle, list | tuple) or len(candle) < 5:
            continue
        stamp, close = candle[0], _positive(candle[4])
        if (
            isinstance(stamp, int)
            and not isinstance(stamp, bool)
            and since_ms <= stamp < before_ms
            and close is not None
        ):
            closes[datetime.fromtimestamp(stamp / 1000, tz=timezone.utc).date().isoformat()] = close
    return closes


# -------------------------------------------------------------------------------- the perpetual

_PERP_OPTIONAL = ("index_price", "funding_interval_hours", "next_funding_time")


def _perp_quote(
    session: _Session, venue: _Venue, perp: str, history: FundingHistory, also: Sequence[str] = ()
) -> PerpQuote:
    """Mark, index, funding rate, interval and next settlement of ``perp``, fresh or cached.

    ``also``: contracts whose funding-rate structures are asked in the same request when the exchange
    answers every contract in one list anyway (kept in ``venue.side_rates`` for their own item).
    """
    key = _cache_key(venue.id, "perp", perp)
    label = f"perpetual {perp} ({venue.id})"
    outcome: _Record | str
    if venue.unavailable is not None:
        outcome = venue.unavailable
    else:
        outcome = _attempt(_perp_record, session, venue, perp, history, also)
    if isinstance(outcome, _Record):
        outcome = _fill_gaps(session, outcome, session.cached_payload(key), label)
    payload, meta = session.resolve(key, label, outcome, _valid_perp)
    data = payload or {}
    session.step(f"perpetual: {perp}")
    return PerpQuote(
        perp,
        data.get("mark_price"),
        data.get("index_price"),
        data.get("funding_rate"),
        data.get("funding_interval_hours"),
        data.get("next_funding_time"),
        data.get("as_of"),
        *meta,
    )


def _perp_record(
    session: _Session, venue: _Venue, perp: str, history: FundingHistory, also: Sequence[str] = ()
) -> _Record:
    venue.require_listed(perp)
    data, method = _funding_rate(session, venue, perp, also)
    mark, rate = _positive(data.get("markPrice")), _finite(data.get("fundingRate"))
    if mark is None or rate is None:
        raise MalformedResponseError(venue.why_empty(f"no mark price or funding rate for {perp}"))
    interval, how = _funding_interval(session, venue, perp, data, history)
    if how:
        session.note(f"perpetual {perp} ({venue.id}): funding interval {interval:g} h {how}")
    next_time = _iso_ms(data.get("fundingTimestamp")) or _iso_ms(data.get("nextFundingTimestamp"))
    payload = {
        "mark_price": mark,
        "index_price": _positive(data.get("indexPrice")),
        "funding_rate": rate,
        "funding_interval_hours": interval,
        "next_funding_time": next_time,
        "as_of": _iso_ms(data.get("timestamp")),
    }
    return venue.record(session, payload, method, perp)


def _funding_rate(
    session: _Session, venue: _Venue, perp: str, also: Sequence[str] = ()
) -> tuple[Mapping[str, Any], str]:
    """ccxt's funding-rate structure of ``perp`` and the method that gave it.

    ``fetch_funding_rates([perp, *also])`` first (on Binance one request gives every contract, as recorded in
    the wire samples; the structures of ``also`` go to ``venue.side_rates``), then ``fetch_funding_rate(perp)``
    when the plural is missing, refused or empty. A network failure is not retried through the second method:
    the host is already marked failed.
    """
    failure: Exception | None = None
    if venue.has("fetchFundingRates"):
        try:
            rates = venue.call(session, lambda: venue.client.fetch_funding_rates([perp, *also]))
        except Exception as exc:
            if isinstance(exc, FeedError) or _is_transient(exc) or not venue.has("fetchFundingRate"):
                raise
            failure = exc
        else:
            if isinstance(rates, Mapping):
                venue.side_rates.update({s: rates[s] for s in also if isinstance(rates.get(s), Mapping)})
            data = rates.get(perp) if isinstance(rates, Mapping) else None
            if isinstance(data, Mapping):
                return data, "fetch_funding_rates"
            failure = MalformedResponseError(venue.why_empty(f"no funding rate for {perp}"))
    if venue.has("fetchFundingRate"):
        single = venue.call(session, lambda: venue.client.fetch_funding_rate(perp))
        if isinstance(single, Mapping):
            return single, "fetch_funding_rate"
        raise MalformedResponseError(venue.why_empty(f"no funding rate for {perp}"))
    if failure is not None:
        raise failure
    raise FeedError(f"{venue.id} offers no public funding rate in ccxt")


def _funding_interval(
    session: _Session, venue: _Venue, perp: str, data: Mapping[str, Any], history: FundingHistory
) -> tuple[float | None, str]:
    """Hours between settlements and, when not given by the exchange directly, how they were found."""
    hours = _interval_hours(data.get("interval"))
    if hours is not None:
        return hours, ""
    if venue.has("fetchFundingInterval"):
        with contextlib.suppress(Exception):  # Binance lists only contracts whose interval was changed
            info = venue.call(session, lambda: venue.client.fetch_funding_interval(perp))
            hours = _interval_hours(info.get("interval")) if isinstance(info, Mapping) else None
            if hours is not None:
                return hours, ""
    hours = _inferred_interval(history)
    if hours is not None:
        return hours, "inferred from the spacing of the last two funding settlements"
    return None, ""


def _inferred_interval(history: FundingHistory) -> float | None:
    """Whole hours between the last two settlements (Binance stamps carry a few ms of jitter)."""
    if len(history.points) < 2:
        return None
    gap = _parse_iso(history.points[-1].time) - _parse_iso(history.points[-2].time)
    hours = round(gap / timedelta(hours=1))
    return float(hours) if hours >= 1 else None


def _interval_hours(value: Any) -> float | None:
    """``"8h"`` → 8.0 (ccxt's ``interval`` field); None when absent or not in hours."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*h\s*", str(value)) if value is not None else None
    return float(match.group(1)) if match and float(match.group(1)) > 0 else None


def _fill_gaps(session: _Session, record: _Record, cached: Mapping[str, Any] | None, label: str) -> _Record:
    """Optional perpetual fields the fresh response lacks keep their cached value (never blanked)."""
    if not cached:
        return record
    payload = dict(record.payload)
    for name in _PERP_OPTIONAL:
        if payload.get(name) is None and cached.get(name) is not None:
            payload[name] = cached[name]
            session.note(f"{label}: {name} not in the response; kept the cached value {cached[name]}")
    return _Record(payload, record.fetched_at, record.source)


# ------------------------------------------------------------------------------- the dated future


class _DatedChoice(NamedTuple):
    """The dated future to quote (or why there is none) and the cache series of the perpetual's underlying."""

    symbol: str | None
    reason: str | None
    key: str
    label: str

    @property
    def symbols(self) -> tuple[str, ...]:
        """The chosen contract as a sequence (empty when none), for asking it along with the perpetual."""
        return (self.symbol,) if self.symbol is not None else ()


def _underlying(perp: str) -> tuple[str, str]:
    """Base and settle currency of a ccxt unified contract: ``"BTC/USDT:USDT"`` → ``("BTC", "USDT")``."""
    base, _, rest = perp.partition("/")
    quote, _, settle = rest.partition(":")
    return base.strip().upper(), (settle.partition("-")[0] or quote).strip().upper()


def _choose_dated(session: _Session, venue: _Venue, perp: str, min_days: float) -> _DatedChoice:
    """The linear delivery future on the perpetual's base and settle currency with the nearest expiry that is
    at least ``min_days`` days after now, from the loaded markets (no request)."""
    base, settle = _underlying(perp)
    key = _cache_key(venue.id, "dated_future", f"{base}/{settle}")
    if venue.unavailable is not None:
        return _DatedChoice(None, venue.unavailable, key, f"dated future {base}/{settle} ({venue.id})")
    now = session.now()
    cutoff_ms = _to_ms(now) + int(min_days * _MS_PER_DAY)
    candidates: list[tuple[int, str]] = []
    for symbol, market in (getattr(venue.client, "markets", None) or {}).items():
        if not isinstance(market, Mapping):
            continue
        expiry = market.get("expiry")
        if (
            market.get("future") is True
            and market.get("linear") is True
            and market.get("active") is not False
            and str(market.get("base")).upper() == base
            and str(market.get("settle")).upper() == settle
            and isinstance(expiry, int)
            and not isinstance(expiry, bool)
            and expiry >= cutoff_ms
        ):
            candidates.append((expiry, str(symbol)))
    if not candidates:
        reason = (
            f"not listed on {venue.id}: no {base} delivery future settled in {settle} "
            f"expiring {min_days:g} days or more after {_iso(now)}"
        )
        return _DatedChoice(None, reason, key, f"dated future {base}/{settle} ({venue.id})")
    symbol = min(candidates)[1]
    return _DatedChoice(symbol, None, key, f"dated future {symbol} ({venue.id})")


def _dated_future_quote(session: _Session, venue: _Venue, choice: _DatedChoice) -> DatedFutureQuote:
    """Price, index and expiry of the chosen dated future, fresh or cached (never a cached expired one)."""
    outcome: _Record | str
    if choice.symbol is None:
        outcome = choice.reason or "no dated future"
    else:
        outcome = _attempt(_dated_record, session, venue, choice.symbol)
    now = session.now()
    payload, meta = session.resolve(choice.key, choice.label, outcome, _valid_dated, partial(_expired_reason, now=now))
    data = payload or {}
    expiry = data.get("expiry")
    days: float | None = None
    if payload is not None and isinstance(expiry, str):
        since = now if meta.stale else _parse_iso(data.get("as_of") or meta.time or _iso(now))
        days = (_parse_iso(expiry) - since).total_seconds() / _SECONDS_PER_DAY
    session.step(f"dated future: {data.get('symbol') or choice.symbol or 'none'}")
    return DatedFutureQuote(
        str(data.get("symbol") or choice.symbol or ""),
        data.get("price"),
        data.get("index_price"),
        expiry,
        days,
        data.get("as_of"),
        *meta,
    )


def _dated_record(session: _Session, venue: _Venue, symbol: str) -> _Record:
    """The mark price of ``symbol`` (its last price when no mark is published), index price and expiry."""
    venue.require_listed(symbol)
    data, method = _dated_data(session, venue, symbol)
    answered = data.get("symbol")
    if answered is not None and answered != symbol:
        raise MalformedResponseError(f"{venue.id} answered for {answered} when asked for {symbol}")
    price = _positive(data.get("markPrice"))
    if price is None:
        price = _positive(data.get("last")) or _positive(data.get("close"))
        if price is not None:
            session.note(f"dated future {symbol} ({venue.id}): no mark price published; using the last price")
    if price is None:
        raise MalformedResponseError(venue.why_empty(f"no mark or last price for {symbol}"))
    market = venue.client.markets[symbol]
    payload = {
        "symbol": symbol,
        "price": price,
        "index_price": _positive(data.get("indexPrice")),
        "expiry": _iso_ms(market.get("expiry")),
        "as_of": _iso_ms(data.get("timestamp")),
    }
    return venue.record(session, payload, method, symbol)


def _dated_data(session: _Session, venue: _Venue, symbol: str) -> tuple[Mapping[str, Any], str]:
    """ccxt's structure holding the prices of ``symbol`` and the method that gave it.

    Binance: the funding-rate structure that came with the perpetual's request (no request of its own), else
    ``fetch_funding_rates([symbol])`` (the same ``premiumIndex`` list). Other exchanges: ``fetch_ticker``,
    whose unified ticker carries ``markPrice`` and ``indexPrice`` when the exchange sends them (Bybit does).
    """
    if symbol in venue.side_rates:
        return venue.side_rates[symbol], "fetch_funding_rates"
    if venue.id in _DATED_IN_FUNDING_RATES and venue.has("fetchFundingRates"):
        rates = venue.call(session, lambda: venue.client.fetch_funding_rates([symbol]))
        data = rates.get(symbol) if isinstance(rates, Mapping) else None
        if not isinstance(data, Mapping):
            raise MalformedResponseError(venue.why_empty(f"no mark price for {symbol}"))
        return data, "fetch_funding_rates"
    ticker = venue.call(session, lambda: venue.client.fetch_ticker(symbol))
    return (ticker if isinstance(ticker, Mapping) else {}), "fetch_ticker"


def _expired_reason(payload: Mapping[str, Any], now: datetime) -> str | None:
    """Why a cached dated future is no last good value: its expiry has passed (None while it has not)."""
    expiry = str(payload.get("expiry"))
    return f"cached future expired on {expiry}" if _parse_iso(expiry) <= now else None


# ------------------------------------------------------------------------------------ Fear & Greed


def _fear_greed(session: _Session, http_get: HttpGet, days: int, timeout_s: float, offline: bool) -> FearGreed:
    """The Fear & Greed index over ``days`` days from alternative.me, fresh or cached."""
    outcome = OFFLINE_REASON if offline else _attempt(_fear_greed_record, session, http_get, days, timeout_s)
    key = _cache_key("alternative_me", "fear_greed")
    payload, meta = session.resolve(key, "Fear & Greed index (alternative.me)", outcome, _valid_fear_greed)
    data = payload or {}
    history = tuple(FearGreedPoint(str(d), int(v), str(c)) for d, v, c in data.get("history") or [])
    session.step("fear & greed")
    return FearGreed(data.get("value"), data.get("date"), data.get("classification"), history, *meta)


def _fear_greed_record(session: _Session, http_get: HttpGet, days: int, timeout_s: float) -> _Record:
    url = FNG_URL.format(limit=days)
    body = session.call(FNG_HOST, lambda: http_get(url, timeout_s), _http_retry_after)
    history = parse_fear_greed(body, days)
    latest = history[-1]
    payload = {
        "value": latest.value,
        "date": latest.date,
        "classification": latest.classification,
        "history": [list(point) for point in history],
    }
    return _Record(payload, session.now(), f"alternative.me GET /fng/?limit={days}&format=json")


def parse_fear_greed(body: bytes | str, limit: int | None = None) -> list[FearGreedPoint]:
    """The days of an alternative.me ``/fng/`` response, oldest first (the newest ``limit`` when given).

    Raises :class:`MalformedResponseError` for bad JSON or fields, or an empty ``data`` list, and
    :class:`FeedError` when the response reports an error in ``metadata.error``.

    >>> parse_fear_greed('{"data": [{"value": "6", "value_classification": "Extreme Fear",'
    ...                  ' "timestamp": "1655510400"}], "metadata": {"error": null}}')
    [FearGreedPoint(date='2022-06-18', value=6, classification='Extreme Fear')]
    """
    try:
        doc = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise MalformedResponseError(f"malformed response from alternative.me, not JSON ({exc})") from exc
    if not isinstance(doc, dict) or not isinstance(doc.get("data", []), list):
        raise MalformedResponseError("malformed response from alternative.me: no 'data' list")
    error = doc.get("metadata", {}).get("error") if isinstance(doc.get("metadata"), dict) else None
    if error:
        raise FeedError(f"alternative.me reported an error: {error}")
    rows = doc.get("data") or []
    if not rows:
        raise MalformedResponseError("empty result from alternative.me: no Fear & Greed values")
    by_date = {point.date: point for point in map(_fear_greed_point, rows)}
    points = sorted(by_date.values())
    return points[-limit:] if limit else points


def _fear_greed_point(row: Any) -> FearGreedPoint:
    try:
        value = int(str(row["value"]))
        stamp = int(str(row["timestamp"]))
        name = str(row["value_classification"]).strip()
    except (KeyError, TypeError, ValueError) as exc:
        raise MalformedResponseError(f"malformed Fear & Greed entry from alternative.me: {row!r}") from exc
    if not 0 <= value <= 100 or not name:
        raise MalformedResponseError(f"Fear & Greed entry out of range from alternative.me: {row!r}")
    day = datetime.fromtimestamp(stamp, tz=timezone.utc).date().isoformat()
    return FearGreedPoint(day, value, name)


def _http_retry_after(exc: BaseException) -> float | None:
    return exc.retry_after_s if isinstance(exc, HttpStatusError) else None


# ----------------------------------------------------------------------- validation of cached payloads


def _valid_spot(payload: Mapping[str, Any]) -> bool:
    return _positive(payload.get("value")) is not None


def _valid_perp(payload: Mapping[str, Any]) -> bool:
    return _positive(payload.get("mark_price")) is not None and _finite(payload.get("funding_rate")) is not None


def _valid_history(payload: Mapping[str, Any]) -> bool:
    rows = payload.get("points")
    return isinstance(rows, list) and all(
        isinstance(row, list) and len(row) == 2 and isinstance(row[0], str) and _finite(row[1]) is not None
        for row in rows
    )


def _valid_dated(payload: Mapping[str, Any]) -> bool:
    if not isinstance(payload.get("symbol"), str) or _positive(payload.get("price")) is None:
        return False
    try:
        _parse_iso(str(payload.get("expiry")))
    except ValueError:
        return False
    return payload.get("as_of") is None or isinstance(payload.get("as_of"), str)


def _valid_closes(payload: Mapping[str, Any], width: int) -> bool:
    dates, rows = payload.get("dates"), payload.get("closes")
    return (
        isinstance(dates, list)
        and isinstance(rows, list)
        and len(dates) == len(rows)
        and all(isinstance(date, str) for date in dates)
        and all(
            isinstance(row, list) and len(row) == width and all(v is None or _positive(v) is not None for v in row)
            for row in rows
        )
    )


def _valid_fear_greed(payload: Mapping[str, Any]) -> bool:
    rows = payload.get("history")
    return (
        isinstance(payload.get("value"), int)
        and isinstance(payload.get("date"), str)
        and isinstance(rows, list)
        and all(isinstance(row, list) and len(row) == 3 and isinstance(row[1], int) for row in rows)
    )


# ------------------------------------------------------------------------------- errors, numbers, times


def _is_transient(exc: BaseException) -> bool:
    """True for failures worth retrying: network errors, timeouts, HTTP 408/425/429/5xx, ccxt's NetworkError."""
    if isinstance(exc, HttpStatusError):
        return exc.status in _TRANSIENT_HTTP or exc.status >= 500
    if isinstance(exc, FeedError):
        return False
    if isinstance(exc, OSError):  # TimeoutError, ConnectionError, urllib.error.URLError, requests' errors
        return True
    ccxt = sys.modules.get("ccxt")  # a ccxt error means ccxt is already imported
    if ccxt is None:
        return False
    # OperationFailed covers NetworkError (timeouts, 429, 5xx) and Binance's "unknown error" on HTTP 500;
    # BadResponse (incl. NullResponse) is a malformed or empty answer, which a retry does not fix.
    return isinstance(exc, ccxt.OperationFailed) and not isinstance(exc, ccxt.BadResponse | ccxt.CancelPending)


_KINDS = {
    "RequestTimeout": "timeout",
    "TimeoutError": "timeout",
    "Timeout": "timeout",
    "ConnectionRefusedError": "connection refused",
    "DDoSProtection": "rate limited",
    "RateLimitExceeded": "rate limited",
    "ExchangeNotAvailable": "exchange not available",
    "BadSymbol": "unknown symbol",
    "NetworkError": "network error",
    "BadResponse": "malformed or empty response",
    "OperationFailed": "exchange error",
    "URLError": "network error",
    "ConnectionError": "network error",
}


def _describe(exc: BaseException) -> str:
    """A one-line reason naming the kind of failure first: ``"timeout: binance GET https://…"``."""
    if isinstance(exc, HttpStatusError):
        text = f"HTTP {exc.status}" + (" (rate limited)" if exc.status == 429 else "") + f" from {exc.url}"
        return text + (f", Retry-After {exc.retry_after_s:g} s" if exc.retry_after_s is not None else "")
    if isinstance(exc, FeedError):
        return str(exc)
    chain = _exception_chain(exc)
    kind = next((_KINDS[c.__name__] for e in chain for c in type(e).__mro__ if c.__name__ in _KINDS), None)
    if any("refused" in str(e).lower() for e in chain):
        kind = "connection refused"
    detail = " ".join(str(exc).split())[:240] or type(exc).__name__
    root = chain[-1]
    if root is not exc and str(root).strip():
        detail += f" ({' '.join(str(root).split())[:160]})"
    return f"{kind or type(exc).__name__}: {detail}"


def _exception_chain(exc: BaseException) -> list[BaseException]:
    chain: list[BaseException] = [exc]
    while len(chain) < 8:
        nxt = chain[-1].__cause__ or chain[-1].__context__ or getattr(chain[-1], "reason", None)
        if not isinstance(nxt, BaseException) or nxt in chain:
            break
        chain.append(nxt)
    return chain


def _finite(value: Any) -> float | None:
    """``value`` as a finite float (numbers and numeric strings), else None; booleans are not numbers."""
    if value is None or isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _positive(value: Any) -> float | None:
    number = _finite(value)
    return number if number is not None and number > 0 else None


def _utc_now() -> datetime:
    return datetime.now(timezone.utc)


def _iso(moment: datetime) -> str:
    """UTC ISO-8601 with milliseconds: ``2025-06-17T08:38:08.000Z``."""
    utc = moment.astimezone(timezone.utc)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def _iso_ms(value: Any) -> str | None:
    """Epoch milliseconds → UTC ISO-8601; None for absent, zero or negative stamps (Binance sends 0 for none)."""
    number = _finite(value)
    if number is None or number <= 0:
        return None
    try:
        return _iso(datetime.fromtimestamp(number / 1000, tz=timezone.utc))
    except (OverflowError, OSError, ValueError):  # a stamp beyond year 9999 is no time at all
        return None


def _to_ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def _parse_iso(text: str) -> datetime:
    moment = datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)


def _human_age(seconds: float) -> str:
    """``93784`` → ``"1 d 2 h"``; ``125`` → ``"2 min 5 s"``."""
    total = int(seconds)
    days, rest = divmod(total, 86_400)
    hours, rest = divmod(rest, 3_600)
    minutes, secs = divmod(rest, 60)
    parts = [(days, "d"), (hours, "h"), (minutes, "min"), (secs, "s")]
    shown = [f"{n} {unit}" for n, unit in parts if n][:2]
    return " ".join(shown) or "0 s"


def _import_ccxt() -> Any:
    """ccxt, imported on first use so that importing this module stays cheap."""
    import ccxt

    return ccxt

"""The two entry points: one refresh of everything the workbook shows, and the daily closes of the History sheet."""

from __future__ import annotations

import math
import os
import time
from collections.abc import Iterable
from functools import partial
from typing import Any

from althedge_xl.market.cache import Cache, Record, cache_key, resolve_cache_dir
from althedge_xl.market.dated import DATED_IN_FUNDING_RATES, choose_dated, dated_future_quote
from althedge_xl.market.deadline import Deadline
from althedge_xl.market.exchange import DEFAULT_EXCHANGE, open_venue
from althedge_xl.market.fear_greed import fear_greed_index
from althedge_xl.market.http import DEFAULT_TIMEOUT_S, HttpGet, RetryPolicy
from althedge_xl.market.perpetual import funding_history, perp_quote
from althedge_xl.market.records import DailyCloses, MarketSnapshot
from althedge_xl.market.session import Clock, ProgressCallback, Session, Sleep, attempt
from althedge_xl.market.spot import closes_record, spot_market, spot_quotes, valid_closes
from althedge_xl.market.transport import deadline_http_get
from althedge_xl.market.values import iso, utc_now

DEFAULT_QUOTE = "USDT"
DEFAULT_PERP = "BTC/USDT:USDT"
DEFAULT_HISTORY_DAYS = 90
DEFAULT_DATED_MIN_DAYS = 7.0
DEFAULT_CLOSES_DAYS = 366
MAX_CLOSES_DAYS = 1000  # candles one request gives on Binance (and Bybit): no paging needed


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
    deadline: Deadline | None = None,
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
    http_get : ``http_get(url, timeout_s) -> bytes`` for alternative.me; default
        :func:`~althedge_xl.market.transport.deadline_http_get` (bounded by ``deadline``).
    perp_symbol : the hedge contract, ccxt unified (default ``"BTC/USDT:USDT"``, the USDT-margined perpetual).
    quote : quote currency of the spot prices (default ``"USDT"``); its own price is 1 by definition.
    history_days : days of funding and Fear & Greed history (default 90).
    dated_min_days : the dated future is the delivery future (same base and settle currency as ``perp_symbol``)
        with the nearest expiry at least this many days after now (default 7), so that a contract about to
        deliver is skipped.
    timeout_s : seconds one HTTP request may take at most (for a new ccxt client and for alternative.me).
    deadline : when the whole refresh is over (default: :data:`~althedge_xl.market.deadline.DEFAULT_DEADLINE_S`
        from now). No request, retry or ``Retry-After`` wait outlives it, whatever the server does; what did not
        arrive by then keeps its cached value, stale, the reason saying it timed out.
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
    session = Session(
        cache=Cache(resolve_cache_dir(cache_dir)),
        clock=clock or utc_now,
        sleep=sleep,
        retry=retry or RetryPolicy(),
        progress=progress,
        total=len(bases) + 5,
        deadline=deadline,
    )
    created_at = iso(session.now())
    venue = open_venue(session, client, exchange, timeout_s, offline)
    spot = spot_quotes(session, venue, bases, quote)
    history = funding_history(session, venue, perp_symbol, history_days)
    dated = choose_dated(session, venue, perp_symbol, float(dated_min_days))
    shared = dated.symbols if venue.id in DATED_IN_FUNDING_RATES else ()  # one premiumIndex list for both
    perp = perp_quote(session, venue, perp_symbol, history, also=shared)
    dated_future = dated_future_quote(session, venue, dated)
    fear_greed = fear_greed_index(
        session, http_get or deadline_http_get(session.deadline), history_days, timeout_s, offline
    )
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
    deadline: Deadline | None = None,
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
    exchange, offline, cache_dir, client, quote, timeout_s, deadline, retry, sleep, clock, progress :
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
    markets = {base: spot_market(base, quote) for base in bases}
    session = Session(
        cache=Cache(resolve_cache_dir(cache_dir)),
        clock=clock or utc_now,
        sleep=sleep,
        retry=retry or RetryPolicy(),
        progress=progress,
        total=len(bases) + 2,
        deadline=deadline,
    )
    venue = open_venue(session, client, exchange, timeout_s, offline)
    outcome: Record | str
    if venue.unavailable is not None:
        outcome = venue.unavailable
    else:
        outcome = attempt(closes_record, session, venue, markets, quote, days)
    key = cache_key(venue.id, "daily_closes", *markets.values())
    label = f"daily closes ({venue.id} {' '.join(markets.values())})"
    payload, meta = session.resolve(key, label, outcome, partial(valid_closes, width=len(bases)))
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

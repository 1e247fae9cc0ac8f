"""Spot last prices and daily closes of the portfolio's symbols."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timezone
from functools import partial
from typing import Any

from althedge_xl.market.cache import Record, cache_key
from althedge_xl.market.errors import FeedError, MalformedResponseError, UnreadableMarketsError, describe
from althedge_xl.market.exchange import Venue
from althedge_xl.market.records import PAR_SOURCE, Quote
from althedge_xl.market.session import Session, attempt
from althedge_xl.market.values import MS_PER_DAY, iso, iso_ms, positive, to_ms


def spot_quotes(session: Session, venue: Venue, bases: Sequence[str], quote: str) -> dict[str, Quote]:
    """One :class:`Quote` per base, fresh from the exchange or from the cache."""
    markets = {base: spot_market(base, quote) for base in bases}
    outcomes = _spot_outcomes(session, venue, markets, quote)
    quotes: dict[str, Quote] = {}
    for base, market in markets.items():
        if base == quote:
            quotes[base] = Quote(base, market, 1.0, None, iso(session.now()), PAR_SOURCE, False, 0.0, None)
        else:
            label = f"{base} spot price ({venue.id} {market})"
            key = cache_key(venue.id, "spot", market)
            payload, meta = session.resolve(key, label, outcomes[base], _valid_spot)
            payload = payload or {}
            quotes[base] = Quote(base, market, payload.get("value"), payload.get("as_of"), *meta)
        session.step(f"spot: {market}")
    return quotes


def spot_market(base: str, quote: str) -> str:
    """The spot market of a symbol: ``"ETH"`` → ``"ETH/USDT"``; a unified market (``"ETH/BTC"``) as given."""
    return base if "/" in base else f"{base}/{quote}"


def _spot_outcomes(session: Session, venue: Venue, markets: Mapping[str, str], quote: str) -> dict[str, Record | str]:
    """For each base, a fresh record of its last price or the reason there is none."""
    wanted = {base: market for base, market in markets.items() if base != quote}
    if venue.unavailable is not None:
        return dict.fromkeys(wanted, venue.unavailable)
    outcomes: dict[str, Record | str] = {}
    listed: dict[str, str] = {}
    for base, market in wanted.items():
        try:
            venue.require_listed(market)
            listed[base] = market
        except UnreadableMarketsError as exc:  # the list was unreadable: the symbol is not unknown
            outcomes[base] = str(exc)
        except FeedError as exc:
            outcomes[base] = str(exc)
            venue.unknown.append(base)
    if venue.unknown:
        session.note(f"not listed on {venue.id} (unknown symbols): {', '.join(venue.unknown)}")
    batch = _batch_tickers(session, venue, list(listed.values()))
    for base, market in listed.items():
        if market in batch:
            outcomes[base] = attempt(_ticker_record, session, venue, batch[market], market, "fetch_tickers")
        else:
            outcomes[base] = attempt(_single_ticker_record, session, venue, market)
    return outcomes


def _batch_tickers(session: Session, venue: Venue, markets: list[str]) -> Mapping[str, Any]:
    """All tickers in one request when the exchange can; ``{}`` means: ask one market at a time."""
    if len(markets) < 2 or not venue.has("fetchTickers"):
        return {}
    try:
        tickers = venue.call(session, lambda: venue.client.fetch_tickers(markets))
    except Exception as exc:
        session.note(f"{venue.id} fetch_tickers failed ({describe(exc)}); asking one symbol at a time")
        return {}
    return tickers if isinstance(tickers, Mapping) else {}


def _single_ticker_record(session: Session, venue: Venue, market: str) -> Record:
    ticker = venue.call(session, lambda: venue.client.fetch_ticker(market))
    return _ticker_record(session, venue, ticker, market, "fetch_ticker")


def _ticker_record(session: Session, venue: Venue, ticker: Any, market: str, method: str) -> Record:
    """The last price of a ccxt ticker (``last``, else ``close``), validated positive and finite."""
    data = ticker if isinstance(ticker, Mapping) else {}
    price = positive(data.get("last"))
    if price is None:
        price = positive(data.get("close"))
    if price is None:
        raise MalformedResponseError(venue.why_empty(f"no last price for {market}"))
    return venue.record(session, {"value": price, "as_of": iso_ms(data.get("timestamp"))}, method, market)


def closes_record(session: Session, venue: Venue, markets: Mapping[str, str], quote: str, days: int) -> Record:
    """The daily closes of every market over the ``days`` complete UTC days before today, aligned on their dates.

    Any unlisted or failing market fails the whole table (the reason names it): the caller then serves the cache.
    """
    wanted = {base: market for base, market in markets.items() if base != quote}
    if "spot" in venue.unreadable:
        raise UnreadableMarketsError(venue.unreadable["spot"])
    venue.unknown.extend(base for base, market in wanted.items() if not venue.lists(market))
    if venue.unknown:
        raise FeedError(f"not listed on {venue.id} (unknown symbols): {', '.join(venue.unknown)}")
    if not wanted:
        raise FeedError(f"no daily closes to fetch: only the quote currency {quote} was asked")
    if not venue.has("fetchOHLCV"):
        raise FeedError(f"{venue.id} offers no public candles in ccxt")
    today_ms = to_ms(session.now()) // MS_PER_DAY * MS_PER_DAY
    since = today_ms - days * MS_PER_DAY
    series: dict[str, dict[str, float]] = {}
    for base, market in wanted.items():
        try:
            candles = venue.call(session, partial(venue.client.fetch_ohlcv, market, "1d", since=since, limit=days))
        except Exception as exc:
            raise FeedError(f"{market}: {describe(exc)}") from exc
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
        stamp, close = candle[0], positive(candle[4])
        if (
            isinstance(stamp, int)
            and not isinstance(stamp, bool)
            and since_ms <= stamp < before_ms
            and close is not None
        ):
            closes[datetime.fromtimestamp(stamp / 1000, tz=timezone.utc).date().isoformat()] = close
    return closes


def _valid_spot(payload: Mapping[str, Any]) -> bool:
    return positive(payload.get("value")) is not None


def valid_closes(payload: Mapping[str, Any], width: int) -> bool:
    dates, rows = payload.get("dates"), payload.get("closes")
    return (
        isinstance(dates, list)
        and isinstance(rows, list)
        and len(dates) == len(rows)
        and all(isinstance(date, str) for date in dates)
        and all(
            isinstance(row, list) and len(row) == width and all(v is None or positive(v) is not None for v in row)
            for row in rows
        )
    )

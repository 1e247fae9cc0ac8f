"""The BTC quarterly (delivery) future nearest to expiry after a minimum number of days."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from functools import partial
from typing import Any, NamedTuple

from althedge_xl.market.cache import Record, cache_key
from althedge_xl.market.errors import MalformedResponseError
from althedge_xl.market.exchange import Venue
from althedge_xl.market.records import DatedFutureQuote
from althedge_xl.market.session import Session, attempt
from althedge_xl.market.values import MS_PER_DAY, SECONDS_PER_DAY, iso, iso_ms, parse_iso, positive, to_ms

# Exchanges whose ccxt fetch_funding_rates reads one list of every linear contract, delivery futures included
# (Binance: GET /fapi/v1/premiumIndex, as recorded in the wire samples), so the dated future rides along.
DATED_IN_FUNDING_RATES = frozenset({"binance"})


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


def choose_dated(session: Session, venue: Venue, perp: str, min_days: float) -> _DatedChoice:
    """The linear delivery future on the perpetual's base and settle currency with the nearest expiry that is
    at least ``min_days`` days after now, from the loaded markets (no request)."""
    base, settle = _underlying(perp)
    key = cache_key(venue.id, "dated_future", f"{base}/{settle}")
    if venue.unavailable is not None:
        return _DatedChoice(None, venue.unavailable, key, f"dated future {base}/{settle} ({venue.id})")
    now = session.now()
    cutoff_ms = to_ms(now) + int(min_days * MS_PER_DAY)
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
            f"expiring {min_days:g} days or more after {iso(now)}"
        )
        return _DatedChoice(None, reason, key, f"dated future {base}/{settle} ({venue.id})")
    symbol = min(candidates)[1]
    return _DatedChoice(symbol, None, key, f"dated future {symbol} ({venue.id})")


def dated_future_quote(session: Session, venue: Venue, choice: _DatedChoice) -> DatedFutureQuote:
    """Price, index and expiry of the chosen dated future, fresh or cached (never a cached expired one)."""
    outcome: Record | str
    if choice.symbol is None:
        outcome = choice.reason or "no dated future"
    else:
        outcome = attempt(_dated_record, session, venue, choice.symbol)
    now = session.now()
    payload, meta = session.resolve(choice.key, choice.label, outcome, _valid_dated, partial(_expired_reason, now=now))
    data = payload or {}
    expiry = data.get("expiry")
    days: float | None = None
    if payload is not None and isinstance(expiry, str):
        since = now if meta.stale else parse_iso(data.get("as_of") or meta.time or iso(now))
        days = (parse_iso(expiry) - since).total_seconds() / SECONDS_PER_DAY
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


def _dated_record(session: Session, venue: Venue, symbol: str) -> Record:
    """The mark price of ``symbol`` (its last price when no mark is published), index price and expiry."""
    venue.require_listed(symbol)
    data, method = _dated_data(session, venue, symbol)
    answered = data.get("symbol")
    if answered is not None and answered != symbol:
        raise MalformedResponseError(f"{venue.id} answered for {answered} when asked for {symbol}")
    price = positive(data.get("markPrice"))
    if price is None:
        price = positive(data.get("last")) or positive(data.get("close"))
        if price is not None:
            session.note(f"dated future {symbol} ({venue.id}): no mark price published; using the last price")
    if price is None:
        raise MalformedResponseError(venue.why_empty(f"no mark or last price for {symbol}"))
    market = venue.client.markets[symbol]
    payload = {
        "symbol": symbol,
        "price": price,
        "index_price": positive(data.get("indexPrice")),
        "expiry": iso_ms(market.get("expiry")),
        "as_of": iso_ms(data.get("timestamp")),
    }
    return venue.record(session, payload, method, symbol)


def _dated_data(session: Session, venue: Venue, symbol: str) -> tuple[Mapping[str, Any], str]:
    """ccxt's structure holding the prices of ``symbol`` and the method that gave it.

    Binance: the funding-rate structure that came with the perpetual's request (no request of its own), else
    ``fetch_funding_rates([symbol])`` (the same ``premiumIndex`` list). Other exchanges: ``fetch_ticker``,
    whose unified ticker carries ``markPrice`` and ``indexPrice`` when the exchange sends them (Bybit does).
    """
    if symbol in venue.side_rates:
        return venue.side_rates[symbol], "fetch_funding_rates"
    if venue.id in DATED_IN_FUNDING_RATES and venue.has("fetchFundingRates"):
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
    return f"cached future expired on {expiry}" if parse_iso(expiry) <= now else None


def _valid_dated(payload: Mapping[str, Any]) -> bool:
    if not isinstance(payload.get("symbol"), str) or positive(payload.get("price")) is None:
        return False
    try:
        parse_iso(str(payload.get("expiry")))
    except ValueError:
        return False
    return payload.get("as_of") is None or isinstance(payload.get("as_of"), str)

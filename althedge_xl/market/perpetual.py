"""The BTC perpetual: mark, index, funding rate and interval, and its funding history."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Mapping, Sequence
from datetime import timedelta
from functools import partial
from typing import Any

from althedge_xl.market.cache import Record, cache_key
from althedge_xl.market.errors import FeedError, MalformedResponseError, is_transient
from althedge_xl.market.exchange import Venue
from althedge_xl.market.records import FundingHistory, FundingPoint, PerpQuote
from althedge_xl.market.session import Session, attempt
from althedge_xl.market.values import MS_PER_DAY, finite, iso_ms, parse_iso, positive, to_ms

_MAX_HISTORY_PAGES = 20
_HISTORY_PAGE_LIMIT = {"binance": 1000, "bybit": 200}


def funding_history(session: Session, venue: Venue, perp: str, days: int) -> FundingHistory:
    """Funding settlements of ``perp`` over the last ``days`` days, fresh or cached."""
    outcome: Record | str
    if venue.unavailable is not None:
        outcome = venue.unavailable
    else:
        outcome = attempt(_history_record, session, venue, perp, days)
    key = cache_key(venue.id, "funding_history", perp)
    payload, meta = session.resolve(key, f"funding history ({venue.id} {perp})", outcome, _valid_history)
    rows = (payload or {}).get("points") or []
    session.step(f"funding history: {perp}")
    return FundingHistory(perp, tuple(FundingPoint(str(t), float(r)) for t, r in rows), *meta)


def _history_record(session: Session, venue: Venue, perp: str, days: int) -> Record:
    """Page through ``fetch_funding_rate_history`` from ``now - days`` until no newer settlement comes back."""
    venue.require_listed(perp)
    if not venue.has("fetchFundingRateHistory"):
        raise FeedError(f"{venue.id} has no public funding-rate history in ccxt")
    now_ms = to_ms(session.now())
    cursor = now_ms - days * MS_PER_DAY
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
    covered = (now_ms - min(points)) / MS_PER_DAY
    if covered < days - 1:
        session.note(f"funding history ({venue.id} {perp}): {venue.id} returned {covered:.1f} of {days} days")
    rows = [[iso_ms(ts), rate] for ts, rate in sorted(points.items())]
    return venue.record(session, {"points": rows}, "fetch_funding_rate_history", perp)


def _history_points(page: Any, since_ms: int, now_ms: int) -> dict[int, float]:
    """``{settlement time ms: rate}`` of the valid entries of one ccxt page between ``since_ms`` and ``now_ms``."""
    if not isinstance(page, list):
        return {}
    points: dict[int, float] = {}
    for entry in page:
        if not isinstance(entry, Mapping):
            continue
        stamp, rate = entry.get("timestamp"), finite(entry.get("fundingRate"))
        if isinstance(stamp, int) and since_ms <= stamp <= now_ms and rate is not None:
            points[stamp] = rate
    return points


_PERP_OPTIONAL = ("index_price", "funding_interval_hours", "next_funding_time")


def perp_quote(
    session: Session, venue: Venue, perp: str, history: FundingHistory, also: Sequence[str] = ()
) -> PerpQuote:
    """Mark, index, funding rate, interval and next settlement of ``perp``, fresh or cached.

    ``also``: contracts whose funding-rate structures are asked in the same request when the exchange
    answers every contract in one list anyway (kept in ``venue.side_rates`` for their own item).
    """
    key = cache_key(venue.id, "perp", perp)
    label = f"perpetual {perp} ({venue.id})"
    outcome: Record | str
    if venue.unavailable is not None:
        outcome = venue.unavailable
    else:
        outcome = attempt(_perp_record, session, venue, perp, history, also)
    if isinstance(outcome, Record):
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
    session: Session, venue: Venue, perp: str, history: FundingHistory, also: Sequence[str] = ()
) -> Record:
    venue.require_listed(perp)
    data, method = _funding_rate(session, venue, perp, also)
    mark, rate = positive(data.get("markPrice")), finite(data.get("fundingRate"))
    if mark is None or rate is None:
        raise MalformedResponseError(venue.why_empty(f"no mark price or funding rate for {perp}"))
    interval, how = _funding_interval(session, venue, perp, data, history)
    if how:
        session.note(f"perpetual {perp} ({venue.id}): funding interval {interval:g} h {how}")
    next_time = iso_ms(data.get("fundingTimestamp")) or iso_ms(data.get("nextFundingTimestamp"))
    payload = {
        "mark_price": mark,
        "index_price": positive(data.get("indexPrice")),
        "funding_rate": rate,
        "funding_interval_hours": interval,
        "next_funding_time": next_time,
        "as_of": iso_ms(data.get("timestamp")),
    }
    return venue.record(session, payload, method, perp)


def _funding_rate(session: Session, venue: Venue, perp: str, also: Sequence[str] = ()) -> tuple[Mapping[str, Any], str]:
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
            if isinstance(exc, FeedError) or is_transient(exc) or not venue.has("fetchFundingRate"):
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
    session: Session, venue: Venue, perp: str, data: Mapping[str, Any], history: FundingHistory
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
    gap = parse_iso(history.points[-1].time) - parse_iso(history.points[-2].time)
    hours = round(gap / timedelta(hours=1))
    return float(hours) if hours >= 1 else None


def _interval_hours(value: Any) -> float | None:
    """``"8h"`` → 8.0 (ccxt's ``interval`` field); None when absent or not in hours."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*h\s*", str(value)) if value is not None else None
    return float(match.group(1)) if match and float(match.group(1)) > 0 else None


def _fill_gaps(session: Session, record: Record, cached: Mapping[str, Any] | None, label: str) -> Record:
    """Optional perpetual fields the fresh response lacks keep their cached value (never blanked)."""
    if not cached:
        return record
    payload = dict(record.payload)
    for name in _PERP_OPTIONAL:
        if payload.get(name) is None and cached.get(name) is not None:
            payload[name] = cached[name]
            session.note(f"{label}: {name} not in the response; kept the cached value {cached[name]}")
    return Record(payload, record.fetched_at, record.source)


def _valid_perp(payload: Mapping[str, Any]) -> bool:
    return positive(payload.get("mark_price")) is not None and finite(payload.get("funding_rate")) is not None


def _valid_history(payload: Mapping[str, Any]) -> bool:
    rows = payload.get("points")
    return isinstance(rows, list) and all(
        isinstance(row, list) and len(row) == 2 and isinstance(row[0], str) and finite(row[1]) is not None
        for row in rows
    )

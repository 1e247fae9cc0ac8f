"""The Crypto Fear & Greed index from alternative.me, read with the standard library."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime, timezone
from typing import Any

from althedge_xl.market.cache import Record, cache_key
from althedge_xl.market.errors import FeedError, HttpStatusError, MalformedResponseError, classify_answer
from althedge_xl.market.http import HttpGet
from althedge_xl.market.records import FearGreed, FearGreedPoint
from althedge_xl.market.session import OFFLINE_REASON, Session, attempt
from althedge_xl.market.transport import base_url_override, rebase

FNG_URL = "https://api.alternative.me/fng/?limit={limit}&format=json"
FNG_HOST = "alternative.me"


def fear_greed_index(session: Session, http_get: HttpGet, days: int, timeout_s: float, offline: bool) -> FearGreed:
    """The Fear & Greed index over ``days`` days from alternative.me, fresh or cached."""
    outcome = OFFLINE_REASON if offline else attempt(_fear_greed_record, session, http_get, days, timeout_s)
    key = cache_key("alternative_me", "fear_greed")
    payload, meta = session.resolve(key, "Fear & Greed index (alternative.me)", outcome, _valid_fear_greed)
    data = payload or {}
    history = tuple(FearGreedPoint(str(d), int(v), str(c)) for d, v, c in data.get("history") or [])
    session.step("fear & greed")
    return FearGreed(data.get("value"), data.get("date"), data.get("classification"), history, *meta)


def _fear_greed_record(session: Session, http_get: HttpGet, days: int, timeout_s: float) -> Record:
    url = FNG_URL.format(limit=days)
    base = base_url_override()
    if base is not None:
        url = rebase(url, base)
    body = session.call(FNG_HOST, lambda: http_get(url, timeout_s), _http_retry_after)
    history = parse_fear_greed(body, days)
    latest = history[-1]
    payload = {
        "value": latest.value,
        "date": latest.date,
        "classification": latest.classification,
        "history": [list(point) for point in history],
    }
    return Record(payload, session.now(), f"alternative.me GET /fng/?limit={days}&format=json")


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
        kind = classify_answer(body) or "something that is not JSON"
        raise MalformedResponseError(f"malformed response from alternative.me: it answered with {kind}") from exc
    if not isinstance(doc, dict) or not isinstance(doc.get("data", []), list):
        raise MalformedResponseError("malformed response from alternative.me: no 'data' list")
    error = doc.get("metadata", {}).get("error") if isinstance(doc.get("metadata"), dict) else None
    if error:
        raise FeedError(f"alternative.me reported an error: {error}")
    rows = doc.get("data") or []
    if not rows:
        empty = classify_answer(body)
        raise MalformedResponseError(
            f"empty result from alternative.me: {f'it answered with {empty}' if empty else 'no Fear & Greed values'}"
        )
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


def _valid_fear_greed(payload: Mapping[str, Any]) -> bool:
    rows = payload.get("history")
    return (
        isinstance(payload.get("value"), int)
        and isinstance(payload.get("date"), str)
        and isinstance(rows, list)
        and all(isinstance(row, list) and len(row) == 3 and isinstance(row[1], int) for row in rows)
    )

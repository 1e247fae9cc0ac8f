"""The exchange side: a ccxt client (imported only when a refresh talks to an exchange) with its markets loaded."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from datetime import datetime, timezone
from typing import Any, TypeVar

from althedge_xl.market.cache import Record
from althedge_xl.market.deadline import Deadline
from althedge_xl.market.errors import FeedError, UnreadableMarketsError, classify_answer, describe
from althedge_xl.market.http import DEFAULT_TIMEOUT_S, parse_retry_after
from althedge_xl.market.session import OFFLINE_REASON, Session
from althedge_xl.market.transport import base_url_override, deadline_session, rebase

T = TypeVar("T")
DEFAULT_EXCHANGE = "binance"
_MARKET_TYPES = {"binance": ["spot", "linear"], "bybit": ["spot", "linear"]}


def make_exchange(
    exchange: str = DEFAULT_EXCHANGE, timeout_s: float = DEFAULT_TIMEOUT_S, deadline: Deadline | None = None
) -> Any:
    """A new public (key-less) ccxt exchange with ccxt's rate limiter on, a request timeout and a deadline.

    Its HTTP goes through :func:`~althedge_xl.market.transport.deadline_session` (ccxt's ``session``
    option), so that no request outlives ``deadline`` (default: :data:`DEFAULT_DEADLINE_S` from now) whatever
    the server does; with ``$ALTHEDGE_API_BASE_URL`` set, its ``urls['api']`` point there (the way ccxt's own
    examples re-point a client, ``exchange.urls['api'] = exchange.urls['test']``). For Binance and Bybit only
    spot and USDT-margined (linear) markets are loaded, which skips the coin-margined and options requests the
    hedge never needs. Raises ``ValueError`` for an unknown id.
    """
    ccxt = import_ccxt()
    exchange_id = exchange.strip().lower()
    if exchange_id not in ccxt.exchanges:
        raise ValueError(
            f"unknown exchange {exchange!r}: use a ccxt exchange id such as 'binance', 'bybit', 'okx' "
            f"({len(ccxt.exchanges)} are listed in ccxt.exchanges)"
        )
    config: dict[str, Any] = {"enableRateLimit": True, "timeout": int(timeout_s * 1000)}
    if exchange_id in _MARKET_TYPES:
        config["options"] = {"fetchMarkets": {"types": list(_MARKET_TYPES[exchange_id])}}
    config["session"] = deadline_session(deadline or Deadline())
    client = getattr(ccxt, exchange_id)(config)
    base = base_url_override()
    if base is not None:
        client.urls["api"] = rebase(client.urls["api"], base)
    return client


class Venue:
    """A ccxt exchange (or a stand-in) whose markets are loaded, or the reason there is none."""

    def __init__(self, exchange_id: str, client: Any, unavailable: str | None) -> None:
        self.id = exchange_id
        self.client = client
        self.unavailable = unavailable
        self.unknown: list[str] = []
        # why a market list of one type (spot, linear) could not be read although the others were
        self.unreadable: dict[str, str] = {}
        # funding-rate structures of other contracts that came back with the perpetual's (one request)
        self.side_rates: dict[str, Mapping[str, Any]] = {}

    def has(self, method: str) -> bool:
        """True when ccxt offers ``method`` (natively or emulated) for this exchange."""
        has = getattr(self.client, "has", None) or {}
        return bool(has.get(method))

    def call(self, session: Session, fn: Callable[[], T]) -> T:
        """One exchange request through the session's retries."""
        return session.call(self.id, fn, self.retry_after)

    def lists(self, market: str) -> bool:
        """True when the loaded markets include ``market``."""
        return market in (getattr(self.client, "markets", None) or {})

    def require_listed(self, market: str) -> None:
        """Raise :class:`FeedError` naming ``market`` when the exchange does not list it.

        When the market list it would be in could not be read (:attr:`unreadable`), that is the reason, and
        :class:`UnreadableMarketsError` is raised: the symbol may well exist.
        """
        if self.lists(market):
            return
        unreadable = self.unreadable.get("linear" if ":" in market else "spot")
        if unreadable is not None:
            raise UnreadableMarketsError(unreadable)
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

    def record(self, session: Session, payload: dict[str, Any], method: str, market: str) -> Record:
        """A fresh record of ``payload`` with its source ``"<exchange> <ccxt method> <market>"``."""
        return Record(payload, session.now(), f"{self.id} {method} {market}")

    def retry_after(self, exc: BaseException) -> float | None:
        names = {cls.__name__ for cls in type(exc).__mro__}
        if not names & {"DDoSProtection", "RateLimitExceeded"}:
            return None
        headers = getattr(self.client, "last_response_headers", None) or {}
        value = next((v for k, v in dict(headers).items() if str(k).lower() == "retry-after"), None)
        return parse_retry_after(value, datetime.now(timezone.utc))


def open_venue(session: Session, client: Any, exchange: str, timeout_s: float, offline: bool) -> Venue:
    """Create the ccxt client if needed and load its markets (one request per market type, with retries).

    A market list that is no list (an HTML block page, garbage, ``{}``) makes the exchange unavailable, or
    only that type of market (spot, linear) when the others were read: a failed fetch with the reason,
    never "unknown symbol".
    """
    exchange_id = str(getattr(client, "id", None) or exchange).strip().lower()
    if offline:
        session.step("markets: offline")
        return Venue(exchange_id, None, OFFLINE_REASON)
    if client is None:
        client = make_exchange(exchange_id, timeout_s, session.deadline)
    venue = Venue(exchange_id, client, None)
    try:
        venue.call(session, client.load_markets)
    except Exception as exc:
        answers = _bad_answers(client)
        venue.unavailable = f"could not load {exchange_id} markets: {answers or describe(exc)}"
    else:
        _check_market_lists(venue)
    for reason in [venue.unavailable, *venue.unreadable.values()]:
        if reason is not None:
            session.note(reason)
    session.step(f"markets: {exchange_id}")
    return venue


def _check_market_lists(venue: Venue) -> None:
    """Mark the venue unavailable, or some of its market types unreadable, when their lists held nothing."""
    markets = [m for m in (getattr(venue.client, "markets", None) or {}).values() if isinstance(m, Mapping)]
    wanted = _MARKET_TYPES.get(venue.id, [])
    missing = [kind for kind in wanted if not any(m.get(kind) is True for m in markets)]
    if markets and not missing:
        return
    answers = _bad_answers(venue.client) or _last_answer(venue)
    if not markets:
        venue.unavailable = f"could not load {venue.id} markets: {answers}"
        return
    for kind in missing:
        venue.unreadable[kind] = f"could not read {venue.id}'s {kind} market list: {answers}"


def _bad_answers(client: Any) -> str:
    """What the client's transport saw of malformed answers: ``"GET …/exchangeInfo answered with HTML, not JSON"``."""
    answers = getattr(getattr(client, "session", None), "bad_answers", None) or {}
    return "; ".join(f"{url} answered with {kind}" for url, kind in answers.items())


def _last_answer(venue: Venue) -> str:
    """The kind of the client's last answer (for clients without our transport), or that it held no markets."""
    body = getattr(venue.client, "last_http_response", None)
    kind = classify_answer(body) if isinstance(body, str | bytes) else None
    return f"{venue.id} answered with {kind}" if kind else f"{venue.id} listed no markets"


def import_ccxt() -> Any:
    """ccxt, imported on first use so that importing this module stays cheap."""
    import ccxt

    return ccxt

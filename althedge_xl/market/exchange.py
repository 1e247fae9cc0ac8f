"""The exchange side: a ccxt client (imported only when a refresh talks to an exchange) with its markets loaded."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from datetime import datetime, timezone
from typing import Any, TypeVar

from althedge_xl.market.cache import Record
from althedge_xl.market.errors import FeedError, describe
from althedge_xl.market.http import DEFAULT_TIMEOUT_S, parse_retry_after
from althedge_xl.market.session import OFFLINE_REASON, Session

T = TypeVar("T")
DEFAULT_EXCHANGE = "binance"
_MARKET_TYPES = {"binance": ["spot", "linear"], "bybit": ["spot", "linear"]}


def make_exchange(exchange: str = DEFAULT_EXCHANGE, timeout_s: float = DEFAULT_TIMEOUT_S) -> Any:
    """A new public (key-less) ccxt exchange with ccxt's rate limiter on and a request timeout.

    For Binance and Bybit only spot and USDT-margined (linear) markets are loaded, which skips the
    coin-margined and options requests the hedge never needs. Raises ``ValueError`` for an unknown id.
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
    return getattr(ccxt, exchange_id)(config)


class Venue:
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

    def call(self, session: Session, fn: Callable[[], T]) -> T:
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

    def record(self, session: Session, payload: dict[str, Any], method: str, market: str) -> Record:
        """A fresh record of ``payload`` with its source ``"<exchange> <ccxt method> <market>"``."""
        return Record(payload, session.now(), f"{self.id} {method} {market}")

    def _retry_after(self, exc: BaseException) -> float | None:
        names = {cls.__name__ for cls in type(exc).__mro__}
        if not names & {"DDoSProtection", "RateLimitExceeded"}:
            return None
        headers = getattr(self.client, "last_response_headers", None) or {}
        value = next((v for k, v in dict(headers).items() if str(k).lower() == "retry-after"), None)
        return parse_retry_after(value, datetime.now(timezone.utc))


def open_venue(session: Session, client: Any, exchange: str, timeout_s: float, offline: bool) -> Venue:
    """Create the ccxt client if needed and load its markets (one request per market type, with retries)."""
    exchange_id = str(getattr(client, "id", None) or exchange).strip().lower()
    if offline:
        session.step("markets: offline")
        return Venue(exchange_id, None, OFFLINE_REASON)
    if client is None:
        client = make_exchange(exchange_id, timeout_s)
    venue = Venue(exchange_id, client, None)
    try:
        venue.call(session, client.load_markets)
    except Exception as exc:
        venue.unavailable = f"could not load {exchange_id} markets: {describe(exc)}"
        session.note(venue.unavailable)
    session.step(f"markets: {exchange_id}")
    return venue


def import_ccxt() -> Any:
    """ccxt, imported on first use so that importing this module stays cheap."""
    import ccxt

    return ccxt

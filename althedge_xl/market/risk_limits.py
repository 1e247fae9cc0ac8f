"""An exchange's risk limits (maintenance tiers) of the hedge contract, from its public endpoint via ccxt.

Bybit publishes them without a key: ccxt's ``fetch_market_leverage_tiers("BTC/USDT:USDT")`` asks
``GET /v5/market/risk-limit?category=linear&symbol=BTCUSDT``. Binance's brackets endpoint needs an
API key, so its table stays the dated snapshot the package ships (``core.conventions``).

The table is one cached series per exchange and contract: a failed fetch serves the last good table
stale, with its age and the reason; with none cached it is missing, with the reason.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from typing import Any

from althedge_xl.core.errors import AltHedgeInputError
from althedge_xl.core.tiers import tier_table, tiers_from_ccxt
from althedge_xl.market.cache import Cache, Record, cache_key, resolve_cache_dir
from althedge_xl.market.deadline import Deadline
from althedge_xl.market.errors import MalformedResponseError
from althedge_xl.market.exchange import Venue, open_venue
from althedge_xl.market.http import DEFAULT_TIMEOUT_S, RetryPolicy
from althedge_xl.market.records import Status
from althedge_xl.market.session import Clock, ProgressCallback, Session, Sleep, attempt
from althedge_xl.market.values import utc_now

#: Exchanges whose risk limits are public (no API key), each with its hedge contract's tiers.
PUBLIC_RISK_LIMITS = {"bybit": "BTC/USDT:USDT"}


@dataclass(frozen=True)
class RiskLimits(Status):
    """The maintenance tiers of one contract, lowest first.

    Attributes
    ----------
    exchange, market : the ccxt exchange id and unified market (``"bybit"``, ``"BTC/USDT:USDT"``).
    rows : ``[floor, cap, maintenance rate, maintenance amount, max leverage]`` per tier; notionals and
        amounts in the settle currency (USDT), the rate a fraction (``0.005`` is 0.5 %).
    time, source, stale, age_seconds, error : as in :class:`~althedge_xl.market.records.Quote`.
    """

    exchange: str
    market: str
    rows: tuple[tuple[float, float, float, float, float], ...]
    time: str | None
    source: str
    stale: bool
    age_seconds: float | None
    error: str | None

    @property
    def missing(self) -> bool:
        """True when there is no table at all, fresh or cached."""
        return not self.rows


def fetch_risk_limits(
    exchange: str = "bybit",
    offline: bool = False,
    cache_dir: str | os.PathLike[str] | None = None,
    client: Any = None,
    *,
    timeout_s: float = DEFAULT_TIMEOUT_S,
    deadline: Deadline | None = None,
    retry: RetryPolicy | None = None,
    sleep: Sleep = time.sleep,
    clock: Clock | None = None,
    progress: ProgressCallback | None = None,
) -> RiskLimits:
    """The risk limits of ``exchange``'s BTC hedge contract (:data:`PUBLIC_RISK_LIMITS`), fresh or cached.

    The tiers are read by :func:`~althedge_xl.core.tiers.tiers_from_ccxt` (rates in fractions or per
    cent, the maintenance amount from ``mmDeduction``) and must cover notionals from 0 without gaps.
    Never raises for a network or API failure; raises ``ValueError`` for an exchange whose risk limits
    are not public. The other arguments are as in :func:`~althedge_xl.market.refresh_market_data`.

    >>> import tempfile
    >>> limits = fetch_risk_limits(offline=True, cache_dir=tempfile.mkdtemp())
    >>> limits.missing, limits.error
    (True, 'offline mode: cache only')
    """
    exchange_id = exchange.strip().lower()
    if exchange_id not in PUBLIC_RISK_LIMITS:
        raise ValueError(
            f"{exchange}'s risk limits need an API key; public ones: {', '.join(sorted(PUBLIC_RISK_LIMITS))}"
        )
    market = PUBLIC_RISK_LIMITS[exchange_id]
    session = Session(
        cache=Cache(resolve_cache_dir(cache_dir)),
        clock=clock or utc_now,
        sleep=sleep,
        retry=retry or RetryPolicy(),
        progress=progress,
        total=2,
        deadline=deadline,
    )
    venue = open_venue(session, client, exchange_id, timeout_s, offline)
    outcome = venue.unavailable if venue.unavailable is not None else attempt(_tiers_record, session, venue, market)
    payload, meta = session.resolve(
        cache_key(venue.id, "risk_limits", market), f"risk limits ({venue.id} {market})", outcome, _valid_tiers
    )
    session.finish("risk limits")
    rows = tuple(tuple(float(x) for x in row) for row in (payload or {}).get("rows", []))
    return RiskLimits(venue.id, market, rows, *meta)  # type: ignore[arg-type]


def _tiers_record(session: Session, venue: Venue, market: str) -> Record:
    venue.require_listed(market)
    tiers = venue.call(session, lambda: venue.client.fetch_market_leverage_tiers(market))
    if not isinstance(tiers, list) or not tiers:
        raise MalformedResponseError(venue.why_empty(f"no risk limits for {market}"))
    try:
        table = tiers_from_ccxt(tiers, venue.id, market)
    except AltHedgeInputError as exc:
        raise MalformedResponseError(f"{venue.id}'s risk limits for {market} are unusable: {exc}") from None
    return venue.record(session, {"rows": table.rows()}, "fetch_market_leverage_tiers", market)


def _valid_tiers(payload: Any) -> bool:
    """True for a cached table that is still a valid tier table."""
    try:
        rows = payload["rows"]
        tier_table(rows, check_amounts=False)
    except Exception:
        return False
    return bool(rows)

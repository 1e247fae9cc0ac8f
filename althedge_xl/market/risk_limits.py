"""An exchange's risk limits (maintenance tiers) of the hedge contract, from its public endpoint via ccxt.

Which exchanges publish them without a key, through which ccxt method, and whether their tiers count
quote notional or contracts is the exchange's profile (:class:`~althedge_xl.core.exchanges.profile.TierFeed`):
Bybit (``GET /v5/market/risk-limit``, USDT), OKX (``GET /api/v5/public/position-tiers``, contracts) and
MEXC (``GET /api/v1/contract/detail``, contracts) do. Binance's and BingX's endpoints need an API key
and ccxt's WEEX client has no tier call: they are refused with that reason.

Tiers counted in contracts (ccxt labels the counts ``minNotional``/``maxNotional``) are kept in
contracts with the market's contract size, and converted to USDT at a price the caller gives
(:func:`~althedge_xl.core.exchanges.convert.tiers_from_contracts`): n contracts of s BTC at P are
n · s · P USDT.

The table is one cached series per exchange and contract: a failed fetch serves the last good table
stale, with its age and the reason; with none cached it is missing, with the reason.
"""

from __future__ import annotations

import math
import os
import time
from dataclasses import dataclass
from typing import Any

from althedge_xl.core.errors import AltHedgeInputError
from althedge_xl.core.exchanges import PROFILES
from althedge_xl.core.exchanges.convert import tiers_from_contracts
from althedge_xl.core.exchanges.profile import TierFeed
from althedge_xl.core.tiers import tier_table, tiers_from_ccxt
from althedge_xl.market.cache import Cache, Record, cache_key, resolve_cache_dir
from althedge_xl.market.deadline import Deadline
from althedge_xl.market.errors import MalformedResponseError
from althedge_xl.market.exchange import Venue, open_venue
from althedge_xl.market.http import DEFAULT_TIMEOUT_S, RetryPolicy
from althedge_xl.market.records import Status
from althedge_xl.market.session import Clock, Meta, ProgressCallback, Session, Sleep, attempt
from althedge_xl.market.values import utc_now

#: Exchanges whose risk limits are public (no API key) and in ccxt, each with its hedge contract.
PUBLIC_RISK_LIMITS = {
    name: p.tier_feed.market for name, p in PROFILES.items() if p.tier_feed is not None and p.tier_feed.refreshable
}


def public_tier_feed(exchange: str) -> TierFeed:
    """The profile's tier feed of ``exchange`` when it can be refreshed without a key, else ``ValueError`` saying why.

    >>> public_tier_feed("okx").units
    'contracts'
    """
    name = exchange.strip().lower()
    public = ", ".join(sorted(PUBLIC_RISK_LIMITS))
    profile = PROFILES.get(name)
    if profile is None or profile.tier_feed is None:
        raise ValueError(f"AltHedge has no profile of {exchange!r} to refresh tiers for; it can for {public}")
    if not profile.tier_feed.refreshable:
        raise ValueError(f"{profile.tier_feed.why_not} (tiers refresh without a key: {public})")
    return profile.tier_feed


@dataclass(frozen=True)
class RiskLimits(Status):
    """The maintenance tiers of one contract, lowest first.

    Attributes
    ----------
    exchange, market : the ccxt exchange id and unified market (``"bybit"``, ``"BTC/USDT:USDT"``).
    rows : ``[floor, cap, maintenance rate, maintenance amount, max leverage]`` per tier; notionals and
        amounts in the settle currency (USDT), the rate a fraction (``0.005`` is 0.5 %).
    time, source, stale, age_seconds, error : as in :class:`~althedge_xl.market.records.Quote`.
    contract_size, price : for tiers the exchange counts in contracts, the contract's size (BTC) and
        the price (USDT) the rows were converted at; None for tiers in USDT.
    """

    exchange: str
    market: str
    rows: tuple[tuple[float, float, float, float, float], ...]
    time: str | None
    source: str
    stale: bool
    age_seconds: float | None
    error: str | None
    contract_size: float | None = None
    price: float | None = None

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
    price: float | None = None,
) -> RiskLimits:
    """The risk limits of ``exchange``'s BTC hedge contract (:data:`PUBLIC_RISK_LIMITS`), fresh or cached.

    Tiers in USDT are read by :func:`~althedge_xl.core.tiers.tiers_from_ccxt` (rates in fractions or per
    cent, the maintenance amount from ``mmDeduction``) and must cover notionals from 0 without gaps.
    Tiers in contracts are converted at ``price`` (USDT per BTC; without one the table is missing, with
    the reason). Never raises for a network or API failure; raises ``ValueError`` (with the reason) for an
    exchange whose risk limits need a key or that ccxt cannot fetch. The other arguments are as in
    :func:`~althedge_xl.market.refresh_market_data`.

    >>> import tempfile
    >>> limits = fetch_risk_limits(offline=True, cache_dir=tempfile.mkdtemp())
    >>> limits.missing, limits.error
    (True, 'offline mode: cache only')
    """
    feed = public_tier_feed(exchange)
    exchange_id, market = str(feed.ccxt_id), feed.market
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
    outcome = venue.unavailable if venue.unavailable is not None else attempt(_tiers_record, session, venue, feed)
    payload, meta = session.resolve(
        cache_key(venue.id, "risk_limits", market), f"risk limits ({venue.id} {market})", outcome, _valid_tiers
    )
    session.finish("risk limits")
    return _limits(venue.id, market, payload, meta, price)


def _limits(exchange: str, market: str, payload: Any, meta: Meta, price: float | None) -> RiskLimits:
    """The table of a cached or fresh payload; tiers in contracts converted at ``price``."""
    if payload is None or "contracts" not in payload:
        rows = [[float(x) for x in row] for row in (payload or {}).get("rows", [])]
        return RiskLimits(exchange, market, _frozen(rows), *meta)
    size = float(payload["contract_size"])
    if price is None or not (math.isfinite(price) and price > 0):
        why = f"{exchange}'s tiers count contracts of {size:g} BTC: a BTC price is needed to convert them to USDT"
        reason = "; ".join(r for r in (meta.error, why) if r)
        return RiskLimits(exchange, market, (), meta.time, meta.source, meta.stale, meta.age_seconds, reason, size)
    rows = tiers_from_contracts(payload["contracts"], size, price, exchange, market).rows()
    return RiskLimits(exchange, market, _frozen(rows), *meta, contract_size=size, price=price)


def _frozen(rows: list[list[float]]) -> tuple[tuple[float, float, float, float, float], ...]:
    return tuple((r[0], r[1], r[2], r[3], r[4]) for r in rows)


def _tiers_record(session: Session, venue: Venue, feed: TierFeed) -> Record:
    """The fresh tiers of ``feed``'s market: USDT rows, or contract ranges with the contract's size."""
    market = feed.market
    venue.require_listed(market)
    tiers = venue.call(session, lambda: getattr(venue.client, feed.method)(market))
    if not isinstance(tiers, list) or not tiers:
        raise MalformedResponseError(venue.why_empty(f"no risk limits for {market}"))
    if any(not isinstance(t, dict) or t.get("maxNotional") is None for t in tiers):
        # MEXC's contract detail without risk steps (riskIncrVol 0): ccxt makes one tier without bounds
        raise MalformedResponseError(f"{venue.id} published no tier bounds for {market} (ccxt read no tiers from it)")
    try:
        if feed.units == "contracts":
            payload: dict[str, Any] = {
                "contracts": [
                    [float(t["minNotional"] or 0), float(t["maxNotional"]), float(t["maxLeverage"]),
                     float(t["maintenanceMarginRate"])]
                    for t in sorted(tiers, key=lambda t: float(t["maxNotional"]))
                ],
                "contract_size": float(venue.client.market(market)["contractSize"]),
            }  # fmt: skip
            tiers_from_contracts(payload["contracts"], payload["contract_size"], 1.0, venue.id, market)  # checks
        else:
            payload = {"rows": tiers_from_ccxt(tiers, venue.id, market).rows()}
    except (AltHedgeInputError, TypeError, ValueError, KeyError) as exc:
        raise MalformedResponseError(f"{venue.id}'s risk limits for {market} are unusable: {exc}") from None
    return venue.record(session, payload, feed.method, market)


def _valid_tiers(payload: Any) -> bool:
    """True for a cached table that is still a valid tier table."""
    try:
        if "contracts" in payload:
            tiers_from_contracts(payload["contracts"], float(payload["contract_size"]), 1.0, "")
            return bool(payload["contracts"])
        rows = payload["rows"]
        tier_table(rows, check_amounts=False)
    except Exception:
        return False
    return bool(rows)

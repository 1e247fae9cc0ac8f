"""What a refresh returns: one frozen record per series (spot quote, perpetual, funding history,
Fear & Greed, dated future, daily closes) and the snapshot of them all, each fresh, stale or missing."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

PAR_SOURCE = "par: the quote currency itself"


class Status:
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
class Quote(Status):
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
class PerpQuote(Status):
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
class FundingHistory(Status):
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
class FearGreed(Status):
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
class DatedFutureQuote(Status):
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


def dated_future_not_fetched() -> DatedFutureQuote:
    """The ``dated_future`` of a snapshot built without one (older callers): missing, with the reason."""
    return DatedFutureQuote("", None, None, None, None, None, None, "", False, None, "not fetched")


@dataclass(frozen=True)
class DailyCloses(Status):
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
    dated_future: DatedFutureQuote = field(default_factory=dated_future_not_fetched)

    def items(self) -> list[Quote | PerpQuote | FundingHistory | FearGreed | DatedFutureQuote]:
        """Every item: spot quotes, then perpetual, funding history, Fear & Greed and the dated future."""
        return [*self.spot.values(), self.perp, self.funding_history, self.fear_greed, self.dated_future]

    @property
    def refreshed_any(self) -> bool:
        """True when at least one item was fetched fresh in this refresh (the CLI fails only when False)."""
        return any(item.fresh and item.source != PAR_SOURCE for item in self.items())

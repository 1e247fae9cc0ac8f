"""The market feeds a workbook refresh reads besides the Prices snapshot: History's daily closes and the
exchange's tier table.

Both the command line's refresh (:mod:`althedge_xl.workbook.refresh`) and the Excel button's
(:mod:`althedge_xl.workbook.refresh_excel`) call them with the options they gave the snapshot's fetch; only
the options these feeds share with it (:data:`SHARED_FEED_OPTIONS`) are passed on. Each takes a ``fetch``
that replaces the market's feed in tests.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from althedge_xl.workbook import history_layout as hx

#: Options of :func:`althedge_xl.market.refresh_market_data` that the daily-closes and tier fetches share.
SHARED_FEED_OPTIONS = ("cache_dir", "client", "clock", "sleep", "retry", "timeout_s", "deadline", "progress")


def fetch_history(
    exchange: str, offline: bool, feed_options: Mapping[str, Any], fetch: Callable[..., Any] | None
) -> Any:
    """The last year of daily closes of the History assets (``fetch`` replaces the feed in tests)."""
    if fetch is None:
        from althedge_xl.market import fetch_daily_closes

        fetch = fetch_daily_closes
    return fetch(hx.ASSETS, hx.RECENT_DAYS, exchange, offline, **shared_options(feed_options))


def fetch_exchange_tiers(
    exchange: str,
    offline: bool,
    feed_options: Mapping[str, Any],
    fetch: Callable[..., Any] | None,
    price: Any = None,
) -> Any:
    """``exchange``'s risk limits of its BTC contract, fresh or cached (``fetch`` replaces the feed in tests).

    ``price`` (the Prices sheet's BTC mark price) converts tiers the exchange counts in contracts.
    """
    if fetch is None:
        from althedge_xl.market.risk_limits import fetch_risk_limits

        fetch = fetch_risk_limits
    mark = float(price) if isinstance(price, int | float) and not isinstance(price, bool) else None
    return fetch(exchange, offline, price=mark, **shared_options(feed_options))


def shared_options(feed_options: Mapping[str, Any]) -> dict[str, Any]:
    """The entries of ``feed_options`` named in :data:`SHARED_FEED_OPTIONS` (the others are the snapshot's own)."""
    return {k: v for k, v in feed_options.items() if k in SHARED_FEED_OPTIONS}

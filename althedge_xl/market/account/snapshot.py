"""Read one account: check the key's rights first, then each part; a part that fails costs only itself.

Order: markets (public), the key's rights (:mod:`~althedge_xl.market.account.permissions`), then the
parts of :data:`PARTS`. A setting fault anywhere (:data:`~althedge_xl.market.account.faults.SETTING`)
stops the read at once and is raised; a passing fault of one part is kept as that part's error. Account
values go into the snapshot alone: nothing of them is written to the market-data cache.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, TypeVar, cast

from althedge_xl.market.account import balances, brackets, fees, funding_income, positions
from althedge_xl.market.account.client import make_account_client
from althedge_xl.market.account.faults import PARTIAL, SETTING, AccountFault, classify
from althedge_xl.market.account.keys import ApiKey
from althedge_xl.market.account.permissions import check_read_only
from althedge_xl.market.account.records import AccountSnapshot, Part
from althedge_xl.market.cache import Cache
from althedge_xl.market.deadline import Deadline
from althedge_xl.market.exchange import Venue
from althedge_xl.market.http import DEFAULT_TIMEOUT_S, RetryPolicy
from althedge_xl.market.session import Clock, Session, Sleep
from althedge_xl.market.values import iso, utc_now

T = TypeVar("T")

#: Each part: its name, the exchanges that have it, and what reads it.
PARTS: tuple[tuple[str, tuple[str, ...] | None, Callable[[Any, str, int], Any]], ...] = (
    ("spot balances", None, lambda c, x, now: balances.spot(c)),
    ("futures wallet", None, lambda c, x, now: balances.futures_wallet(c, x)),
    ("funding wallet", ("binance", "okx"), lambda c, x, now: balances.funding_wallet(c)),
    ("margin wallet", ("binance",), lambda c, x, now: balances.margin_wallet(c)),
    ("earn (flexible)", ("binance",), lambda c, x, now: balances.earn_flexible(c)),
    ("futures positions", None, lambda c, x, now: positions.usdt_positions(c)),
    ("COIN-M wallet", ("binance",), lambda c, x, now: balances.futures_wallet(c, x, "inverse")),
    ("COIN-M positions", None, lambda c, x, now: positions.coin_positions(c)),
    ("fee rate", None, lambda c, x, now: fees.taker_fee(c)),
    ("brackets", ("binance",), lambda c, x, now: brackets.account_brackets(c, x)),
    ("funding paid and received", None, lambda c, x, now: funding_income.funding_income(c, x, now)),
)


def fetch_account(
    api_key: ApiKey,
    *,
    deadline: Deadline | None = None,
    timeout_s: float = DEFAULT_TIMEOUT_S,
    clock: Clock | None = None,
    sleep: Sleep = time.sleep,
    retry: RetryPolicy | None = None,
    client: Any = None,
) -> AccountSnapshot:
    """Every part of ``api_key``'s account; :class:`AccountFault` for a setting, or when nothing could be read."""
    exchange = api_key.exchange
    session = Session(
        cache=cast(Cache, None),  # account values are never cached
        clock=clock or utc_now,
        sleep=sleep,
        retry=retry or RetryPolicy(),
        progress=None,
        total=len(PARTS) + 2,
        deadline=deadline,
    )
    client = client if client is not None else make_account_client(api_key, timeout_s, session.deadline)
    venue = Venue(exchange, client, None)

    def call(fn: Callable[[], T], part: str) -> T:
        try:
            return venue.call(session, fn)
        except Exception as exc:
            cause = exc.__cause__ if isinstance(exc.__cause__, Exception) else exc  # the retries' own wrapper
            raise classify(cause, exchange, part, venue._retry_after(cause)) from None

    try:
        call(client.load_markets, "markets")
        rights = check_read_only(exchange, client, lambda fn: call(fn, "the key's rights"))
    except AccountFault as fault:
        if fault.exit_code == SETTING:
            raise
        raise AccountFault(exchange, f"nothing of the account was read: {fault.cause}", fault.fix, PARTIAL) from None
    snapshot = AccountSnapshot(exchange, iso(session.now()) or "", rights)
    now_ms = int(session.now().timestamp() * 1000)
    for name, only, read in PARTS:
        if only is not None and exchange not in only:
            continue
        try:
            value = call(lambda read=read: read(client, exchange, now_ms), name)  # type: ignore[misc]
        except AccountFault as fault:
            if fault.exit_code == SETTING:
                raise
            snapshot.parts[name] = Part(name, None, fault.line())
        except ValueError as exc:
            snapshot.parts[name] = Part(name, None, f"{exchange}: {name}: {exc}; fix: run again")
        else:
            snapshot.parts[name] = Part(name, value)
    return snapshot

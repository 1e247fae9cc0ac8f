"""Read one account: check the key's rights first, then each part; a part that fails costs only itself.

Order: markets (public: spot and linear), the key's rights (:mod:`~althedge_xl.market.account.permissions`),
the parts of :data:`PARTS`, then the parts of the hedge contract, :data:`HEDGE_PARTS`. The inverse markets
are loaded before the first part whose name starts with "COIN-M"
(:func:`~althedge_xl.market.account.client.load_inverse_markets`); when they fail, every COIN-M part is
shown as not arrived with their cause, and the others are read: the COIN-M requests (Binance's are on
another host, ``dapi``) are retried and given up apart from the others (a failed host is not asked again in
one refresh, :meth:`~althedge_xl.market.session.Session.call`). The hedge contract is the BTC short of the
largest USD notional among the positions read (:func:`~althedge_xl.market.account.hedge_choice.hedge_symbol`):
its fee rate and funding are read, so a COIN-M hedge gets the COIN-M ones, and an account whose hedge is
linear asks nothing more of the COIN-M endpoints than its positions and wallet. A setting fault anywhere (:data:`~althedge_xl.market.account.faults.SETTING`)
stops the read at once and is raised; a passing fault of one part is kept as that part's error. A
listed-only part the exchange refuses to the key for a right it lacks (:data:`LISTED_ONLY`) is marked
unreadable and said so, not failed. Account values go into the snapshot alone: nothing of them is written to the market-data cache.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, TypeVar, cast

from althedge_xl.market.account import balances, brackets, fees, funding_income, positions
from althedge_xl.market.account.client import load_inverse_markets, make_account_client
from althedge_xl.market.account.faults import PARTIAL, SETTING, AccountFault, classify
from althedge_xl.market.account.hedge_choice import hedge_symbol, is_inverse
from althedge_xl.market.account.keys import ApiKey
from althedge_xl.market.account.permissions import check_read_only
from althedge_xl.market.account.positions import LINEAR_BTC
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
    ("funding wallet", ("binance", "bybit", "okx"), lambda c, x, now: balances.funding_wallet(c)),
    ("margin wallet", ("binance",), lambda c, x, now: balances.margin_wallet(c)),
    ("earn (flexible)", tuple(balances.EARN_FLEXIBLE), lambda c, x, now: balances.EARN_FLEXIBLE[x](c)),
    ("account margin mode", ("bybit",), lambda c, x, now: positions.bybit_margin_mode(c)),
    ("futures positions", None, lambda c, x, now: positions.usdt_positions(c)),
    ("COIN-M wallet", ("binance",), lambda c, x, now: balances.futures_wallet(c, x, "inverse")),
    ("COIN-M positions", None, lambda c, x, now: positions.coin_positions(c)),
    ("brackets", ("binance",), lambda c, x, now: brackets.account_brackets(c, x)),
    ("COIN-M brackets", ("binance",), lambda c, x, now: brackets.coinm_brackets(c, x)),
)
#: The parts of the hedge contract (its ccxt symbol, chosen from the positions read by :data:`PARTS`).
HEDGE_PARTS: tuple[tuple[str, Callable[[Any, str, int, str], Any]], ...] = (
    ("fee rate", lambda c, x, now, symbol: fees.fee_rate(c, symbol)),
    ("funding paid and received", lambda c, x, now, symbol: funding_income.funding_income(c, x, now, symbol=symbol)),
)
#: The name prefix of the parts that need the inverse markets.
COIN_M = "COIN-M"

#: The parts only listed on the Account sheet (nothing of them is imported), and what to say when the
#: exchange refuses one to the key for a right AltHedge does not ask for: the key passed the read-only
#: check, so the run goes on (a right that would let the key move money is never the fix).
LISTED_ONLY = {
    "funding wallet": "the exchange asks for a Wallet (transfer) right to read it, which AltHedge refuses on a key;"
    " check the funding wallet in the exchange's app",
    "margin wallet": "the key may not read it; check the margin wallet in the exchange's app",
    "earn (flexible)": "the key may not read it; tick Earn on the read-only key to list it",
}
#: Parts read only when the parts before them show they are needed: an account without a COIN-M BTC
#: position never asks for (or fails on) the COIN-M brackets.
NEEDED_WHEN: dict[str, Callable[[AccountSnapshot], bool]] = {"COIN-M brackets": brackets.holds_coinm_btc}


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
        total=len(PARTS) + len(HEDGE_PARTS) + 3,
        deadline=deadline,
    )
    client = client if client is not None else make_account_client(api_key, timeout_s, session.deadline)
    venue = Venue(exchange, client, None)
    hedge_names = {name for name, _ in HEDGE_PARTS}
    symbol = LINEAR_BTC  # the hedge contract, chosen once the positions are read

    def call(fn: Callable[[], T], part: str) -> T:
        coin_m = part.startswith(COIN_M) or (part in hedge_names and is_inverse(symbol))
        try:  # the COIN-M endpoints (Binance: another host, dapi) fail apart from the others
            return session.call(f"{exchange} {COIN_M}" if coin_m else exchange, fn, venue.retry_after)
        except Exception as exc:
            cause = exc.__cause__ if isinstance(exc.__cause__, Exception) else exc  # the retries' own wrapper
            raise classify(cause, exchange, part, venue.retry_after(cause)) from None

    try:
        call(client.load_markets, "markets")
        rights = check_read_only(exchange, client, lambda fn: call(fn, "the key's rights"))
    except AccountFault as fault:
        if fault.exit_code == SETTING:
            raise
        raise AccountFault(exchange, f"nothing of the account was read: {fault.cause}", fault.fix, PARTIAL) from None
    snapshot = AccountSnapshot(exchange, iso(session.now()) or "", rights)
    now_ms = int(session.now().timestamp() * 1000)

    def read(name: str, fn: Callable[[], Any]) -> None:
        try:
            value = call(fn, name)
        except AccountFault as fault:
            if fault.denied and name in LISTED_ONLY:
                snapshot.parts[name] = Part(name, unreadable=f"{exchange}: {name}: not read, {LISTED_ONLY[name]}")
                return
            if fault.exit_code == SETTING:
                raise
            snapshot.parts[name] = Part(name, None, fault.line())
        except ValueError as exc:
            snapshot.parts[name] = Part(name, None, f"{exchange}: {name}: {exc}; fix: run again")
        else:
            snapshot.parts[name] = Part(name, value)

    inverse_tried, inverse_fault = False, None
    for name, only, reader in PARTS:
        if only is not None and exchange not in only:
            continue
        if name in NEEDED_WHEN and not NEEDED_WHEN[name](snapshot):
            continue
        if name.startswith(COIN_M) and not inverse_tried:
            inverse_tried, inverse_fault = True, _inverse_markets_fault(call, client)
        if name.startswith(COIN_M) and inverse_fault is not None:
            cause, fix = inverse_fault.cause, inverse_fault.fix
            snapshot.parts[name] = Part(name, None, f"{exchange}: {name}: not read, it needs the {cause}; fix: {fix}")
            continue
        read(name, lambda reader=reader: reader(client, exchange, now_ms))  # type: ignore[misc]
    symbol = hedge_symbol(snapshot.value("futures positions"), snapshot.value("COIN-M positions"), exchange)
    for name, hedge_reader in HEDGE_PARTS:
        read(name, lambda hedge_reader=hedge_reader: hedge_reader(client, exchange, now_ms, symbol))  # type: ignore[misc]
    return snapshot


def _inverse_markets_fault(call: Callable[[Callable[[], None], str], None], client: Any) -> AccountFault | None:
    """Load the inverse markets; their passing fault, or None when they arrived (a setting fault is raised)."""
    try:
        call(lambda: load_inverse_markets(client), "COIN-M markets")
    except AccountFault as fault:
        if fault.exit_code == SETTING:
            raise
        return fault
    return None

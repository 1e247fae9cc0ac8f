"""The signed ccxt client of an account: the public client of :mod:`~althedge_xl.market.exchange`, with a key.

Same transport, deadline and base-URL override as the public refresh; in addition ccxt's own clock
adjustment is on (``adjustForTimeDifference``: the exchange's time is read once and every signed request's
timestamp is corrected by the difference), OKX loads its spot and perpetual swap lists (its swaps, linear
and inverse, are one list), and Binance's currency and margin-pair lists (extra signed
requests the account link does not need) are off. The inverse (coin-margined) markets are not loaded with
the others: :func:`load_inverse_markets` adds them before the first COIN-M part is read, so that an outage
of their list (Binance ``GET /dapi/v1/exchangeInfo``) costs the COIN-M parts alone.
"""

from __future__ import annotations

from typing import Any

from althedge_xl.market.account.keys import ApiKey
from althedge_xl.market.deadline import Deadline
from althedge_xl.market.exchange import make_exchange

#: The market lists an account client loads where ccxt's default is more (OKX: its options and futures,
#: which the account link does not read; OKX's ``swap`` list holds the linear and the inverse perpetuals).
ACCOUNT_MARKET_TYPES = {"okx": ["spot", "swap"]}


def make_account_client(api_key: ApiKey, timeout_s: float, deadline: Deadline) -> Any:
    """A ccxt client of ``api_key.exchange`` that signs its requests with ``api_key``."""
    client = make_exchange(api_key.exchange, timeout_s, deadline)
    for name, value in api_key.ccxt_config().items():
        setattr(client, name, value)
    if api_key.exchange in ACCOUNT_MARKET_TYPES:
        client.options["fetchMarkets"] = {"types": list(ACCOUNT_MARKET_TYPES[api_key.exchange])}
    client.options["adjustForTimeDifference"] = True
    client.options["fetchCurrencies"] = False
    client.options["fetchMargins"] = False
    client.has = {**client.has, "fetchCurrencies": False}  # Bybit's currency list is a signed request too
    return client


def load_inverse_markets(client: Any) -> None:
    """Add the exchange's inverse markets to those ``client`` loaded: those of an ``"inverse"`` type beside its
    ``"linear"`` one (Binance's COIN-M list). Nothing to do when its market types are not listed in
    ``options["fetchMarkets"]["types"]`` (ccxt then loaded every market it has), list ``"inverse"`` already,
    or have no ``"linear"`` type (OKX: one ``swap`` list holds both)."""
    listed = client.options.get("fetchMarkets")
    types = listed.get("types") if isinstance(listed, dict) else None
    if not isinstance(types, list) or "inverse" in types or "linear" not in types:
        return
    client.options["fetchMarkets"] = {**listed, "types": ["inverse"]}
    try:
        inverse = client.fetch_markets()
    finally:
        client.options["fetchMarkets"] = listed
    client.set_markets([*client.markets.values(), *inverse], client.currencies)

"""The signed ccxt client of an account: the public client of :mod:`~althedge_xl.market.exchange`, with a key.

Same transport, deadline and base-URL override as the public refresh; in addition ccxt's own clock
adjustment is on (``adjustForTimeDifference``: the exchange's time is read once and every signed request's
timestamp is corrected by the difference), and Binance's currency and margin-pair lists (extra signed
requests the account link does not need) are off. The inverse (coin-margined) markets are not loaded with
the others: :func:`load_inverse_markets` adds them before the first COIN-M part is read, so that an outage
of their list (Binance ``GET /dapi/v1/exchangeInfo``) costs the COIN-M parts alone.
"""

from __future__ import annotations

from typing import Any

from althedge_xl.market.account.keys import ApiKey
from althedge_xl.market.deadline import Deadline
from althedge_xl.market.exchange import make_exchange


def make_account_client(api_key: ApiKey, timeout_s: float, deadline: Deadline) -> Any:
    """A ccxt client of ``api_key.exchange`` that signs its requests with ``api_key``."""
    client = make_exchange(api_key.exchange, timeout_s, deadline)
    for name, value in api_key.ccxt_config().items():
        setattr(client, name, value)
    client.options["adjustForTimeDifference"] = True
    client.options["fetchCurrencies"] = False
    client.options["fetchMargins"] = False
    client.has = {**client.has, "fetchCurrencies": False}  # Bybit's currency list is a signed request too
    return client


def load_inverse_markets(client: Any) -> None:
    """Add the exchange's inverse markets to those ``client`` loaded (nothing to do when its market types are
    not listed in ``options["fetchMarkets"]["types"]``: ccxt then loaded every market it has)."""
    listed = client.options.get("fetchMarkets")
    types = listed.get("types") if isinstance(listed, dict) else None
    if not isinstance(types, list) or "inverse" in types:
        return
    client.options["fetchMarkets"] = {**listed, "types": ["inverse"]}
    try:
        inverse = client.fetch_markets()
    finally:
        client.options["fetchMarkets"] = listed
    client.set_markets([*client.markets.values(), *inverse], client.currencies)

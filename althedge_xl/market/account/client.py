"""The signed ccxt client of an account: the public client of :mod:`~althedge_xl.market.exchange`, with a key.

Same transport, deadline and base-URL override as the public refresh; in addition ccxt's own clock
adjustment is on (``adjustForTimeDifference``: the exchange's time is read once and every signed request's
timestamp is corrected by the difference), the inverse (coin-margined) markets are loaded beside the spot
and linear ones (the COIN-M BTCUSD positions are read too; OKX loads its spot and perpetual swap lists), and Binance's currency and margin-pair lists
(extra signed requests the account link does not need) are off.
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
    types = client.options.get("fetchMarkets", {}).get("types")
    if isinstance(types, list) and "linear" in types and "inverse" not in types:
        client.options["fetchMarkets"] = {**client.options["fetchMarkets"], "types": [*types, "inverse"]}
    client.options["adjustForTimeDifference"] = True
    client.options["fetchCurrencies"] = False
    client.options["fetchMargins"] = False
    client.has = {**client.has, "fetchCurrencies": False}  # Bybit's currency list is a signed request too
    return client

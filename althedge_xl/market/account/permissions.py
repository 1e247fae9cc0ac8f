"""Refuse a key that can trade or withdraw: the account link needs reading rights alone.

Binance answers ``GET /sapi/v1/account/apiRestrictions`` (``enableSpotAndMarginTrading``,
``enableFutures``, ``enableMargin``, ``enableVanillaOptions``, ``enableWithdrawals``,
``enableInternalTransfer``, ``permitsUniversalTransfer``, ``enablePortfolioMarginTrading``); Bybit answers
``GET /v5/user/query-api`` (``readOnly`` 1 for a read-only key, and its ``permissions`` lists, of which
``Wallet`` holds ``AccountTransfer``/``SubMemberTransfer``/``Withdraw`` rights); OKX answers
``GET /api/v5/account/config`` (``perm``: ``read_only``, ``trade``, ``withdraw``, comma-separated). None of
these calls is in ccxt's unified API, so the raw endpoints are called through ccxt (signed the same way).
Each exchange is one entry of :data:`READERS`: the request and the reader of its answer.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from althedge_xl.market.account.faults import SETTING, AccountFault

#: Binance's rights that move money or place orders; a key with any of them is refused.
BINANCE_RIGHTS = {
    "enableSpotAndMarginTrading": "spot and margin trading",
    "enableFutures": "futures trading",
    "enableMargin": "margin loans",
    "enableVanillaOptions": "options trading",
    "enablePortfolioMarginTrading": "portfolio margin trading",
    "enableWithdrawals": "withdrawals",
    "enableInternalTransfer": "internal transfers",
    "permitsUniversalTransfer": "universal transfers",
}
#: OKX's ``perm`` rights beyond ``read_only``; any other right it may add is refused by its own name.
OKX_RIGHTS = {"trade": "trading", "withdraw": "withdrawals"}
HOW_TO = {
    "binance": "create a key with only 'Enable Reading' ticked (API Management), see the README",
    "bybit": "create a key with 'Read-Only' chosen and no permission ticked (API Management), see the README",
    "okx": "create a V5 API key with only 'Read' ticked, 'Trade' and 'Withdraw' unticked (API), see the README",
}


def check_read_only(exchange: str, client: Any, call: Callable[[Callable[[], Any]], Any]) -> str:
    """Raise :class:`AccountFault` (exit 2) unless the key is read-only; the check made, in words.

    ``call(fn)`` runs one request through the refresh's retries. An exchange whose key rights cannot be
    read is refused too: the account link does not send a key it cannot check.
    """
    reader = READERS.get(exchange)
    if reader is None:
        raise AccountFault(
            exchange,
            "AltHedge cannot check this exchange's key for trading and withdrawal rights",
            f"use a read-only key on {', '.join(sorted(READERS)[:-1])} or {sorted(READERS)[-1]}",
            SETTING,
        )
    request, read = reader
    return read(call(lambda: request(client)))


def _binance(answer: Any) -> str:
    if not isinstance(answer, Mapping) or "enableReading" not in answer:
        raise AccountFault("binance", "the key's rights came back unreadable", "run again", SETTING)
    granted = [words for field, words in BINANCE_RIGHTS.items() if answer.get(field) is True]
    if granted:
        raise AccountFault("binance", f"the key is refused: it allows {', '.join(granted)}", HOW_TO["binance"], SETTING)
    if answer.get("enableReading") is not True:
        raise AccountFault("binance", "the key cannot read the account", "tick 'Enable Reading' on the key", SETTING)
    return "binance apiRestrictions: reading only"


def _bybit(answer: Any) -> str:
    result = answer.get("result") if isinstance(answer, Mapping) else None
    if not isinstance(result, Mapping) or "readOnly" not in result:
        raise AccountFault("bybit", "the key's rights came back unreadable", "run again", SETTING)
    raw = result.get("permissions")
    permissions: Mapping[str, Any] = raw if isinstance(raw, Mapping) else {}
    wallet = [str(p) for p in (permissions.get("Wallet") or []) if p]
    read_only = str(result.get("readOnly")) == "1"
    if not read_only or wallet:
        what = ["trading (the key is not Read-Only)"] if not read_only else []
        what += [f"wallet rights ({', '.join(wallet)})"] if wallet else []
        raise AccountFault("bybit", f"the key is refused: it allows {' and '.join(what)}", HOW_TO["bybit"], SETTING)
    return "bybit query-api: read-only"


def _okx(answer: Any) -> str:
    data = answer.get("data") if isinstance(answer, Mapping) else None
    config = data[0] if isinstance(data, list) and data and isinstance(data[0], Mapping) else None
    if config is None or not isinstance(config.get("perm"), str):
        raise AccountFault("okx", "the key's rights came back unreadable", "run again", SETTING)
    rights = [right.strip() for right in str(config["perm"]).split(",") if right.strip()]
    granted = [OKX_RIGHTS.get(right, right) for right in rights if right != "read_only"]
    if granted:
        raise AccountFault("okx", f"the key is refused: it allows {', '.join(granted)}", HOW_TO["okx"], SETTING)
    if "read_only" not in rights:
        raise AccountFault("okx", "the key cannot read the account", "tick 'Read' on the key", SETTING)
    return "okx account/config: read_only"


#: Each exchange whose key's rights can be read: the signed request (through ccxt) and the reader of its answer.
READERS: dict[str, tuple[Callable[[Any], Any], Callable[[Any], str]]] = {
    "binance": (lambda client: client.sapi_get_account_apirestrictions(), _binance),
    "bybit": (lambda client: client.private_get_v5_user_query_api(), _bybit),
    "okx": (lambda client: client.private_get_account_config(), _okx),
}

"""Refuse a key that can trade or withdraw: the account link needs reading rights alone.

Binance answers ``GET /sapi/v1/account/apiRestrictions`` (``enableSpotAndMarginTrading``,
``enableFutures``, ``enableMargin``, ``enableVanillaOptions``, ``enableWithdrawals``,
``enableInternalTransfer``, ``permitsUniversalTransfer``, ``enablePortfolioMarginTrading``); Bybit answers
``GET /v5/user/query-api`` (``readOnly`` 1 for a read-only key, and its ``permissions`` lists, of which
``Wallet`` holds ``AccountTransfer``/``SubMemberTransfer``/``Withdraw`` rights). Neither call is in ccxt's
unified API, so the raw endpoints are called through ccxt (signed the same way).
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
HOW_TO = {
    "binance": "create a key with only 'Enable Reading' ticked (API Management), see the README",
    "bybit": "create a key with 'Read-Only' chosen and no permission ticked (API Management), see the README",
}


def check_read_only(exchange: str, client: Any, call: Callable[[Callable[[], Any]], Any]) -> str:
    """Raise :class:`AccountFault` (exit 2) unless the key is read-only; the check made, in words.

    ``call(fn)`` runs one request through the refresh's retries. An exchange whose key rights cannot be
    read is refused too: the account link does not send a key it cannot check.
    """
    if exchange == "binance":
        answer = call(lambda: client.sapi_get_account_apirestrictions())
        return _binance(answer)
    if exchange == "bybit":
        answer = call(lambda: client.private_get_v5_user_query_api())
        return _bybit(answer)
    raise AccountFault(
        exchange,
        "AltHedge cannot check this exchange's key for trading and withdrawal rights",
        "use a read-only key on binance or bybit",
        SETTING,
    )


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

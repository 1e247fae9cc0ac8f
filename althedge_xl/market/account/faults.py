"""What went wrong with the account link, in one line: the exchange, the cause and the fix, and its exit code.

A setting to fix (no key, a key the exchange rejects, a signature it refuses, a clock out of step, an IP not
on the key's whitelist, a key with trading or withdrawal rights) stops the whole run before anything is
written: exit code :data:`SETTING`. A passing fault of the exchange (rate limit, maintenance, a timeout)
costs only the part it hit: exit code :data:`PARTIAL` once the other parts are written.

Nothing here ever repeats a request's URL or headers: a signed URL carries the key's signature and the
headers the key itself, so a line names the endpoint's path at most.
"""

from __future__ import annotations

import re

#: Exit code of a setting to fix (the file untouched).
SETTING = 2
#: Exit code of a run whose account parts arrived only in part (the parts that arrived are written).
PARTIAL = 1

_CODE = re.compile(r'"(?:code|retCode)"\s*:\s*"?(-?\d+)')
_STATUS = re.compile(r"\b(4\d\d|5\d\d)\b")
_BINANCE = {
    -2014: ("the API key's format is not valid", "copy the key again, whole"),
    -2015: (
        "the key was rejected: wrong key, this computer's IP is not on the key's whitelist, or the key lacks"
        " 'Enable Reading'",
        "check the key, add this IP to the key's whitelist or remove the restriction, and tick 'Enable Reading'",
    ),
    -1022: ("the request's signature is not valid (the secret does not match the key)", "copy the secret again"),
    -1021: (
        "this computer's clock is out of step with the exchange's (the timestamp is outside the receive window)",
        "set the clock to synchronise automatically (NTP), then run again",
    ),
}
_BYBIT = {
    10003: ("the API key is not valid", "copy the key again, or create a new read-only key"),
    10004: ("the request's signature is not valid (the secret does not match the key)", "copy the secret again"),
    10002: (
        "this computer's clock is out of step with the exchange's (the request time is outside the window)",
        "set the clock to synchronise automatically (NTP), then run again",
    ),
    10010: ("this computer's IP is not on the key's whitelist", "add this IP to the key, or remove the restriction"),
    10005: ("the key lacks the permission to read this", "give the key read-only rights to the account"),
}
#: The exchange's codes of a request refused for a right the key lacks (the key itself is valid).
_DENIED = {"bybit": {10005}}

#: OKX's v5 error codes of a key it refuses (its API docs' "Error Code" list, REST API, 50000-50999): the
#: passphrase is the third part of an OKX key. 50011 (too many requests, HTTP 429) is no setting: ccxt
#: raises it as a rate limit, a passing fault of one part.
_OKX = {
    50111: ("the API key is not valid (Invalid OK-ACCESS-KEY)", "copy the key again, or create a new read-only key"),
    50113: ("the request's signature is not valid (the secret does not match the key)", "copy the secret again"),
    50105: (
        "the passphrase does not match the key (OK-ACCESS-PASSPHRASE incorrect)",
        "type the passphrase chosen when the key was created: `althedge keys set okx` or ALTHEDGE_OKX_API_PASSPHRASE",
    ),
    50104: ("no passphrase was sent with the key", "set ALTHEDGE_OKX_API_PASSPHRASE, or run `althedge keys set okx`"),
    50112: (
        "this computer's clock is out of step with the exchange's (invalid OK-ACCESS-TIMESTAMP)",
        "set the clock to synchronise automatically (NTP), then run again",
    ),
    50102: (
        "this computer's clock is out of step with the exchange's (the request's timestamp expired)",
        "set the clock to synchronise automatically (NTP), then run again",
    ),
    50110: ("this computer's IP is not on the key's whitelist", "add this IP to the key, or remove the restriction"),
}
#: Each exchange's own codes of a setting to fix (Binance ``code``, Bybit ``retCode``, OKX ``code``).
_CODES = {"binance": _BINANCE, "bybit": _BYBIT, "okx": _OKX}


class AccountFault(Exception):
    """An account-link fault: ``exchange``, ``cause``, ``fix`` and the run's ``exit_code``.

    ``denied``: the exchange refused the request for a right the key lacks (the key itself is valid).
    """

    def __init__(self, exchange: str, cause: str, fix: str, exit_code: int = SETTING, denied: bool = False) -> None:
        self.exchange = exchange
        self.cause = cause
        self.fix = fix
        self.exit_code = exit_code
        self.denied = denied
        super().__init__(self.line())

    def line(self) -> str:
        """``"binance: <cause>; fix: <fix>"``, the one line a user sees."""
        return f"{self.exchange}: {self.cause}; fix: {self.fix}"


def classify(exc: BaseException, exchange: str, part: str, retry_after_s: float | None = None) -> AccountFault:
    """The :class:`AccountFault` of an exception raised while reading ``part`` of the account.

    The exchange's own error code decides (Binance ``code``, Bybit ``retCode``, OKX ``code``), then ccxt's error class,
    then the HTTP status; what is left is a passing fault of ``part`` (exit :data:`PARTIAL`).
    """
    if isinstance(exc, AccountFault):
        return exc
    text = _scrubbed(str(exc))
    names = {cls.__name__ for cls in type(exc).__mro__}
    code_match = _CODE.search(text)
    if code_match is not None:
        code = int(code_match[1])
        known = _CODES.get(exchange, {}).get(code)
        if known is not None:
            return AccountFault(exchange, known[0], known[1], SETTING, code in _DENIED.get(exchange, ()))
    if names & {"InvalidNonce"}:
        cause, fix = _BINANCE[-1021]
        return AccountFault(exchange, cause, fix, SETTING)
    if names & {"AuthenticationError", "PermissionDenied", "AccountSuspended"}:
        return AccountFault(
            exchange,
            f"the exchange rejected the key ({_short(text)})",
            "check the key and secret, or make a new one",
            denied="PermissionDenied" in names,
        )
    if names & {"DDoSProtection", "RateLimitExceeded"}:
        wait = f", asks to wait {retry_after_s:g} s (Retry-After)" if retry_after_s is not None else ""
        return AccountFault(exchange, f"{part}: rate limited (HTTP 418/429){wait}", "wait, then run again", PARTIAL)
    if names & {"OnMaintenance", "ExchangeNotAvailable"} or _status(text) >= 500:
        return AccountFault(
            exchange, f"{part}: the exchange is unavailable or in maintenance (HTTP 5xx)", "run again later", PARTIAL
        )
    if names & {"RequestTimeout", "NetworkError"} or "timed out" in text or "timeout" in text.lower():
        return AccountFault(exchange, f"{part}: no answer in time ({_short(text)})", "run again later", PARTIAL)
    return AccountFault(exchange, f"{part}: {_short(text)}", "run again; if it persists, report it", PARTIAL)


def _status(text: str) -> int:
    match = _STATUS.search(text)
    return int(match[1]) if match else 0


_URL = re.compile(r"https?://\S+")


def _scrubbed(text: str) -> str:
    """``text`` with every URL cut to its path: a signed URL's query holds the request's signature."""
    return _URL.sub(lambda m: m[0].split("?", 1)[0], text)


def _short(text: str) -> str:
    return " ".join(text.split())[:200]

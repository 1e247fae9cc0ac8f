"""Why a fetch failed: the feed errors and one-line reasons a user can act on."""

from __future__ import annotations

import json
import sys

_TRANSIENT_HTTP = frozenset({408, 425, 429, 500, 502, 503, 504})

# --------------------------------------------------------------------------------------------- errors


class FeedError(Exception):
    """A fetch failed; the message says why in words a user can act on."""


class HttpStatusError(FeedError):
    """A non-2xx HTTP status, raised by an :data:`HttpGet`; ``retry_after_s`` is the server's ``Retry-After``."""

    def __init__(self, url: str, status: int, retry_after_s: float | None = None) -> None:
        self.url = url
        self.status = status
        self.retry_after_s = retry_after_s
        super().__init__(f"HTTP {status} from {url}")


class MalformedResponseError(FeedError):
    """The response is not what the API documents: not JSON, missing fields, or empty."""


class UnreadableMarketsError(FeedError):
    """The exchange's market list came back unreadable, so whether it lists a symbol is unknown."""


class CacheError(Exception):
    """A cache file exists but cannot be read or does not hold a valid record."""


# ------------------------------------------------------------------------------- errors, numbers, times


def classify_answer(body: bytes | str) -> str | None:
    """What is wrong with an HTTP 200 body an API should have answered with JSON; None when it is JSON data.

    >>> classify_answer("<!DOCTYPE html><html>Access denied</html>")
    'HTML, not JSON'
    >>> classify_answer(b"\\x8b\\x00 garbage"), classify_answer("{}"), classify_answer('{"symbols": []}')
    ('something that is not JSON', 'an empty answer ({})', None)
    """
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
    stripped = text.strip()
    if stripped[:1] == "<":
        return "HTML, not JSON"
    try:
        doc = json.loads(stripped)
    except ValueError:
        return "something that is not JSON" if stripped else "an empty answer"
    if doc in ({}, [], None, ""):
        return f"an empty answer ({stripped})"
    return None


def is_transient(exc: BaseException) -> bool:
    """True for failures worth retrying: network errors, timeouts, HTTP 408/425/429/5xx, ccxt's NetworkError."""
    if isinstance(exc, HttpStatusError):
        return exc.status in _TRANSIENT_HTTP or exc.status >= 500
    if isinstance(exc, FeedError):
        return False
    if isinstance(exc, OSError):  # TimeoutError, ConnectionError, urllib.error.URLError, requests' errors
        return True
    ccxt = sys.modules.get("ccxt")  # a ccxt error means ccxt is already imported
    if ccxt is None:
        return False
    # OperationFailed covers NetworkError (timeouts, 429, 5xx) and Binance's "unknown error" on HTTP 500;
    # BadResponse (incl. NullResponse) is a malformed or empty answer, which a retry does not fix.
    return isinstance(exc, ccxt.OperationFailed) and not isinstance(exc, ccxt.BadResponse | ccxt.CancelPending)


_KINDS = {
    "RequestTimeout": "timeout",
    "TimeoutError": "timeout",
    "Timeout": "timeout",
    "ConnectionRefusedError": "connection refused",
    "DDoSProtection": "rate limited",
    "RateLimitExceeded": "rate limited",
    "ExchangeNotAvailable": "exchange not available",
    "BadSymbol": "unknown symbol",
    "NetworkError": "network error",
    "BadResponse": "malformed or empty response",
    "OperationFailed": "exchange error",
    "URLError": "network error",
    "ConnectionError": "network error",
}


def describe(exc: BaseException) -> str:
    """A one-line reason naming the kind of failure first: ``"timeout: binance GET https://…"``."""
    if isinstance(exc, HttpStatusError):
        text = f"HTTP {exc.status}" + (" (rate limited)" if exc.status == 429 else "") + f" from {exc.url}"
        return text + (f", Retry-After {exc.retry_after_s:g} s" if exc.retry_after_s is not None else "")
    if isinstance(exc, FeedError):
        return str(exc)
    chain = _exception_chain(exc)
    kind = next((_KINDS[c.__name__] for e in chain for c in type(e).__mro__ if c.__name__ in _KINDS), None)
    if any("refused" in str(e).lower() for e in chain):
        kind = "connection refused"
    detail = " ".join(str(exc).split())[:240] or type(exc).__name__
    root = chain[-1]
    if root is not exc and str(root).strip():
        detail += f" ({' '.join(str(root).split())[:160]})"
    return f"{kind or type(exc).__name__}: {detail}"


def _exception_chain(exc: BaseException) -> list[BaseException]:
    chain: list[BaseException] = [exc]
    while len(chain) < 8:
        nxt = chain[-1].__cause__ or chain[-1].__context__ or getattr(chain[-1], "reason", None)
        if not isinstance(nxt, BaseException) or nxt in chain:
            break
        chain.append(nxt)
    return chain

"""What every HTTP request shares: the shape of a GET, the retry policy and ``Retry-After``."""

from __future__ import annotations

import contextlib
import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone

from althedge_xl import __version__

HttpGet = Callable[[str, float], bytes]
"""``http_get(url, timeout_s) -> body``: raise :class:`HttpStatusError` for a non-2xx status, ``OSError`` when
the network fails (``TimeoutError``, ``ConnectionRefusedError``, ``requests``' errors, all ``OSError``)."""

DEFAULT_TIMEOUT_S = 10.0
_MAX_BODY_BYTES = 5_000_000
_USER_AGENT = f"althedge-xl/{__version__} (market-data refresh)"


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how patiently a failing request is retried.

    Only network failures are retried (timeouts, refused connections, HTTP 408/425/429/5xx). The
    n-th retry waits ``min(max_delay_s, base_delay_s * 2**(n-1))`` seconds, or the server's
    ``Retry-After`` when it sends one; a ``Retry-After`` above ``max_retry_after_s`` ends the retries.

    >>> [RetryPolicy().delay(n) for n in (1, 2, 3)]
    [1.0, 2.0, 4.0]
    """

    attempts: int = 3
    base_delay_s: float = 1.0
    max_delay_s: float = 30.0
    max_retry_after_s: float = 120.0

    def delay(self, retry: int) -> float:
        """Seconds to wait before retry number ``retry`` (1-based) when the server gives no ``Retry-After``."""
        return float(min(self.max_delay_s, self.base_delay_s * 2 ** (retry - 1)))


def parse_retry_after(value: str | None, now: datetime) -> float | None:
    """Seconds to wait from an HTTP ``Retry-After`` header: delta-seconds or an HTTP date; None if absent or bad.

    >>> parse_retry_after("7", datetime(2025, 1, 1, tzinfo=timezone.utc))
    7.0
    >>> parse_retry_after("Wed, 01 Jan 2025 00:00:30 GMT", datetime(2025, 1, 1, tzinfo=timezone.utc))
    30.0
    """
    if value is None or not str(value).strip():
        return None
    text = str(value).strip()
    with contextlib.suppress(ValueError):
        seconds = float(text)
        return max(0.0, seconds) if math.isfinite(seconds) else None
    from email.utils import parsedate_to_datetime

    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - now).total_seconds())

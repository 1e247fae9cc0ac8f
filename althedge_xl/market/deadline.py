"""The one deadline of a refresh: every request and every wait ends by it, whatever the server does."""

from __future__ import annotations

import time
from collections.abc import Callable

DEFAULT_DEADLINE_S = 30.0


class Deadline:
    """A moment ``seconds`` from now on the monotonic clock, by which a refresh is over.

    >>> deadline = Deadline(30.0)
    >>> 29.0 < deadline.remaining() <= 30.0, deadline.expired
    (True, False)
    >>> deadline.budget(10.0)  # one request may take its own timeout, never more than what is left
    10.0
    >>> Deadline(0.0).budget(10.0), Deadline(0.0).expired
    (0.0, True)
    """

    def __init__(self, seconds: float = DEFAULT_DEADLINE_S, clock: Callable[[], float] = time.monotonic) -> None:
        if not seconds >= 0:  # also refuses NaN
            raise ValueError(f"the refresh timeout must be a number of seconds >= 0, got {seconds!r}")
        self.seconds = float(seconds)
        self._clock = clock
        self._end = clock() + self.seconds

    def remaining(self) -> float:
        """Seconds left (0 once passed)."""
        return max(0.0, self._end - self._clock())

    @property
    def expired(self) -> bool:
        """True once the deadline has passed."""
        return self.remaining() <= 0.0

    def budget(self, timeout_s: float) -> float:
        """Seconds one request may take: its own ``timeout_s``, cut to what is left."""
        return min(float(timeout_s), self.remaining())

    def reason(self) -> str:
        """The one-line reason of a request that did not fit: ``"timed out: the refresh's 30 s deadline passed"``."""
        return f"timed out: the refresh's {self.seconds:g} s deadline passed"

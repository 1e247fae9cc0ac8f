"""One refresh in progress: its cache, clock, retries, failed hosts, progress and messages."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime, timezone
from typing import Any, NamedTuple, TypeVar

from althedge_xl.market.cache import Cache, Record
from althedge_xl.market.deadline import Deadline
from althedge_xl.market.errors import CacheError, FeedError, describe, is_transient
from althedge_xl.market.http import RetryPolicy
from althedge_xl.market.values import human_age, iso

T = TypeVar("T")
ProgressCallback = Callable[[int, int, str], None]
"""``progress(done, total, label)``: called after each unit of work; the last call has ``done == total``."""
Clock = Callable[[], datetime]
Sleep = Callable[[float], None]


OFFLINE_REASON = "offline mode: cache only"


class Meta(NamedTuple):
    """The provenance fields every record carries."""

    time: str | None
    source: str
    stale: bool
    age_seconds: float | None
    error: str | None


class Session:
    """State of one refresh: cache, clock, retries, failed hosts, progress and messages."""

    def __init__(
        self,
        cache: Cache,
        clock: Clock,
        sleep: Sleep,
        retry: RetryPolicy,
        progress: ProgressCallback | None,
        total: int,
        deadline: Deadline | None = None,
    ) -> None:
        self.cache = cache
        self.deadline = deadline or Deadline()
        self.clock = clock
        self.sleep = sleep
        self.retry = retry
        self.progress = progress
        self.total = total
        self.done = 0
        self.messages: list[str] = []
        self._failed_hosts: dict[str, str] = {}

    def now(self) -> datetime:
        """The current time, UTC."""
        now = self.clock()
        return now.replace(tzinfo=timezone.utc) if now.tzinfo is None else now.astimezone(timezone.utc)

    def note(self, message: str) -> None:
        """Add one line to the snapshot's messages."""
        self.messages.append(message)

    def step(self, label: str) -> None:
        """One unit of work is done: tell the progress callback."""
        self.done = min(self.done + 1, self.total)
        if self.progress is not None:
            self.progress(self.done, self.total, label)

    def finish(self, label: str) -> None:
        """The last unit of work: the progress callback sees ``done == total`` even when a failure skipped steps."""
        self.done = self.total - 1
        self.step(label)

    def call(self, host: str, fn: Callable[[], T], retry_after: Callable[[BaseException], float | None]) -> T:
        """``fn()`` with retries on network failures, all within the refresh's deadline.

        A host that failed after its retries is not called again; once the deadline has passed nothing is
        called at all, and a retry (or a server's ``Retry-After``) that would end after it is not waited for.
        """
        earlier = self._failed_hosts.get(host)
        if earlier is not None:
            raise FeedError(f"not attempted: {host} already failed in this refresh ({earlier})")
        retry = 0
        while True:
            if self.deadline.expired:
                self._failed_hosts[host] = self.deadline.reason()
                raise FeedError(self.deadline.reason())
            try:
                return fn()
            except Exception as exc:
                if not is_transient(exc):
                    raise
                retry += 1
                reason = describe(exc)
                wait = retry_after(exc)
                if wait is not None and wait > self.retry.max_retry_after_s:
                    self._failed_hosts[host] = reason
                    raise FeedError(
                        f"{reason}; {host} asks to wait {wait:g} s, more than {self.retry.max_retry_after_s:g} s"
                    ) from exc
                if retry >= self.retry.attempts:
                    self._failed_hosts[host] = reason
                    raise FeedError(f"{reason} (after {self.retry.attempts} attempts)") from exc
                delay = wait if wait is not None else self.retry.delay(retry)
                left = self.deadline.remaining()
                if delay >= left:
                    self._failed_hosts[host] = reason
                    raise FeedError(
                        f"{reason}; a retry in {delay:g} s would end after the refresh's {self.deadline.seconds:g} s"
                        f" deadline ({left:.1f} s left)"
                    ) from exc
                self.note(f"{host}: {reason}; retry {retry} of {self.retry.attempts - 1} in {delay:g} s")
                self.sleep(delay)

    def resolve(
        self,
        key: str,
        label: str,
        outcome: Record | str,
        valid: Callable[[Mapping[str, Any]], bool],
        reject: Callable[[Mapping[str, Any]], str | None] | None = None,
    ) -> tuple[Mapping[str, Any] | None, Meta]:
        """A fresh record is cached and returned; a failure (its reason) falls back to the last good record.

        ``reject(payload)`` may refuse a valid cached payload that is no longer a good value (an expired
        future); it returns why, which is added to the reason, and the item is then missing.
        """
        if isinstance(outcome, Record):
            try:
                self.cache.save(key, outcome)
            except (OSError, TypeError, ValueError) as exc:
                self.note(f"{label}: refreshed, but could not write the cache ({exc})")
            return outcome.payload, Meta(iso(outcome.fetched_at), outcome.source, False, self._age(outcome), None)
        reason = outcome
        try:
            cached = self.cache.load(key)
        except CacheError as exc:
            cached, reason = None, f"{reason}; the cached value is unusable ({exc})"
        if cached is not None and not valid(cached.payload):
            cached, reason = None, f"{reason}; the cached value is malformed"
        refused = reject(cached.payload) if cached is not None and reject is not None else None
        if refused:
            self.note(f"{label}: MISSING, {reason}; {refused}, so it is not used")
            return None, Meta(None, "", False, None, f"{reason}; {refused}")
        if cached is None:
            self.note(f"{label}: MISSING, {reason}; no cached value")
            return None, Meta(None, "", False, None, reason)
        age = self._age(cached)
        self.note(f"{label}: STALE, {reason}; using the value fetched {iso(cached.fetched_at)} ({human_age(age)} ago)")
        return cached.payload, Meta(iso(cached.fetched_at), cached.source, True, age, reason)

    def cached_payload(self, key: str) -> Mapping[str, Any] | None:
        """The cached payload of ``key``, None when absent or unreadable (for filling gaps in fresh data)."""
        try:
            record = self.cache.load(key)
        except CacheError:
            return None
        return None if record is None else record.payload

    def _age(self, record: Record) -> float:
        return max(0.0, (self.now() - record.fetched_at).total_seconds())


def attempt(fetch: Callable[..., Record], *args: Any) -> Record | str:
    """``fetch(*args)``, or the reason it failed: every failure falls back to the cache, so none escapes."""
    try:
        return fetch(*args)
    except Exception as exc:
        return describe(exc)

"""HTTP for every market-data request: one :class:`~althedge_xl.market.deadline.Deadline` over all of them.

A server may answer slowly in many ways: drip one byte every few seconds (no read timeout ever fires),
stall, keep a connection from ever being accepted, or answer 429 with a ``Retry-After`` on every try. A
per-read timeout bounds none of them. Here every request runs in a worker thread that the caller waits for
at most its budget (its own timeout, cut to what is left of the deadline); when the budget is spent, the
sockets the request opened are shut down, which ends the worker's blocked read, and the caller gets
``requests``' ``ReadTimeout``. Answers are read in chunks up to :data:`MAX_ANSWER_BYTES`.

The ccxt client gets this transport as its ``session`` (a documented ccxt option) and alternative.me is
read through it too, so both obey the same deadline. ``requests`` and ``urllib3`` (ccxt's own HTTP stack)
are imported only when a refresh talks to the network.

``ALTHEDGE_API_BASE_URL`` (for tests and local mirrors) sends every exchange and alternative.me request to
that base URL instead, the path kept: ``https://fapi.binance.com/fapi/v1/premiumIndex`` becomes
``http://127.0.0.1:8080/fapi/v1/premiumIndex``.
"""

from __future__ import annotations

import contextlib
import os
import re
import socket
import threading
from collections.abc import Mapping
from functools import cache
from typing import Any

from althedge_xl import __version__
from althedge_xl.market.deadline import Deadline
from althedge_xl.market.errors import HttpStatusError, classify_answer
from althedge_xl.market.http import HttpGet, parse_retry_after
from althedge_xl.market.values import utc_now

BASE_URL_ENV_VAR = "ALTHEDGE_API_BASE_URL"
#: The largest answer read (Binance's full spot market list is about 20 MB).
MAX_ANSWER_BYTES = 64_000_000
USER_AGENT = f"althedge-xl/{__version__} (market-data refresh)"
_ORIGIN = re.compile(r"^https?://[^/]+")


def base_url_override() -> str | None:
    """The base URL every request goes to instead of the real hosts, from ``$ALTHEDGE_API_BASE_URL``."""
    value = os.environ.get(BASE_URL_ENV_VAR, "").strip().rstrip("/")
    if value and not value.startswith(("http://", "https://")):
        raise ValueError(f"{BASE_URL_ENV_VAR} must be an http(s) URL, got {value!r}")
    return value or None


def rebase(urls: Any, base: str) -> Any:
    """``urls`` (a URL, or ccxt's nested ``urls['api']`` mapping) with each origin replaced by ``base``.

    >>> rebase({"public": "https://api.binance.com/api/v3", "x": {"y": "https://api.{hostname}"}}, "http://h:1")
    {'public': 'http://h:1/api/v3', 'x': {'y': 'http://h:1'}}
    """
    if isinstance(urls, str):
        return _ORIGIN.sub(base, urls)
    if isinstance(urls, Mapping):
        return {key: rebase(value, base) for key, value in urls.items()}
    return urls


def deadline_session(deadline: Deadline) -> Any:
    """A ``requests.Session`` whose every request ends by ``deadline`` (see the module's docstring)."""
    import requests

    session = requests.Session()
    adapter = _adapter_class()(deadline)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    session.headers["User-Agent"] = USER_AGENT
    session.bad_answers = adapter.bad_answers  # type: ignore[attr-defined]  # read by the exchange's checks
    return session


def deadline_http_get(deadline: Deadline) -> HttpGet:
    """An :data:`~althedge_xl.market.http.HttpGet` through :func:`deadline_session` (made on the first call)."""
    sessions: list[Any] = []

    def http_get(url: str, timeout_s: float) -> bytes:
        if not url.startswith(("https://", "http://")):
            raise ValueError(f"only http(s) URLs are fetched, got {url!r}")
        if not sessions:
            sessions.append(deadline_session(deadline))
        response = sessions[0].get(url, timeout=timeout_s, headers={"Accept": "application/json"})
        if not 200 <= response.status_code < 300:
            retry_after = parse_retry_after(response.headers.get("Retry-After"), utc_now())
            raise HttpStatusError(url, response.status_code, retry_after)
        body: bytes = response.content
        return body

    return http_get


class _Cutoff:
    """The connections one request opened, so that they can be shut down when its budget is spent."""

    current = threading.local()

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._connections: list[Any] = []
        self._cut = False

    @classmethod
    def track_current(cls, connection: Any) -> None:
        """Track ``connection`` for the request this thread runs, if any."""
        cutoff = getattr(cls.current, "value", None)
        if cutoff is not None:
            cutoff.track(connection)

    def track(self, connection: Any) -> None:
        with self._lock:
            if self._cut:
                raise TimeoutError("the request's time was up before it connected")
            self._connections.append(connection)

    def cut(self) -> None:
        """Shut down every socket of the request: a read blocked in another thread returns at once."""
        with self._lock:
            self._cut = True
            for connection in self._connections:
                sock = getattr(connection, "sock", None)
                if sock is not None:
                    with contextlib.suppress(OSError):  # already closed
                        sock.shutdown(socket.SHUT_RDWR)


@cache
def _adapter_class() -> type:
    """The transport adapter, built on first use so that importing this module imports no HTTP stack."""
    import requests
    from requests.adapters import HTTPAdapter
    from urllib3.connection import HTTPConnection, HTTPSConnection
    from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

    class TrackedHTTPConnection(HTTPConnection):
        def connect(self) -> None:
            _Cutoff.track_current(self)
            super().connect()

    class TrackedHTTPSConnection(HTTPSConnection):
        def connect(self) -> None:
            _Cutoff.track_current(self)
            super().connect()

    class TrackedHTTPPool(HTTPConnectionPool):
        ConnectionCls = TrackedHTTPConnection

    class TrackedHTTPSPool(HTTPSConnectionPool):
        ConnectionCls = TrackedHTTPSConnection

    class DeadlineAdapter(HTTPAdapter):
        """Each request bounded in total time, its answer in size; a new connection per request."""

        def __init__(self, deadline: Deadline) -> None:
            self.deadline = deadline
            #: ``"GET <url>"`` → what was wrong with its HTTP 200 answer (:func:`classify_answer`)
            self.bad_answers: dict[str, str] = {}
            super().__init__()

        def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
            super().init_poolmanager(*args, **kwargs)
            self.poolmanager.pool_classes_by_scheme = {"http": TrackedHTTPPool, "https": TrackedHTTPSPool}

        def send(
            self,
            request: Any,
            stream: bool = False,
            timeout: Any = None,
            verify: bool | str = True,
            cert: Any = None,
            proxies: Any = None,
        ) -> Any:
            own = timeout[-1] if isinstance(timeout, tuple) else timeout
            budget = self.deadline.budget(own if isinstance(own, int | float) and own > 0 else self.deadline.seconds)
            if budget <= 0:
                raise requests.exceptions.ConnectTimeout(f"{self.deadline.reason()} before {request.url}")
            cutoff = _Cutoff()
            outcome: dict[str, Any] = {}

            def work() -> None:
                _Cutoff.current.value = cutoff
                try:
                    response = HTTPAdapter.send(
                        self, request, stream=True, timeout=(budget, budget), verify=verify, cert=cert, proxies=proxies
                    )
                    response._content = _read_bounded(response, request.url)
                    outcome["response"] = response
                    self._look_at(request, response)
                except BaseException as exc:  # handed to the caller's thread
                    outcome["error"] = exc
                finally:
                    _Cutoff.current.value = None
                    self.poolmanager.clear()

            worker = threading.Thread(target=work, name="althedge-http", daemon=True)
            worker.start()
            worker.join(budget)
            if worker.is_alive():
                cutoff.cut()
                worker.join(1.0)
                raise requests.exceptions.ReadTimeout(
                    f"no complete answer from {request.url} within {budget:.3g} s"
                    + (f" ({self.deadline.reason()})" if self.deadline.expired else "")
                )
            if "error" in outcome:
                raise outcome["error"]
            return outcome["response"]

        def _look_at(self, request: Any, response: Any) -> None:
            body = response._content
            if 200 <= response.status_code < 300 and not (body.lstrip()[:1] in (b"{", b"[") and len(body) > 2):
                kind = classify_answer(body[:4096])
                if kind is not None:
                    self.bad_answers[f"{request.method} {str(request.url).split('?')[0]}"] = kind

    def _read_bounded(response: Any, url: str) -> bytes:
        chunks, size = [], 0
        for chunk in response.iter_content(65_536):
            size += len(chunk)
            if size > MAX_ANSWER_BYTES:
                response.close()
                raise requests.exceptions.ContentDecodingError(
                    f"the answer from {url} exceeds {MAX_ANSWER_BYTES} bytes"
                )
            chunks.append(chunk)
        return b"".join(chunks)

    return DeadlineAdapter

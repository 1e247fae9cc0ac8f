"""A local HTTP server on 127.0.0.1 that plays Binance's and alternative.me's public endpoints, or misbehaves.

The refresh is pointed at it with ``ALTHEDGE_API_BASE_URL`` (every exchange and alternative.me request goes
to that base, its path kept). In ``"ok"`` mode it answers with the recorded bodies the feed tests replay
(``../shared/data/wire_samples``, ``tests/fixtures/feeds``, the real funding settlements); the other modes
are what a hostile network does to a client:

==============  ==========================================================================================
``drip``        the whole answer, one byte every ``drip_interval_s`` (never a read timeout; never the end)
``stall``       reads the request, never answers
``blackhole``   the listening socket's queue is full: a connection is never even accepted
``retry_after`` HTTP 429 with ``Retry-After: <retry_after_s>``, every time
``5xx``         HTTP 503, every time
``html``        HTTP 200, an HTML block page
``garbage``     HTTP 200, bytes that are no JSON (declared as JSON)
``empty``       HTTP 200, ``{}``
==============  ==========================================================================================

A misbehaving answer lasts at most ``give_up_after_s`` so that the server's own threads end; the tests'
deadlines are far shorter. Used by tests/test_feeds.py, tests/test_refresh.py and benchmarks.
"""

from __future__ import annotations

import csv
import json
import socket
import threading
import time
from collections.abc import Callable
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

TESTS = Path(__file__).resolve().parent
DATA = TESTS.parents[0].parent / "shared" / "data"
WIRE = DATA / "wire_samples"
FIXTURES = TESTS / "fixtures" / "feeds"
MODES = ("ok", "drip", "stall", "blackhole", "retry_after", "5xx", "html", "garbage", "empty")
HOSTILE_BODIES = {
    "html": (b"<!DOCTYPE html><html><head><title>Access denied</title></head><body>Blocked</body></html>", "text/html"),
    "garbage": (b"\x8b\x00\xffnot json at all\x00", "application/json"),
    "empty": (b"{}", "application/json"),
}


def _ms(iso: str) -> int:
    return int(datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp() * 1000)


def _funding_rows() -> list[tuple[int, str]]:
    with (DATA / "funding" / "binance_usdm_btcusdt_funding_8h.csv").open(encoding="utf-8", newline="") as f:
        return [(_ms(r["funding_time_utc"]), r["funding_rate"]) for r in csv.DictReader(f)]


_STATIC = {
    "/api/v3/exchangeInfo": FIXTURES / "binance_api_v3_exchangeInfo_minimal.json",
    "/fapi/v1/exchangeInfo": FIXTURES / "binance_fapi_v1_exchangeInfo_minimal.json",
    "/api/v3/ticker/24hr": WIRE / "binance_spot_api_v3_ticker_24hr.json",
    "/fapi/v1/premiumIndex": WIRE / "binance_usdm_fapi_v1_premiumIndex.json",
    "/fapi/v1/fundingInfo": FIXTURES / "binance_fapi_v1_fundingInfo_docs_example.json",
    "/fng/": WIRE / "alternative_me_fng.json",
}


def recorded_answer(path: str, query: dict[str, str], funding: list[tuple[int, str]]) -> bytes | None:
    """The recorded body of ``path`` (Binance's fundingRate from the real settlements, as Binance pages it)."""
    if path == "/fapi/v1/fundingRate":
        start, end = int(query.get("startTime", 0)), int(query.get("endTime", 2**62))
        rows = [r for r in funding if start <= r[0] <= end][: int(query.get("limit", 100))]
        body = [{"symbol": "BTCUSDT", "fundingRate": rate, "fundingTime": ms} for ms, rate in rows]
        return json.dumps(body).encode()
    file = _STATIC.get(path)
    return file.read_bytes() if file is not None else None


class HostileServer:
    """``with HostileServer("drip") as server: ... server.base_url ...``; ``hostile(path)`` picks the victims."""

    def __init__(
        self,
        mode: str = "ok",
        *,
        hostile: Callable[[str], bool] = lambda path: True,
        drip_interval_s: float = 0.5,
        retry_after_s: float = 30,
        give_up_after_s: float = 120,
    ) -> None:
        if mode not in MODES:
            raise ValueError(f"unknown mode {mode!r}; one of {MODES}")
        self.mode = mode
        self.hostile = hostile
        self.drip_interval_s = drip_interval_s
        self.retry_after_s = retry_after_s
        self.give_up_after_s = give_up_after_s
        self.requests: list[str] = []
        self._stop = threading.Event()
        self._funding = _funding_rows()
        self._server: ThreadingHTTPServer | None = None
        self._hole: socket.socket | None = None
        self._held: socket.socket | None = None

    @property
    def base_url(self) -> str:
        if self._hole is not None:
            return f"http://127.0.0.1:{self._hole.getsockname()[1]}"
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> HostileServer:
        if self.mode == "blackhole":
            self._hole = socket.socket()
            self._hole.bind(("127.0.0.1", 0))
            self._hole.listen(0)
            self._held = socket.create_connection(self._hole.getsockname())  # fills the queue for good
            return self
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                owner.answer(self)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        for sock in (self._held, self._hole):
            if sock is not None:
                sock.close()

    def answer(self, handler: BaseHTTPRequestHandler) -> None:
        url = urlparse(handler.path)
        self.requests.append(url.path)
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        mode = self.mode if self.hostile(url.path) else "ok"
        if mode == "stall":
            self._stop.wait(self.give_up_after_s)
            handler.close_connection = True
            return
        status, headers, body = 200, {"Content-Type": "application/json"}, b""
        if mode in HOSTILE_BODIES:
            body, headers["Content-Type"] = HOSTILE_BODIES[mode]
        elif mode == "retry_after":
            status, headers["Retry-After"], body = 429, f"{self.retry_after_s:g}", b'{"code":-1003,"msg":"Too many"}'
        elif mode == "5xx":
            status, body = 503, b'{"code":-1001,"msg":"Service Unavailable"}'
        else:
            recorded = recorded_answer(url.path, query, self._funding)
            if recorded is None:
                status, body = 404, b'{"code":-1,"msg":"not recorded"}'
            else:
                body = recorded
        head = f"HTTP/1.1 {status} {'OK' if status == 200 else 'Error'}\r\n"
        head += "".join(f"{k}: {v}\r\n" for k, v in {**headers, "Content-Length": str(len(body))}.items())
        raw = head.encode() + b"\r\n" + body
        try:
            if mode == "drip":
                self._drip(handler, raw)
            else:
                handler.wfile.write(raw)
                handler.wfile.flush()
        except OSError:  # the client gave up: what a deadline is for
            handler.close_connection = True

    def _drip(self, handler: BaseHTTPRequestHandler, raw: bytes) -> None:
        started = time.monotonic()
        for i in range(len(raw)):
            if self._stop.is_set() or time.monotonic() - started > self.give_up_after_s:
                break
            handler.wfile.write(raw[i : i + 1])
            handler.wfile.flush()
            self._stop.wait(self.drip_interval_s)
        handler.close_connection = True

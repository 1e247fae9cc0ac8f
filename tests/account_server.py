"""A local server on 127.0.0.1 that plays Binance's signed account endpoints and checks every signature.

The refresh is pointed at it with ``ALTHEDGE_API_BASE_URL`` (as the public tests do). Public paths (the
market lists) are answered by :func:`hostile_server.recorded_answer`; ``/api/v3/time`` with the machine's
time. Every other path is a signed endpoint: the request must carry the test key in ``X-MBX-APIKEY`` and a
``signature`` that is HMAC-SHA256 of the rest of the query (GET) or body (POST) under the test secret, and
a ``timestamp`` within its ``recvWindow`` of this server's clock, as Binance checks them; otherwise the
server answers as Binance does (HTTP 401 ``-2015`` / 400 ``-1022`` / 400 ``-1021``). The bodies are the
documented ones in ``tests/fixtures/account/binance`` (see the README there).

``faults`` maps a path to ``(status, body, headers)`` answered instead; ``restrictions`` names the
apiRestrictions body served; ``variants`` names folders beside ``binance`` whose bodies replace the
base ones of the same name, the first that has the file winning (and then the futures markets list
``ETHUSDT`` too, so that ccxt parses the account's ETHUSDT position). The futures markets' ``BTCUSDT`` has
the price step ``btcusdt_tick`` (Binance's 0.10 unless a test sets another); the COIN-M markets are
``dapi_v1_exchangeInfo.json``. Bybit's inverse category has bodies of its own (instruments, positions, fee
rate, funding executions), and Bybit's bodies take ``variants`` too (such as ``bybit_hedge_mode``). ``seen`` records each request's path,
``queries`` its path and parameters, and ``bad`` each refused signature.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlparse

from hostile_server import _funding_rows, recorded_answer

BODIES = Path(__file__).resolve().parent / "fixtures" / "account" / "binance"
TEST_KEY = "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A"  # Binance's docs' sample key
TEST_SECRET = "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j"  # Binance's docs' sample secret
SIGNED = {
    "/api/v3/account": "api_v3_account.json",
    "/fapi/v3/account": "fapi_v3_account.json",
    "/sapi/v1/asset/get-funding-asset": "sapi_v1_asset_get_funding_asset.json",
    "/fapi/v3/positionRisk": "fapi_v3_positionRisk.json",
    "/fapi/v1/commissionRate": "fapi_v1_commissionRate.json",
    "/fapi/v1/leverageBracket": "fapi_v1_leverageBracket.json",
    "/fapi/v1/income": "fapi_v1_income.json",
    "/sapi/v1/margin/account": "sapi_v1_margin_account.json",
    "/sapi/v1/simple-earn/flexible/position": "sapi_v1_simple_earn_flexible_position.json",
    "/dapi/v1/positionRisk": "dapi_v1_positionRisk.json",
    "/dapi/v1/account": "dapi_v1_account.json",
    "/dapi/v1/commissionRate": "dapi_v1_commissionRate.json",
    "/dapi/v1/income": "dapi_v1_income.json",
    "/dapi/v2/leverageBracket": "dapi_v2_leverageBracket.json",
}


class AccountServer:
    """``with AccountServer() as server: ... server.base_url ...``."""

    def __init__(
        self,
        restrictions: str = "sapi_v1_account_apiRestrictions.json",
        clock_skew_ms: int = 0,
        exchange: str = "binance",
        variants: tuple[str, ...] = (),
    ) -> None:
        self.exchange = exchange
        self.variants = variants
        self.restrictions = restrictions if exchange == "binance" else "v5_user_query_api.json"
        self.faults: dict[str, tuple[int, bytes, dict[str, str]]] = {}
        self.bybit_executions: list[dict[str, Any]] | None = None
        self.seen: list[str] = []
        self.queries: list[tuple[str, dict[str, str]]] = []
        self.bad: list[str] = []
        self.unrecorded: list[str] = []
        self.clock_skew_ms = clock_skew_ms
        self.btcusdt_tick = "0.10"
        self._funding = _funding_rows()
        self._server: ThreadingHTTPServer | None = None

    @property
    def base_url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> AccountServer:
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                owner.answer(self, "GET")

            def do_POST(self) -> None:
                owner.answer(self, "POST")

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def now_ms(self) -> int:
        return int(time.time() * 1000) + self.clock_skew_ms

    def answer(self, handler: BaseHTTPRequestHandler, method: str) -> None:
        url = urlparse(handler.path)
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length).decode() if length else ""
        self.seen.append(url.path)
        status, headers, payload = self._respond(url.path, url.query if method == "GET" else body, handler.headers)
        head = f"HTTP/1.1 {status} {'OK' if status == 200 else 'Error'}\r\n"
        all_headers = {"Content-Type": "application/json", **headers, "Content-Length": str(len(payload))}
        head += "".join(f"{k}: {v}\r\n" for k, v in all_headers.items())
        handler.wfile.write(head.encode() + b"\r\n" + payload)
        handler.wfile.flush()

    def _respond(self, path: str, signed_text: str, headers: Any) -> tuple[int, dict[str, str], bytes]:
        if path in self.faults:
            status, payload, extra = self.faults[path]
            return status, extra, payload
        if path in ("/api/v3/time", "/fapi/v1/time"):
            return 200, {}, json.dumps({"serverTime": self.now_ms()}).encode()
        query = dict(parse_qsl(urlparse("?" + signed_text).query, keep_blank_values=True))
        self.queries.append((path, query))
        if self.exchange == "bybit":
            return self._bybit(path, signed_text, query, headers)
        if path == "/sapi/v1/account/apiRestrictions" or path in SIGNED:
            refusal = self._check_signature(path, signed_text, query, headers)
            if refusal is not None:
                return refusal
            name = self.restrictions if path == "/sapi/v1/account/apiRestrictions" else SIGNED[path]
            payload = self._body(name).read_bytes()
            if path in ("/fapi/v1/income", "/dapi/v1/income"):
                start = int(query.get("startTime", 0))
                rows = [r for r in json.loads(payload) if r["time"] >= start]
                payload = json.dumps(rows).encode()
            if path == "/fapi/v1/leverageBracket" and "symbol" in query:
                entries = json.loads(payload)
                payload = json.dumps(next(e for e in entries if e["symbol"] == query["symbol"])).encode()
            return 200, {}, payload
        if path == "/dapi/v1/exchangeInfo":
            return 200, {}, self._body("dapi_v1_exchangeInfo.json").read_bytes()
        recorded = recorded_answer(path, query, self._funding)
        if recorded is None:
            return 404, {}, b'{"code":-1,"msg":"not recorded"}'
        if path == "/fapi/v1/exchangeInfo":
            recorded = with_tick(recorded, self.btcusdt_tick)
            if self.variants:
                recorded = with_ethusdt(recorded)
        return 200, {}, recorded

    def _body(self, name: str) -> Path:
        for variant in self.variants:
            if (BODIES.parent / variant / name).exists():
                return BODIES.parent / variant / name
        return BODIES / name

    def _check_signature(
        self, path: str, signed_text: str, query: dict[str, str], headers: Any
    ) -> tuple[int, dict[str, str], bytes] | None:
        if headers.get("X-MBX-APIKEY") != TEST_KEY:
            self.bad.append(f"{path}: key")
            return 401, {}, b'{"code":-2015,"msg":"Invalid API-key, IP, or permissions for action."}'
        unsigned, _, signature = signed_text.rpartition("&signature=")
        expected = hmac.new(TEST_SECRET.encode(), unsigned.encode(), hashlib.sha256).hexdigest()
        if not hmac.compare_digest(signature, expected):
            self.bad.append(f"{path}: signature")
            return 400, {}, b'{"code":-1022,"msg":"Signature for this request is not valid."}'
        stamp, window = int(query.get("timestamp", 0)), int(query.get("recvWindow", 5000))
        if not (self.now_ms() - window <= stamp <= self.now_ms() + 1000):
            self.bad.append(f"{path}: timestamp")
            body = b'{"code":-1021,"msg":"Timestamp for this request is outside of the recvWindow."}'
            return 400, {}, body
        return None

    # ------------------------------------------------------------------------------------------ Bybit v5

    def _bybit(
        self, path: str, signed_text: str, query: dict[str, str], headers: Any
    ) -> tuple[int, dict[str, str], bytes]:
        if path == "/v5/market/time":
            now = self.now_ms()
            result = {"timeSecond": str(now // 1000), "timeNano": str(now * 1_000_000)}
            return 200, {}, json.dumps({"retCode": 0, "retMsg": "OK", "result": result, "time": now}).encode()
        if path == "/v5/market/instruments-info" and query.get("category") == "inverse":
            return 200, {}, (BYBIT_BODIES / "v5_market_instruments_info_inverse.json").read_bytes()
        if path.startswith("/v5/market/"):
            name = BYBIT_PUBLIC.get((path, query.get("category", ""), query.get("status", "")))
            if name is None:
                return 404, {}, b'{"retCode":10001,"retMsg":"not recorded"}'
            return 200, {}, (FEEDS / name).read_bytes()
        refusal = self._check_bybit_signature(path, signed_text, headers)
        if refusal is not None:
            return refusal
        name = self.restrictions if path == "/v5/user/query-api" else BYBIT_SIGNED.get(path)
        if path == "/v5/position/list" and query.get("category") == "inverse":
            name = "v5_position_list_inverse.json"
        if path in BYBIT_BY_CATEGORY and query.get("category") == "inverse":
            name = BYBIT_BY_CATEGORY[path]
        if name is None:
            self.unrecorded.append(path)
            return 404, {}, b'{"retCode":10001,"retMsg":"not recorded"}'
        payload = self._bybit_body(name).read_bytes()
        if path == "/v5/execution/list":
            return self._bybit_executions(payload, query)
        return 200, {}, payload

    def _bybit_executions(self, payload: bytes, query: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
        """The executions as Bybit answers them: within 7 days of ``startTime``/``endTime`` (both: at most 7
        days apart; one: the 7 days from or to it; none: the last 7), at most ``limit`` rows (1-100, default 50),
        newest first. ``bybit_executions`` (rows) replaces the body's list when a test sets it."""
        body = json.loads(payload)
        rows = self.bybit_executions if self.bybit_executions is not None else body["result"]["list"]
        start, end = query.get("startTime"), query.get("endTime")
        if start and end and int(end) - int(start) > WEEK_MS:
            refusal = {"retCode": 10001, "retMsg": "The time range between startTime and endTime cannot exceed 7 days."}
            return 200, {}, json.dumps(refusal).encode()
        low = int(start) if start else (int(end) - WEEK_MS if end else self.now_ms() - WEEK_MS)
        high = int(end) if end else low + WEEK_MS
        limit = int(query.get("limit") or 50)
        if not 1 <= limit <= 100:
            return 200, {}, json.dumps({"retCode": 10001, "retMsg": "limit must be 1-100"}).encode()
        chosen = [
            r for r in rows if low <= int(r["execTime"]) <= high and r["symbol"] == query.get("symbol", r["symbol"])
        ]
        chosen.sort(key=lambda r: -int(r["execTime"]))
        body["result"]["list"] = chosen[:limit]
        return 200, {}, json.dumps(body).encode()

    def _bybit_body(self, name: str) -> Path:
        for variant in self.variants:
            if (BYBIT_BODIES.parent / variant / name).exists():
                return BYBIT_BODIES.parent / variant / name
        return BYBIT_BODIES / name

    def _check_bybit_signature(
        self, path: str, signed_text: str, headers: Any
    ) -> tuple[int, dict[str, str], bytes] | None:
        stamp, window = headers.get("X-BAPI-TIMESTAMP", ""), headers.get("X-BAPI-RECV-WINDOW", "5000")
        if headers.get("X-BAPI-API-KEY") != TEST_KEY:
            self.bad.append(f"{path}: key")
            return 401, {}, b'{"retCode":10003,"retMsg":"API key is invalid.","result":{},"time":0}'
        payload = f"{stamp}{TEST_KEY}{window}{signed_text}"
        expected = hmac.new(TEST_SECRET.encode(), payload.encode(), hashlib.sha256).hexdigest()
        if not hmac.compare_digest(headers.get("X-BAPI-SIGN", ""), expected):
            self.bad.append(f"{path}: signature")
            return 401, {}, b'{"retCode":10004,"retMsg":"error sign!","result":{},"time":0}'
        if not (self.now_ms() - int(window) <= int(stamp or 0) <= self.now_ms() + 1000):
            self.bad.append(f"{path}: timestamp")
            body = b'{"retCode":10002,"retMsg":"invalid request, please check your server timestamp","result":{}}'
            return 400, {}, body
        return None


def with_tick(exchange_info: bytes, tick: str) -> bytes:
    """The recorded futures markets with ``BTCUSDT``'s price step ``tick`` (``PRICE_FILTER`` ``tickSize``):
    the recorded entry is a copy of the documented ``BLZUSDT`` (0.0001); BTCUSDT's own is 0.10."""
    info = json.loads(exchange_info)
    btc = next(s for s in info["symbols"] if s["symbol"] == "BTCUSDT")
    for rule in btc["filters"]:
        if rule["filterType"] == "PRICE_FILTER":
            rule["tickSize"] = tick
    return json.dumps(info).encode()


def with_ethusdt(exchange_info: bytes) -> bytes:
    """The recorded futures markets with an ``ETHUSDT`` perpetual: the ``BTCUSDT`` entry (itself a copy of
    the documented ``BLZUSDT``) with ``symbol``, ``pair`` and ``baseAsset`` changed."""
    info = json.loads(exchange_info)
    btc = next(s for s in info["symbols"] if s["symbol"] == "BTCUSDT")
    info["symbols"].append({**btc, "symbol": "ETHUSDT", "pair": "ETHUSDT", "baseAsset": "ETH"})
    return json.dumps(info).encode()


FEEDS = Path(__file__).resolve().parent / "fixtures" / "feeds"
BYBIT_BODIES = Path(__file__).resolve().parent / "fixtures" / "account" / "bybit"
BYBIT_PUBLIC = {
    ("/v5/market/instruments-info", "spot", ""): "bybit_v5_market_instruments_info_spot_docs_example.json",
    ("/v5/market/instruments-info", "linear", ""): "bybit_v5_market_instruments_info_linear_docs_example.json",
    (
        "/v5/market/instruments-info",
        "linear",
        "PreLaunch",
    ): "bybit_v5_market_instruments_info_linear_prelaunch_docs_example.json",
}
WEEK_MS = 7 * 86_400_000
BYBIT_SIGNED = {
    "/v5/account/info": "v5_account_info.json",
    "/v5/account/wallet-balance": "v5_account_wallet_balance.json",
    "/v5/position/list": "v5_position_list.json",
    "/v5/account/fee-rate": "v5_account_fee_rate.json",
    "/v5/execution/list": "v5_execution_list.json",
    "/v5/asset/transfer/query-account-coins-balance": "v5_asset_transfer_query_account_coins_balance.json",
    "/v5/earn/position": "v5_earn_position.json",
}
#: Bodies served for ``category=inverse`` in place of the path's own.
BYBIT_BY_CATEGORY = {
    "/v5/account/fee-rate": "v5_account_fee_rate_inverse.json",
    "/v5/execution/list": "v5_execution_list_inverse.json",
}

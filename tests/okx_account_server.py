"""A local server on 127.0.0.1 that plays OKX's v5 account endpoints and checks every request's signature.

The refresh is pointed at it with ``ALTHEDGE_API_BASE_URL``, as for :mod:`account_server` (whose request
handling it reuses). Public paths: ``/api/v5/public/time`` (this server's clock) and
``/api/v5/public/instruments`` (SPOT and SWAP). Every other path is signed, checked as OKX documents it
(REST API, Authentication): ``OK-ACCESS-KEY`` the test key (else ``50111``), ``OK-ACCESS-PASSPHRASE`` the
test passphrase (else ``50105``), ``OK-ACCESS-TIMESTAMP`` an ISO time within 30 s of this server's clock
(else ``50102``), ``OK-ACCESS-SIGN`` the Base64 HMAC-SHA256, under the test secret, of timestamp + method +
request path with its query + body (else ``50113``), each answered with HTTP 401 and OKX's body. The bodies are
in ``tests/fixtures/account/okx`` (see the README there); ``config`` names the account/config body served.
The bills are paged as OKX documents it: ``limit`` rows at most (default 100), newest first, ``after`` a
bill id to return only older ones.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

from account_server import TEST_KEY, TEST_SECRET, AccountServer

OKX_BODIES = Path(__file__).resolve().parent / "fixtures" / "account" / "okx"
#: The test key's passphrase (OKX keys have three parts); no real account's.
TEST_PASSPHRASE = "Alt-Hedge-Test-Passphrase-5c1d9e"
OKX_SIGNED = {
    "/api/v5/account/balance": "v5_account_balance.json",
    "/api/v5/asset/balances": "v5_asset_balances.json",
    "/api/v5/account/positions": "v5_account_positions.json",
    "/api/v5/account/trade-fee": "v5_account_trade_fee.json",
    "/api/v5/account/bills-archive": "v5_account_bills_archive.json",
}
INSTRUMENTS = {"SPOT": "v5_public_instruments_spot.json", "SWAP": "v5_public_instruments_swap.json"}
WINDOW_MS = 30_000


class OkxAccountServer(AccountServer):
    """``with OkxAccountServer() as server: ... server.base_url ...``; ``queries`` keeps each signed request's query."""

    def __init__(self, config: str = "v5_account_config.json", clock_skew_ms: int = 0) -> None:
        super().__init__(clock_skew_ms=clock_skew_ms, exchange="okx")
        self.config = config
        self.queries: list[tuple[str, dict[str, str]]] = []
        #: funding bills served in place of the body's (newest first), paged as OKX does
        self.bills: list[dict[str, str]] | None = None

    def _respond(self, path: str, signed_text: str, headers: Any) -> tuple[int, dict[str, str], bytes]:
        if path in self.faults:
            status, payload, extra = self.faults[path]
            return status, extra, payload
        query = dict(parse_qsl(signed_text, keep_blank_values=True))
        if path == "/api/v5/public/time":
            return 200, {}, json.dumps({"code": "0", "msg": "", "data": [{"ts": str(self.now_ms())}]}).encode()
        if path == "/api/v5/public/instruments":
            name = INSTRUMENTS.get(query.get("instType", ""))
            if name is None:
                return 404, {}, b'{"code":"51000","msg":"not recorded","data":[]}'
            return 200, {}, (OKX_BODIES / name).read_bytes()
        refusal = self._check_okx_signature(path, signed_text, headers)
        if refusal is not None:
            return refusal
        self.queries.append((path, query))
        if path == "/api/v5/account/bills-archive":
            return 200, {}, self._bills(query)
        name = self.config if path == "/api/v5/account/config" else OKX_SIGNED.get(path)
        if name is None:
            self.unrecorded.append(path)
            return 404, {}, b'{"code":"51000","msg":"not recorded","data":[]}'
        return 200, {}, (OKX_BODIES / name).read_bytes()

    def _bills(self, query: dict[str, str]) -> bytes:
        rows = self.bills
        if rows is None:
            rows = json.loads((OKX_BODIES / OKX_SIGNED["/api/v5/account/bills-archive"]).read_text())["data"]
        if "after" in query:
            rows = [r for r in rows if int(r["billId"]) < int(query["after"])]
        rows = rows[: min(int(query.get("limit", 100)), 100)]
        return json.dumps({"code": "0", "msg": "", "data": rows}).encode()

    def _check_okx_signature(self, path: str, query: str, headers: Any) -> tuple[int, dict[str, str], bytes] | None:
        def refuse(code: str, msg: str, what: str) -> tuple[int, dict[str, str], bytes]:
            self.bad.append(f"{path}: {what}")
            return 401, {}, json.dumps({"msg": msg, "code": code}).encode()

        if headers.get("OK-ACCESS-KEY") != TEST_KEY:
            return refuse("50111", "Invalid OK-ACCESS-KEY", "key")
        if headers.get("OK-ACCESS-PASSPHRASE") != TEST_PASSPHRASE:
            return refuse("50105", "Invalid OK-ACCESS-PASSPHRASE", "passphrase")
        stamp = headers.get("OK-ACCESS-TIMESTAMP", "")
        try:
            stamp_ms = int(datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp() * 1000)
        except ValueError:
            return refuse("50112", "Invalid OK-ACCESS-TIMESTAMP", "timestamp")
        if abs(self.now_ms() - stamp_ms) > WINDOW_MS:
            return refuse("50102", "Timestamp request expired", "timestamp")
        request_path = path + (f"?{query}" if query else "")
        digest = hmac.new(TEST_SECRET.encode(), f"{stamp}GET{request_path}".encode(), hashlib.sha256).digest()
        if not hmac.compare_digest(headers.get("OK-ACCESS-SIGN", ""), base64.b64encode(digest).decode()):
            return refuse("50113", "Invalid Sign", "signature")
        return None

"""Tests of althedge_xl.market: market data, cache and stale marking, all without the network.

The real ccxt code runs against recorded HTTP bodies replayed with ``responses`` (ccxt's sync client
uses ``requests``). Recorded bodies are read in place from ``../shared/data``; documentation examples
live in ``tests/fixtures/feeds`` (its README says which is which). Expected values are read from those
files, or quoted from them with a comment naming the file, never taken from the code under test.
"""

from __future__ import annotations

import contextlib
import csv
import json
import math
import os
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from functools import partial
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import parse_qs, urlparse

import pytest
import requests
import responses
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from althedge_xl import market
from althedge_xl.market import FearGreedPoint, FundingPoint, HttpStatusError, RetryPolicy, refresh_market_data

PROJECT = Path(__file__).resolve().parents[1]
DATA = PROJECT.parent / "shared" / "data"
WIRE = DATA / "wire_samples"
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "feeds"
PERP = "BTC/USDT:USDT"
UTC = timezone.utc


# ----------------------------------------------------------------------------------- reference data


def _read_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def _ms(iso: str) -> int:
    return int(datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp() * 1000)


TICKER_24HR = _read_json(WIRE / "binance_spot_api_v3_ticker_24hr.json")
PREMIUM_INDEX = _read_json(WIRE / "binance_usdm_fapi_v1_premiumIndex.json")
PREMIUM_BTC = next(row for row in PREMIUM_INDEX if row["symbol"] == "BTCUSDT")
PREMIUM_QUARTER = next(row for row in PREMIUM_INDEX if row["symbol"] == "BTCUSDT_250926")
PREMIUM_JUNE = next(row for row in PREMIUM_INDEX if row["symbol"] == "BTCUSDT_250627")
FNG_BYTES = (WIRE / "alternative_me_fng.json").read_bytes()
FNG_DOC = json.loads(FNG_BYTES)
with (DATA / "funding" / "binance_usdm_btcusdt_funding_8h.csv").open(encoding="utf-8", newline="") as _f:
    FUNDING_ROWS = [(_ms(r["funding_time_utc"]), r["funding_time_utc"], r["funding_rate"]) for r in csv.DictReader(_f)]
with (DATA / "sentiment" / "fear_greed_daily.csv").open(encoding="utf-8", newline="") as _f:
    FNG_DAILY = {r["date"]: (int(r["value"]), r["classification"]) for r in csv.DictReader(_f)}
with (DATA / "prices" / "daily_close_wide.csv").open(encoding="utf-8", newline="") as _f:
    CLOSES_2021_10_22 = next(r for r in csv.DictReader(_f) if r["date"] == "2021-10-22")

# Just after the recorded premiumIndex ("time" 1750149488000 = 2025-06-17T08:38:08Z).
T_PREMIUM = datetime(2025, 6, 17, 8, 40, tzinfo=UTC)
# The delivery contract the Binance futures exchangeInfo fixture lists (see the fixtures README):
# BTCUSDT_250926, CURRENT_QUARTER, "deliveryDate": 1758873600000 = 2025-09-26T08:00:00Z (a Friday).
DATED = "BTC/USDT:USDT-250926"
DATED_EXPIRY = datetime(2025, 9, 26, 8, 0, tzinfo=UTC)
QUOTE_TIME = datetime(2025, 6, 17, 8, 38, 8, tzinfo=UTC)  # premiumIndex "time" 1750149488000
DAY = timedelta(days=1)


def fixed_clock(moment: datetime) -> Callable[[], datetime]:
    return lambda: moment


class Sleeps(list[float]):
    """An injectable sleep that records the delays instead of sleeping."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


class FngGetter:
    """An injectable ``http_get`` for alternative.me: serves a body or raises, and logs the URLs."""

    def __init__(self, body: bytes = FNG_BYTES, errors: list[BaseException] | None = None) -> None:
        self.body = body
        self.errors = list(errors or [])
        self.urls: list[str] = []

    def __call__(self, url: str, timeout_s: float) -> bytes:
        self.urls.append(url)
        if self.errors:
            raise self.errors.pop(0)
        return self.body


# ----------------------------------------------------------------------------- no network, ever


class NetworkTouched(BaseException):
    """Raised when a test tries a non-loopback connection; a BaseException so no ``except Exception`` hides it."""


@pytest.fixture(autouse=True)
def _no_network(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    real_connect = socket.socket.connect
    real_getaddrinfo = socket.getaddrinfo
    loopback = {"127.0.0.1", "::1", "localhost"}

    def connect(self: socket.socket, address: Any) -> Any:
        if not (isinstance(address, tuple) and address[0] in loopback):
            raise NetworkTouched(f"test tried to connect to {address!r}")
        return real_connect(self, address)

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        if host not in loopback:
            raise NetworkTouched(f"test tried to resolve {host!r}")
        return real_getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    # Never the user's real cache, even when a test forgets cache_dir.
    monkeypatch.setenv(market.CACHE_ENV_VAR, str(tmp_path / "env-cache"))


# ------------------------------------------------------------------------- Binance replay server


def _request_url(call: Any) -> str:
    return str(call.request.url)


def _url(host: str, path: str) -> re.Pattern[str]:
    return re.compile(rf"https://{re.escape(host)}{re.escape(path)}(\?.*)?$")


SPOT_INFO = _url("api.binance.com", "/api/v3/exchangeInfo")
FAPI_INFO = _url("fapi.binance.com", "/fapi/v1/exchangeInfo")
TICKER = _url("api.binance.com", "/api/v3/ticker/24hr")
PREMIUM = _url("fapi.binance.com", "/fapi/v1/premiumIndex")
FUNDING_RATE = _url("fapi.binance.com", "/fapi/v1/fundingRate")
FUNDING_INFO = _url("fapi.binance.com", "/fapi/v1/fundingInfo")
DATA_ENDPOINTS = (TICKER, PREMIUM, FUNDING_RATE, FUNDING_INFO)


def funding_rate_body(request: Any) -> tuple[int, dict[str, str], str]:
    """``GET /fapi/v1/fundingRate`` answered from the real settlements CSV.

    No recorded raw body of this endpoint exists, so the real rows of
    ``funding/binance_usdm_btcusdt_funding_8h.csv`` are served in the documented body shape
    (``symbol``, ``fundingRate`` as Binance's 8-decimal string, ``fundingTime`` in ms), honouring
    ``startTime``, ``endTime`` and ``limit`` as Binance does (ascending from ``startTime``).
    """
    query = {k: v[0] for k, v in parse_qs(urlparse(request.url).query).items()}
    start, end = int(query.get("startTime", 0)), int(query.get("endTime", 2**62))
    limit = int(query.get("limit", 100))
    rows = [r for r in FUNDING_ROWS if start <= r[0] <= end][:limit]
    body = [{"symbol": "BTCUSDT", "fundingRate": rate, "fundingTime": ms} for ms, _iso, rate in rows]
    return 200, {"Content-Type": "application/json"}, json.dumps(body)


def serve_binance(
    rs: responses.RequestsMock,
    *,
    spot_info: str | None = None,
    fapi_info: str | None = None,
    data_fault: dict[str, Any] | None = None,
    markets_fault: dict[str, Any] | None = None,
) -> None:
    """Register Binance endpoints: markets from fixtures, data from recorded files (or a fault for all)."""
    json_type = "application/json"
    if markets_fault is not None:
        for pattern in (SPOT_INFO, FAPI_INFO):
            rs.add(responses.GET, pattern, **markets_fault)
    else:
        spot_text = spot_info or (FIXTURES / "binance_api_v3_exchangeInfo_minimal.json").read_text()
        rs.add(responses.GET, SPOT_INFO, body=spot_text, content_type=json_type)
        fapi_text = fapi_info or (FIXTURES / "binance_fapi_v1_exchangeInfo_minimal.json").read_text()
        rs.add(responses.GET, FAPI_INFO, body=fapi_text)
    if data_fault is not None:
        for pattern in DATA_ENDPOINTS:
            rs.add(responses.GET, pattern, **data_fault)
        return
    rs.add(
        responses.GET, TICKER, body=(WIRE / "binance_spot_api_v3_ticker_24hr.json").read_text(), content_type=json_type
    )
    rs.add(
        responses.GET,
        PREMIUM,
        body=(WIRE / "binance_usdm_fapi_v1_premiumIndex.json").read_text(),
        content_type=json_type,
    )
    rs.add(responses.GET, FUNDING_INFO, body=(FIXTURES / "binance_fapi_v1_fundingInfo_docs_example.json").read_text())
    rs.add_callback(responses.GET, FUNDING_RATE, callback=funding_rate_body)


@pytest.fixture(autouse=True)
def throttle_costs(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """ccxt's rate limiter stays on (``enableRateLimit``) but records its costs instead of sleeping."""
    ccxt = pytest.importorskip("ccxt")
    costs: list[float] = []
    monkeypatch.setattr(ccxt.Exchange, "throttle", lambda self, cost=None: costs.append(cost))
    return costs


@pytest.fixture
def rs() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


def refresh_binance(cache: Path, *, clock: datetime = T_PREMIUM, **kwargs: Any) -> market.MarketSnapshot:
    """A refresh through a real ccxt binance client (made by market.make_exchange)."""
    kwargs.setdefault("http_get", FngGetter())
    kwargs.setdefault("sleep", Sleeps())
    return refresh_market_data(kwargs.pop("symbols", ["BTC"]), cache_dir=cache, clock=fixed_clock(clock), **kwargs)


@pytest.fixture
def warm_cache(tmp_path: Path) -> Path:
    """A cache filled by one successful replayed refresh at T_PREMIUM."""
    cache = tmp_path / "cache"
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        serve_binance(mock)
        snapshot = refresh_binance(cache)
    assert all(item.fresh for item in snapshot.items()), snapshot.messages
    return cache


# ------------------------------------------------------------------------ Binance, recorded bodies


class TestBinanceReplay:
    """The real ccxt binance client against recorded responses."""

    def test_spot_price_is_the_recorded_last_price(self, rs: responses.RequestsMock, tmp_path: Path) -> None:
        serve_binance(rs)
        quote = refresh_binance(tmp_path).spot["BTC"]
        # binance_spot_api_v3_ticker_24hr.json: "lastPrice": "60755.18000000", closeTime 1634944401452
        assert quote.value == float(TICKER_24HR["lastPrice"]) == 60755.18
        assert quote.as_of == "2021-10-22T23:13:21.452Z"
        assert quote.market == "BTC/USDT"
        assert (quote.fresh, quote.stale, quote.error, quote.age_seconds) == (True, False, None, 0.0)
        assert quote.time == "2025-06-17T08:40:00.000Z"
        assert quote.source == "binance fetch_ticker BTC/USDT"

    def test_perpetual_comes_from_the_recorded_premium_index(self, rs: responses.RequestsMock, tmp_path: Path) -> None:
        serve_binance(rs)
        perp = refresh_binance(tmp_path).perp
        # binance_usdm_fapi_v1_premiumIndex.json, BTCUSDT: markPrice 106599.9, indexPrice 106647.69847826,
        # lastFundingRate 0.00004758, nextFundingTime 1750176000000 (16:00 UTC), time 1750149488000.
        assert perp.mark_price == float(PREMIUM_BTC["markPrice"]) == 106599.9
        assert perp.index_price == float(PREMIUM_BTC["indexPrice"]) == 106647.69847826
        assert perp.funding_rate == float(PREMIUM_BTC["lastFundingRate"]) == 0.00004758
        assert perp.next_funding_time == "2025-06-17T16:00:00.000Z"
        assert perp.as_of == "2025-06-17T08:38:08.000Z"
        assert perp.symbol == PERP and perp.fresh
        assert perp.source == "binance fetch_funding_rates BTC/USDT:USDT"

    def test_dated_future_comes_from_the_same_premium_index(self, rs: responses.RequestsMock, tmp_path: Path) -> None:
        serve_binance(rs)
        snapshot = refresh_binance(tmp_path)
        dated = snapshot.dated_future
        # binance_usdm_fapi_v1_premiumIndex.json, BTCUSDT_250926: markPrice 108194.97576087,
        # indexPrice 106647.69847826, time 1750149488000
        assert dated.price == float(PREMIUM_QUARTER["markPrice"]) == 108194.97576087
        assert dated.index_price == float(PREMIUM_QUARTER["indexPrice"]) == 106647.69847826
        assert dated.symbol == DATED and dated.expiry == "2025-09-26T08:00:00.000Z"
        assert dated.as_of == "2025-06-17T08:38:08.000Z" and PREMIUM_QUARTER["time"] == _ms("2025-06-17T08:38:08Z")
        assert dated.days_to_expiry == pytest.approx((DATED_EXPIRY - QUOTE_TIME) / DAY, abs=1e-9)
        assert dated.days_to_expiry == pytest.approx(100.974, abs=1e-3)
        assert (dated.fresh, dated.stale, dated.error, dated.age_seconds) == (True, False, None, 0.0)
        assert dated.time == "2025-06-17T08:40:00.000Z"
        assert dated.source == "binance fetch_funding_rates BTC/USDT:USDT-250926"
        assert snapshot.items()[-1] is dated
        premium_calls = [c for c in rs.calls if "premiumIndex" in _request_url(c)]
        assert len(premium_calls) == 1  # the perpetual's request served both

    def test_nearest_quarterly_at_least_min_days_away(self, rs: responses.RequestsMock, tmp_path: Path) -> None:
        # the fixture plus BTCUSDT_250627, copied from its BTCUSDT_250926 entry with the June delivery time
        # (2025-06-27T08:00:00Z, 10 days after T_PREMIUM); both are in the recorded premiumIndex.
        info = _read_json(FIXTURES / "binance_fapi_v1_exchangeInfo_minimal.json")
        quarter = next(s for s in info["symbols"] if s["symbol"] == "BTCUSDT_250926")
        june = {**quarter, "symbol": "BTCUSDT_250627", "deliveryDate": _ms("2025-06-27T08:00:00Z")}
        info["symbols"].append(june)
        serve_binance(rs, fapi_info=json.dumps(info))
        near = refresh_binance(tmp_path / "a", dated_min_days=7).dated_future
        assert near.symbol == "BTC/USDT:USDT-250627" and near.price == float(PREMIUM_JUNE["markPrice"])
        assert near.days_to_expiry == pytest.approx((datetime(2025, 6, 27, 8, tzinfo=UTC) - QUOTE_TIME) / DAY)
        far = refresh_binance(tmp_path / "b", dated_min_days=14).dated_future
        assert far.symbol == DATED and far.price == float(PREMIUM_QUARTER["markPrice"])

    def test_funding_history_is_the_last_90_days_of_settlements(
        self, rs: responses.RequestsMock, tmp_path: Path
    ) -> None:
        serve_binance(rs)
        history = refresh_binance(tmp_path).funding_history
        start = T_PREMIUM - timedelta(days=90)
        expected = [FundingPoint(iso, float(rate)) for ms, iso, rate in FUNDING_ROWS if _ms(start.isoformat()) <= ms]
        expected = [p for p in expected if _ms(p.time) <= _ms(T_PREMIUM.isoformat())]
        assert len(expected) == 270  # 90 days x 3 settlements
        assert list(history.points) == expected
        # the CSV's rows 2025-03-19T16:00:00.000Z 0.00005024 and 2025-06-17T08:00:00.006Z 0.00005776
        assert history.points[0] == FundingPoint("2025-03-19T16:00:00.000Z", 0.00005024)
        assert history.points[-1] == FundingPoint("2025-06-17T08:00:00.006Z", 0.00005776)

    def test_interval_inferred_when_funding_info_omits_btcusdt(
        self, rs: responses.RequestsMock, tmp_path: Path
    ) -> None:
        serve_binance(rs)
        snapshot = refresh_binance(tmp_path)
        # fundingInfo (documentation example) lists only BLZUSDT; the CSV settlements are 8 h apart.
        assert snapshot.perp.funding_interval_hours == 8.0
        assert any("inferred" in m for m in snapshot.messages)

    def test_fear_greed_current_and_history_from_the_recorded_response(
        self, rs: responses.RequestsMock, tmp_path: Path
    ) -> None:
        serve_binance(rs)
        getter = FngGetter()
        fng = refresh_binance(tmp_path, http_get=getter).fear_greed
        assert getter.urls == ["https://api.alternative.me/fng/?limit=90&format=json"]
        newest = FNG_DOC["data"][0]  # alternative_me_fng.json: 47, "Neutral", 1745280000 = 2025-04-22
        assert (fng.value, fng.classification, fng.date) == (
            int(newest["value"]),
            newest["value_classification"],
            "2025-04-22",
        )
        assert (fng.value, fng.classification) == (47, "Neutral")
        assert len(fng.history) == 90 and fng.history[-1] == FearGreedPoint("2025-04-22", 47, "Neutral")
        for point in fng.history:  # the README: the response matches the daily file day for day
            assert FNG_DAILY[point.date] == (point.value, point.classification)
        assert fng.fresh and fng.source.startswith("alternative.me")

    def test_full_year_of_fear_greed_history(self, rs: responses.RequestsMock, tmp_path: Path) -> None:
        serve_binance(rs)
        fng = refresh_binance(tmp_path, history_days=365).fear_greed
        assert len(fng.history) == len(FNG_DOC["data"]) == 365
        assert fng.history[0] == FearGreedPoint("2024-04-22", 73, "Greed")  # last entry of the recorded file
        assert "2024-10-26" not in {p.date for p in fng.history}  # skipped upstream, not filled

    def test_endpoints_hit_and_no_credentials(
        self, rs: responses.RequestsMock, tmp_path: Path, throttle_costs: list[float]
    ) -> None:
        serve_binance(rs)
        snapshot = refresh_binance(tmp_path)
        assert len(throttle_costs) == len(rs.calls)  # ccxt's rate limiter saw every request
        assert snapshot.refreshed_any and snapshot.unknown_symbols == ()
        hits = [urlparse(_request_url(c)) for c in rs.calls]
        assert [f"{u.netloc}{u.path}" for u in hits] == [
            "api.binance.com/api/v3/exchangeInfo",
            "fapi.binance.com/fapi/v1/exchangeInfo",
            "api.binance.com/api/v3/ticker/24hr",
            "fapi.binance.com/fapi/v1/fundingRate",  # page 1: 270 settlements
            "fapi.binance.com/fapi/v1/fundingRate",  # page 2: nothing newer, paging stops
            "fapi.binance.com/fapi/v1/premiumIndex",
            "fapi.binance.com/fapi/v1/fundingInfo",
        ]
        first_page = parse_qs(hits[3].query)
        assert first_page["symbol"] == ["BTCUSDT"] and first_page["limit"] == ["1000"]
        assert int(first_page["startTime"][0]) == _ms((T_PREMIUM - timedelta(days=90)).isoformat())
        for call in rs.calls:
            headers = {k.lower() for k in call.request.headers}
            assert "x-mbx-apikey" not in headers and "signature" not in _request_url(call)
            assert call.request.method == "GET"

    def test_cache_keeps_value_fetch_time_and_source(self, rs: responses.RequestsMock, tmp_path: Path) -> None:
        serve_binance(rs)
        refresh_binance(tmp_path)
        files = sorted(p.name for p in tmp_path.iterdir())
        assert files == [
            "alternative_me.fear_greed.json",
            "binance.dated_future.BTC_USDT.json",
            "binance.funding_history.BTC_USDT_USDT.json",
            "binance.perp.BTC_USDT_USDT.json",
            "binance.spot.BTC_USDT.json",
        ]
        record = _read_json(tmp_path / "binance.spot.BTC_USDT.json")
        assert record["fetched_at"] == "2025-06-17T08:40:00.000Z"
        assert record["source"] == "binance fetch_ticker BTC/USDT"
        assert record["payload"]["value"] == 60755.18
        dated = _read_json(tmp_path / "binance.dated_future.BTC_USDT.json")
        assert dated["source"] == "binance fetch_funding_rates BTC/USDT:USDT-250926"
        assert dated["payload"]["expiry"] == "2025-09-26T08:00:00.000Z"


# ------------------------------------------------------------------------ Bybit, documented bodies


BYBIT_DATED_ID = "BTCUSDT-31MAR23"  # the adapted LinearFutures entry (fixtures README)


def bybit_body(request: Any, *, with_future: bool = False) -> tuple[int, dict[str, str], str]:
    """Bybit v5 answered with its documentation examples (tests/fixtures/feeds/README.md)."""
    url = urlparse(request.url)
    query = {k: v[0] for k, v in parse_qs(url.query).items()}
    linear_instruments = "bybit_v5_market_instruments_info_linear_docs_example.json"
    if with_future:
        linear_instruments = "bybit_v5_market_instruments_info_linear_with_future_adapted_docs_example.json"
    name = {
        ("/v5/market/instruments-info", "spot"): "bybit_v5_market_instruments_info_spot_docs_example.json",
        ("/v5/market/instruments-info", "linear"): linear_instruments,
        ("/v5/market/tickers", "spot"): "bybit_v5_market_tickers_spot_docs_example.json",
        ("/v5/market/tickers", "linear"): "bybit_v5_market_tickers_linear_adapted_docs_example.json",
        ("/v5/market/funding/history", "linear"): "bybit_v5_market_funding_history_adapted_docs_example.json",
    }[(url.path, query["category"])]
    if query.get("status") == "PreLaunch":
        name = "bybit_v5_market_instruments_info_linear_prelaunch_docs_example.json"
    if url.path == "/v5/market/tickers" and query.get("symbol") == BYBIT_DATED_ID:
        name = "bybit_v5_market_tickers_linear_future_adapted_docs_example.json"
    return 200, {"Content-Type": "application/json"}, (FIXTURES / name).read_text()


BYBIT_CLOCK = datetime(2022, 12, 30, 6, 0, tzinfo=UTC)  # just after the tickers examples (1672376496682)


class TestBybitDocumentationExamples:
    def test_dated_future_from_the_tickers_example(self, rs: responses.RequestsMock, tmp_path: Path) -> None:
        rs.add_callback(
            responses.GET, re.compile(r"https://api\.bybit\.com/v5/.*"), callback=partial(bybit_body, with_future=True)
        )
        snapshot = refresh_market_data(
            ["BTC"],
            exchange="bybit",
            cache_dir=tmp_path,
            http_get=FngGetter(),
            sleep=Sleeps(),
            clock=fixed_clock(BYBIT_CLOCK),
        )
        dated = snapshot.dated_future
        # adapted instruments entry: "deliveryTime": "1680249600000" = 2023-03-31T08:00:00Z;
        # adapted tickers example (numbers as documented): markPrice 16596.00, indexPrice 16598.54
        assert dated.symbol == "BTC/USDT:USDT-230331" and dated.fresh, snapshot.messages
        assert (dated.price, dated.index_price) == (16596.0, 16598.54)
        assert dated.expiry == "2023-03-31T08:00:00.000Z"
        assert dated.as_of is None  # Bybit's ticker entries carry no timestamp: counted from the fetch time
        assert dated.days_to_expiry == pytest.approx((datetime(2023, 3, 31, 8, tzinfo=UTC) - BYBIT_CLOCK) / DAY)
        assert dated.source == "bybit fetch_ticker BTC/USDT:USDT-230331"
        asked = [parse_qs(urlparse(_request_url(c)).query) for c in rs.calls if "/tickers" in _request_url(c)]
        assert {"category": ["linear"], "symbol": [BYBIT_DATED_ID]} in asked
        assert snapshot.perp.fresh and snapshot.perp.mark_price == 16596.0  # the perpetual is unchanged

    def test_spot_perpetual_and_history(self, rs: responses.RequestsMock, tmp_path: Path) -> None:
        rs.add_callback(responses.GET, re.compile(r"https://api\.bybit\.com/v5/.*"), callback=bybit_body)
        snapshot = refresh_market_data(
            ["BTC", "ETH"],
            exchange="bybit",
            cache_dir=tmp_path,
            http_get=FngGetter(),
            sleep=Sleeps(),
            clock=fixed_clock(BYBIT_CLOCK),
        )
        # tickers docs example (spot): lastPrice "20533.13"
        assert snapshot.spot["BTC"].value == 20533.13 and snapshot.spot["BTC"].fresh
        # the spot instruments example lists only BTCUSDT, so ETH is reported by name, not dropped
        assert snapshot.unknown_symbols == ("ETH",)
        assert snapshot.spot["ETH"].missing and "not listed on bybit" in (snapshot.spot["ETH"].error or "")
        perp = snapshot.perp  # adapted tickers example: 16596.00, 16598.54, -0.001034, 1672387200000
        assert (perp.mark_price, perp.index_price, perp.funding_rate) == (16596.0, 16598.54, -0.001034)
        assert perp.next_funding_time == "2022-12-30T08:00:00.000Z"
        assert perp.funding_interval_hours == 8.0  # instruments example: "fundingInterval": 480 (minutes)
        assert perp.source == "bybit fetch_funding_rates BTC/USDT:USDT"
        # adapted funding-history example: 0.0001 at 1672041600000
        assert snapshot.funding_history.points == (FundingPoint("2022-12-26T08:00:00.000Z", 0.0001),)
        paths = {urlparse(_request_url(c)).path for c in rs.calls}
        assert paths == {"/v5/market/instruments-info", "/v5/market/tickers", "/v5/market/funding/history"}
        # the verbatim linear instruments example lists no delivery future: missing, said why, nothing asked
        dated = snapshot.dated_future
        assert dated.missing and not dated.stale and dated.symbol == ""
        assert dated.error == (
            "not listed on bybit: no BTC delivery future settled in USDT expiring 7 days or more after "
            "2022-12-30T06:00:00.000Z"
        )


# ---------------------------------------------------------------------------------------- faults

LATER = T_PREMIUM + timedelta(hours=2)

EXCHANGE_FAULTS: dict[str, dict[str, Any]] = {
    "timeout": {"body": requests.exceptions.ReadTimeout("Read timed out. (read timeout=10)")},
    "connection refused": {
        "body": requests.exceptions.ConnectionError(
            "Failed to establish a new connection: [Errno 111] Connection refused"
        )
    },
    "HTTP 429": {"status": 429, "body": "", "headers": {"Retry-After": "3"}},
    "HTTP 500": {
        "status": 500,
        "body": '{"code":-1000,"msg":"An unknown error occured while processing the request."}',
    },
    "HTTP 502": {"status": 502, "body": "<html>502 Bad Gateway</html>"},
    "malformed JSON": {"status": 200, "body": '{"symbol": "BTCUSDT", "lastPrice": '},
    "empty result": {"status": 200, "body": "[]", "content_type": "application/json"},
}
FNG_90 = "https://api.alternative.me/fng/?limit=90&format=json"
FNG_FAULTS: dict[str, Callable[[], FngGetter]] = {
    "timeout": lambda: FngGetter(errors=[TimeoutError("timed out")] * 3),
    "connection refused": lambda: FngGetter(errors=[ConnectionRefusedError(111, "Connection refused")] * 3),
    "HTTP 429": lambda: FngGetter(errors=[HttpStatusError(FNG_90, 429, 3.0)] * 3),
    "HTTP 500": lambda: FngGetter(errors=[HttpStatusError(FNG_90, 500)] * 3),
    "HTTP 502": lambda: FngGetter(errors=[HttpStatusError(FNG_90, 502)] * 3),
    "malformed JSON": lambda: FngGetter(body=b'{"name": "Fear and Greed Index", "data": ['),
    "empty result": lambda: FngGetter(
        body=b'{"name": "Fear and Greed Index", "data": [], "metadata": {"error": null}}'
    ),
}
# what the reason says on the exchange's items and on Fear & Greed, and the sleeps (exchange, then alternative.me)
EXPECTED = {
    "timeout": ("timeout", "timeout", [1.0, 2.0, 1.0, 2.0]),
    "connection refused": ("connection refused", "connection refused", [1.0, 2.0, 1.0, 2.0]),
    "HTTP 429": ("rate limited", "http 429 (rate limited)", [3.0, 3.0, 3.0, 3.0]),
    "HTTP 500": ("exchange error", "http 500", [1.0, 2.0, 1.0, 2.0]),
    "HTTP 502": ("exchange not available", "http 502", [1.0, 2.0, 1.0, 2.0]),
    "malformed JSON": ("malformed response", "malformed response", []),
    "empty result": ("empty result", "empty result", []),
}


def assert_last_good_values(snapshot: market.MarketSnapshot, reason: str, fng_reason: str | None = None) -> None:
    """Every item is the value cached at T_PREMIUM (recorded values), stale, aged 2 h, with the reason."""
    spot, perp, history, fng = snapshot.spot["BTC"], snapshot.perp, snapshot.funding_history, snapshot.fear_greed
    assert spot.value == float(TICKER_24HR["lastPrice"])
    assert (perp.mark_price, perp.funding_rate) == (
        float(PREMIUM_BTC["markPrice"]),
        float(PREMIUM_BTC["lastFundingRate"]),
    )
    assert perp.index_price == float(PREMIUM_BTC["indexPrice"]) and perp.funding_interval_hours == 8.0
    assert len(history.points) == 270 and history.points[-1] == FundingPoint("2025-06-17T08:00:00.006Z", 0.00005776)
    assert (fng.value, fng.classification, len(fng.history)) == (47, "Neutral", 90)
    dated = snapshot.dated_future
    assert (dated.symbol, dated.price, dated.index_price) == (
        DATED,
        float(PREMIUM_QUARTER["markPrice"]),
        float(PREMIUM_QUARTER["indexPrice"]),
    )
    assert dated.expiry == "2025-09-26T08:00:00.000Z" and dated.as_of == "2025-06-17T08:38:08.000Z"
    # stale: counted from now (LATER), not from the cached quote's time
    assert dated.days_to_expiry == pytest.approx((DATED_EXPIRY - LATER) / DAY, abs=1e-9)
    assert snapshot.items()[-1] is dated
    for item in snapshot.items():
        assert item.stale and not item.missing and not item.fresh
        assert item.age_seconds == 7200.0 and item.time == "2025-06-17T08:40:00.000Z"
        expected = fng_reason if item is fng and fng_reason is not None else reason
        assert item.error is not None and expected in item.error.lower(), item.error
    assert not snapshot.refreshed_any
    assert sum("STALE" in m for m in snapshot.messages) == 5


class TestFaultsKeepLastGoodValues:
    @pytest.mark.parametrize("fault", list(EXCHANGE_FAULTS))
    def test_fault(self, fault: str, warm_cache: Path, rs: responses.RequestsMock) -> None:
        serve_binance(rs, data_fault=EXCHANGE_FAULTS[fault])
        sleeps = Sleeps()
        snapshot = refresh_binance(warm_cache, clock=LATER, http_get=FNG_FAULTS[fault](), sleep=sleeps)
        reason, fng_reason, expected_sleeps = EXPECTED[fault]
        assert_last_good_values(snapshot, reason, fng_reason)
        assert sleeps == expected_sleeps

    def test_exchange_that_failed_is_not_called_again(self, warm_cache: Path, rs: responses.RequestsMock) -> None:
        serve_binance(rs, data_fault=EXCHANGE_FAULTS["timeout"])
        snapshot = refresh_binance(warm_cache, clock=LATER)
        urls = [_request_url(c) for c in rs.calls]
        assert len([u for u in urls if "/ticker/24hr" in u]) == 3  # attempts of RetryPolicy()
        assert not [u for u in urls if "premiumIndex" in u or "fundingRate" in u]
        assert "not attempted" in (snapshot.perp.error or "")

    def test_markets_unavailable(self, warm_cache: Path, rs: responses.RequestsMock) -> None:
        serve_binance(rs, markets_fault={"status": 503, "body": "Service Unavailable"})
        snapshot = refresh_binance(warm_cache, clock=LATER, http_get=FngGetter(errors=[TimeoutError()] * 3))
        assert_last_good_values(snapshot, "")
        assert "could not load binance markets: exchange not available" in (snapshot.spot["BTC"].error or "")

    def test_unknown_symbol_keeps_its_cached_value(self, warm_cache: Path, rs: responses.RequestsMock) -> None:
        # the exchangeInfo fixture with its BTCUSDT entry removed: BTC is no longer listed
        info = _read_json(FIXTURES / "binance_api_v3_exchangeInfo_minimal.json")
        info["symbols"] = [s for s in info["symbols"] if s["symbol"] != "BTCUSDT"]
        serve_binance(rs, spot_info=json.dumps(info))
        snapshot = refresh_binance(warm_cache, clock=LATER, symbols=["BTC", "NOSUCHCOIN"])
        assert snapshot.unknown_symbols == ("BTC", "NOSUCHCOIN")
        btc, nosuch = snapshot.spot["BTC"], snapshot.spot["NOSUCHCOIN"]
        assert btc.value == float(TICKER_24HR["lastPrice"]) and btc.stale and btc.age_seconds == 7200.0
        assert btc.error == "not listed on binance (no market BTC/USDT)"
        assert (
            nosuch.missing and not nosuch.stale and nosuch.error == "not listed on binance (no market NOSUCHCOIN/USDT)"
        )
        assert "not listed on binance (unknown symbols): BTC, NOSUCHCOIN" in snapshot.messages
        assert snapshot.perp.fresh and snapshot.refreshed_any  # the rest still refreshed

    def test_nothing_cached_reports_missing_with_reason(self, tmp_path: Path, rs: responses.RequestsMock) -> None:
        serve_binance(rs, data_fault=EXCHANGE_FAULTS["HTTP 502"])
        snapshot = refresh_binance(tmp_path, http_get=FNG_FAULTS["HTTP 502"]())
        assert not snapshot.refreshed_any
        for item in snapshot.items():
            assert item.missing and not item.stale and item.age_seconds is None and item.time is None
            assert item.error and ("502" in item.error or "not attempted" in item.error)
        assert snapshot.spot["BTC"].value is None and snapshot.perp.mark_price is None  # never zeroed
        assert snapshot.dated_future.price is None and snapshot.dated_future.days_to_expiry is None
        assert sum("MISSING" in m for m in snapshot.messages) == 5

    def test_retry_after_is_honoured_then_succeeds(self, tmp_path: Path, rs: responses.RequestsMock) -> None:
        serve_binance(rs)
        rs.replace(responses.GET, TICKER, status=429, body="", headers={"Retry-After": "3"})
        rs.add(responses.GET, TICKER, body=json.dumps(TICKER_24HR), content_type="application/json")
        sleeps = Sleeps()
        snapshot = refresh_binance(tmp_path, sleep=sleeps)
        assert sleeps == [3.0]
        assert snapshot.spot["BTC"].fresh and snapshot.spot["BTC"].value == 60755.18
        assert any("rate limited" in m and "retry 1 of 2 in 3 s" in m for m in snapshot.messages)

    def test_retry_after_too_long_gives_up_at_once(self, warm_cache: Path, rs: responses.RequestsMock) -> None:
        serve_binance(rs, data_fault={"status": 418, "body": "", "headers": {"Retry-After": "7200"}})
        sleeps = Sleeps()
        snapshot = refresh_binance(warm_cache, clock=LATER, sleep=sleeps)
        assert sleeps == []
        assert "asks to wait 7200 s" in (snapshot.spot["BTC"].error or "")
        assert snapshot.spot["BTC"].stale and snapshot.fear_greed.fresh

    def test_offline_fills_from_cache_without_any_request(self, warm_cache: Path, rs: responses.RequestsMock) -> None:
        getter = FngGetter()
        snapshot = refresh_market_data(
            ["BTC"], offline=True, cache_dir=warm_cache, http_get=getter, clock=fixed_clock(LATER)
        )
        assert_last_good_values(snapshot, "offline")
        assert snapshot.offline and len(rs.calls) == 0 and getter.urls == []

    def test_expired_cached_future_is_not_a_last_good_value(self, warm_cache: Path, rs: responses.RequestsMock) -> None:
        after = DATED_EXPIRY + timedelta(hours=1)  # the cached BTCUSDT_250926 has delivered
        offline = refresh_market_data(["BTC"], offline=True, cache_dir=warm_cache, clock=fixed_clock(after))
        dated = offline.dated_future
        assert dated.missing and not dated.stale and dated.price is None and dated.days_to_expiry is None
        assert dated.error == "offline mode: cache only; cached future expired on 2025-09-26T08:00:00.000Z"
        assert offline.perp.stale  # the other series still serve their cache
        # online: the fixture's only quarterly has expired, so none is listed, and the cache is refused too
        serve_binance(rs)
        online = refresh_binance(warm_cache, clock=after).dated_future
        assert online.missing and online.error is not None
        assert online.error.startswith("not listed on binance: no BTC delivery future settled in USDT")
        assert online.error.endswith("; cached future expired on 2025-09-26T08:00:00.000Z")

    def test_a_cached_future_not_yet_expired_is_still_served(self, warm_cache: Path) -> None:
        just_before = DATED_EXPIRY - timedelta(hours=6)  # inside dated_min_days, but not delivered yet
        dated = refresh_market_data(
            ["BTC"], offline=True, cache_dir=warm_cache, clock=fixed_clock(just_before)
        ).dated_future
        assert dated.stale and dated.price == float(PREMIUM_QUARTER["markPrice"])
        assert dated.days_to_expiry == pytest.approx(0.25)


# ------------------------------------------------------------------------------------- the cache


class TestCache:
    def test_atomic_write_leaves_old_file_when_replace_fails(
        self, warm_cache: Path, rs: responses.RequestsMock, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        before = (warm_cache / "binance.spot.BTC_USDT.json").read_bytes()

        def broken_replace(src: Any, dst: Any) -> None:
            raise OSError(28, "No space left on device")

        monkeypatch.setattr(os, "replace", broken_replace)  # the module the cache uses
        serve_binance(rs)
        snapshot = refresh_binance(warm_cache, clock=LATER)
        assert snapshot.spot["BTC"].fresh  # the value is still returned
        assert any("could not write the cache" in m for m in snapshot.messages)
        assert (warm_cache / "binance.spot.BTC_USDT.json").read_bytes() == before
        assert not [p for p in warm_cache.iterdir() if p.suffix == ".tmp"]

    def test_corrupt_cache_file_is_reported_not_used(self, warm_cache: Path) -> None:
        (warm_cache / "binance.spot.BTC_USDT.json").write_text('{"format": 1, "key": "binance.spot.BTC_USDT", "payl')
        snapshot = refresh_market_data(["BTC"], offline=True, cache_dir=warm_cache, clock=fixed_clock(LATER))
        quote = snapshot.spot["BTC"]
        assert quote.missing and "cached value is unusable" in (quote.error or "")
        assert snapshot.perp.stale  # other series unaffected

    def test_cache_dir_argument_then_env_var_then_platformdirs(self, monkeypatch: pytest.MonkeyPatch) -> None:
        import platformdirs

        monkeypatch.setenv(market.CACHE_ENV_VAR, "/somewhere/env")
        assert market.resolve_cache_dir("/somewhere/arg") == Path("/somewhere/arg")
        assert market.resolve_cache_dir() == Path("/somewhere/env")
        monkeypatch.delenv(market.CACHE_ENV_VAR)
        assert market.resolve_cache_dir() == Path(platformdirs.user_cache_dir("althedge-xl", appauthor=False))

    def test_env_var_is_used_by_refresh(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv(market.CACHE_ENV_VAR, str(tmp_path / "from-env"))
        refresh_market_data(
            [], offline=False, client=FakeExchange(), http_get=FngGetter(), clock=fixed_clock(T_PREMIUM)
        )
        assert (tmp_path / "from-env" / "alternative_me.fear_greed.json").is_file()


# ---------------------------------------------------------------------------- injectable fake client


class FakeExchange:
    """A stand-in for a ccxt exchange: the same public methods, canned answers, a call log."""

    id = "fakex"

    def __init__(
        self,
        tickers: dict[str, Any] | None = None,
        funding: Any = None,
        history: list[dict[str, Any]] | None = None,
        has: dict[str, bool] | None = None,
    ) -> None:
        self.tickers = tickers or {}
        self.funding = funding
        self.history = history or []
        self.markets: dict[str, Any] = {symbol: {} for symbol in [*self.tickers, PERP]}
        self.has = {"fetchTickers": True, "fetchFundingRates": True, "fetchFundingRateHistory": True, **(has or {})}
        self.calls: list[tuple[Any, ...]] = []

    def load_markets(self) -> dict[str, Any]:
        self.calls.append(("load_markets",))
        return self.markets

    def _answer(self, value: Any) -> Any:
        if isinstance(value, BaseException):
            raise value
        return value

    def fetch_tickers(self, symbols: list[str]) -> dict[str, Any]:
        self.calls.append(("fetch_tickers", tuple(symbols)))
        return {s: self._answer(self.tickers[s]) for s in symbols if not isinstance(self.tickers[s], BaseException)}

    def fetch_ticker(self, symbol: str) -> Any:
        self.calls.append(("fetch_ticker", symbol))
        return self._answer(self.tickers[symbol])

    def fetch_funding_rates(self, symbols: list[str]) -> Any:
        self.calls.append(("fetch_funding_rates", tuple(symbols)))
        return {PERP: self._answer(self.funding)} if self.funding is not None else {}

    def fetch_funding_rate_history(self, symbol: str, since: int, limit: int | None) -> list[dict[str, Any]]:
        self.calls.append(("fetch_funding_rate_history", since, limit))
        page = [h for h in self.history if h["timestamp"] >= since]
        return page[: limit or 200]


def ccxt_ticker(price: Any) -> dict[str, Any]:
    return {"last": price, "close": price, "timestamp": None}


CLOSE = {asset: float(CLOSES_2021_10_22[asset]) for asset in ("BTC", "ETH", "SOL")}  # daily_close_wide.csv 2021-10-22
PREMIUM_FUNDING = {  # ccxt's structure of the recorded premiumIndex BTCUSDT entry
    "markPrice": float(PREMIUM_BTC["markPrice"]),
    "indexPrice": float(PREMIUM_BTC["indexPrice"]),
    "fundingRate": float(PREMIUM_BTC["lastFundingRate"]),
    "fundingTimestamp": PREMIUM_BTC["nextFundingTime"],
    "timestamp": PREMIUM_BTC["time"],
    "interval": "8h",
}
HISTORY = [{"timestamp": ms, "fundingRate": float(rate)} for ms, _iso, rate in FUNDING_ROWS]


def refresh_fake(client: FakeExchange, cache: Path, symbols: list[Any], **kwargs: Any) -> market.MarketSnapshot:
    kwargs.setdefault("http_get", FngGetter())
    kwargs.setdefault("sleep", Sleeps())
    kwargs.setdefault("clock", fixed_clock(T_PREMIUM))
    return refresh_market_data(symbols, client=client, cache_dir=cache, **kwargs)


class TestInjectedClient:
    def test_one_batch_request_for_several_symbols_and_progress(self, tmp_path: Path) -> None:
        client = FakeExchange(
            {f"{a}/USDT": ccxt_ticker(CLOSE[a]) for a in ("BTC", "ETH", "SOL")}, PREMIUM_FUNDING, HISTORY
        )
        progress: list[tuple[int, int, str]] = []
        snapshot = refresh_fake(
            client, tmp_path, ["btc", "ETH", "sol", "eth", None, "USDT"], progress=lambda *a: progress.append(a)
        )
        assert list(snapshot.spot) == ["BTC", "ETH", "SOL", "USDT"]
        assert {s: q.value for s, q in snapshot.spot.items()} == {**CLOSE, "USDT": 1.0}
        assert snapshot.spot["ETH"].source == "fakex fetch_tickers ETH/USDT"
        assert snapshot.spot["USDT"].source == market.PAR_SOURCE
        assert ("fetch_tickers", ("BTC/USDT", "ETH/USDT", "SOL/USDT")) in client.calls
        assert not [c for c in client.calls if c[0] == "fetch_ticker"]
        assert [p[0] for p in progress] == list(range(1, 10)) and {p[1] for p in progress} == {9}
        assert [p[2] for p in progress][-2:] == ["dated future: none", "fear & greed"]
        assert snapshot.perp.funding_interval_hours == 8.0 and snapshot.perp.fresh

    def test_a_failing_symbol_does_not_take_the_others_down(self, tmp_path: Path) -> None:
        ccxt = pytest.importorskip("ccxt")
        client = FakeExchange(
            {
                "BTC/USDT": ccxt_ticker(CLOSE["BTC"]),
                "ETH/USDT": ccxt.BadSymbol('fakex {"code":-1121,"msg":"Invalid symbol."}'),
            },
            PREMIUM_FUNDING,
            HISTORY,
        )
        snapshot = refresh_fake(client, tmp_path, ["BTC", "ETH"])
        assert snapshot.spot["BTC"].value == CLOSE["BTC"] and snapshot.spot["BTC"].fresh
        assert snapshot.spot["ETH"].missing and "unknown symbol" in (snapshot.spot["ETH"].error or "")
        assert ("fetch_ticker", "ETH/USDT") in client.calls  # absent from the batch, asked alone

    def test_nonpositive_or_garbage_prices_are_never_used(self, tmp_path: Path) -> None:
        client = FakeExchange({"BTC/USDT": ccxt_ticker(0), "ETH/USDT": ccxt_ticker("n/a")}, PREMIUM_FUNDING, HISTORY)
        snapshot = refresh_fake(client, tmp_path, ["BTC", "ETH"])
        assert snapshot.spot["BTC"].value is None and snapshot.spot["ETH"].value is None
        assert snapshot.spot["BTC"].error == "empty result from fakex: no last price for BTC/USDT"

    def test_optional_perp_fields_keep_their_cached_value(self, tmp_path: Path) -> None:
        refresh_fake(FakeExchange({}, PREMIUM_FUNDING, HISTORY), tmp_path, [])
        thin = {k: v for k, v in PREMIUM_FUNDING.items() if k not in ("indexPrice", "interval", "fundingTimestamp")}
        snapshot = refresh_fake(FakeExchange({}, thin, []), tmp_path, [], clock=fixed_clock(LATER))
        perp = snapshot.perp
        assert perp.fresh and perp.index_price == float(PREMIUM_BTC["indexPrice"])
        assert perp.funding_interval_hours == 8.0 and perp.next_funding_time == "2025-06-17T16:00:00.000Z"
        assert any("index_price not in the response; kept the cached value" in m for m in snapshot.messages)

    def test_history_is_paged_until_nothing_newer(self, tmp_path: Path) -> None:
        client = FakeExchange({}, PREMIUM_FUNDING, HISTORY)
        client.id = "bybit"  # page limit 200, as Bybit's API allows
        snapshot = refresh_fake(client, tmp_path, [])
        pages = [c for c in client.calls if c[0] == "fetch_funding_rate_history"]
        assert [c[2] for c in pages] == [200, 200, 200]  # 200 + 70 settlements, then an empty page
        assert len(snapshot.funding_history.points) == 270
        assert pages[1][1] == _ms(snapshot.funding_history.points[199].time) + 1

    def test_singular_funding_rate_when_the_plural_gives_nothing(self, tmp_path: Path) -> None:
        client = FakeExchange({}, None, HISTORY, has={"fetchFundingRate": True})
        client.fetch_funding_rate = lambda symbol: dict(PREMIUM_FUNDING)  # type: ignore[attr-defined]
        perp = refresh_fake(client, tmp_path, []).perp
        assert perp.fresh and perp.mark_price == float(PREMIUM_BTC["markPrice"])
        assert perp.source == "fakex fetch_funding_rate BTC/USDT:USDT"

    def test_short_history_is_said_not_hidden(self, tmp_path: Path) -> None:
        recent = [h for h in HISTORY if h["timestamp"] >= _ms("2025-06-01T00:00:00.000Z")]
        snapshot = refresh_fake(FakeExchange({}, PREMIUM_FUNDING, recent), tmp_path, [])
        assert snapshot.funding_history.points[0].time == "2025-06-01T00:00:00.001Z"  # the CSV's stamp, 1 ms jitter
        assert "funding history (fakex BTC/USDT:USDT): fakex returned 16.4 of 90 days" in snapshot.messages

    def test_dated_future_choice_and_last_price_fallback(self, tmp_path: Path) -> None:
        now_ms = _ms("2025-06-17T08:40:00Z")  # T_PREMIUM

        def future(base: str, settle: str, days: float, **extra: Any) -> dict[str, Any]:
            quote = settle if settle != base else "USD"
            linear = settle != base
            expiry = now_ms + int(days * 86_400_000)
            return {"base": base, "quote": quote, "settle": settle, "future": True, "linear": linear,
                    "active": True, "expiry": expiry, **extra}  # fmt: skip

        client = FakeExchange({}, PREMIUM_FUNDING, HISTORY)
        client.markets.update(
            {
                "BTC/USDT:USDT-A": future("BTC", "USDT", 6.9),  # too near
                "BTC/USDT:USDT-B": future("BTC", "USDT", 40, active=False),  # not trading
                "BTC/USD:BTC-C": future("BTC", "BTC", 20),  # inverse
                "BTC/USDC:USDC-D": future("BTC", "USDC", 20),  # settled in USDC
                "ETH/USDT:USDT-E": future("ETH", "USDT", 20),  # not BTC
                "BTC/USDT:USDT-F": future("BTC", "USDT", 7),  # the nearest at least 7 days away
                "BTC/USDT:USDT-G": future("BTC", "USDT", 90),
                "BTC/USDT:USDT": {"base": "BTC", "settle": "USDT", "swap": True, "linear": True, "expiry": None},
            }
        )
        client.tickers["BTC/USDT:USDT-F"] = {"symbol": "BTC/USDT:USDT-F", "last": CLOSE["BTC"], "timestamp": None}
        snapshot = refresh_fake(client, tmp_path, [])
        dated = snapshot.dated_future
        assert dated.symbol == "BTC/USDT:USDT-F" and dated.fresh and dated.price == CLOSE["BTC"]
        assert dated.index_price is None and dated.days_to_expiry == pytest.approx(7.0)
        assert dated.source == "fakex fetch_ticker BTC/USDT:USDT-F"
        assert ("fetch_ticker", "BTC/USDT:USDT-F") in client.calls
        assert ("fetch_funding_rates", (PERP,)) in client.calls  # only Binance's list is shared with the perp
        assert "dated future BTC/USDT:USDT-F (fakex): no mark price published; using the last price" in (
            snapshot.messages
        )
        assert refresh_fake(client, tmp_path / "g", [], dated_min_days=8).dated_future.symbol == "BTC/USDT:USDT-G"

    def test_dated_future_answer_for_another_contract_is_refused(self, tmp_path: Path) -> None:
        client = FakeExchange({}, PREMIUM_FUNDING, HISTORY)
        client.markets["BTC/USDT:USDT-X"] = {"base": "BTC", "settle": "USDT", "future": True, "linear": True,
                                             "expiry": _ms("2025-09-26T08:00:00Z")}  # fmt: skip
        client.tickers["BTC/USDT:USDT-X"] = {"symbol": PERP, "markPrice": 1.0, "last": 1.0}
        dated = refresh_fake(client, tmp_path, []).dated_future
        assert dated.missing and dated.symbol == "BTC/USDT:USDT-X"
        assert dated.error == "fakex answered for BTC/USDT:USDT when asked for BTC/USDT:USDT-X"

    def test_exchange_without_funding_methods(self, tmp_path: Path) -> None:
        client = FakeExchange(
            {"BTC/USDT": ccxt_ticker(CLOSE["BTC"])}, has={"fetchFundingRates": False, "fetchFundingRateHistory": False}
        )
        snapshot = refresh_fake(client, tmp_path, ["BTC"])
        assert snapshot.perp.missing and snapshot.perp.error == "fakex offers no public funding rate in ccxt"
        assert snapshot.funding_history.error == "fakex has no public funding-rate history in ccxt"
        assert snapshot.refreshed_any

    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(
        prices=st.lists(
            st.one_of(st.none(), st.floats(), st.integers(-3, 3), st.text(max_size=4)), min_size=1, max_size=3
        ),
        mark=st.one_of(st.none(), st.floats(), st.text(max_size=3)),
        rate=st.one_of(st.none(), st.floats(), st.text(max_size=3)),
    )
    def test_never_raises_never_zero(self, prices: list[Any], mark: Any, rate: Any) -> None:
        tickers = {f"C{i}/USDT": ccxt_ticker(p) for i, p in enumerate(prices)}
        client = FakeExchange(
            tickers, {"markPrice": mark, "fundingRate": rate}, [{"timestamp": 1, "fundingRate": rate}]
        )
        with tempfile.TemporaryDirectory() as cache:
            snapshot = refresh_fake(client, Path(cache), [f"C{i}" for i in range(len(prices))])
        for quote in snapshot.spot.values():
            assert quote.value is None or (math.isfinite(quote.value) and quote.value > 0)
            assert quote.fresh or quote.error
        assert snapshot.perp.mark_price is None or snapshot.perp.mark_price > 0


# ----------------------------------------------------------------------------------- daily closes

KLINES = _url("api.binance.com", "/api/v3/klines")
KLINES_SAMPLE = _read_json(WIRE / "binance_spot_api_v3_klines.json")  # recorded 1-minute klines (12 fields)
with (DATA / "prices" / "binance_spot_1d_ohlcv_8assets.csv").open(encoding="utf-8", newline="") as _f:
    DAILY_CANDLES = [(_ms(f"{r['date']}T00:00:00Z"), r) for r in csv.DictReader(_f)]
DAILY_CLOSE = {(r["symbol"], r["date"]): float(r["close"]) for _ms_open, r in DAILY_CANDLES}
T_CLOSES = datetime(2022, 11, 15, 12, 0, tzinfo=UTC)  # the 2022-11-15 candle is still open
CLOSES_DATES = [f"2022-11-{d:02d}" for d in range(5, 15)]  # the 10 complete days before T_CLOSES


def klines_body(request: Any) -> tuple[int, dict[str, str], str]:
    """``GET /api/v3/klines`` answered from the real daily candles of ``prices/binance_spot_1d_ohlcv_8assets.csv``.

    No recorded daily klines body exists (``wire_samples/binance_spot_api_v3_klines.json`` holds ten 1-minute
    klines), so the CSV's real rows are served in that recorded body's shape: 12 fields, open and close time in ms,
    prices and volume as Binance's 8-decimal strings. The CSV has no quote volume, trade count or taker volumes;
    they are served as zeros (ccxt reads only the first six fields). ``symbol``, ``startTime``, ``endTime`` and
    ``limit`` are honoured as Binance does (ascending from ``startTime``, default limit 500); a symbol the CSV does
    not hold gets Binance's "Invalid symbol." error.
    """
    query = {k: v[0] for k, v in parse_qs(urlparse(request.url).query).items()}
    start, end = int(query.get("startTime", 0)), int(query.get("endTime", 2**62))
    assert query["interval"] == "1d"
    rows = [(ms, r) for ms, r in DAILY_CANDLES if r["symbol"] == query["symbol"]]
    if not rows:
        return 400, {"Content-Type": "application/json"}, '{"code":-1121,"msg":"Invalid symbol."}'

    def price(text: str) -> str:
        return f"{Decimal(text):.8f}"

    def kline(ms: int, row: dict[str, str]) -> list[Any]:
        ohlcv = [price(row[k]) for k in ("open", "high", "low", "close", "volume")]
        return [ms, *ohlcv, ms + 86_399_999, price("0"), 0, price("0"), price("0"), "0"]

    body = [kline(ms, r) for ms, r in rows if start <= ms <= end][: int(query.get("limit", 500))]
    return 200, {"Content-Type": "application/json"}, json.dumps(body)


def spot_info_listing(*bases: str) -> str:
    """The spot exchangeInfo fixture plus ``<base>USDT`` entries copied from its BTCUSDT entry (only ``symbol`` and
    ``baseAsset`` changed, as the fixture's own BTCUSDT was made from ETHBTC; see the fixtures README)."""
    info = _read_json(FIXTURES / "binance_api_v3_exchangeInfo_minimal.json")
    btc = next(s for s in info["symbols"] if s["symbol"] == "BTCUSDT")
    info["symbols"] += [{**btc, "symbol": f"{base}USDT", "baseAsset": base} for base in bases]
    return json.dumps(info)


def serve_klines(rs: responses.RequestsMock, *listed: str) -> None:
    serve_binance(rs, spot_info=spot_info_listing(*listed))
    rs.add_callback(responses.GET, KLINES, callback=klines_body)


def closes_binance(
    cache: Path, symbols: Any = ("BTC", "ETH"), *, clock: datetime = T_CLOSES, **kwargs: Any
) -> market.DailyCloses:
    """Daily closes (10 days by default) through a real ccxt binance client, at ``clock``."""
    kwargs.setdefault("sleep", Sleeps())
    return market.fetch_daily_closes(
        symbols, kwargs.pop("days", 10), cache_dir=cache, clock=fixed_clock(clock), **kwargs
    )


def csv_closes(dates: list[str], *pairs: str) -> tuple[tuple[float | None, ...], ...]:
    return tuple(tuple(DAILY_CLOSE.get((pair, date)) for pair in pairs) for date in dates)


class TestDailyCloses:
    def test_closes_are_the_csv_closes_of_the_complete_days(self, rs: responses.RequestsMock, tmp_path: Path) -> None:
        serve_klines(rs, "ETH")
        progress: list[tuple[int, int, str]] = []
        closes = closes_binance(tmp_path, ["btc", "ETH"], progress=lambda *a: progress.append(a))
        assert closes.symbols == ("BTC", "ETH") and closes.dates == tuple(CLOSES_DATES)
        assert closes.closes == csv_closes(CLOSES_DATES, "BTCUSDT", "ETHUSDT")
        assert closes.closes[4][0] == 15922.81  # the data README: BTCUSDT close 2022-11-09
        assert (closes.fresh, closes.stale, closes.error, closes.age_seconds) == (True, False, None, 0.0)
        assert closes.time == "2022-11-15T12:00:00.000Z"
        assert closes.source == "binance fetch_ohlcv 1d BTC/USDT ETH/USDT"
        asked = [parse_qs(urlparse(_request_url(c)).query) for c in rs.calls if "/klines" in _request_url(c)]
        since = [str(_ms("2022-11-05T00:00:00Z"))]
        assert asked == [
            {"symbol": [pair], "interval": ["1d"], "startTime": since, "limit": ["10"]}
            for pair in ("BTCUSDT", "ETHUSDT")
        ]
        served = json.loads(next(c for c in rs.calls if "/klines" in _request_url(c)).response.text)
        assert [type(v) for v in served[0]] == [type(v) for v in KLINES_SAMPLE[0]]  # the recorded body's shape
        assert progress == [(1, 4, "markets: binance"), (2, 4, "daily closes: BTC/USDT"),
                            (3, 4, "daily closes: ETH/USDT"), (4, 4, "daily closes")]  # fmt: skip

    def test_today_open_candle_is_dropped_and_symbols_aligned_on_dates(
        self, rs: responses.RequestsMock, tmp_path: Path
    ) -> None:
        serve_klines(rs, "SOL")
        # SOLUSDT's first daily candle in the CSV is 2020-08-11; a window of 4 days, with today (13th) still open
        closes = closes_binance(tmp_path, ["BTC", "SOL", "USDT"], days=4, clock=datetime(2020, 8, 13, 6, tzinfo=UTC))
        dates = ["2020-08-09", "2020-08-10", "2020-08-11", "2020-08-12"]
        assert closes.dates == tuple(dates) and closes.fresh
        assert [row[:2] for row in closes.closes] == list(csv_closes(dates, "BTCUSDT", "SOLUSDT"))
        assert [row[1] for row in closes.closes] == [None, None, 3.2985, 3.7558]  # the CSV's SOLUSDT closes
        assert [row[2] for row in closes.closes] == [1.0] * 4  # the quote currency itself, never asked
        assert len([c for c in rs.calls if "/klines" in _request_url(c)]) == 2

    def test_server_error_after_a_good_run_serves_the_cache_stale(
        self, rs: responses.RequestsMock, tmp_path: Path
    ) -> None:
        serve_klines(rs, "ETH")
        good = closes_binance(tmp_path)
        rs.replace(responses.GET, KLINES, **EXCHANGE_FAULTS["HTTP 500"])
        sleeps = Sleeps()
        closes = closes_binance(tmp_path, clock=T_CLOSES + timedelta(hours=2), sleep=sleeps)
        assert (closes.dates, closes.closes) == (good.dates, good.closes)
        assert closes.stale and not closes.missing and closes.age_seconds == 7200.0
        assert closes.time == "2022-11-15T12:00:00.000Z" and closes.source == good.source
        assert closes.error is not None and closes.error.startswith("BTC/USDT: exchange error")
        assert sleeps == [1.0, 2.0]
        # nothing cached: missing, with the reason
        empty = closes_binance(tmp_path / "empty", sleep=Sleeps())
        assert empty.missing and not empty.stale and empty.closes == () and empty.age_seconds is None
        assert empty.error is not None and "exchange error" in empty.error

    def test_unlisted_symbol_serves_the_cache_stale_naming_it(self, rs: responses.RequestsMock, tmp_path: Path) -> None:
        serve_klines(rs, "ETH")
        good = closes_binance(tmp_path)
        # the verbatim fixture lists no ETHUSDT
        rs.replace(responses.GET, SPOT_INFO, body=(FIXTURES / "binance_api_v3_exchangeInfo_minimal.json").read_text())
        calls = len(rs.calls)
        closes = closes_binance(tmp_path, clock=T_CLOSES + timedelta(days=1))
        assert closes.stale and closes.closes == good.closes and closes.age_seconds == 86_400.0
        assert closes.error == "not listed on binance (unknown symbols): ETH"
        assert not [c for c in rs.calls[calls:] if "/klines" in _request_url(c)]  # BTC is not asked in vain
        nothing = closes_binance(tmp_path, ["BTC", "NOSUCHCOIN"])
        assert nothing.missing and nothing.error == "not listed on binance (unknown symbols): NOSUCHCOIN"

    def test_offline_serves_the_cache_without_any_request(self, rs: responses.RequestsMock, tmp_path: Path) -> None:
        serve_klines(rs, "ETH")
        closes_binance(tmp_path)
        calls = len(rs.calls)
        later = T_CLOSES + timedelta(hours=1)
        closes = closes_binance(tmp_path, ["BTC", "ETH"], days=3, offline=True, clock=later)
        assert len(rs.calls) == calls
        assert closes.stale and closes.error == "offline mode: cache only" and closes.age_seconds == 3600.0
        assert closes.dates == tuple(CLOSES_DATES[-3:])  # the cached table's last 3 days
        assert closes.closes == csv_closes(CLOSES_DATES[-3:], "BTCUSDT", "ETHUSDT")

    @pytest.mark.parametrize("days", [1, 0, -5, 1001, 10.0, True, "10", None])
    def test_bad_days(self, tmp_path: Path, days: Any) -> None:
        with pytest.raises(ValueError, match="days must be a whole number of days from 2 to 1000"):
            market.fetch_daily_closes(["BTC"], days, offline=True, cache_dir=tmp_path)

    def test_bad_symbols_and_exchange(self, tmp_path: Path) -> None:
        with pytest.raises(ValueError, match="at least one symbol"):
            market.fetch_daily_closes(["", None], offline=True, cache_dir=tmp_path)
        with pytest.raises(ValueError, match="unknown exchange 'binanse'"):
            market.fetch_daily_closes(["BTC"], exchange="binanse", cache_dir=tmp_path)


# ------------------------------------------------------------------- the real urllib path, loopback


class _Handler(BaseHTTPRequestHandler):
    script: ClassVar[list[tuple[int, dict[str, str], bytes, float]]] = []

    def do_GET(self) -> None:
        status, headers, body, delay = self.script.pop(0) if self.script else (404, {}, b"", 0.0)
        time.sleep(delay)
        # A client that timed out has gone by now: its broken pipe is the expected end, not an error
        # for the server's thread to print into whichever test runs next.
        with contextlib.suppress(BrokenPipeError, ConnectionResetError, ConnectionAbortedError):
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def loopback() -> Iterator[tuple[str, list[tuple[int, dict[str, str], bytes, float]]]]:
    script: list[tuple[int, dict[str, str], bytes, float]] = []
    handler = type("Handler", (_Handler,), {"script": script})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", script
    finally:
        server.shutdown()
        server.server_close()


class TestDeadlineHttpGet:
    def test_body_429_500_and_timeout(self, loopback: tuple[str, list[Any]]) -> None:
        base, script = loopback
        script += [
            (200, {"Content-Type": "application/json"}, FNG_BYTES, 0.0),
            (429, {"Retry-After": "5"}, b"", 0.0),
            (500, {}, b"oops", 0.0),
            (200, {}, b"late", 1.0),
        ]
        get = market.deadline_http_get(market.Deadline(30))
        assert get(f"{base}/fng/", 2.0) == FNG_BYTES
        with pytest.raises(HttpStatusError) as too_many:
            get(f"{base}/fng/", 2.0)
        assert (too_many.value.status, too_many.value.retry_after_s) == (429, 5.0)
        with pytest.raises(HttpStatusError) as server_error:
            get(f"{base}/fng/", 2.0)
        assert server_error.value.status == 500
        with pytest.raises(OSError):
            get(f"{base}/fng/", 0.2)

    def test_connection_refused_is_an_oserror(self) -> None:
        with socket.socket() as probe:  # a port nothing listens on
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        with pytest.raises(OSError):
            market.deadline_http_get(market.Deadline(30))(f"http://127.0.0.1:{port}/fng/", 1.0)

    def test_refresh_through_the_base_url_after_a_429(
        self, loopback: tuple[str, list[Any]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        base, script = loopback
        script += [(429, {"Retry-After": "2"}, b"", 0.0), (200, {}, FNG_BYTES, 0.0)]
        monkeypatch.setenv(market.BASE_URL_ENV_VAR, base)
        sleeps = Sleeps()
        snapshot = refresh_market_data(
            [],
            client=FakeExchange(),
            cache_dir=tmp_path,
            sleep=sleeps,
            clock=fixed_clock(T_PREMIUM),
        )
        assert sleeps == [2.0]
        assert (snapshot.fear_greed.value, snapshot.fear_greed.date) == (47, "2025-04-22") and snapshot.fear_greed.fresh


# ----------------------------------------------------------------------------------- module level


class TestModule:
    def test_import_is_cheap_and_does_not_import_ccxt(self) -> None:
        code = "import sys, althedge_xl.market; sys.exit(int(any(m in sys.modules for m in ('ccxt', 'requests', 'urllib.request'))))"
        env = {**os.environ, "PYTHONPATH": str(PROJECT)}
        assert subprocess.run([sys.executable, "-c", code], env=env, cwd=PROJECT, check=False).returncode == 0

    def test_one_module_does_not_load_the_feeds(self) -> None:
        # The command line reads market.deadline for every subcommand's options; the feeds load on use.
        code = (
            "import sys, althedge_xl.market.deadline, althedge_xl.cli; althedge_xl.cli.build_parser()\n"
            "print(sorted(m for m in sys.modules if m.startswith('althedge_xl.market.')))"
        )
        env = {**os.environ, "PYTHONPATH": str(PROJECT)}
        done = subprocess.run([sys.executable, "-c", code], env=env, cwd=PROJECT, capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
        assert done.stdout.split() == ["['althedge_xl.market.deadline']"]
        # a module of the package is still an attribute of it, imported on first use too
        code = "import althedge_xl.market as m; print(m.snapshot.__name__)"
        done = subprocess.run([sys.executable, "-c", code], env=env, cwd=PROJECT, capture_output=True, text=True)
        assert (done.returncode, done.stdout.strip()) == (0, "althedge_xl.market.snapshot"), done.stderr

    def test_public_names_are_their_modules_objects(self) -> None:
        import importlib

        for name in market.__all__:
            module = importlib.import_module(f"althedge_xl.market.{market._WHERE[name]}")
            assert getattr(market, name) is getattr(module, name), name
        assert sorted(market._WHERE) == sorted(market.__all__)
        assert set(market.__all__) <= set(dir(market))
        with pytest.raises(AttributeError, match="has no attribute 'fetch_everything'"):
            market.fetch_everything  # noqa: B018

    def test_make_exchange_is_public_rate_limited_and_key_less(self) -> None:
        client = market.make_exchange("bybit", timeout_s=7.5)
        assert client.id == "bybit" and client.enableRateLimit is True and client.timeout == 7500
        assert not client.apiKey and not client.secret
        assert client.options["fetchMarkets"]["types"] == ["spot", "linear"]

    def test_unknown_exchange_names_the_value(self, tmp_path: Path) -> None:
        with pytest.raises(ValueError, match="unknown exchange 'binanse'"):
            refresh_market_data(["BTC"], exchange="binanse", cache_dir=tmp_path, http_get=FngGetter())

    def test_bad_history_days(self, tmp_path: Path) -> None:
        with pytest.raises(ValueError, match="history_days"):
            refresh_market_data(["BTC"], offline=True, cache_dir=tmp_path, history_days=0)

    @pytest.mark.parametrize("days", [-1, float("nan"), "7"])
    def test_bad_dated_min_days(self, tmp_path: Path, days: Any) -> None:
        with pytest.raises(ValueError, match="dated_min_days"):
            refresh_market_data(["BTC"], offline=True, cache_dir=tmp_path, dated_min_days=days)

    def test_snapshot_built_without_a_dated_future(self) -> None:
        # callers that build a MarketSnapshot by hand (the refresh tests) need not pass dated_future
        fng = market.FearGreed(
            47, "2025-04-22", "Neutral", (), "2025-06-17T08:40:00.000Z", "alternative.me", False, 0.0, None
        )
        perp = market.PerpQuote(PERP, None, None, None, None, None, None, None, "", False, None, "timed out")
        history = market.FundingHistory(PERP, (), None, "", False, None, "timed out")
        snapshot = market.MarketSnapshot(
            "binance", "USDT", "2025-06-17T08:40:00.000Z", False, {}, perp, history, fng, (), ()
        )
        dated = snapshot.dated_future
        assert dated.missing and not dated.stale and dated.error == "not fetched"
        assert snapshot.items()[-1] is dated and snapshot.refreshed_any  # Fear & Greed alone is fresh

    @pytest.mark.parametrize(
        ("header", "expected"),
        [
            ("3", 3.0),
            (" 120 ", 120.0),
            ("Tue, 17 Jun 2025 08:40:30 GMT", 30.0),
            ("soon", None),
            (None, None),
            ("-5", 0.0),
        ],
    )
    def test_parse_retry_after(self, header: str | None, expected: float | None) -> None:
        assert market.parse_retry_after(header, T_PREMIUM) == expected

    def test_retry_policy_backoff_is_capped(self) -> None:
        assert [RetryPolicy(max_delay_s=5).delay(n) for n in range(1, 6)] == [1.0, 2.0, 4.0, 5.0, 5.0]

    def test_fear_greed_error_in_metadata(self) -> None:
        with pytest.raises(market.FeedError, match=r"alternative\.me reported an error: busy"):
            market.parse_fear_greed(b'{"data": [], "metadata": {"error": "busy"}}')

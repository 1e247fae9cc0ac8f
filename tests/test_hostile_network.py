"""The refresh against hostile servers on 127.0.0.1: it ends by its deadline and keeps the last good values.

The real ccxt client (made by ``market.make_exchange``) and alternative.me's reader are pointed at
:class:`hostile_server.HostileServer` through ``ALTHEDGE_API_BASE_URL``. The cache is filled first by the
same server answering with the recorded bodies; then every request is answered hostilely. Each refresh
must end within its deadline plus a margin generous enough that only a deadline that is not enforced
(before: a dripping server held a refresh for over 10 minutes, ``Retry-After: 30`` for 2 minutes, a
black hole for 66 s) can miss it. The figures themselves are measured by ``benchmarks/bench_refresh_hostile.py``.
"""

from __future__ import annotations

import shutil
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from hostile_server import HostileServer
from test_feeds import (  # the feed tests' recorded values and their check of last good values
    T_PREMIUM,
    Sleeps,
    _no_network,  # noqa: F401  (autouse: loopback only)
    assert_last_good_values,
    fixed_clock,
    throttle_costs,  # noqa: F401  (autouse: ccxt's throttle records instead of sleeping)
)

from althedge_xl import market

LATER = T_PREMIUM + timedelta(hours=2)
DEADLINE_S = 2.0
#: Far above the deadline, far below what an unenforced deadline takes (66 s and more, see above).
MARGIN_S = 8.0
SYMBOLS = ["BTC"]


@pytest.fixture(scope="module")
def warm_once(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A cache filled at T_PREMIUM by the server answering honestly with the recorded bodies."""
    cache = tmp_path_factory.mktemp("warm") / "cache"
    with HostileServer("ok") as server, pytest.MonkeyPatch.context() as patch:
        patch.setenv(market.BASE_URL_ENV_VAR, server.base_url)
        snapshot = market.refresh_market_data(
            SYMBOLS, cache_dir=cache, clock=fixed_clock(T_PREMIUM), sleep=Sleeps(), deadline=market.Deadline(30)
        )
    assert all(item.fresh for item in snapshot.items()), snapshot.messages
    return cache


@pytest.fixture
def warm(warm_once: Path, tmp_path: Path) -> Path:
    """A copy of the warm cache for one test."""
    return Path(shutil.copytree(warm_once, tmp_path / "cache"))


def refresh_against(server: HostileServer, cache: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[float, object]:
    """One refresh with the real clock for waits (time.sleep) and the deadline; seconds taken and snapshot."""
    monkeypatch.setenv(market.BASE_URL_ENV_VAR, server.base_url)
    result: dict[str, object] = {}

    def run() -> None:
        result["snapshot"] = market.refresh_market_data(
            SYMBOLS, cache_dir=cache, clock=fixed_clock(LATER), deadline=market.Deadline(DEADLINE_S), sleep=time.sleep
        )

    started = time.monotonic()
    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(DEADLINE_S + 60)  # the test itself never hangs, whatever the code does
    return time.monotonic() - started, result.get("snapshot")


#: mode → what the reason of every stale item says (lower case)
CASES = {
    "drip": "timed out",
    "stall": "timed out",
    "blackhole": "timed out",
    "retry_after": "deadline",
    "5xx": "deadline",
    "html": "html, not json",
    "garbage": "not json",
    "empty": "an empty answer ({})",
}


@pytest.fixture(params=list(CASES))
def hostile(request: pytest.FixtureRequest) -> Iterator[HostileServer]:
    with HostileServer(request.param, drip_interval_s=0.3, retry_after_s=30) as server:
        yield server


def test_every_hostile_server_ends_by_the_deadline_with_the_last_good_values(
    hostile: HostileServer, warm: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seconds, snapshot = refresh_against(hostile, warm, monkeypatch)
    assert snapshot is not None, f"{hostile.mode}: the refresh was still running {seconds:.0f} s later"
    assert seconds < DEADLINE_S + MARGIN_S, f"{hostile.mode}: took {seconds:.1f} s with a {DEADLINE_S} s deadline"
    assert isinstance(snapshot, market.MarketSnapshot)
    reason = CASES[hostile.mode]
    assert_last_good_values(snapshot, reason if hostile.mode in ("html", "garbage", "empty") else "")
    assert any(reason in item.error.lower() for item in snapshot.items() if item.error), snapshot.messages
    assert snapshot.unknown_symbols == ()  # a broken answer is never "unknown symbol"
    assert not any("unknown symbol" in m for m in snapshot.messages), snapshot.messages


@pytest.mark.parametrize("mode", ["html", "garbage", "empty"])
def test_a_malformed_market_list_names_the_venue_and_what_came(
    mode: str, warm: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with HostileServer(mode, hostile=lambda path: path.endswith("exchangeInfo")) as server:
        _, snapshot = refresh_against(server, warm, monkeypatch)
    assert isinstance(snapshot, market.MarketSnapshot)
    spot = snapshot.spot["BTC"]
    assert spot.stale and spot.value is not None and "could not load binance markets" in (spot.error or "")
    assert "/api/v3/exchangeInfo answered with" in (spot.error or "") and CASES[mode] in (spot.error or "").lower()
    assert snapshot.fear_greed.fresh  # alternative.me answered well
    assert snapshot.unknown_symbols == ()


def test_an_unreadable_futures_list_is_no_unknown_perpetual(warm: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The spot list is fine, Binance's futures list comes back as an HTML page.
    with HostileServer("html", hostile=lambda path: path == "/fapi/v1/exchangeInfo") as server:
        _, snapshot = refresh_against(server, warm, monkeypatch)
    assert isinstance(snapshot, market.MarketSnapshot)
    assert snapshot.spot["BTC"].fresh
    perp = snapshot.perp
    assert perp.stale and perp.mark_price is not None
    assert "could not read binance's linear market list" in (perp.error or "") and "HTML" in (perp.error or "")
    assert snapshot.unknown_symbols == ()

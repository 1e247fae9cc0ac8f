"""Bybit's risk limits fetched through ccxt into the Hedge sheet's Bybit tier table (issue 11).

ccxt's real Bybit client runs against Bybit's documented bodies replayed with ``responses`` (no network):
the markets from ``tests/fixtures/feeds`` and the linear risk limits from ``tests/fixtures/margin`` (an
adapted documentation example, see that folder's README).
"""

from __future__ import annotations

import zipfile
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import openpyxl
import pytest
import responses
from conftest import package_parts

from althedge_xl.cli import main
from althedge_xl.headless.engine import compute
from althedge_xl.market.risk_limits import RiskLimits, fetch_risk_limits
from althedge_xl.workbook import prices_layout as px
from althedge_xl.workbook.patch import sheet_part
from althedge_xl.workbook.refresh import refresh_workbook
from althedge_xl.workbook.sheets.hedge import BYBIT_FIRST_ROW, TIER_ROWS
from althedge_xl.workbook.tiers_update import HEADING_CELL, NOTE_CELL

TESTS = Path(__file__).resolve().parent
FEEDS = TESTS / "fixtures" / "feeds"
MARGIN = TESTS / "fixtures" / "margin"
TEMPLATE = TESTS.parent / "workbook" / "AltHedge.xlsm"
CLOCK = datetime(2022, 12, 26, 12, 0, tzinfo=timezone.utc)  # the risk-limit example's "time": 1672054488010

# The three tiers of the fixture, worked by hand. Bybit's rule for the deduction (its help centre, as
# Binance's cum): amountₙ = floorₙ × (rateₙ − rateₙ₋₁) + amountₙ₋₁:
#   tier 2: 2,000,000 × (0.010 − 0.005) + 0      = 10,000
#   tier 3: 4,000,000 × (0.015 − 0.010) + 10,000 = 30,000
EXPECTED = [
    [0.0, 2_000_000.0, 0.005, 0.0, 100.0],
    [2_000_000.0, 4_000_000.0, 0.01, 10_000.0, 57.14],
    [4_000_000.0, 6_000_000.0, 0.015, 30_000.0, 40.0],
]


def bybit(request: Any, risk_limit: str = "bybit_v5_market_risk_limit_linear_adapted_docs_example.json") -> Any:
    url = urlparse(request.url)
    query = {k: v[0] for k, v in parse_qs(url.query).items()}
    if url.path == "/v5/market/risk-limit":
        assert (query["category"], query["symbol"]) == ("linear", "BTCUSDT")
        return 200, {"Content-Type": "application/json"}, (MARGIN / risk_limit).read_text()
    name = {
        ("/v5/market/instruments-info", "spot"): "bybit_v5_market_instruments_info_spot_docs_example.json",
        ("/v5/market/instruments-info", "linear"): "bybit_v5_market_instruments_info_linear_docs_example.json",
    }[(url.path, query["category"])]
    if query.get("status") == "PreLaunch":
        name = "bybit_v5_market_instruments_info_linear_prelaunch_docs_example.json"
    return 200, {"Content-Type": "application/json"}, (FEEDS / name).read_text()


def failing(request: Any) -> Any:
    return 500, {"Content-Type": "application/json"}, '{"retCode": 10016, "retMsg": "internal error"}'


def _fetch(callback: Any, cache: Path, **options: Any) -> RiskLimits:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.add_callback(responses.GET, "https://api.bybit.com/v5/market/risk-limit", callback=callback)
        mock.add_callback(responses.GET, "https://api.bybit.com/v5/market/instruments-info", callback=bybit)
        return fetch_risk_limits("bybit", cache_dir=cache, clock=lambda: CLOCK, sleep=lambda s: None, **options)


def test_fresh_table_through_ccxt(tmp_path):
    limits = _fetch(bybit, tmp_path)
    assert limits.fresh and limits.error is None
    assert [list(row) for row in limits.rows] == EXPECTED
    assert limits.source == "bybit fetch_market_leverage_tiers BTC/USDT:USDT"
    assert limits.time == "2022-12-26T12:00:00.000Z"


def test_a_failed_fetch_serves_the_last_good_table_stale(tmp_path):
    _fetch(bybit, tmp_path)
    limits = _fetch(failing, tmp_path)
    assert limits.stale and [list(row) for row in limits.rows] == EXPECTED
    assert "500" in (limits.error or "") or "internal error" in (limits.error or "")


def test_nothing_cached_and_offline_is_missing_with_the_reason(tmp_path):
    limits = fetch_risk_limits("bybit", offline=True, cache_dir=tmp_path)
    assert limits.missing and limits.error == "offline mode: cache only"


def test_an_impossible_tier_is_refused_and_nothing_cached(tmp_path):
    # ccxt makes each tier start where the one before ends, so a gap cannot come through it; a tier whose
    # initial margin does not match its leverage (0.5 x 57.14, neither 1 nor 100 %) can.
    body = (MARGIN / "bybit_v5_market_risk_limit_linear_adapted_docs_example.json").read_text()
    broken = tmp_path / "broken.json"
    broken.write_text(body.replace('"initialMargin": "0.0175"', '"initialMargin": "0.5"'))
    limits = _fetch(lambda request: bybit(request, risk_limit=str(broken)), tmp_path / "cache")
    assert limits.missing
    assert "risk limits for BTC/USDT:USDT are unusable: tier 2: initial margin x max leverage is 28.57" in (
        limits.error or ""
    ), limits.error
    assert not list((tmp_path / "cache").glob("*risk*"))


def test_binance_needs_a_key_so_it_is_refused_by_name(tmp_path):
    with pytest.raises(
        ValueError, match=r"Binance's brackets endpoint \(GET /fapi/v1/leverageBracket\) is signed: it needs an API key"
    ):
        fetch_risk_limits("binance", cache_dir=tmp_path)


# ------------------------------------------------------------------------------------------- the workbook


def _nothing_else(symbols, exchange, offline, **options):
    """The Prices refresh, offline from an empty cache: nothing of it is written."""
    from althedge_xl.market import refresh_market_data

    return refresh_market_data(symbols, exchange, True, options["cache_dir"])


def test_refresh_writes_the_table_and_the_sheet_computes_with_it(workbook, tmp_path):
    before = package_parts(workbook)
    limits = _fetch(bybit, tmp_path / "cache")
    update = refresh_workbook(
        workbook, "bybit", offline=True, fetch=_nothing_else, cache_dir=tmp_path / "cache", tiers=True,
        fetch_tiers=lambda exchange, offline, **options: limits,
    )  # fmt: skip
    assert update.written and "Bybit tiers" in update.refreshed
    after = package_parts(workbook)
    with zipfile.ZipFile(workbook) as archive:
        changed = {sheet_part(archive, "Hedge"), sheet_part(archive, px.SHEET)}
    assert {name for name in before if before[name] != after[name]} <= changed
    sheet = openpyxl.load_workbook(workbook)["Hedge"]
    table = [[sheet[f"{c}{BYBIT_FIRST_ROW + i}"].value for c in "HIJKL"] for i in range(TIER_ROWS)]
    assert table[:3] == EXPECTED and all(row == [None] * 5 for row in table[3:])
    assert sheet[HEADING_CELL].value == "Bybit BTCUSDT tiers (editable): Bybit risk limits via ccxt 2022-12-26"
    assert "all 3 tiers" in sheet[NOTE_CELL].value
    assert (
        sheet[f"I{BYBIT_FIRST_ROW}"].number_format
        == openpyxl.load_workbook(TEMPLATE)["Hedge"][f"I{BYBIT_FIRST_ROW}"].number_format
    )  # the style is kept
    computed = compute(workbook)
    assert computed.named("TIERS_BYBIT")[:3] == EXPECTED
    assert not [e for e in computed.errors() if e[0] == "Hedge"]


def test_a_missing_table_leaves_the_sheet_as_it_was(workbook, tmp_path):
    before = package_parts(workbook)
    update = refresh_workbook(workbook, "bybit", offline=True, fetch=_nothing_else, cache_dir=tmp_path, tiers=True)
    with zipfile.ZipFile(workbook) as archive:
        hedge = sheet_part(archive, "Hedge")
    assert package_parts(workbook)[hedge] == before[hedge]
    assert "Bybit tiers" in update.missing and "Bybit tiers" not in update.refreshed
    assert any("Bybit tiers: offline mode: cache only" in m for m in update.messages)


def test_cli_offline_from_the_cache_marks_the_table_stale(workbook, tmp_path, monkeypatch, capsys):
    cache = tmp_path / "cache"
    _fetch(bybit, cache)
    monkeypatch.setenv("ALTHEDGE_CACHE_DIR", str(cache))
    assert (
        main(["refresh", str(workbook), "--offline", "--tiers", "--exchange", "bybit"]) == 0
    )  # written: the table came from the cache
    captured = capsys.readouterr()
    assert "refreshed" in captured.out, captured.err
    heading = openpyxl.load_workbook(workbook)["Hedge"][HEADING_CELL].value
    assert heading.startswith("Bybit BTCUSDT tiers (editable): Bybit risk limits via ccxt 2022-12-26 (stale:")
    assert "Bybit tiers: stale, offline mode: cache only" in captured.err


def test_offline_again_with_the_same_cached_table_writes_nothing(workbook, tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    _fetch(bybit, cache)
    monkeypatch.setenv("ALTHEDGE_CACHE_DIR", str(cache))
    assert main(["refresh", str(workbook), "--offline", "--tiers", "--exchange", "bybit"]) == 0
    once = workbook.read_bytes()
    backups = sorted(p.name for p in workbook.parent.glob("Mine.backup-*"))
    main(["refresh", str(workbook), "--offline", "--tiers", "--exchange", "bybit"])
    assert workbook.read_bytes() == once
    assert sorted(p.name for p in workbook.parent.glob("Mine.backup-*")) == backups

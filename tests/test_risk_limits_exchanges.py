"""Tier refresh of every exchange that publishes its tiers without a key (issue 22), and the refusals.

ccxt's real OKX and MEXC clients talk to a server on 127.0.0.1 (``ALTHEDGE_API_BASE_URL``) that answers
with the bodies of ``tests/fixtures/margin`` (documented, recorded or adapted: that folder's README says
which); their markets are set from ccxt's recorded unified markets, so only the tier endpoints are asked.
Both exchanges count tiers in contracts, which ccxt labels ``minNotional``/``maxNotional``: every expected
table below is the body's contract counts × the market's contract size × the price, worked by hand.
"""

from __future__ import annotations

import json
import threading
import zipfile
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from conftest import package_parts

from althedge_xl.cli import main
from althedge_xl.headless.engine import compute
from althedge_xl.market.exchange import make_exchange
from althedge_xl.market.risk_limits import RiskLimits, fetch_risk_limits
from althedge_xl.market.transport import BASE_URL_ENV_VAR
from althedge_xl.workbook import prices_layout as px
from althedge_xl.workbook.patch import sheet_part
from althedge_xl.workbook.refresh import refresh_workbook
from althedge_xl.workbook.sheets.hedge_tables import TABLE_FIRST_ROWS, TIER_ROWS

MARGIN = Path(__file__).resolve().parent / "fixtures" / "margin"
TEMPLATE = Path(__file__).resolve().parents[1] / "workbook" / "AltHedge.xlsm"
OKX_TIERS = "okx_v5_public_position_tiers_btc_usdt_swap_adapted.json"
MEXC_RECORDED = "mexc_api_v1_contract_detail_btc_usdt_ccxt_recorded.json"
MEXC_DOCS = "mexc_api_v1_contract_detail_btc_usdt_docs_example.json"
PRICE = 100_000.0

# OKX: contracts of 0.01 BTC (ctVal of BTC-USDT-SWAP in the markets fixture); the body's tiers end at
# 2,000 / 5,000 / 20,000 contracts, at 0.40 % / 0.50 % / 0.75 %, 125× / 100× / 66.66×. At 100,000 USDT:
#   2,000 × 0.01 × 100,000 =  2,000,000      5,000 × 0.01 × 100,000 = 5,000,000
#  20,000 × 0.01 × 100,000 = 20,000,000      one rate for the whole position: every amount 0.
OKX_EXPECTED = [
    [0.0, 2_000_000.0, 0.004, 0.0, 125.0],
    [2_000_000.0, 5_000_000.0, 0.005, 0.0, 100.0],
    [5_000_000.0, 20_000_000.0, 0.0075, 0.0, 66.66],
]
# MEXC: contracts of 0.0001 BTC; the row's one risk level (riskIncrVol = maxVol = 530,000 contracts) at
# maintenanceMarginRate 0.004 and initialMarginRate 0.005, so 1 / 0.005 = 200×. At 100,000 USDT:
#   530,000 × 0.0001 × 100,000 = 5,300,000.
MEXC_EXPECTED = [[0.0, 5_300_000.0, 0.004, 0.0, 200.0]]


class TierServer:
    """Answers the tier endpoints with one fixture each and records every request it gets."""

    def __init__(self, routes: dict[str, str]) -> None:
        self.routes = routes
        self.requests: list[str] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                server.requests.append(self.path)
                name = server.routes.get(self.path.split("?")[0])
                body = (MARGIN / name).read_bytes() if name else b'{"code": "404"}'
                self.send_response(200 if name else 404)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)

    def __enter__(self) -> TierServer:
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_port}"


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch) -> Iterator[TierServer]:
    routes = {"/api/v5/public/position-tiers": OKX_TIERS, "/api/v1/contract/detail": MEXC_RECORDED}
    with TierServer(routes) as server:
        monkeypatch.setenv(BASE_URL_ENV_VAR, server.base_url)
        yield server


def client(exchange: str) -> Any:
    """ccxt's client of ``exchange`` (pointed at the loopback server) with its recorded markets set."""
    ccxt_client = make_exchange(exchange)
    markets = json.loads((MARGIN / f"{exchange}_markets_btc_usdt_swap_ccxt_static.json").read_text())
    ccxt_client.set_markets(list(markets.values()))
    return ccxt_client


def fetch(exchange: str, cache: Path, price: float | None = PRICE, offline: bool = False) -> RiskLimits:
    live = None if offline else client(exchange)
    return fetch_risk_limits(exchange, offline, cache, live, price=price, sleep=lambda s: None)


def rows(limits: RiskLimits) -> list[float]:
    """The table's numbers, row after row (for one pytest.approx)."""
    return [value for row in limits.rows for value in row]


def flat(table: list[list[float]]) -> list[float]:
    return [value for row in table for value in row]


def test_okx_position_tiers_in_contracts_become_usdt_notionals(served, tmp_path):
    limits = fetch("okx", tmp_path)
    assert limits.fresh and limits.error is None, limits.error
    assert len(limits.rows) == 3 and rows(limits) == pytest.approx(flat(OKX_EXPECTED), rel=1e-12)
    assert (limits.contract_size, limits.price) == (0.01, PRICE)
    assert limits.source == "okx fetch_market_leverage_tiers BTC/USDT:USDT"
    # ccxt asked OKX's public endpoint for the swap family, with no key
    assert served.requests == ["/api/v5/public/position-tiers?instType=SWAP&tdMode=cross&instFamily=BTC-USDT"]


def test_mexc_contract_detail_in_contracts_becomes_usdt_notionals(served, tmp_path):
    limits = fetch("mexc", tmp_path)
    assert limits.fresh and limits.error is None, limits.error
    assert len(limits.rows) == 1 and rows(limits) == pytest.approx(flat(MEXC_EXPECTED), rel=1e-12)
    assert limits.contract_size == 0.0001
    assert served.requests == ["/api/v1/contract/detail"]


def test_the_cache_keeps_contracts_and_converts_at_the_new_price(served, tmp_path):
    fetch("okx", tmp_path)
    limits = fetch("okx", tmp_path, price=50_000.0, offline=True)
    assert limits.stale
    # half the price, half every notional: 2,000 × 0.01 × 50,000 = 1,000,000 …
    assert [row[1] for row in limits.rows] == pytest.approx([1_000_000.0, 2_500_000.0, 10_000_000.0])


def test_tiers_in_contracts_without_a_price_are_missing_with_the_reason(served, tmp_path):
    limits = fetch("okx", tmp_path, price=None)
    assert limits.missing
    assert "okx's tiers count contracts of 0.01 BTC: a BTC price is needed to convert them" in (limits.error or "")


def test_mexc_documented_body_without_risk_steps_is_refused_and_nothing_cached(monkeypatch, tmp_path):
    # The current documentation example has riskIncrVol 0: ccxt turns it into one tier without bounds.
    with TierServer({"/api/v1/contract/detail": MEXC_DOCS}) as server:
        monkeypatch.setenv(BASE_URL_ENV_VAR, server.base_url)
        limits = fetch("mexc", tmp_path / "cache")
    assert limits.missing
    assert "mexc published no tier bounds for BTC/USDT:USDT (ccxt read no tiers from it)" in (limits.error or "")
    assert not list((tmp_path / "cache").glob("*risk*"))


def test_the_weex_reason_is_the_installed_ccxts():
    import ccxt

    weex = ccxt.weex()  # ccxt has a WEEX client, but no call that reads its tiers
    assert "weex" in ccxt.exchanges
    assert not weex.has.get("fetchMarketLeverageTiers") and not weex.has.get("fetchLeverageTiers")


@pytest.mark.parametrize(
    ("exchange", "reason"),
    [
        ("binance", r"Binance's brackets endpoint \(GET /fapi/v1/leverageBracket\) is signed: it needs an API key"),
        ("bingx", r"BingX's maintenance-margin endpoint \(GET /openApi/swap/v1/maintMarginRatio\) needs an API key"),
        ("weex", "ccxt's WEEX client has no call for its tiers"),
        ("kraken", "AltHedge has no profile of 'kraken' to refresh tiers for; it can for bybit, mexc, okx"),
    ],
)
def test_exchanges_without_a_keyless_feed_are_refused_with_the_reason(exchange, reason, tmp_path):
    with pytest.raises(ValueError, match=reason):
        fetch_risk_limits(exchange, cache_dir=tmp_path)


@pytest.mark.parametrize(
    ("exchange", "reason"),
    [
        ("binance", "needs an API key"),
        ("bingx", "needs an API key"),
        ("weex", "ccxt's WEEX client has no call for its tiers"),
    ],
)
def test_cli_refuses_before_anything_and_leaves_the_workbook(exchange, reason, workbook, tmp_path, monkeypatch, capsys):
    with TierServer({}) as server:
        monkeypatch.setenv(BASE_URL_ENV_VAR, server.base_url)
        monkeypatch.setenv("ALTHEDGE_CACHE_DIR", str(tmp_path / "cache"))
        before = workbook.read_bytes()
        assert main(["refresh", str(workbook), "--tiers", "--exchange", exchange]) != 0
        assert server.requests == []  # nothing was asked of any exchange
    err = capsys.readouterr().err
    assert reason in err and "nothing was changed" in err and "Traceback" not in err
    assert workbook.read_bytes() == before
    assert not list(workbook.parent.glob("Mine.backup-*"))


# ------------------------------------------------------------------------------------------- the workbook


def _nothing_else(symbols, exchange, offline, **options):
    """The Prices refresh, offline from an empty cache: nothing of it is written."""
    from althedge_xl.market import refresh_market_data

    return refresh_market_data(symbols, exchange, True, options["cache_dir"])


def _refresh_tiers(workbook: Path, exchange: str, tmp_path: Path):
    """``refresh --tiers --exchange EXCHANGE`` of ``workbook`` through ccxt's real client on loopback."""
    live = client(exchange)
    return refresh_workbook(
        workbook, exchange, offline=True, fetch=_nothing_else, cache_dir=tmp_path / "cache", tiers=True,
        fetch_tiers=lambda name, offline, price, **options: fetch_risk_limits(
            name, False, options["cache_dir"], live, price=price, sleep=lambda s: None
        ),
    )  # fmt: skip


def _table(sheet: Any, first_row: int) -> list[list[Any]]:
    return [[sheet[f"{c}{first_row + i}"].value for c in "HIJKL"] for i in range(TIER_ROWS)]


@pytest.mark.parametrize(
    ("exchange", "contract_size", "caps"), [("okx", 0.01, [2_000, 5_000, 20_000]), ("mexc", 0.0001, [530_000])]
)
def test_refresh_writes_the_exchanges_own_table_at_the_sheets_mark_price(
    served, workbook, tmp_path, exchange, contract_size, caps
):
    mark = openpyxl.load_workbook(TEMPLATE, data_only=True)[px.SHEET][px.field_cells()["BTC_MARK"]].value
    assert isinstance(mark, float | int) and mark > 0
    before = package_parts(workbook)
    update = _refresh_tiers(workbook, exchange, tmp_path)
    label = {"okx": "OKX", "mexc": "MEXC"}[exchange]
    assert update.written and f"{label} tiers" in update.refreshed, update.messages
    with zipfile.ZipFile(workbook) as archive:
        changed = {sheet_part(archive, "Hedge"), sheet_part(archive, px.SHEET)}
    after = package_parts(workbook)
    assert {name for name in before if before[name] != after[name]} <= changed
    sheet = openpyxl.load_workbook(workbook)["Hedge"]
    first = TABLE_FIRST_ROWS[exchange]
    table = _table(sheet, first)
    # each cap = contracts × contract size × the Prices sheet's BTC mark price, each floor the cap below
    expected_caps = [n * contract_size * mark for n in caps]
    assert [row[1] for row in table[: len(caps)]] == pytest.approx(expected_caps, rel=1e-12)
    assert [row[0] for row in table[: len(caps)]] == pytest.approx([0.0, *expected_caps[:-1]], rel=1e-12)
    assert all(row[3] == 0 for row in table[: len(caps)])
    assert all(row == [None] * 5 for row in table[len(caps) :])
    heading = sheet[f"H{first - 2}"].value
    assert heading.startswith(f"{label} BTCUSDT tiers (editable): {label} risk limits via ccxt 20"), heading
    note = sheet[f"H{first + TIER_ROWS + 1}"].value
    assert f"counted in contracts of {contract_size:g} BTC, converted to USDT at the BTC mark price {mark:,.2f}" in note
    assert "one rate for the whole position, amount 0" in note and "predates" not in note
    # every other exchange's table is left as it was
    template = openpyxl.load_workbook(TEMPLATE)["Hedge"]
    for other, top in TABLE_FIRST_ROWS.items():
        if other != exchange:
            assert _table(sheet, top) == _table(template, top), other
    computed = compute(workbook)
    assert computed.named(f"TIERS_{exchange.upper()}")[0][:3] == pytest.approx([0.0, expected_caps[0], table[0][2]])


def test_each_exchange_keeps_its_own_tiers_after_another_is_refreshed(served, workbook, tmp_path):
    # MEXC refreshed, then OKX chosen: OKX's table is still empty, so its liquidation asks for tiers rather
    # than taking MEXC's (before, one table was shared and OKX's price came from MEXC's tiers); MEXC chosen, its own table is the one in force.
    _refresh_tiers(workbook, "mexc", tmp_path)
    book = openpyxl.load_workbook(workbook, keep_vba=True)
    book["Hedge"]["B10"], book["Hedge"]["B36"] = "okx", 0
    book.save(tmp_path / "Okx.xlsm")
    okx = compute(tmp_path / "Okx.xlsm")
    error = okx.error("Hedge", "B11")
    assert error is not None and error.code == "#N/A" and "ships no OKX linear BTC tier table" in error.reason, error
    book["Hedge"]["B10"] = "mexc"
    book.save(tmp_path / "Mexc.xlsm")
    mexc = compute(tmp_path / "Mexc.xlsm")
    qty, ep = mexc.named("CONTRACTS"), mexc.named("ENTRY_PRICE")
    # MEXC values maintenance at entry at its one tier's 0.40 % (the refreshed table), no fee (B36 = 0):
    # short LP = EP + (WB − Q·EP·0.004) / Q with WB = Q·EP/20, as its published long example
    # (0.1 BTC at 50,000, 25×: 50,000 − (200 − 20) / 0.1 = 48,200) the other way round.
    assert mexc.named("TIER_MMR") == 0.004
    assert mexc.named("LIQ_PRICE") == pytest.approx(ep + (qty * ep / 20 - qty * ep * 0.004) / qty, abs=0.005)


#: main's template before each exchange had its own tier table (BingX, MEXC, OKX and WEEX shared
#: ``TIERS_OTHER``), read from the repository's history.
SHARED_TABLE_COMMIT = "16370ab0a48d524d183e33cc1d452e4fbfd921f8"


def _template_with_a_shared_table(folder: Path) -> Path:
    import subprocess

    root = Path(__file__).resolve().parents[1]
    shown = subprocess.run(
        ["git", "-C", str(root), "show", f"{SHARED_TABLE_COMMIT}:workbook/AltHedge.xlsm"],
        capture_output=True,
        timeout=60,
        check=False,
    )
    if shown.returncode != 0:
        pytest.skip(f"the repository's history is not here: {shown.stderr.decode(errors='replace').strip()}")
    path = folder / "Before.xlsm"
    path.write_bytes(shown.stdout)
    return path


@pytest.mark.parametrize("exchange", ["okx", "mexc"])
def test_a_workbook_with_the_shared_table_is_refreshed_into_it(served, tmp_path, exchange):
    workbook = _template_with_a_shared_table(tmp_path)
    names = openpyxl.load_workbook(workbook).defined_names
    assert "TIERS_OTHER" in names and f"TIERS_{exchange.upper()}" not in names
    update = _refresh_tiers(workbook, exchange, tmp_path)
    assert update.written, update.messages
    # That template's shared table is H74:L103 (Binance's from row 4, Bybit's from 39, 35 rows apart).
    assert str(names["TIERS_OTHER"].attr_text) == "'Hedge'!$H$74:$L$103"
    sheet = openpyxl.load_workbook(workbook)["Hedge"]
    expected = {"okx": OKX_EXPECTED, "mexc": MEXC_EXPECTED}[exchange]
    mark = openpyxl.load_workbook(workbook, data_only=True)[px.SHEET][px.field_cells()["BTC_MARK"]].value
    caps = [row[1] / PRICE * mark for row in expected]  # the fixtures' tiers at the sheet's mark price
    table = _table(sheet, 74)
    assert [row[1] for row in table[: len(caps)]] == pytest.approx(caps, rel=1e-12)
    assert "predates a tier table per exchange" in sheet["H105"].value
    computed = compute(workbook)
    assert computed.named("TIERS_OTHER")[0][1] == pytest.approx(caps[0], rel=1e-12)


def test_the_table_is_found_by_its_name_the_shared_one_in_older_workbooks():
    from althedge_xl.workbook.tiers_update import TablePlace, table_place

    names = {"TIERS_OKX": ("Hedge", "H179"), "TIERS_OTHER": ("Hedge", "H74")}
    assert table_place("okx", names) == TablePlace("TIERS_OKX", "Hedge", "H", 179)
    place = table_place("mexc", names)
    assert place == TablePlace("TIERS_OTHER", "Hedge", "H", 74)
    assert (place.heading_cell, place.note_cell) == ("H72", "H105")  # two rows above, one below the 30 tiers
    assert table_place("mexc", {"TIERS": ("Hedge", "H4")}) is None

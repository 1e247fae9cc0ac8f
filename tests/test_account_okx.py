"""``althedge refresh --account`` on OKX: the real ccxt client against OKX's documented v5 bodies.

tests/okx_account_server.py checks every signed request as OKX does (key, passphrase, timestamp, Base64
HMAC-SHA256 of timestamp + method + path and query), so signing is tested, not mocked. The expected numbers
are the bodies' own, or computed here from them (tests/fixtures/account/README.md says what each body is).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from account_server import TEST_KEY, TEST_SECRET
from okx_account_server import OKX_BODIES, TEST_PASSPHRASE, OkxAccountServer
from test_account import NOW, cells, mine  # noqa: F401  (fixture)
from test_feeds import _no_network, throttle_costs  # noqa: F401  (autouse: loopback only; no throttle sleeps)
from test_refresh import _fetch, _nothing

import althedge_xl.market
from althedge_xl.cli import main
from althedge_xl.market import BASE_URL_ENV_VAR, CACHE_ENV_VAR
from althedge_xl.market.account.keys import ApiKey
from althedge_xl.workbook.backups import backups_of
from althedge_xl.workbook.refresh import AccountRequest, refresh_workbook


@pytest.fixture
def okx(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    with OkxAccountServer() as running:
        monkeypatch.setenv(BASE_URL_ENV_VAR, running.base_url)
        monkeypatch.setenv(CACHE_ENV_VAR, str(tmp_path / "cache"))
        monkeypatch.setenv("ALTHEDGE_OKX_API_KEY", TEST_KEY)
        monkeypatch.setenv("ALTHEDGE_OKX_API_SECRET", TEST_SECRET)
        monkeypatch.setenv("ALTHEDGE_OKX_API_PASSPHRASE", TEST_PASSPHRASE)
        # the public part of the refresh is not what is tested here: nothing of it arrives
        monkeypatch.setattr(althedge_xl.market, "refresh_market_data", _fetch(_nothing()))
        running.expect_bad = False
        yield running
        assert running.bad == [] or running.expect_bad, running.bad
        assert running.unrecorded == [], running.unrecorded


def body(name: str) -> dict:
    return json.loads((OKX_BODIES / name).read_text())


def refresh(path: Path) -> object:
    request = AccountRequest(ApiKey("okx", TEST_KEY, TEST_SECRET, TEST_PASSPHRASE), 1.0, options={"clock": lambda: NOW})
    return refresh_workbook(path, "okx", fetch=_fetch(_nothing()), account=request)


def test_okx_the_workbook_shows_the_bodies_numbers(okx, mine):
    update = refresh(mine)
    assert update.written and not update.account.failed, update.messages
    assert okx.seen.index("/api/v5/account/config") < okx.seen.index("/api/v5/account/balance")
    details = {d["ccy"]: d for d in body("v5_account_balance.json")["data"][0]["details"]}
    portfolio = cells(mine, "Portfolio")
    assert portfolio["C6"] == float(details["ETH"]["eq"])  # ETH: availEq 4 + frozen 0.5 of the trading account
    assert portfolio["C9"] == 0  # DOGE: no longer held
    assert "XRP" in portfolio.values() and "USDT" not in portfolio.values()
    positions = {p["instId"]: p for p in body("v5_account_positions.json")["data"]}
    linear, inverse = positions["BTC-USDT-SWAP"], positions["BTC-USD-SWAP"]
    swap = {i["instId"]: i for i in body("v5_public_instruments_swap.json")["data"]}
    hedge = cells(mine, "Hedge")
    # the hedge is the linear short (15 contracts of ctVal 0.01 BTC = 0.15 BTC, 15,150 USD at the mark) rather
    # than the inverse one (100 contracts of 100 USD = 10,000 USD)
    btc = abs(float(linear["pos"])) * float(swap["BTC-USDT-SWAP"]["ctVal"])
    assert btc == pytest.approx(0.15, abs=1e-12)
    assert hedge["B30"] == pytest.approx(btc, abs=1e-12) and hedge["B6"] == float(linear["avgPx"])
    assert (hedge["B8"], hedge["B10"]) == (float(linear["lever"]), "okx")
    assert hedge["B14"] == float(details["USDT"]["cashBal"])  # cross: the trading account's USDT cash balance
    assert hedge["B17"] == -float(body("v5_account_trade_fee.json")["data"][0]["taker"])  # OKX's fee is negative
    account = cells(mine, "Account")
    table = {account[f"A{r}"]: r for r in range(40, 48) if f"A{r}" in account}
    inverse_row = table["BTC/USD:BTC BOTH"]
    assert account[f"C{inverse_row}"] == abs(float(inverse["pos"]))  # inverse: the exchange's contracts
    assert account[f"H{inverse_row}"] == float(inverse["margin"])
    assert account["B49"] == float(linear["liqPx"])
    # funding: the BTC-USDT-SWAP bills of type 8 within 90 days of NOW (the ETH-USDT-SWAP one and the one
    # of 2026-03-01 left out): received 1.2 + 0.9, paid 0.4
    assert (account["B56"], account["B57"], account["B59"]) == (pytest.approx(1.2 + 0.9), 0.4, 3)
    assert (account["B63"], account["B64"]) == (0.0005, 0.0002)
    rows = {(account[f"A{r}"], account[f"B{r}"]): account[f"F{r}"] for r in range(10, 40) if f"A{r}" in account}
    assert rows[("funding", "USDT")].startswith("not imported")


def test_okx_exchange_says_needs_okxs_tier_table(okx, mine):
    # OKX's rule needs its BTC-USDT-SWAP tiers, which AltHedge does not ship (the okx profile cites no table):
    # the block shows OKX's price and says what AltHedge lacks instead of computing with another exchange's tiers
    assert refresh(mine).written
    account = cells(mine, "Account")
    print({k: account.get(k) for k in ("B49", "B50", "B51", "B52", "B53", "B54")})
    assert 0

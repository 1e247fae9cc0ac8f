"""Bybit's unified account in isolated margin mode: every position reports ``tradeMode`` 0, and the margin mode is
the account's (``GET /v5/account/info`` ``marginMode``); each position is then isolated with its initial
margin ``positionIM`` as margin, and Bybit's ``liqPrice`` is the real price (Get Position Info).

The bodies are tests/fixtures/account/bybit_isolated_account (its README gives the values); the expected
price is Bybit's published isolated formula, computed here by hand.
"""

from __future__ import annotations

import pytest
import test_account
from account_server import AccountServer
from test_account import cells, refresh
from test_feeds import _no_network, throttle_costs  # noqa: F401  (autouse: loopback only; no throttle sleeps)

from althedge_xl.market import BASE_URL_ENV_VAR, CACHE_ENV_VAR

mine = test_account.mine  # the fixture: the user's workbook


@pytest.fixture
def isolated(monkeypatch: pytest.MonkeyPatch, tmp_path):
    with AccountServer(exchange="bybit", variants=("bybit_isolated_account",)) as running:
        monkeypatch.setenv(BASE_URL_ENV_VAR, running.base_url)
        monkeypatch.setenv(CACHE_ENV_VAR, str(tmp_path / "cache"))
        monkeypatch.setenv("ALTHEDGE_BYBIT_API_KEY", test_account.TEST_KEY)
        monkeypatch.setenv("ALTHEDGE_BYBIT_API_SECRET", test_account.TEST_SECRET)
        yield running
        assert running.bad == [], running.bad


def test_positions_of_an_isolated_margin_account_are_isolated_on_their_initial_margin(isolated, mine):
    update = refresh(mine, "bybit")
    assert update.written and not update.account.failed, update.messages
    assert update.account.value("account margin mode") == "ISOLATED_MARGIN"
    hedge = cells(mine, "Hedge")
    assert hedge["B14"] == 750  # the collateral: positionIM, not the 5,000 USDT wallet
    account = cells(mine, "Account")
    assert (account["G43"], account["H43"]) == ("isolated", 750)
    # Bybit's isolated formula, short: LP = EP + (IM - MM) / size, MM at entry in the first risk limit (0.5 %)
    althedge = 100_000 + (750 - 0.15 * 100_000 * 0.005) / 0.15
    assert account["B49"] == 104_500 and account["B50"] == pytest.approx(althedge, abs=1e-6)
    assert account["B52"] == "no"


def test_a_cross_margin_account_keeps_its_positions_cross(monkeypatch, tmp_path, mine):
    with AccountServer(exchange="bybit") as server:  # the documented REGULAR_MARGIN account
        monkeypatch.setenv(BASE_URL_ENV_VAR, server.base_url)
        monkeypatch.setenv(CACHE_ENV_VAR, str(tmp_path / "cache"))
        update = refresh(mine, "bybit")
    assert update.account.value("account margin mode") == "REGULAR_MARGIN"
    assert cells(mine, "Account")["G43"] == "cross" and cells(mine, "Hedge")["B14"] == 5000

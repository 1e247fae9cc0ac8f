"""Bybit's balances held outside the unified wallet: the funding wallet and Flexible Saving, listed, never imported.

The bodies are Bybit's documented answers (tests/fixtures/account/README.md); the signature-checking server
of tests/account_server.py serves them. A read-only key may be refused these two reads (Bybit asks a Wallet
transfer right for the funding wallet, which AltHedge refuses on a key, and the Earn permission for the
Earn positions): the run then says so on the Account sheet and goes on, a clean run (exit 0), since nothing
of them is imported; the same refusal of a part that is imported stops the run (exit 2).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import test_account
from test_account import cells, leaked, refresh
from test_feeds import _no_network, throttle_costs  # noqa: F401  (autouse: loopback only; no throttle sleeps)

from althedge_xl.cli import main
from althedge_xl.cli.account import account_exit

bybit, mine = test_account.bybit, test_account.mine  # the fixtures: Bybit's server, the user's workbook
BODIES = Path(__file__).resolve().parent / "fixtures" / "account" / "bybit"
#: Bybit's answer to a request the key has no permission for (retCode 10005, as its error-code table lists it).
DENIED = (
    200,
    b'{"retCode":10005,"retMsg":"Permission denied, please check your API key permissions.","result":{},'
    b'"retExtInfo":{},"time":1739944577575}',
    {},
)
FUNDING_PATH = "/v5/asset/transfer/query-account-coins-balance"
EARN_PATH = "/v5/earn/position"


def balance_rows(path: Path) -> dict[tuple[object, object], tuple[object, object]]:
    """The Account sheet's balances block: (wallet, asset) -> (total, where it went)."""
    account = cells(path, "Account")
    return {
        (account.get(f"A{r}"), account.get(f"B{r}")): (account.get(f"E{r}"), account.get(f"F{r}"))
        for r in range(10, 40)
        if account.get(f"A{r}")
    }


def test_the_funding_wallet_and_flexible_saving_are_listed_with_their_totals(bybit, mine):
    update = refresh(mine, "bybit")
    assert update.written and not update.account.failed, update.messages
    assert FUNDING_PATH in bybit.seen and EARN_PATH in bybit.seen
    funding = json.loads((BODIES / "v5_asset_transfer_query_account_coins_balance.json").read_text())
    earn = json.loads((BODIES / "v5_earn_position.json").read_text())
    usdt = next(float(c["walletBalance"]) for c in funding["result"]["balance"] if c["coin"] == "USDT")
    btc = sum(float(p["amount"]) for p in earn["result"]["list"] if p["coin"] == "BTC")
    rows = balance_rows(mine)
    assert rows[("funding", "USDT")] == (usdt, "not imported (funding wallet)")
    assert rows[("earn", "BTC")] == (btc, "not imported (earn (flexible))")
    assert ("funding", "USDC") not in rows  # the documented 0 balance is no holding
    assert cells(mine, "Account")["B6"].startswith("all ")
    assert "BTC" not in [cells(mine, "Portfolio").get(f"A{r}") for r in range(10, 25)]  # listed, never imported


def test_a_key_refused_those_reads_still_refreshes_and_says_what_was_not_read(bybit, mine, capsys):
    bybit.faults[FUNDING_PATH] = DENIED
    bybit.faults[EARN_PATH] = DENIED
    update = refresh(mine, "bybit")
    code = account_exit(update, mine)  # what `althedge refresh --account` prints and exits with
    out, err = capsys.readouterr()
    assert code == 0 and update.written, err
    assert "bybit funding wallet: not read: bybit: funding wallet: not read, the exchange asks for a Wallet" in err
    assert (
        "bybit earn (flexible): not read: bybit: earn (flexible): not read, the key may not read it; tick Earn" in err
    )
    assert "FAILED" not in err
    rows = balance_rows(mine)
    assert rows[("funding", "")][1].startswith("bybit: funding wallet: not read")
    assert rows[("earn", "")][1].startswith("bybit: earn (flexible): not read")
    parts = cells(mine, "Account")["B6"]
    assert parts.startswith("all ") and parts.endswith("not readable with this key: funding wallet, earn (flexible)")
    assert cells(mine, "Hedge")["B30"] == 0.15  # the rest was read and written
    assert leaked(mine.parent, out, err) == []


def test_the_same_refusal_of_a_part_that_is_imported_stops_the_run(bybit, mine, capsys):
    bybit.faults["/v5/position/list"] = DENIED
    before = mine.read_bytes()
    code = main(["refresh", str(mine), "--account", "--exchange", "bybit", "--timeout", "20"])
    err = capsys.readouterr().err
    assert code == 2 and mine.read_bytes() == before
    assert "bybit: the key lacks the permission to read this" in err


@pytest.mark.parametrize("path", [FUNDING_PATH, EARN_PATH])
def test_a_passing_fault_of_a_listed_part_is_still_a_partial_run(bybit, mine, path):
    bybit.faults[path] = (503, b"Service Unavailable", {})
    update = refresh(mine, "bybit")
    part = update.account.parts["funding wallet" if path == FUNDING_PATH else "earn (flexible)"]
    assert not part.ok and part.unreadable is None
    assert "unavailable or in maintenance (HTTP 5xx)" in str(part.error)
    assert account_exit(update, mine) == 1  # a passing fault is not a refusal: the run is partial


def test_a_read_only_key_with_its_read_areas_ticked_is_accepted(bybit, mine):
    bybit.restrictions = "v5_user_query_api_read_areas.json"  # Read-Only, with Contracts, Spot and Earn ticked
    update = refresh(mine, "bybit")
    assert update.written and not update.account.failed
    assert update.account.rights == "bybit query-api: read-only"

"""The hedge contract's own fee rate and funding: a COIN-M (inverse) hedge gets the COIN-M ones.

The real ccxt client against the documented bodies of tests/fixtures/account (its README says which are
documentation examples and what was adapted), served by tests/account_server.py, which checks every
request's signature. The expected numbers are summed here from the bodies.
"""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pytest
from account_server import AccountServer
from test_account import NOW, cells, leaked, refresh
from test_account_coinm import served
from test_feeds import _no_network, throttle_costs  # noqa: F401  (autouse: loopback only; no throttle sleeps)

from althedge_xl.cli import main
from althedge_xl.market.account.funding_income import funding_income
from althedge_xl.market.account.records import AccountSnapshot, FundingIncome, Part
from althedge_xl.workbook.account_update import account_cells
from althedge_xl.workbook.patch import patch_sheet

BODIES = Path(__file__).parent / "fixtures" / "account"
NINETY_DAYS_AGO_MS = int(NOW.timestamp() * 1000) - 90 * 86_400_000


@pytest.fixture
def mine(workbook: Path) -> Path:
    """The template with ETH as a quantity (as in test_account.py)."""
    workbook.write_bytes(patch_sheet(workbook.read_bytes(), "Portfolio", {"C6": 1, "E6": None}))
    return workbook


def body(folder: str, name: str) -> object:
    return json.loads((BODIES / folder / name).read_text())


def named(path: Path, name: str) -> object:
    """The value of the workbook's defined name ``name`` (one cell)."""
    book = openpyxl.load_workbook(path, data_only=True)
    sheet, cell = next(iter(book.defined_names[name].destinations))
    return book[sheet][cell.replace("$", "")].value


def run(exchange: str, variants: tuple[str, ...], monkeypatch, tmp_path, path: Path, faults=None):
    server = served(exchange, variants, monkeypatch, tmp_path)
    server.faults.update(faults or {})
    try:
        update = refresh(path, exchange)
    finally:
        server.__exit__(None, None, None)
    assert server.bad == [], server.bad
    return server, update


def asked(server: AccountServer, path: str) -> list[dict[str, str]]:
    return [query for seen, query in server.queries if seen == path]


def test_a_coin_m_hedge_gets_the_coin_m_fee_rate_and_funding(monkeypatch, tmp_path, mine):
    server, update = run("binance", ("binance_coinm",), monkeypatch, tmp_path, mine)
    assert update.written and not update.account.failed, update.messages
    commission = body("binance", "dapi_v1_commissionRate.json")
    linear = body("binance", "fapi_v1_commissionRate.json")
    assert named(mine, "CONTRACT_TYPE") == "inverse"
    assert named(mine, "FEE_RATE") == float(commission["takerCommissionRate"]) != float(linear["takerCommissionRate"])
    account = cells(mine, "Account")
    assert (account["B63"], account["B64"]) == (
        float(commission["takerCommissionRate"]),
        float(commission["makerCommissionRate"]),
    )
    assert account["B62"] == "BTC/USD:BTC (COIN-M)" and account["B55"] == "BTC/USD:BTC (COIN-M)"
    # the funding of BTCUSD_PERP over the 90 days before NOW, in BTC: the body's rows in the window
    rows = [r for r in body("binance", "dapi_v1_income.json") if r["time"] >= NINETY_DAYS_AGO_MS]
    amounts = [float(r["income"]) for r in rows]
    received, paid = sum(a for a in amounts if a > 0), -sum(a for a in amounts if a < 0)
    assert len(rows) == 4 and len(amounts) < len(body("binance", "dapi_v1_income.json"))  # one row is older
    assert account["B56"] == pytest.approx(received, abs=1e-15) and account["B57"] == pytest.approx(paid, abs=1e-15)
    assert account["B58"] == pytest.approx(received - paid, abs=1e-15) and account["B59"] == len(rows)
    assert (account["C56"], account["C57"], account["C58"]) == ("BTC", "BTC", "BTC")
    mark = float(
        next(p for p in body("binance_coinm", "dapi_v1_positionRisk.json") if p["symbol"] == "BTCUSD_PERP")["markPrice"]
    )
    assert account["B61"] == pytest.approx((received - paid) * mark, rel=1e-12)
    assert (
        account["C61"]
        == "BTC at the position's mark price when read, 101,000.00 USD/BTC (not at each settlement's price)"
    )
    # the COIN-M endpoints were asked for the hedge's symbol; the USDⓈ-M ones not at all
    assert [q["symbol"] for q in asked(server, "/dapi/v1/commissionRate")] == ["BTCUSD_PERP"]
    assert {(q["symbol"], q["incomeType"]) for q in asked(server, "/dapi/v1/income")} == {
        ("BTCUSD_PERP", "FUNDING_FEE")
    }
    assert "/fapi/v1/commissionRate" not in server.seen and "/fapi/v1/income" not in server.seen
    assert not any("not read" in n for n in update.messages)


def test_a_linear_hedge_reads_no_coin_m_fee_or_funding_and_a_failing_one_costs_nothing(monkeypatch, tmp_path, mine):
    refusal = (503, b'{"code":-1001,"msg":"Internal error"}', {})
    faults = {"/dapi/v1/commissionRate": refusal, "/dapi/v1/income": refusal}
    server, update = run("binance", (), monkeypatch, tmp_path, mine, faults)
    assert update.written and not update.account.failed, update.messages  # not partial: exit 0 below too
    assert "/dapi/v1/commissionRate" not in server.seen and "/dapi/v1/income" not in server.seen
    assert named(mine, "CONTRACT_TYPE") == "linear"
    assert named(mine, "FEE_RATE") == float(body("binance", "fapi_v1_commissionRate.json")["takerCommissionRate"])
    account = cells(mine, "Account")
    rows = [float(r["income"]) for r in body("binance", "fapi_v1_income.json")]
    assert account["B58"] == pytest.approx(sum(rows)) and account["B59"] == len(rows)
    assert (account["B55"], account["B62"], account["C56"]) == ("BTC/USDT:USDT (USDⓈ-M)",) * 2 + ("USDT",)
    assert account["B61"] == pytest.approx(sum(rows)) and account["C61"] == "USDT counted at 1 USD"


def test_the_command_with_a_linear_hedge_exits_0_when_the_coin_m_fee_endpoint_fails(
    monkeypatch, tmp_path, mine, capsys
):
    server = served("binance", (), monkeypatch, tmp_path)
    server.faults["/dapi/v1/commissionRate"] = (503, b'{"code":-1001,"msg":"Internal error"}', {})
    try:
        code = main(["refresh", str(mine), "--account", "--timeout", "20"])
    finally:
        server.__exit__(None, None, None)
    out, err = capsys.readouterr()
    assert code == 0, err
    assert leaked(mine.parent, out, err) == []


def test_a_coin_m_markets_outage_costs_only_the_coin_m_parts(monkeypatch, tmp_path, mine, capsys):
    server = served("binance", ("binance_coinm",), monkeypatch, tmp_path)
    server.faults["/dapi/v1/exchangeInfo"] = (503, b"<html>503 Service Unavailable</html>", {})
    try:
        code = main(["refresh", str(mine), "--account", "--timeout", "20"])
    finally:
        server.__exit__(None, None, None)
    out, err = capsys.readouterr()
    assert code == 1, err  # partial: the parts that arrived are written
    assert leaked(mine.parent, out, err) == [] and server.bad == []
    for part in ("COIN-M wallet", "COIN-M positions"):
        line = next(line for line in err.splitlines() if f"binance {part}:" in line)
        assert "not read, it needs the COIN-M markets: the exchange is unavailable or in maintenance (HTTP 5xx)" in line
    assert "binance spot balances: ok" in err and "binance futures positions: ok" in err
    assert "/dapi/v1/positionRisk" not in server.seen
    portfolio, account = cells(mine, "Portfolio"), cells(mine, "Account")
    spot = {
        b["asset"]: float(b["free"]) + float(b["locked"]) for b in body("binance", "api_v3_account.json")["balances"]
    }
    assert portfolio["C6"] == spot["ETH"]  # the spot wallet written
    assert "COIN-M wallet, COIN-M positions" in account["B6"]
    # the hedge cannot be chosen from half the account: the USDⓈ-M fee rate is read, as before the COIN-M link
    assert account.get("B62") == "BTC/USDT:USDT (USDⓈ-M)", err


def test_a_bybit_inverse_hedge_gets_the_inverse_fee_rate_and_funding(monkeypatch, tmp_path, mine):
    server, update = run("bybit", ("bybit_inverse_hedge",), monkeypatch, tmp_path, mine)
    assert update.written and not update.account.failed, update.messages
    assert named(mine, "CONTRACT_TYPE") == "inverse" and named(mine, "HELD") == 30_000
    fee = body("bybit", "v5_account_fee_rate_inverse.json")["result"]["list"][0]
    assert named(mine, "FEE_RATE") == float(fee["takerFeeRate"])
    account = cells(mine, "Account")
    assert (account["B63"], account["B64"]) == (float(fee["takerFeeRate"]), float(fee["makerFeeRate"]))
    assert [q["category"] for q in asked(server, "/v5/account/fee-rate")] == ["inverse"]
    funding_asks = asked(server, "/v5/execution/list")
    assert {(q["category"], q["symbol"], q["execType"]) for q in funding_asks} == {("inverse", "BTCUSD", "Funding")}
    # execFee is a fee in BTC (the settle coin of an inverse contract): negative received, positive paid
    fees = [float(r["execFee"]) for r in body("bybit", "v5_execution_list_inverse.json")["result"]["list"]]
    received, paid = -sum(f for f in fees if f < 0), sum(f for f in fees if f > 0)
    assert account["B56"] == pytest.approx(received, abs=1e-15) and account["B57"] == pytest.approx(paid, abs=1e-15)
    assert account["C56"] == "BTC"  # not ccxt's label for it (the quote currency, USD)
    position = body("bybit_inverse_hedge", "v5_position_list_inverse.json")["result"]["list"][0]
    assert account["B61"] == pytest.approx((received - paid) * float(position["markPrice"]), rel=1e-12)


def test_a_bybit_linear_hedge_still_reads_the_linear_fee_rate(monkeypatch, tmp_path, mine):
    server, update = run("bybit", (), monkeypatch, tmp_path, mine)
    assert update.written and not update.account.failed, update.messages
    assert [q["category"] for q in asked(server, "/v5/account/fee-rate")] == ["linear"]
    fee = body("bybit", "v5_account_fee_rate.json")["result"]["list"][0]
    assert named(mine, "FEE_RATE") == float(fee["takerFeeRate"])
    fees = [float(r["execFee"]) for r in body("bybit", "v5_execution_list.json")["result"]["list"]]
    assert cells(mine, "Account")["B58"] == pytest.approx(-sum(fees))


def test_a_dated_future_pays_no_funding_and_the_sheet_says_so():
    class NoCalls:
        def __getattr__(self, name: str) -> object:
            raise AssertionError(f"{name} called: a dated future has no funding to read")

    income = funding_income(NoCalls(), "binance", int(NOW.timestamp() * 1000), symbol="BTC/USD:BTC-200925")
    assert (income.pays_funding, income.asset, income.settlements) == (False, "BTC", 0)
    snapshot = AccountSnapshot("binance", "2026-07-01T00:00:00Z", "read-only")
    snapshot.parts["funding paid and received"] = Part("funding paid and received", income)
    out = account_cells(snapshot, [], {})
    assert out.account["B56"] == "none: BTC/USD:BTC-200925 is a dated future, which pays no funding"
    assert all(out.account[cell] is None for cell in ("B57", "B58", "B59", "B61", "C56"))
    assert out.account["B55"] == "BTC/USD:BTC-200925 (COIN-M, dated)"
    # a perpetual's zero is a measurement, said as one
    measured = FundingIncome("BTC/USD:BTC", 90, 0.0, 0.0, 0, "BTC")
    snapshot.parts["funding paid and received"] = Part("funding paid and received", measured)
    assert account_cells(snapshot, [], {}).account["B56"] == 0.0

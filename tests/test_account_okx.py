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
from test_account import NOW, cells
from test_feeds import _no_network, throttle_costs  # noqa: F401  (autouse: loopback only; no throttle sleeps)
from test_refresh import _fetch, _nothing

import althedge_xl.market
from althedge_xl.cli import main
from althedge_xl.market import BASE_URL_ENV_VAR, CACHE_ENV_VAR
from althedge_xl.market.account.keys import ApiKey
from althedge_xl.workbook.backups import backups_of
from althedge_xl.workbook.patch import patch_sheet
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


@pytest.fixture
def mine(workbook: Path) -> Path:
    """The template with ETH as a quantity (1, no USD value) and a DOGE row (1,000) the account does not hold."""
    workbook.write_bytes(
        patch_sheet(workbook.read_bytes(), "Portfolio", {"C6": 1, "E6": None, "A9": "DOGE", "C9": 1000})
    )
    return workbook


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
    assert account["B49"] == float(body("v5_account_positions.json")["data"][0]["liqPx"])
    assert "OKX" in account["B50"] and "give fee_rate" in account["B50"]
    assert account.get("B51") is None and account.get("B52") is None  # no difference, no flag
    assert account["B54"].startswith("BTCUSDT short, 0.15 BTC (15,150 USD)")


def test_okx_funding_is_read_page_by_page_back_to_the_start_of_the_90_days(okx, mine):
    # 300 funding bills of BTC-USDT-SWAP every 8 hours back from NOW (three pages of 100): OKX gives 100 at
    # most, newest first, and ccxt passes no start time on, so AltHedge pages back with ``after``
    now_ms = int(NOW.timestamp() * 1000)
    template = body("v5_account_bills_archive.json")["data"][0]
    bills = [
        {
            **template,
            "billId": str(900_000 + 300 - i),
            "ts": str(now_ms - (i + 1) * 8 * 3_600_000),
            "balChg": "1" if i % 3 else "-0.25",
        }
        for i in range(300)
    ]
    okx.bills = bills
    assert refresh(mine).written
    start = now_ms - 90 * 86_400_000
    inside = [float(b["balChg"]) for b in bills if int(b["ts"]) >= start]
    assert len(inside) == 270  # 90 days of three settlements
    account = cells(mine, "Account")
    assert account["B56"] == pytest.approx(sum(a for a in inside if a > 0))
    assert account["B57"] == pytest.approx(-sum(a for a in inside if a < 0))
    assert account["B59"] == len(inside)
    afters = [q.get("after") for path, q in okx.queries if path == "/api/v5/account/bills-archive"]
    assert afters == [None, bills[99]["billId"], bills[199]["billId"]]


# ------------------------------------------------------------------ refusals, faults and secrets


def leaked(folder: Path, *texts: str) -> list[str]:
    """Every file under ``folder`` and every text given that holds the key, the secret or the passphrase."""
    needles = [TEST_KEY.encode(), TEST_SECRET.encode(), TEST_PASSPHRASE.encode()]
    found = [str(p) for p in folder.rglob("*") if p.is_file() and any(n in p.read_bytes() for n in needles)]
    return found + [t[:80] for t in texts if any(n.decode() in t for n in needles)]


def run_cli(mine: Path, capsys) -> tuple[int, str, str]:
    code = main(["refresh", str(mine), "--account", "--exchange", "okx", "--timeout", "20"])
    out, err = capsys.readouterr()
    assert leaked(mine.parent, out, err) == [], "a key, secret or passphrase byte was written or printed"
    return code, out, err


def test_okx_the_command_writes_and_leaks_no_key_secret_or_passphrase_byte(okx, mine, capsys):
    code, out, err = run_cli(mine, capsys)
    assert code == 0, err
    assert f"refreshed {mine}" in out and "okx futures positions: ok" in err and "okx funding wallet: ok" in err
    assert cells(mine, "Hedge")["B30"] == pytest.approx(0.15, abs=1e-12)
    sent = dict(okx.queries)
    assert sent["/api/v5/account/positions"] == {"instType": "SWAP"}
    assert sent["/api/v5/account/trade-fee"] == {"instType": "SWAP", "uly": "BTC-USDT"}
    assert sent["/api/v5/account/bills-archive"]["type"] == "8"  # funding fees
    assert sent["/api/v5/account/bills-archive"]["limit"] == "100"  # OKX's largest page


@pytest.mark.parametrize(
    ("config", "allows"),
    [
        ("v5_account_config_docs_example.json", "it allows withdrawals, trading"),  # OKX's documented example
        ("v5_account_config_trade.json", "it allows trading"),
    ],
)
def test_okx_a_key_that_can_trade_or_withdraw_is_refused(okx, mine, capsys, config, allows):
    okx.config = config
    before = mine.read_bytes()
    code, _, err = run_cli(mine, capsys)
    assert code == 2 and mine.read_bytes() == before and backups_of(mine) == []
    line = next(line for line in err.splitlines() if "the key is refused" in line)
    assert line.startswith(f"althedge: okx: the key is refused: {allows}; fix: create a V5 API key with only 'Read'")
    assert "/api/v5/account/balance" not in okx.seen  # nothing of the account was read with it


@pytest.mark.parametrize(
    ("env", "cause"),
    [
        ({"ALTHEDGE_OKX_API_PASSPHRASE": "not-the-passphrase"}, "the passphrase does not match the key"),
        ({"ALTHEDGE_OKX_API_SECRET": "not-the-secret"}, "the request's signature is not valid"),
        ({"ALTHEDGE_OKX_API_KEY": "not-the-key"}, "the API key is not valid (Invalid OK-ACCESS-KEY)"),
    ],
)
def test_okx_a_wrong_passphrase_secret_or_key_stops_before_anything_is_written(
    okx, mine, capsys, monkeypatch, env, cause
):
    okx.expect_bad = True
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    before = mine.read_bytes()
    code, _, err = run_cli(mine, capsys)
    assert code == 2 and mine.read_bytes() == before and backups_of(mine) == []
    line = next(line for line in err.splitlines() if cause in line)
    assert line.startswith("althedge: okx: ") and "; fix: " in line and "nothing was written" in line
    assert "/api/v5/account/balance" not in okx.seen


def test_okx_a_key_without_its_passphrase_is_a_setting_to_fix(okx, mine, capsys, monkeypatch):
    monkeypatch.delenv("ALTHEDGE_OKX_API_PASSPHRASE")
    code, _, err = run_cli(mine, capsys)
    assert code == 2 and "okx: ALTHEDGE_OKX_API_PASSPHRASE is not set" in err
    assert okx.seen == []  # nothing was sent


def test_okx_a_clock_out_of_step_is_named(okx, mine, capsys):
    # the exchange's time answered as 1970: ccxt's time-difference adjustment then dates every signed
    # request decades back, outside OKX's 30 s, and OKX answers 50102 (timestamp request expired)
    okx.expect_bad = True
    okx.faults["/api/v5/public/time"] = (200, b'{"code":"0","msg":"","data":[{"ts":"0"}]}', {})
    code, _, err = run_cli(mine, capsys)
    assert code == 2
    assert "okx: this computer's clock is out of step with the exchange's" in err


@pytest.mark.parametrize(
    ("code", "exit_code", "words"),
    [
        ("50111", 2, "the API key is not valid"),
        ("50113", 2, "the request's signature is not valid"),
        ("50112", 2, "clock is out of step"),
        ("50102", 2, "clock is out of step"),
        ("50110", 2, "this computer's IP is not on the key's whitelist"),
        ("50105", 2, "the passphrase does not match the key"),
        ("50011", 1, "rate limited"),
    ],
)
def test_okxs_own_error_codes_give_one_line_and_the_right_exit_code(code, exit_code, words):
    import ccxt

    from althedge_xl.market.account.faults import classify

    client = ccxt.okx()
    body = json.dumps({"msg": "as OKX says it", "code": code, "data": []})
    try:
        client.handle_errors(401, "Unauthorized", "https://www.okx.com/api/v5/account/balance", "GET", {}, body,
                             json.loads(body), {}, None)  # fmt: skip
    except Exception as exc:
        fault = classify(exc, "okx", "spot balances")
    else:
        raise AssertionError(f"ccxt raised nothing for {code}")
    assert fault.exit_code == exit_code and words in fault.line() and fault.line().startswith("okx: ")


def test_keys_set_okx_asks_for_the_passphrase_without_echo_and_stores_it_only_in_the_keyring(monkeypatch, capsys):
    import getpass

    from althedge_xl.market.account.keys import KEYRING_SERVICE, load_key

    asked: list[str] = []
    answers = iter([TEST_KEY, TEST_SECRET, TEST_PASSPHRASE])
    monkeypatch.setattr(getpass, "getpass", lambda prompt: (asked.append(prompt), next(answers))[1])
    store: dict[tuple[str, str], str] = {}

    class Keyring:
        def get_password(self, service: str, name: str) -> str | None:
            return store.get((service, name))

        def set_password(self, service: str, name: str, value: str) -> None:
            store[(service, name)] = value

    monkeypatch.setattr("althedge_xl.market.account.keys._keyring_module", lambda: Keyring())
    assert main(["keys", "set", "okx"]) == 0
    out, err = capsys.readouterr()
    assert asked == ["okx API key (read-only): ", "okx API secret: ", "okx API passphrase: "]
    assert leaked(Path.cwd() / "nonexistent", out, err) == []
    loaded = load_key("okx", environ={}, keyring=Keyring())
    assert (loaded.key, loaded.secret, loaded.passphrase, loaded.origin) == (
        TEST_KEY,
        TEST_SECRET,
        TEST_PASSPHRASE,
        "keyring",
    )
    assert TEST_PASSPHRASE not in repr(loaded) + str(loaded) and list(store) == [(KEYRING_SERVICE, "okx")]

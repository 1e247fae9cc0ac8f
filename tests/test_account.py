"""``althedge refresh --account``: the real ccxt client, signed requests checked by a local server.

The bodies are the exchanges' documented answers (tests/fixtures/account/README.md says which and what was
adapted); tests/account_server.py verifies every request's HMAC signature with the test secret, so signing
is tested, not mocked. The expected numbers are the bodies' own, or computed here by hand from Binance's
published liquidation formula.
"""

from __future__ import annotations

import dataclasses
import io
import os
import random
import shutil
import signal
import subprocess
import sys
import time
import zipfile
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import openpyxl
import pytest
from account_server import TEST_KEY, TEST_SECRET, AccountServer
from test_feeds import _no_network, throttle_costs  # noqa: F401  (autouse: loopback only; no throttle sleeps)
from test_refresh import _fetch, _nothing

from althedge_xl.cli import main
from althedge_xl.market import BASE_URL_ENV_VAR, CACHE_ENV_VAR
from althedge_xl.market.account.keys import ApiKey
from althedge_xl.market.account.records import AccountSnapshot, Part, Position
from althedge_xl.workbook.account_layout import says_cells
from althedge_xl.workbook.account_update import account_cells
from althedge_xl.workbook.backups import backups_of
from althedge_xl.workbook.patch import patch_sheet
from althedge_xl.workbook.refresh import AccountRequest, refresh_workbook

NOW = datetime(2026, 7, 1, tzinfo=UTC)  # the income body's settlements are 2026-06-17 and -18: within 90 days


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    with AccountServer() as running:
        monkeypatch.setenv(BASE_URL_ENV_VAR, running.base_url)
        monkeypatch.setenv(CACHE_ENV_VAR, str(tmp_path / "cache"))
        monkeypatch.setenv("ALTHEDGE_BINANCE_API_KEY", TEST_KEY)
        monkeypatch.setenv("ALTHEDGE_BINANCE_API_SECRET", TEST_SECRET)
        yield running
        assert running.bad == [] or running.expect_bad, running.bad  # type: ignore[attr-defined]


@pytest.fixture
def bybit(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    with AccountServer(exchange="bybit") as running:
        monkeypatch.setenv(BASE_URL_ENV_VAR, running.base_url)
        monkeypatch.setenv(CACHE_ENV_VAR, str(tmp_path / "cache"))
        monkeypatch.setenv("ALTHEDGE_BYBIT_API_KEY", TEST_KEY)
        monkeypatch.setenv("ALTHEDGE_BYBIT_API_SECRET", TEST_SECRET)
        yield running
        assert running.bad == [], running.bad


@pytest.fixture
def mine(workbook: Path) -> Path:
    """The template with ETH as a quantity (1, no USD value) and a DOGE row (1,000) the account does not hold."""
    content = patch_sheet(workbook.read_bytes(), "Portfolio", {"C6": 1, "E6": None, "A9": "DOGE", "C9": 1000})
    workbook.write_bytes(content)
    return workbook


def refresh(path: Path, exchange: str = "binance") -> object:
    request = AccountRequest(ApiKey(exchange, TEST_KEY, TEST_SECRET), 1.0, options={"clock": lambda: NOW})
    return refresh_workbook(path, exchange, fetch=_fetch(_nothing()), account=request)


def cells(path: Path, sheet: str) -> dict[str, object]:
    book = openpyxl.load_workbook(path, data_only=True)
    return {c.coordinate: c.value for row in book[sheet].iter_rows() for c in row if c.value is not None}


def test_the_workbook_shows_the_bodies_numbers(server, mine):
    server.expect_bad = False
    update = refresh(mine)
    assert update.written and not update.account.failed, update.messages
    portfolio = cells(mine, "Portfolio")
    assert portfolio["C6"] == 4.2 + 0.3  # ETH: free + locked of the spot body
    assert portfolio.get("C5") is None and portfolio["E5"] == 50_000  # BTC's row has a USD value: never touched
    assert portfolio.get("C7") is None and portfolio["E7"] == 12_000  # SOL likewise
    assert portfolio["C9"] == 0  # DOGE: no longer held
    # not on the sheet: the free rows, in the assets' order; LINK has no price on Prices, so no dust rule
    assert (portfolio["A10"], portfolio["C10"], portfolio["A11"], portfolio["C11"]) == ("LINK", 12.5, "XRP", 1500)
    assert portfolio.get("B10") is None and portfolio.get("B11") is None  # class left for the user
    assert "ADA" not in portfolio.values() and "USDT" not in portfolio.values()  # dust (1.2 x 0.609) and cash
    hedge = cells(mine, "Hedge")
    assert hedge["B30"] == 0.15 and hedge["B6"] == 100_000  # positionAmt -0.150, entryPrice
    assert hedge["B8"] == 20  # notional / initialMargin = 15,150 / 757.5 (v3 sends no leverage)
    assert hedge["B14"] == 5000  # cross: the futures wallet's walletBalance
    assert hedge["B17"] == 0.0004  # takerCommissionRate
    assert [hedge[f"{c}4"] for c in "HIJKL"] == [0, 300_000, 0.004, 0, 150]  # the account's first bracket
    assert "from your account, 2026-07-01" in hedge["H2"]
    account = cells(mine, "Account")
    # Binance, short, one-way, cross, bracket 1 (mmr 0.4 %, cum 0): LP = (WB + cum + size*EP) / (size*(1 + mmr))
    althedge = (5000 + 0 + 0.15 * 100_000) / (0.15 * (1 + 0.004))
    assert account["B49"] == 132_802.12  # the exchange's, liquidationPrice of the body
    assert account["B50"] == pytest.approx(althedge, abs=1e-6)
    assert account["B51"] == pytest.approx(althedge - 132_802.12, abs=1e-6)
    assert account["B52"] == "no" and "wallet balance (5,000.00 USDT)" in account["B53"]
    assert (account["B56"], account["B57"], account["B59"]) == (pytest.approx(1.25 + 0.80 + 0.55), 0.30, 4)
    assert account["B58"] == pytest.approx(2.60 - 0.30)
    assert (account["B63"], account["B64"]) == (0.0004, 0.0002)
    rows = {(account[f"A{r}"], account[f"B{r}"]): account[f"F{r}"] for r in range(10, 40) if f"A{r}" in account}
    assert rows[("spot", "USDT")].startswith("cash") and rows[("funding", "USDT")].startswith("not imported")
    assert rows[("USDⓈ-M futures", "USDT")].startswith("collateral")
    assert rows[("spot", "ADA")].startswith("left out: dust")
    assert rows[("spot", "BTC")] == "not imported: Portfolio row 5 has a USD value, kept"
    # balances held elsewhere are listed with their totals, not imported
    assert rows[("cross margin", "BNB")] == "not imported (margin wallet)"
    assert (account["E" + next(k[1:] for k, v in account.items() if v == "earn")]) == 75.46  # Simple Earn USDT


def test_a_second_identical_run_writes_nothing(server, mine):
    server.expect_bad = False
    assert refresh(mine).written
    before, mtime = mine.read_bytes(), mine.stat().st_mtime_ns
    second = refresh(mine)
    assert not second.written
    assert mine.read_bytes() == before and mine.stat().st_mtime_ns == mtime and len(backups_of(mine)) == 1


# ------------------------------------------------------------------ faults, exit codes and secrets


def leaked(folder: Path, *texts: str) -> list[str]:
    """Every file under ``folder`` and every text given that holds a byte string of the key or the secret."""
    needles = [TEST_KEY.encode(), TEST_SECRET.encode()]
    found = [str(p) for p in folder.rglob("*") if p.is_file() and any(n in p.read_bytes() for n in needles)]
    return found + [t[:80] for t in texts if any(n.decode() in t for n in needles)]


def run_cli(server, mine: Path, capsys, *extra: str) -> tuple[int, str, str]:
    code = main(["refresh", str(mine), "--account", "--timeout", "20", *extra])
    out, err = capsys.readouterr()
    assert leaked(mine.parent, out, err) == [], "a key byte was written or printed"
    return code, out, err


def test_the_command_writes_and_leaks_no_key_byte(server, mine, capsys):
    server.expect_bad = False
    code, out, err = run_cli(server, mine, capsys)
    assert code == 0, err
    assert f"refreshed {mine}" in out and "binance futures positions: ok" in err
    assert cells(mine, "Hedge")["B30"] == 0.15


def test_a_key_with_trading_or_withdrawal_rights_is_refused(server, mine, capsys):
    server.expect_bad = False
    server.restrictions = "sapi_v1_account_apiRestrictions_trading.json"
    before = mine.read_bytes()
    code, _, err = run_cli(server, mine, capsys)
    assert code == 2 and mine.read_bytes() == before and backups_of(mine) == []
    assert "binance: the key is refused: it allows spot and margin trading, futures trading, withdrawals" in err
    assert "create a key with only 'Enable Reading' ticked" in err
    assert "/api/v3/account" not in server.seen  # nothing of the account was read with it


def test_binances_own_documented_example_key_is_refused_for_portfolio_margin_trading(server, mine, capsys):
    server.expect_bad = False
    server.restrictions = "sapi_v1_account_apiRestrictions_docs_example.json"
    code, _, err = run_cli(server, mine, capsys)
    assert code == 2 and "it allows portfolio margin trading" in err


@pytest.mark.parametrize(
    ("env", "cause"),
    [
        ({"ALTHEDGE_BINANCE_API_SECRET": "not-the-secret"}, "the request's signature is not valid"),
        ({"ALTHEDGE_BINANCE_API_KEY": "not-the-key"}, "the key was rejected: wrong key, this computer's IP"),
    ],
)
def test_a_wrong_key_or_secret_stops_before_anything_is_written(server, mine, capsys, monkeypatch, env, cause):
    server.expect_bad = True
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    before = mine.read_bytes()
    code, _, err = run_cli(server, mine, capsys)
    assert code == 2 and mine.read_bytes() == before and backups_of(mine) == []
    line = next(line for line in err.splitlines() if cause in line)
    assert line.startswith("althedge: binance: ") and "; fix: " in line and "nothing was written" in line


def test_no_key_says_how_to_set_one(server, mine, capsys, monkeypatch):
    server.expect_bad = False
    monkeypatch.delenv("ALTHEDGE_BINANCE_API_KEY")
    monkeypatch.delenv("ALTHEDGE_BINANCE_API_SECRET")
    monkeypatch.setattr("althedge_xl.market.account.keys._keyring_module", lambda: None)
    code, _, err = run_cli(server, mine, capsys)
    assert code == 2 and "binance: no API key is configured; fix: run `althedge keys set binance`" in err


def test_a_clock_out_of_step_is_named(server, mine, capsys):
    server.expect_bad = False
    body = b'{"code":-1021,"msg":"Timestamp for this request is outside of the recvWindow."}'
    server.faults["/sapi/v1/account/apiRestrictions"] = (400, body, {})
    code, _, err = run_cli(server, mine, capsys)
    assert code == 2 and "clock is out of step" in err and "NTP" in err


def test_ccxt_corrects_a_clock_that_is_off(server, mine, capsys):
    # The server's clock is 40 s ahead and it refuses a timestamp outside its 10 s window: ccxt's
    # adjustForTimeDifference reads /api/v3/time first, so every signed request still passes.
    server.expect_bad = False
    server.clock_skew_ms = 40_000
    code, _, err = run_cli(server, mine, capsys)
    assert code == 0, err
    assert server.seen.index("/api/v3/time") < server.seen.index("/sapi/v1/account/apiRestrictions")


@pytest.mark.parametrize(
    ("path", "status", "headers", "part", "words"),
    [
        ("/fapi/v1/income", 503, {}, "funding paid and received", "unavailable or in maintenance (HTTP 5xx)"),
        ("/fapi/v1/commissionRate", 429, {"Retry-After": "120"}, "fee rate", "rate limited (HTTP 418/429)"),
        ("/fapi/v1/commissionRate", 418, {"Retry-After": "600"}, "fee rate", "asks to wait 600 s"),
    ],
)
def test_one_part_failing_leaves_the_others_written(server, mine, capsys, path, status, headers, part, words):
    server.expect_bad = False
    body = b'{"code":-1003,"msg":"Too many requests."}' if status in (418, 429) else b"Service Unavailable"
    server.faults[path] = (status, body, headers)
    code, out, err = run_cli(server, mine, capsys)
    assert code == 1 and f"refreshed {mine}" in out
    failed = next(line for line in err.splitlines() if f"binance {part}: FAILED" in line)
    assert words in failed
    assert "binance spot balances: ok" in err and cells(mine, "Hedge")["B30"] == 0.15  # the rest is written


class MemoryKeyring:
    """A keyring backend in memory (the ``keyring`` module's get/set/delete_password)."""

    def __init__(self) -> None:
        self.entries: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, name: str) -> str | None:
        return self.entries.get((service, name))

    def set_password(self, service: str, name: str, value: str) -> None:
        self.entries[(service, name)] = value

    def delete_password(self, service: str, name: str) -> None:
        del self.entries[(service, name)]


def test_keys_set_list_delete_never_show_the_key(monkeypatch, capsys):
    ring = MemoryKeyring()
    monkeypatch.setattr("althedge_xl.market.account.keys._keyring_module", lambda: ring)
    monkeypatch.delenv("ALTHEDGE_BINANCE_API_KEY", raising=False)
    answers = iter([TEST_KEY, TEST_SECRET])
    monkeypatch.setattr("getpass.getpass", lambda prompt: next(answers))
    assert main(["keys", "set", "binance"]) == 0
    assert main(["keys", "list"]) == 0
    out = capsys.readouterr().out
    assert "binance: a key in the keyring" in out and "bybit: no key" in out
    assert TEST_KEY not in out and TEST_SECRET not in out
    from althedge_xl.market.account.keys import load_key

    loaded = load_key("binance", environ={})
    assert (loaded.key, loaded.secret, loaded.origin) == (TEST_KEY, TEST_SECRET, "keyring")
    assert TEST_KEY not in repr(loaded) + str(loaded) and TEST_SECRET not in repr(loaded)
    assert main(["keys", "delete", "binance"]) == 0 and ring.entries == {}


@pytest.mark.parametrize("fmt", ["table", "json", "csv"])
def test_the_report_prints_the_exchange_says_block(server, mine, capsys, fmt, tmp_path):
    server.expect_bad = False
    assert refresh(mine).written
    assert main(["report", str(mine), "--format", fmt]) in (0, 4)
    out = capsys.readouterr().out
    althedge = (5000 + 0.15 * 100_000) / (0.15 * 1.004)  # Binance's rule, bracket 1, as above
    assert "Exchange says" in out and "binance" in out
    if fmt == "json":
        import json

        table = next(t for t in json.loads(out)["tables"] if t["title"] == "Exchange says")
        shown = {row[0]: row[1] for row in table["rows"]}
        assert shown["Exchange's liquidation price (USD)"] == 132_802.12
        assert shown["AltHedge's, same position (USD)"] == pytest.approx(althedge, rel=1e-11)
        assert shown["Funding net, 90 days (USDT)"] == pytest.approx(2.30)
    else:
        assert "132,802.1" in out or "132802.12" in out


# ---------------------------------------------------------------------------------------------- Bybit


def test_bybit_the_workbook_shows_the_bodies_numbers(bybit, mine):
    update = refresh(mine, "bybit")
    assert update.written and not update.account.failed, update.messages
    assert "/v5/user/query-api" in bybit.seen  # the key's rights were checked before anything else was read
    assert cells(mine, "Portfolio")["C6"] == 3  # ETH walletBalance of the unified wallet
    hedge = cells(mine, "Hedge")
    assert (hedge["B30"], hedge["B6"], hedge["B8"], hedge["B14"]) == (0.15, 100_000, 20, 5000)
    assert (hedge["B10"], hedge["B17"]) == ("bybit", 0.00055)
    account = cells(mine, "Account")
    # Bybit's rule (maintenance at entry), its first risk limit 0.5 %, no deduction, the wallet as margin:
    # LP(short) = EP + (margin - MM) / size with MM = size * EP * 0.5 %
    althedge = 100_000 + (5000 - 0.15 * 100_000 * 0.005) / 0.15
    assert account["B49"] == 132_452.3 and account["B50"] == pytest.approx(althedge, abs=1e-6)
    assert account["B52"] == "YES"  # 381 USD apart: the unified account's margin is not the wallet alone
    # execFee is a fee: -1.5075 received, 0.3 paid
    assert (account["B56"], account["B57"], account["B59"]) == (1.5075, 0.3, 2)


def test_bybit_the_exchange_says_block_gives_the_2025_calculation_too(bybit, mine):
    # The same short (0.15 BTC at 100,000, the 5,000 USDT wallet as margin, first risk limit 0.5 %) by bybit-2025,
    # Bybit's margin calculation of 2025-09-02: maintenance at the mark price, so at LP:
    # 5,000 − 0.15·(LP − 100,000) = 0.15·LP·0.005  →  LP = (5,000 + 15,000) / (0.15 · 1.005).
    assert refresh(mine, "bybit").written
    method = cells(mine, "Account")["B53"]
    by_2025 = (5000 + 0.15 * 100_000) / (0.15 * 1.005)
    shown = f"by bybit-2025 (Bybit, margin calculation of 2025-09-02): {by_2025:,.2f}, {by_2025 - 132_452.3:+,.2f} USD"
    assert shown in method
    assert method.endswith("the exchange's price matches neither bybit nor bybit-2025 within a tick")


@pytest.mark.parametrize(
    ("exchange_price", "matches"),
    [
        # bybit (maintenance at entry): 100,000 + (5,000 − 0.15·100,000·0.005) / 0.15.
        (100_000 + (5000 - 75) / 0.15, "matches bybit within a tick"),
        # bybit-2025 (maintenance at LP): (5,000 + 15,000) / (0.15 · 1.005).
        ((5000 + 15_000) / (0.15 * 1.005), "matches bybit-2025 within a tick"),
    ],
)
def test_the_exchange_says_block_names_the_rule_bybits_price_matches(exchange_price, matches):
    short = Position(
        "BTC/USDT:USDT",
        "linear",
        "short",
        0.15,
        100_000,
        101_000,
        20,
        False,
        "isolated",
        5000,
        None,
        exchange_price,
        "both",
    )
    parts = {"futures positions": Part("", [short]), "COIN-M positions": Part("", [])}
    snapshot = AccountSnapshot("bybit", "2026-12-08T00:00:00Z", "read", parts)
    method = account_cells(snapshot, [], {}).account[says_cells()["SAYS_METHOD"]]
    assert method.endswith(f"the exchange's price {matches}")
    binance = AccountSnapshot("binance", "2026-12-08T00:00:00Z", "read", parts)
    assert "bybit-2025" not in account_cells(binance, [], {}).account[says_cells()["SAYS_METHOD"]]


def test_bybit_a_key_that_can_trade_or_transfer_is_refused(bybit, mine, capsys):
    bybit.restrictions = "v5_user_query_api_trading.json"
    before = mine.read_bytes()
    code = main(["refresh", str(mine), "--account", "--exchange", "bybit", "--timeout", "20"])
    err = capsys.readouterr().err
    assert code == 2 and mine.read_bytes() == before
    assert "bybit: the key is refused: it allows trading (the key is not Read-Only) and wallet rights" in err
    assert "/v5/account/wallet-balance" not in bybit.seen


# ------------------------------------------------------------------ killed mid-write: no key byte left

_CHILD = """
import sys, time
from althedge_xl.cli import main
import althedge_xl.market, althedge_xl.workbook.refresh, openpyxl, ccxt  # loaded before the clock starts
print("ready", flush=True)
started = time.monotonic()
code = main(["refresh", sys.argv[1], "--account", "--timeout", "30"])
print(f"done {time.monotonic() - started:.3f}", flush=True)
sys.exit(code)
"""
KILL_RUNS = 6  # half SIGKILL, half SIGTERM, 2 at a time (seeded delays)


def _child(folder: Path, server: AccountServer) -> subprocess.Popen[str]:
    env = {
        **os.environ,
        "PYTHONPATH": str(Path(__file__).resolve().parents[1]),
        BASE_URL_ENV_VAR: server.base_url,
        CACHE_ENV_VAR: str(folder / "cache"),
        "ALTHEDGE_BINANCE_API_KEY": TEST_KEY,
        "ALTHEDGE_BINANCE_API_SECRET": TEST_SECRET,
    }
    child = subprocess.Popen(
        [sys.executable, "-c", _CHILD, str(folder / "Mine.xlsm")],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=folder,
    )
    assert child.stdout is not None and child.stdout.readline().strip() == "ready"
    return child


def test_killed_at_random_points_no_key_byte_is_left_and_the_file_is_old_or_new(server, workbook, tmp_path):
    server.expect_bad = False
    original = workbook.read_bytes()
    calibration = tmp_path / "calibration"
    calibration.mkdir()
    shutil.copy2(workbook, calibration / "Mine.xlsm")
    out, err = _child(calibration, server).communicate(timeout=120)
    assert leaked(calibration, out, err) == []
    took = float(out.split()[-1])
    rng = random.Random(23)
    plans = [(signal.SIGKILL if i % 2 else signal.SIGTERM, rng.uniform(0.0, took * 1.5)) for i in range(KILL_RUNS)]

    def killed(i: int) -> tuple[str, str, Path]:
        folder = tmp_path / f"run{i}"
        folder.mkdir()
        shutil.copy2(workbook, folder / "Mine.xlsm")
        child = _child(folder, server)
        time.sleep(plans[i][1])
        child.send_signal(plans[i][0])
        out, err = child.communicate(timeout=120)
        return out, err, folder

    with ThreadPoolExecutor(2) as pool:
        runs = list(pool.map(killed, range(KILL_RUNS)))
    for out, err, folder in runs:
        assert leaked(folder, out, err) == [], folder  # workbook, backups, cache, temporaries, output
        content = (folder / "Mine.xlsm").read_bytes()
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            assert archive.testzip() is None
        assert content == original or cells(folder / "Mine.xlsm", "Hedge")["B30"] == 0.15


def test_account_values_never_reach_the_price_cache(server, mine, capsys, tmp_path):
    server.expect_bad = False
    code, _, err = run_cli(server, mine, capsys)
    assert code == 0, err
    cached = b"".join(p.read_bytes() for p in (tmp_path / "cache").rglob("*") if p.is_file())
    assert cached  # the public refresh cached its prices
    for value in (b"2500.5", b"132802.12", b"757.5", b"positionRisk", b"commissionRate", b"income"):
        assert value not in cached  # a balance, the liquidation price, the initial margin, account endpoints


def test_an_isolated_short_is_computed_with_its_isolated_margin():
    from althedge_xl.market.account.records import Position
    from althedge_xl.workbook.account_liquidation import althedge_liquidation

    short = Position("BTC/USDT:USDT", "linear", "short", 0.15, 100_000, 101_000, 20, False, "isolated", 800, -150,
                     104_913.7, "BOTH")  # fmt: skip
    found = althedge_liquidation(short, wallet=5000, rule="binance", tiers=None)
    # Binance's isolated short, bracket 1 (0.4 %, cum 0): LP = (isolated wallet + cum + size*EP) / (size*(1 + mmr))
    assert found.price == pytest.approx((800 + 0.15 * 100_000) / (0.15 * 1.004), abs=1e-6)
    assert found.method.startswith("isolated: HEDGE_LIQ_PRICE's rule with the isolated margin (800.00 USDT)")
    cross = althedge_liquidation(dataclasses.replace(short, margin_mode="cross"), None, "binance", None)
    assert cross.price is None and cross.error == "the futures wallet balance did not arrive"


# ------------------------------------------------------------------ cross margin: the other positions count


@pytest.fixture
def cross_server(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    """The account server with the bodies of ``tests/fixtures/account/<variant>`` in place of the base ones."""
    with AccountServer(variants=request.param) as running:
        monkeypatch.setenv(BASE_URL_ENV_VAR, running.base_url)
        monkeypatch.setenv(CACHE_ENV_VAR, str(tmp_path / "cache"))
        yield running
        assert running.bad == [], running.bad


@pytest.mark.parametrize("cross_server", [("binance_cross",)], indirect=True)
def test_binances_published_cross_example_through_the_account_refresh(cross_server, mine):
    # Binance's cross example (help page "How to Calculate Liquidation Price of USDⓈ-M Futures Contracts",
    # inputs as freqtrade's tests/exchange/test_binance.py gives them): one cross wallet of 1,535,443.01 USDT,
    # BTCUSDT long 109.488 at 32,481.98 (mark 31,967.27; bracket 2.5 %, cum 16,300) and ETHUSDT long
    # 3,683.979 at 1,456.84 (mark 1,335.18; 10 %, cum 135,365). Published liquidation prices: BTC 26,316.89,
    # ETH 1,153.26.
    update = refresh(mine)
    assert update.written and not update.account.failed, update.messages
    account = cells(mine, "Account")
    assert account["B49"] == 26_316.89  # the body's liquidationPrice: Binance's published number
    assert round(account["B50"] + 1e-9, 2) == 26_316.89  # AltHedge's, to the cent
    assert abs(account["B51"]) < 0.005 and account["B52"] == "no"
    method = account["B53"]
    assert method.startswith("no BTC short is open; the long: cross: HEDGE_LIQ_CROSS")
    assert "cross wallet balance (1,535,443.01 USDT)" in method
    # ETH's maintenance margin 3,683.979 x 1,335.18 x 10 % - 135,365 and P/L 3,683.979 x (1,335.18 - 1,456.84)
    assert "maintenance margin (356,512.51 USDT)" in method and "P/L (-448,192.89 USDT): ETHUSDT long" in method
    assert cells(mine, "Hedge")["B30"] == 0  # no short held
    # ETH through the same reader and function, with the fixture's ETHUSDT brackets (10 %, cum 135,365 at LP)
    import json

    from althedge_xl.workbook.account_liquidation import althedge_liquidation

    brackets = Path(__file__).parent / "fixtures" / "account" / "binance_cross" / "fapi_v1_leverageBracket.json"
    eth_table = next(e for e in json.loads(brackets.read_text()) if e["symbol"] == "ETHUSDT")["brackets"]
    rows = [
        [b["notionalFloor"], b["notionalCap"], b["maintMarginRatio"], b["cum"], b["initialLeverage"]] for b in eth_table
    ]
    positions = update.account.value("futures positions")
    eth = next(p for p in positions if p.symbol == "ETH/USDT:USDT")
    others = [p for p in positions if p is not eth]
    found = althedge_liquidation(eth, 1_535_443.01, "binance", rows, others)
    assert round(found.price + 1e-9, 2) == 1_153.26, found


@pytest.mark.parametrize("cross_server", [("binance_cross_hedge",)], indirect=True)
def test_a_cross_short_beside_an_eth_long_counts_the_long(cross_server, mine):
    update = refresh(mine)
    assert update.written and not update.account.failed, update.messages
    hedge = cells(mine, "Hedge")
    assert (hedge["B30"], hedge["B6"], hedge["B14"]) == (0.5, 100_000, 20_000)  # the cross wallet as collateral
    assert (hedge["B40"], hedge["B41"], hedge["B42"]) == (20_000, 173.5, -1_000)  # the Hedge sheet's cross block
    account = cells(mine, "Account")
    # Binance's cross formula by hand, short (Side -1), BTCUSDT bracket 1 (0.4 %, cum 0):
    # LP = (WB - TMM1 + UPNL1 + cum + Q*EP) / (Q*MMR + Q), WB 20,000; the ETH long's maintMargin 173.5 and
    # unrealised P/L 10 x (2,900 - 3,000) = -1,000
    wallet, eth_maintenance, eth_pnl = 20_000, 173.5, 10 * (2_900 - 3_000)
    by_hand = (wallet - eth_maintenance + eth_pnl + 0 + 0.5 * 100_000) / (0.5 * 0.004 + 0.5)
    assert account["B50"] == pytest.approx(by_hand, abs=1e-6)
    assert account["B49"] == 137_104.58 and account["B52"] == "no"
    assert account["B53"].startswith("cross: HEDGE_LIQ_CROSS with the cross wallet balance (20,000.00 USDT)")
    assert "maintenance margin (173.50 USDT) plus their unrealised P/L (-1,000.00 USDT): ETHUSDT long" in account["B53"]


def test_a_cross_position_whose_neighbours_maintenance_is_missing_falls_back_and_says_so():
    from althedge_xl.market.account.records import Position
    from althedge_xl.workbook.account_liquidation import althedge_liquidation

    short = Position("BTC/USDT:USDT", "linear", "short", 0.5, 100_000, 101_000, 20, False, "cross", 0, -500,
                     137_104.58, "BOTH", 202)  # fmt: skip
    eth = Position("ETH/USDT:USDT", "linear", "long", 10, 3_000, 2_900, 10, False, "cross", 0, -1_000,
                   1_075.69, "BOTH", None)  # fmt: skip
    found = althedge_liquidation(short, 20_000, "binance", None, [eth])
    # the isolated rule with the whole wallet: (20,000 + 0.5 x 100,000) / (0.5 x 1.004)
    assert found.price == pytest.approx((20_000 + 50_000) / (0.5 * 1.004), abs=1e-6)
    assert "lacks the maintenance margin or unrealised P/L of ETHUSDT long" in found.method
    assert "other positions are not counted" in found.method
    # an isolated neighbour has its own wallet: it counts for nothing, whatever its numbers
    isolated = dataclasses.replace(eth, margin_mode="isolated", maintenance_margin=173.5)
    alone = althedge_liquidation(short, 20_000, "binance", None, [isolated])
    assert alone.price == pytest.approx(found.price, abs=1e-6) and "no other position" in alone.method

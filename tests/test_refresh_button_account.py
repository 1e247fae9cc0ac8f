"""The Refresh button with an API key configured (issue 23): the account read through the open workbook.

The open workbook is a fake xlwings book over the template's cells and defined names; the account is
read by the real ccxt client from tests/account_server.py, which checks every request's signature with
the test secret. The expected numbers are the fixture bodies' own (tests/fixtures/account/binance), or
what ``althedge refresh --account`` writes into the closed file from the same answers.
"""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
from account_server import TEST_KEY, TEST_SECRET, AccountServer
from excel_book import ExcelBook
from test_account import NOW, refresh
from test_feeds import _no_network, throttle_costs  # noqa: F401  (autouse: loopback only; no throttle sleeps)
from test_refresh import ALERT_TITLE, _fetch, _nothing

from althedge_xl.market import BASE_URL_ENV_VAR, CACHE_ENV_VAR
from althedge_xl.market.account.keys import ApiKey, store_key
from althedge_xl.workbook import prices_layout as px
from althedge_xl.workbook.patch import patch_sheet
from althedge_xl.workbook.refresh_excel import refresh_and_tell, refresh_book
from althedge_xl.workbook.refresh_excel_account import ButtonAccount

ACCOUNT_SHEETS = ("Portfolio", "Hedge", "Account")


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    """The signature-checking account server, the refresh pointed at it, the test key in the environment."""
    with AccountServer() as running:
        monkeypatch.setenv(BASE_URL_ENV_VAR, running.base_url)
        monkeypatch.setenv(CACHE_ENV_VAR, str(tmp_path / "cache"))
        monkeypatch.setenv("ALTHEDGE_BINANCE_API_KEY", TEST_KEY)
        monkeypatch.setenv("ALTHEDGE_BINANCE_API_SECRET", TEST_SECRET)
        running.expect_bad = False  # type: ignore[attr-defined]
        yield running
        assert running.bad == [] or running.expect_bad, running.bad  # type: ignore[attr-defined]


@pytest.fixture
def mine(workbook: Path) -> Path:
    """The template with ETH as a quantity (1, no USD value) and a DOGE row (1,000) the account does not hold
    (as test_account's)."""
    workbook.write_bytes(
        patch_sheet(workbook.read_bytes(), "Portfolio", {"C6": 1, "E6": None, "A9": "DOGE", "C9": 1000})
    )
    return workbook


class AccountBook(ExcelBook):
    """The workbook open in Excel, with the sheets the account writes (every one protected, as built)."""

    def __init__(self, path: Path, sheets: tuple[str, ...] = (px.SHEET, *ACCOUNT_SHEETS)) -> None:
        super().__init__(path, sheets)


def file_cells(path: Path, sheet: str) -> dict[str, object]:
    book = openpyxl.load_workbook(path, data_only=True)
    return {c.coordinate: c.value for row in book[sheet].iter_rows() for c in row if c.value is not None}


def button(fake: AccountBook, **link: object):
    """Press the Refresh button: the public market answers nothing new, the account is the server's."""
    options = {"clock": lambda: NOW, "sleep": lambda seconds: None}
    return refresh_and_tell(fake, fetch=_fetch(_nothing()), account=ButtonAccount(options=options, **link))


def no_key_byte(fake: AccountBook, folder: Path) -> None:
    """No byte of the key or the secret in what the book was given, nor in any file under ``folder``."""
    needles = (TEST_KEY, TEST_SECRET)
    assert [t[:60] for t in fake.texts() if any(n in t for n in needles)] == []
    files = [p for p in folder.rglob("*") if p.is_file() and any(n.encode() in p.read_bytes() for n in needles)]
    assert files == []


def sheet_writes(fake: AccountBook) -> dict[str, list[str]]:
    return {name: sheet.writes for name, sheet in fake.sheets.items() if sheet.writes}


# ------------------------------------------------------------------ the account written


def test_the_button_writes_what_the_command_line_writes(server, mine, tmp_path):
    fake = AccountBook(mine)
    update = button(fake)
    assert update is not None and update.account is not None and not update.account.failed
    portfolio, hedge, account = (fake.sheets[name].values for name in ACCOUNT_SHEETS)
    # the bodies' numbers (tests/fixtures/account/binance)
    assert portfolio["C6"] == 4.2 + 0.3  # ETH: free + locked of the spot body
    assert portfolio.get("C5") is None and portfolio["E5"] == 50_000  # BTC's row has a USD value: never touched
    assert portfolio["C9"] == 0  # DOGE: no longer held
    assert (portfolio["A10"], portfolio["C10"], portfolio["A11"], portfolio["C11"]) == ("LINK", 12.5, "XRP", 1500)
    assert hedge["B30"] == 0.15 and hedge["B6"] == 100_000  # positionAmt -0.150, entryPrice
    assert hedge["B8"] == 15_150 / 757.5  # notional / initialMargin (v3 sends no leverage)
    assert hedge["B14"] == 5000 and hedge["B17"] == 0.0004  # walletBalance, takerCommissionRate
    assert [hedge[f"{c}4"] for c in "HIJKL"] == [0, 300_000, 0.004, 0, 150]  # the account's first bracket
    assert "from your account, 2026-07-01" in hedge["H2"]
    assert account["B49"] == 132_802.12  # the exchange's liquidationPrice
    assert (account["B63"], account["B64"]) == (0.0004, 0.0002)
    # the closed file refreshed with --account from the same answers holds the same cells
    refresh(mine)
    for name in ACCOUNT_SHEETS:
        from_file, shown = file_cells(mine, name), fake.sheets[name].values
        for ref in set(from_file) | {k for k, v in shown.items() if v is not None}:
            assert shown.get(ref) == from_file.get(ref), (name, ref)
    # every sheet protected again afterwards, with the options it had (the template's)
    for sheet in fake.sheets:
        assert sheet.api.ProtectContents and sheet.api.ProtectDrawingObjects and sheet.api.ProtectScenarios
        for call, _, options in sheet.api.calls:
            assert call == "Unprotect" or options == {
                "Contents": True,
                "DrawingObjects": True,
                "Scenarios": True,
                "AllowFormattingCells": False,
                "AllowFormattingColumns": True,
                "AllowFormattingRows": False,
            }
    assert [c for c, _, _ in fake.sheets["Account"].api.calls] == ["Unprotect", "Protect"]
    # the box: the rows added to Portfolio need a class
    [alert] = fake.app.alerts
    assert alert["title"] == ALERT_TITLE and "added LINK to Portfolio row 10: choose its class" in alert["prompt"]
    no_key_byte(fake, tmp_path)


def test_the_button_reads_the_key_from_the_keyring(server, mine, monkeypatch, memory_keyring, tmp_path):
    monkeypatch.delenv("ALTHEDGE_BINANCE_API_KEY")
    monkeypatch.delenv("ALTHEDGE_BINANCE_API_SECRET")
    store_key(ApiKey("binance", TEST_KEY, TEST_SECRET))  # into the test's in-memory keyring
    assert memory_keyring.entries
    fake = AccountBook(mine)
    update = button(fake)
    assert update is not None and update.account is not None
    assert fake.sheets["Hedge"].values["B30"] == 0.15
    assert "/fapi/v3/positionRisk" in server.seen
    no_key_byte(fake, tmp_path)


def test_without_a_key_the_button_does_what_it_did(server, mine, monkeypatch, tmp_path):
    monkeypatch.delenv("ALTHEDGE_BINANCE_API_KEY")
    monkeypatch.delenv("ALTHEDGE_BINANCE_API_SECRET")
    fake = AccountBook(mine)
    before = {name: dict(sheet.values) for name, sheet in fake.sheets.items()}
    update = button(fake)
    assert update is not None and update.account is None
    assert server.seen == [] and set(sheet_writes(fake)) == {px.SHEET}  # no request; only Prices written
    assert {n: s.values for n, s in fake.sheets.items() if n != px.SHEET} == {
        n: values for n, values in before.items() if n != px.SHEET
    }
    [alert] = fake.app.alerts  # nothing fetched: the box as before, without a word of an account
    assert "ccount" not in alert["prompt"]


# ------------------------------------------------------------------ a key to fix: nothing written


@pytest.mark.parametrize(
    ("setup", "cause"),
    [
        ({"restrictions": "sapi_v1_account_apiRestrictions_trading.json"}, "the key is refused: it allows spot"),
        ({"ALTHEDGE_BINANCE_API_SECRET": "not-the-secret"}, "the request's signature is not valid"),
        ({"ALTHEDGE_BINANCE_API_KEY": "not-the-key"}, "the key was rejected: wrong key"),
        ({"ALTHEDGE_BINANCE_API_SECRET": ""}, "ALTHEDGE_BINANCE_API_SECRET is not set"),
    ],
)
def test_a_key_to_fix_writes_nothing_and_says_why_in_one_line(server, mine, monkeypatch, tmp_path, setup, cause):
    server.expect_bad = True
    for name, value in setup.items():
        if name == "restrictions":
            server.restrictions = value
        else:
            monkeypatch.setenv(name, value)
    fake = AccountBook(mine)
    assert button(fake) is None
    assert sheet_writes(fake) == {}  # not even the public prices
    [alert] = fake.app.alerts
    assert alert["mode"] == "critical" and "\n" not in alert["prompt"]
    assert alert["prompt"].startswith("Nothing was refreshed: binance: ") and cause in alert["prompt"]
    assert "; fix: " in alert["prompt"]
    assert "/api/v3/account" not in server.seen  # nothing of the account was read with it
    no_key_byte(fake, tmp_path)


def test_the_button_raises_nothing_when_the_key_is_refused(server, mine):
    server.restrictions = "sapi_v1_account_apiRestrictions_trading.json"
    from althedge_xl.market.account.faults import AccountFault

    with pytest.raises(AccountFault):  # refresh_book says it; the button's box shows it (above)
        refresh_book(AccountBook(mine), fetch=_fetch(_nothing()), account=ButtonAccount(options={"clock": lambda: NOW}))


# ------------------------------------------------------------------ a part failing, the keyring failing


@pytest.mark.parametrize(
    ("path", "status", "headers", "part", "words"),
    [
        ("/fapi/v1/income", 503, {}, "funding paid and received", "unavailable or in maintenance (HTTP 5xx)"),
        ("/fapi/v1/commissionRate", 418, {"Retry-After": "600"}, "fee rate", "asks to wait 600 s"),
    ],
)
def test_one_part_failing_leaves_the_others_written_and_the_box_says_which(
    server, mine, tmp_path, path, status, headers, part, words
):
    body = b'{"code":-1003,"msg":"Too many requests."}' if status == 418 else b"Service Unavailable"
    server.faults[path] = (status, body, headers)
    fake = AccountBook(mine)
    before = dict(fake.sheets["Hedge"].values)
    update = button(fake)
    failed_parts = [p.name for p in update.account.failed] if update is not None else []
    assert part in failed_parts and "futures positions" not in failed_parts
    assert fake.sheets["Hedge"].values["B30"] == 0.15  # the positions arrived: written
    if part == "fee rate":
        assert fake.sheets["Hedge"].values["B17"] == before["B17"]  # kept as it was
    [alert] = fake.app.alerts
    lines = alert["prompt"].splitlines()
    written = next(line for line in lines if line.startswith("Account (binance) written: "))
    assert "spot balances" in written and "futures positions" in written and part not in written
    failed = next(line for line in lines if line.startswith(f"Account {part}: not written"))
    assert words in failed and "binance" in failed
    no_key_byte(fake, tmp_path)


class LockedKeyring:
    def get_password(self, service: str, name: str) -> str | None:
        raise RuntimeError("the keyring is locked")


def test_a_keyring_that_cannot_be_read_leaves_the_public_refresh_and_says_so(server, mine, monkeypatch):
    monkeypatch.delenv("ALTHEDGE_BINANCE_API_KEY")
    monkeypatch.delenv("ALTHEDGE_BINANCE_API_SECRET")
    fake = AccountBook(mine)
    assert button(fake, keyring=LockedKeyring()) is not None
    assert set(sheet_writes(fake)) == {px.SHEET} and server.seen == []
    [alert] = fake.app.alerts
    assert (
        "Account not read: binance: the keyring could not be read (RuntimeError); fix: unlock the keyring"
        in (alert["prompt"])
    )


def test_an_account_that_does_not_answer_at_all_leaves_the_public_refresh(server, mine, tmp_path):
    server.faults["/sapi/v1/account/apiRestrictions"] = (503, b"Service Unavailable", {})
    fake = AccountBook(mine)
    update = button(fake)
    assert update is not None and update.account is None
    assert set(sheet_writes(fake)) == {px.SHEET}
    [alert] = fake.app.alerts
    assert "Account not read: binance: nothing of the account was read" in alert["prompt"]
    no_key_byte(fake, tmp_path)


def test_an_error_that_quotes_the_key_is_shown_without_it(server, mine, tmp_path):
    def fetch_account(api_key, **options):
        raise RuntimeError(f"signed with {api_key.key} and {api_key.secret}")

    fake = AccountBook(mine)
    assert button(fake, fetch=fetch_account) is None
    [alert] = fake.app.alerts
    assert alert["prompt"] == (
        "Nothing was refreshed: internal error (RuntimeError: signed with [hidden] and [hidden]); please report it."
    )
    no_key_byte(fake, tmp_path)


def test_an_account_sheet_protected_with_a_password_is_named_and_the_rest_written(server, mine):
    fake = AccountBook(mine)
    fake.sheets["Account"].api.password = "the user's own"
    update = button(fake)
    assert update is not None and fake.sheets["Hedge"].values["B30"] == 0.15
    assert fake.sheets["Account"].writes == []
    [alert] = fake.app.alerts
    assert (
        "Account: the Account sheet is protected with a password: unprotect it (Review > Unprotect Sheet), then"
        " press Refresh again; its cells were not written"
    ) in alert["prompt"]

"""The account's COIN-M brackets (``GET /dapi/v2/leverageBracket``): read, written into ``TIERS_INVERSE``, used.

The real ccxt client against the documentation example (and its adaptation with more brackets) in
tests/fixtures/account, served by tests/account_server.py, which checks every request's signature. The
expected prices are Binance's COIN-M formula worked by hand here from the bracket rows of the bodies.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from pathlib import Path

import numpy as np
import pytest
from account_server import TEST_KEY, TEST_SECRET
from test_account import cells, refresh
from test_account_coinm import inverse_short, served, snapshot_of
from test_feeds import _no_network, throttle_costs  # noqa: F401  (autouse: loopback only; no throttle sleeps)
from test_refresh_button_account import ACCOUNT_SHEETS, AccountBook, button, file_cells

from althedge_xl.cli import main
from althedge_xl.market.account.brackets import coinm_brackets
from althedge_xl.market.account.client import load_inverse_markets, make_account_client
from althedge_xl.market.account.keys import ApiKey
from althedge_xl.market.account.records import Part, Position
from althedge_xl.market.deadline import Deadline
from althedge_xl.workbook.account_hedge import positions_cells
from althedge_xl.workbook.patch import patch_sheet
from althedge_xl.workbook.sheets.hedge_tables import INVERSE_FIRST_ROW, TIER_ROWS

BODIES = Path(__file__).parent / "fixtures" / "account"
BRACKETS = "/dapi/v2/leverageBracket"


@pytest.fixture
def mine(workbook: Path) -> Path:
    """The template with ETH as a quantity (as in test_account.py)."""
    workbook.write_bytes(patch_sheet(workbook.read_bytes(), "Portfolio", {"C6": 1, "E6": None}))
    return workbook


@pytest.fixture
def coinm(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    """Binance with the COIN-M BTCUSD short of tests/fixtures/account/binance_coinm (300 contracts)."""
    server = served("binance", ("binance_coinm",), monkeypatch, tmp_path)
    yield server
    server.__exit__(None, None, None)
    assert server.bad == [], server.bad


def perpetual_brackets(folder: str) -> list[list[float]]:
    """The body's BTCUSD_PERP brackets as rows [floor, cap, rate, cum, max leverage], read from the JSON."""
    body = json.loads((BODIES / folder / "dapi_v2_leverageBracket.json").read_text())
    (entry,) = [e for e in body if e["symbol"] == "BTCUSD_PERP"]
    return [
        [b["qtyFloor"], b["qtyCap"], b["maintMarginRatio"], b["cum"], b["initialLeverage"]] for b in entry["brackets"]
    ]


def inverse_table(path: Path) -> tuple[list[list[object]], object, str]:
    """The Hedge sheet's inverse table as written: its rows, the exchange it names and its heading."""
    hedge = cells(path, "Hedge")
    rows = [[hedge.get(f"{c}{INVERSE_FIRST_ROW + i}") for c in "HIJKL"] for i in range(TIER_ROWS)]
    return rows, hedge.get(f"I{INVERSE_FIRST_ROW - 2}"), str(hedge.get(f"H{INVERSE_FIRST_ROW - 3}"))


def test_the_coin_m_brackets_are_written_into_the_inverse_table(coinm, mine):
    update = refresh(mine)
    assert update.written and not update.account.failed, update.messages
    assert BRACKETS in coinm.seen  # signed and verified by the server
    rows, owner, heading = inverse_table(mine)
    expected = perpetual_brackets("binance_coinm")
    assert len(expected) == 3 and expected[1] == [50, 100, 0.005, 0.05, 100]  # BTC floors and caps
    assert rows[:3] == expected and all(v is None for row in rows[3:] for v in row)
    assert owner == "binance"
    assert heading == (
        "Binance inverse BTCUSD tiers (editable, in BTC): from your account, 2026-07-01 (GET /dapi/v2/leverageBracket)"
    )
    # the linear table keeps the USDⓈ-M brackets (in USDT)
    assert cells(mine, "Hedge")["I4"] == 300_000


def test_an_account_without_a_coin_m_btc_position_never_asks_for_the_coin_m_brackets(monkeypatch, tmp_path, mine):
    # tests/fixtures/account/binance: every COIN-M position is of size 0. The endpoint failing would cost
    # nothing, because it is not asked for at all.
    server = served("binance", (), monkeypatch, tmp_path)
    server.faults[BRACKETS] = (503, b"Service Unavailable", {})
    try:
        code = main(["refresh", str(mine), "--account", "--timeout", "20"])
    finally:
        server.__exit__(None, None, None)
    assert code == 0 and BRACKETS not in server.seen
    rows, owner, _ = inverse_table(mine)
    assert owner is None and all(v is None for row in rows for v in row)


def test_the_coin_m_brackets_failing_costs_only_themselves(coinm, mine, capsys):
    coinm.faults[BRACKETS] = (503, b"Service Unavailable", {})
    code = main(["refresh", str(mine), "--account", "--timeout", "20"])
    _, err = capsys.readouterr()
    assert code == 1 and "binance COIN-M brackets" in err and "binance COIN-M positions: ok" in err
    rows, owner, _ = inverse_table(mine)
    assert owner is None and all(v is None for row in rows for v in row)  # nothing written there
    assert cells(mine, "Hedge")["B30"] == 300  # the rest written
    assert "default inverse tiers" in cells(mine, "Account")["B53"]


def test_a_workbook_without_the_inverse_table_gets_a_note_and_the_rest(coinm, mine):
    package = mine.read_bytes()
    with zipfile.ZipFile(io.BytesIO(package)) as source:
        parts = {name: source.read(name) for name in source.namelist()}
    xml = parts["xl/workbook.xml"].decode()
    parts["xl/workbook.xml"] = re.sub(
        r'<definedName name="TIERS_INVERSE[A-Z_]*"[^>]*>[^<]*</definedName>', "", xml
    ).encode()
    assert b"TIERS_INVERSE" not in parts["xl/workbook.xml"]
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for name, data in parts.items():
            target.writestr(name, data)
    mine.write_bytes(out.getvalue())
    update = refresh(mine)
    assert update.written and not update.account.failed
    assert any(n.startswith("this workbook has no inverse tier table (TIERS_INVERSE") for n in update.messages)
    rows, owner, _ = inverse_table(mine)
    assert owner is None and all(v is None for row in rows for v in row)
    assert cells(mine, "Hedge")["B30"] == 300


def large_isolated_short() -> Position:
    """60,000 contracts of 100 USD (6,000,000 USD) short at 100,000, 3 BTC of isolated margin."""
    small = inverse_short("isolated", 3.0)
    return Position(**{**small.__dict__, "size": 60_000, "maintenance_margin": None})


def test_a_coin_m_short_beyond_the_default_table_is_priced_with_the_accounts_brackets():
    # S = 6,000,000 USD, EP = 100,000, WB = 3 BTC. Binance's COIN-M isolated short: WB + S (1/LP - 1/EP)
    # = S MMR / LP - cum, so LP = S (1 - MMR) / (S/EP - WB - cum). Bracket 1 (0.4 %, cum 0) gives
    # S/LP = 57.2 BTC, above its 50 BTC cap; bracket 2 (50-100 BTC, 0.5 %, cum 0.05) is consistent.
    rows = perpetual_brackets("binance_coinm")
    s, ep, wb = np.float64(6_000_000), np.float64(100_000), np.float64(3.0)
    first = s * (1 - 0.004) / (s / ep - wb - 0)
    assert s / first > 50
    _, _, mmr, cum, _ = rows[1]
    by_hand = s * (1 - mmr) / (s / ep - wb - cum)
    assert 50 <= s / by_hand <= 100
    snapshot = snapshot_of("binance", [], [large_isolated_short()])
    snapshot.parts["COIN-M brackets"] = Part("COIN-M brackets", rows)
    hedge: dict[str, object] = {}
    account: dict[str, object] = {}
    positions_cells(snapshot, hedge, account, [], {"linear": None, "inverse": rows})
    assert account["B50"] == pytest.approx(float(by_hand), abs=1e-6)
    assert "the account's brackets" in account["B53"]
    # without the account's brackets, the default table (one bracket to 50 BTC) cannot price it
    without: dict[str, object] = {}
    positions_cells(snapshot_of("binance", [], [large_isolated_short()]), {}, without, [], {})
    assert isinstance(without["B50"], str) and "50" in without["B50"]


def test_the_linear_position_keeps_the_linear_brackets():
    # A USDⓈ-M short with the account's BTCUSDT brackets and COIN-M brackets beside: the linear ones apply.
    linear = Position("BTC/USDT:USDT", "linear", "short", 0.15, 100_000, 101_000, 20, False, "isolated", 750.0,
                      -150.0, None, "BOTH", None)  # fmt: skip
    usdt_rows = [[0, 300_000, 0.004, 0, 150]]
    coin_rows = perpetual_brackets("binance_coinm")
    account: dict[str, object] = {}
    positions_cells(snapshot_of("binance", [linear], []), {}, account, [], {"linear": usdt_rows, "inverse": coin_rows})
    # Binance USDⓈ-M isolated short: LP = (WB + Q EP - cum) / (Q (1 + MMR)), bracket 1 (0.4 %).
    q, ep, wb = 0.15, 100_000, 750.0
    assert account["B50"] == pytest.approx((wb + q * ep) / (q * 1.004), abs=1e-6)


def test_the_documented_example_is_read_through_ccxt_in_btc(monkeypatch, tmp_path):
    # The documentation example itself (tests/fixtures/account/binance): one bracket of 0-50 BTC, 0.4 %,
    # cum 0, 125x. ccxt maps qtyFloor/qtyCap to minNotional/maxNotional; the rows keep them in BTC.
    server = served("binance", (), monkeypatch, tmp_path)
    try:
        client = make_account_client(ApiKey("binance", TEST_KEY, TEST_SECRET), 10.0, Deadline(30.0))
        client.load_markets()
        load_inverse_markets(client)  # as the account read does before its first COIN-M part
        rows = coinm_brackets(client, "binance")
    finally:
        server.__exit__(None, None, None)
    assert server.bad == [] and BRACKETS in server.seen
    assert rows == perpetual_brackets("binance") == [[0, 50, 0.004, 0.0, 125]]


def test_the_button_writes_the_inverse_table_as_the_command_line_does(coinm, mine):
    fake = AccountBook(mine)
    update = button(fake)
    assert update is not None and update.account is not None and not update.account.failed
    shown = fake.sheets["Hedge"].values
    assert [shown.get(f"{c}{INVERSE_FIRST_ROW + 1}") for c in "HIJKL"] == [50, 100, 0.005, 0.05, 100]
    assert shown.get(f"I{INVERSE_FIRST_ROW - 2}") == "binance"
    refresh(mine)
    for name in ACCOUNT_SHEETS:
        from_file, on_sheet = file_cells(mine, name), fake.sheets[name].values
        for ref in set(from_file) | {k for k, v in on_sheet.items() if v is not None}:
            assert on_sheet.get(ref) == from_file.get(ref), (name, ref)

"""``althedge refresh --account`` with COIN-M (inverse) BTC positions, hedge mode, and the market's tick.

The real ccxt client against the documented bodies of tests/fixtures/account (its README says which are
documentation examples and what was adapted), served by tests/account_server.py, which checks every
request's signature. The expected numbers are the bodies' own, or the exchanges' published formulas
written out here with numpy.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from account_server import TEST_KEY, TEST_SECRET, AccountServer
from test_account import cells, leaked, refresh
from test_feeds import _no_network, throttle_costs  # noqa: F401  (autouse: loopback only; no throttle sleeps)

from althedge_xl.cli import main
from althedge_xl.core.exchanges import exchange_profile
from althedge_xl.market import BASE_URL_ENV_VAR, CACHE_ENV_VAR
from althedge_xl.market.account.records import AccountSnapshot, FuturesWallet, Part, Position
from althedge_xl.workbook.account_hedge import positions_cells
from althedge_xl.workbook.account_liquidation import althedge_liquidation
from althedge_xl.workbook.backups import backups_of
from althedge_xl.workbook.patch import patch_sheet

BODIES = Path(__file__).parent / "fixtures" / "account"


@pytest.fixture
def mine(workbook: Path) -> Path:
    """The template with ETH as a quantity (as in test_account.py)."""
    workbook.write_bytes(patch_sheet(workbook.read_bytes(), "Portfolio", {"C6": 1, "E6": None}))
    return workbook


def served(exchange: str, variants: tuple[str, ...], monkeypatch: pytest.MonkeyPatch, folder: Path) -> AccountServer:
    server = AccountServer(exchange=exchange, variants=variants).__enter__()
    monkeypatch.setenv(BASE_URL_ENV_VAR, server.base_url)
    monkeypatch.setenv(CACHE_ENV_VAR, str(folder / "cache"))
    monkeypatch.setenv(f"ALTHEDGE_{exchange.upper()}_API_KEY", TEST_KEY)
    monkeypatch.setenv(f"ALTHEDGE_{exchange.upper()}_API_SECRET", TEST_SECRET)
    return server


@pytest.fixture
def coinm(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    """Binance with a COIN-M BTCUSD short (300 contracts, 30,000 USD) beside the USDⓈ-M BTCUSDT short
    (0.15 BTC, 15,150 USD at mark) and a COIN-M quarterly long in the same BTC wallet."""
    server = served("binance", ("binance_coinm",), monkeypatch, tmp_path)
    yield server
    server.__exit__(None, None, None)
    assert server.bad == [], server.bad


def coin_m_body(name: str) -> object:
    return json.loads((BODIES / "binance_coinm" / name).read_text())


def test_a_coin_m_short_larger_than_the_usdt_short_is_the_hedge(coinm, mine):
    update = refresh(mine)
    assert update.written and not update.account.failed, update.messages
    assert "/dapi/v1/positionRisk" in coinm.seen and "/dapi/v1/account" in coinm.seen  # signed, verified
    risk, account_body = coin_m_body("dapi_v1_positionRisk.json"), coin_m_body("dapi_v1_account.json")
    short = next(p for p in risk if p["symbol"] == "BTCUSD_PERP")
    long_ = next(p for p in account_body["positions"] if p["symbol"] == "BTCUSD_200925")
    hedge = cells(mine, "Hedge")
    # the COIN-M short: 300 contracts of 100 USD = 30,000 USD > 0.15 BTC x 101,000 = 15,150 USD
    assert (hedge["B5"], hedge["B30"], hedge["B6"], hedge["B8"]) == ("inverse", 300, 100_000, 20)
    wallet = float(account_body["assets"][0]["crossWalletBalance"])  # 0.05 BTC
    assert hedge["B14"] == wallet  # collateral in BTC: the COIN-M cross wallet
    other_mm, other_pnl = float(long_["maintMargin"]), float(long_["unrealizedProfit"])
    assert (hedge["B40"], hedge["B41"], hedge["B42"]) == (wallet, other_mm, other_pnl)
    # Binance's COIN-M cross formula, short, bracket 1 of the account's COIN-M brackets (0.4 %, cum 0, the
    # GET /dapi/v2/leverageBracket documentation example): WB + S (1/LP - 1/EP) = S MMR / LP - cum, with WB the cross wallet less the
    # other positions' maintenance plus their P/L (in BTC), S = 300 x 100 USD:
    #     LP = S (1 - MMR) / (S / EP - (WB - TMM1 + UPNL1) - cum)
    size_usd, entry, mmr, cum = np.float64(300 * 100), np.float64(100_000), np.float64(0.004), np.float64(0)
    available = np.float64(wallet) - other_mm + other_pnl
    by_hand = size_usd * (1 - mmr) / (size_usd / entry - available - cum)
    account = cells(mine, "Account")
    assert account["B49"] == float(short["liquidationPrice"]) == 120_271.59
    assert account["B50"] == pytest.approx(float(by_hand), abs=1e-6)
    assert account["B51"] == pytest.approx(float(by_hand) - 120_271.59, abs=1e-6) and account["B52"] == "no"
    assert "cross wallet balance (0.05000000 BTC)" in account["B53"]
    assert "BTCUSD long (COIN-M)" in account["B53"] and "the account's brackets" in account["B53"]
    assert account["B54"].startswith("BTCUSD short (COIN-M), 300 contracts (30,000 USD); tick 0.1 USD")
    # every BTC position on the Account sheet, largest USD notional first; the USDT short is listed, not summed
    assert [account[f"A{r}"] for r in (43, 44, 45)] == [
        "BTC/USD:BTC BOTH",
        "BTC/USDT:USDT BOTH",
        "BTC/USD:BTC-200925 BOTH",
    ]
    assert (account["C43"], account["C44"], account["C45"]) == (300, 0.15, 50)
    note = next(n for n in update.messages if "BTC shorts are open" in n)
    assert "the hedge is BTCUSD short (COIN-M) (30,000 USD)" in note and "BTCUSDT short (15,150 USD)" in note


def test_the_command_reads_coin_m_and_leaks_no_key_byte(coinm, mine, capsys):
    code = main(["refresh", str(mine), "--account", "--timeout", "20"])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "binance COIN-M positions: ok" in err and "binance COIN-M wallet: ok" in err
    assert leaked(mine.parent, out, err) == []  # workbook, backup, cache folder, stdout, stderr
    assert cells(mine, "Hedge")["B30"] == 300


def test_a_second_identical_coin_m_run_writes_nothing(coinm, mine):
    assert refresh(mine).written
    before, mtime = mine.read_bytes(), mine.stat().st_mtime_ns
    assert not refresh(mine).written
    assert mine.read_bytes() == before and mine.stat().st_mtime_ns == mtime and len(backups_of(mine)) == 1


def test_bybits_documented_inverse_position_is_listed_beside_the_larger_usdt_hedge(monkeypatch, tmp_path, mine):
    server = served("bybit", (), monkeypatch, tmp_path)
    try:
        update = refresh(mine, "bybit")
    finally:
        server.__exit__(None, None, None)
    assert server.bad == [] and update.written and not update.account.failed, update.messages
    body = json.loads((BODIES / "bybit" / "v5_position_list_inverse.json").read_text())["result"]["list"][0]
    hedge, account = cells(mine, "Hedge"), cells(mine, "Account")
    assert (hedge["B5"], hedge["B30"]) == ("linear", 0.15)  # 15,150 USD against the inverse short's 300 USD
    assert account["A44"] == "BTC/USD:BTC BOTH" and account["C44"] == float(body["size"]) == 300
    assert account["D44"] == float(body["avgPrice"]) and account.get("J44") is None  # liqPrice "" in the body
    assert any("BTCUSD short (COIN-M) (300 USD)" in n for n in update.messages)


# ------------------------------------------------------------------------------------ inverse formulas


def inverse_short(margin_mode: str, collateral: float) -> Position:
    return Position("BTC/USD:BTC", "inverse", "short", 300, 100_000, 101_000, 20, False, margin_mode, collateral,
                    -0.00297, None, "BOTH", 0.00118812)  # fmt: skip


@pytest.mark.parametrize(
    ("rule", "formula"),
    [
        # Binance COIN-M (maintenance at the liquidation price), short:
        #     LP = S (1 - MMR) / (S/EP - WB - cum)
        ("binance", lambda s, ep, wb, mmr: s * (1 - mmr) / (s / ep - wb)),
        # Bybit inverse (maintenance at entry, MM = S/EP x MMR), short: WB + S (1/LP - 1/EP) = MM
        #     LP = S / (S/EP - (WB - MM))
        ("bybit", lambda s, ep, wb, mmr: s / (s / ep - (wb - s / ep * mmr))),
    ],
)
def test_an_isolated_inverse_short_is_computed_with_the_inverse_formula(rule, formula):
    face = {"binance": 100, "bybit": 1}[rule]
    mmr = {"binance": 0.004, "bybit": 0.005}[rule]  # each rule's first inverse tier (documentation examples)
    short = inverse_short("isolated", 0.05)
    if rule == "bybit":
        short = Position(**{**short.__dict__, "size": 30_000})  # 30,000 contracts of 1 USD
    found = althedge_liquidation(short, wallet=None, rule=rule, tiers=None)
    by_hand = formula(np.float64(300 * 100), np.float64(100_000), np.float64(0.05), np.float64(mmr))
    assert found.price == pytest.approx(float(by_hand), rel=1e-12), found
    assert found.method.startswith("isolated: HEDGE_LIQ_PRICE's rule with the isolated margin (0.05000000 BTC)")
    assert f"{rule}'s default inverse tiers" in found.method
    assert face * short.size == 30_000


def snapshot_of(exchange: str, linear: list[Position], inverse: list[Position], **wallets: FuturesWallet) -> object:
    snapshot = AccountSnapshot(exchange, "2026-07-01T00:00:00Z", "read-only")
    snapshot.parts["futures positions"] = Part("futures positions", linear)
    snapshot.parts["COIN-M positions"] = Part("COIN-M positions", inverse)
    for name, wallet in wallets.items():
        snapshot.parts[name.replace("_", " ")] = Part(name.replace("_", " "), wallet)
    return snapshot


def test_bybits_one_usd_contracts_are_written_as_they_are_under_bybits_rule():
    short = Position(**{**inverse_short("cross", 0).__dict__, "size": 30_000, "maintenance_margin": 0.0015})
    wallet = FuturesWallet({"BTC": 0.05}, {"BTC": 0.05})
    hedge: dict[str, object] = {}
    account: dict[str, object] = {}
    notes: list[str] = []
    positions_cells(snapshot_of("bybit", [], [short], futures_wallet=wallet), hedge, account, notes, {})
    # the Hedge sheet sizes an inverse short in the contracts of the exchange HEDGE_RULE names: Bybit's 1 USD
    assert (hedge["CONTRACT_TYPE"], hedge["HELD"], hedge["HEDGE_RULE"]) == ("inverse", 30_000, "bybit")
    assert hedge["COLLATERAL"] == 0.05 and exchange_profile("bybit").contract_usd == 1.0
    assert not any("contracts of" in n for n in notes)


def test_positions_are_kept_as_before_when_the_coin_m_part_did_not_arrive():
    snapshot = snapshot_of("binance", [inverse_short("cross", 0)], [])
    snapshot.parts["COIN-M positions"] = Part("COIN-M positions", None, "binance: COIN-M positions: HTTP 503")
    hedge: dict[str, object] = {}
    notes: list[str] = []
    positions_cells(snapshot, hedge, {}, notes, {})
    assert hedge == {} and notes == [
        "the COIN-M positions did not arrive: the positions and the Hedge inputs are kept as before"
    ]


# ------------------------------------------------------------------------------------ the market's tick


@pytest.mark.parametrize(("tick", "flag"), [("0.10", "no"), ("0.001", "YES")])
def test_the_flag_uses_the_tick_of_the_market_ccxt_loaded(monkeypatch, tmp_path, mine, tick, flag):
    # AltHedge's price for the body's BTCUSDT short (Binance, cross, bracket 1) is
    # (5,000 + 0.15 x 100,000) / (0.15 x 1.004) = 132,802.1248...: 0.0048 above the exchange's 132,802.12,
    # within a tick of 0.10 (Binance's BTCUSDT) but not of 0.001.
    server = served("binance", (), monkeypatch, tmp_path)
    server.btcusdt_tick = tick
    try:
        update = refresh(mine)
    finally:
        server.__exit__(None, None, None)
    assert server.bad == [] and update.written, update.messages
    account = cells(mine, "Account")
    difference = (5000 + 0.15 * 100_000) / (0.15 * 1.004) - 132_802.12
    assert account["B51"] == pytest.approx(difference, abs=1e-6) and account["B52"] == flag
    assert f"tick {float(tick):g} USD" in account["B54"]


# ------------------------------------------------------------------------------------ Binance hedge mode


def test_hedge_mode_the_short_leg_is_the_hedge_and_the_long_leg_moves_with_the_price(monkeypatch, tmp_path, mine):
    server = served("binance", ("binance_hedge_mode",), monkeypatch, tmp_path)
    try:
        update = refresh(mine)
    finally:
        server.__exit__(None, None, None)
    assert server.bad == [] and update.written and not update.account.failed, update.messages
    risk = json.loads((BODIES / "binance_hedge_mode" / "fapi_v3_positionRisk.json").read_text())
    long_, short = (next(p for p in risk if p["positionSide"] == side) for side in ("LONG", "SHORT"))
    hedge, account = cells(mine, "Hedge"), cells(mine, "Account")
    assert (hedge["B30"], hedge["B6"], hedge["B14"]) == (0.5, 100_000, 20_000)  # the SHORT leg, the cross wallet
    # the Hedge sheet's cross block takes fixed "other" numbers: the LONG leg at its mark (and a note says so)
    assert (hedge["B41"], hedge["B42"]) == (float(long_["maintMargin"]), float(long_["unRealizedProfit"]))
    assert any("hedge mode: the Hedge sheet's cross block counts the BTCUSDT long leg" in n for n in update.messages)
    # Binance's published cross formula with its hedge-mode terms (no other symbol: TMM1 = UPNL1 = 0; both legs
    # in bracket 1 of the account's brackets, 0.4 %, cum 0, at the liquidation price):
    #   LP = (WB - TMM1 + UPNL1 + cumL + cumS - Q_L EP_L + Q_S EP_S) / (Q_L MMR_L + Q_S MMR_S - Q_L + Q_S)
    wb, q_l, ep_l, q_s, ep_s, mmr = 20_000.0, 0.2, 95_000.0, 0.5, 100_000.0, 0.004
    by_hand = (wb - q_l * ep_l + q_s * ep_s) / (q_l * mmr + q_s * mmr - q_l + q_s)
    assert 0.5 * by_hand < 300_000 and 0.2 * by_hand < 300_000  # both legs' notionals in bracket 1 at LP
    assert account["B49"] == float(short["liquidationPrice"]) == 168_428.01
    assert account["B50"] == pytest.approx(by_hand, abs=1e-6) and account["B52"] == "no"
    assert account["B53"].startswith(
        "cross, hedge mode: Binance's formula with the BTCUSDT long leg (0.2 at 95,000.00)"
    )
    # the LONG leg counted as an "other" position frozen at its mark would give another price, far below:
    frozen = (wb - float(long_["maintMargin"]) + float(long_["unRealizedProfit"]) + q_s * ep_s) / (q_s * (1 + mmr))
    assert by_hand - frozen > 25_000
    assert [account[f"A{r}"] for r in (43, 44)] == ["BTC/USDT:USDT SHORT", "BTC/USDT:USDT LONG"]


class TestHedgeModeCrossLiquidation:
    """:func:`~althedge_xl.core.cross_hedge_mode.hedge_mode_cross_liquidation` against the formulas by hand."""

    def test_bybits_rule_values_each_legs_maintenance_at_entry(self):
        from althedge_xl.core.cross_hedge_mode import hedge_mode_cross_liquidation

        # Bybit's first BTCUSDT risk limit (0.5 %, no deduction), maintenance at entry; equity = maintenance:
        # WB + Q_L (LP - EP_L) + Q_S (EP_S - LP) = Q_L EP_L MMR + Q_S EP_S MMR
        wb, q_l, ep_l, q_s, ep_s, mmr = 20_000.0, 0.2, 95_000.0, 0.5, 100_000.0, 0.005
        by_hand = (q_l * ep_l * mmr + q_s * ep_s * mmr - wb + q_l * ep_l - q_s * ep_s) / (q_l - q_s)
        found = hedge_mode_cross_liquidation(ep_l, q_l, ep_s, q_s, wb, rule="bybit")
        assert found == pytest.approx(by_hand, rel=1e-12)

    def test_other_symbols_count_as_in_the_one_way_formula(self):
        from althedge_xl.core.cross_hedge_mode import hedge_mode_cross_liquidation

        # TMM1 173.5 and UPNL1 -1,000 of another symbol, Binance bracket 1: they only change WB
        wb = 20_000 - 173.5 - 1_000
        by_hand = (wb - 0.2 * 95_000 + 0.5 * 100_000) / (0.2 * 0.004 + 0.5 * 0.004 - 0.2 + 0.5)
        found = hedge_mode_cross_liquidation(95_000, 0.2, 100_000, 0.5, 20_000, 173.5, -1_000)
        assert found == pytest.approx(by_hand, rel=1e-12)

    def test_legs_of_one_size_have_no_liquidation_price(self):
        from althedge_xl.core.cross_hedge_mode import hedge_mode_cross_liquidation
        from althedge_xl.core.errors import BadNumberError

        with pytest.raises(BadNumberError, match="same size"):
            hedge_mode_cross_liquidation(95_000, 0.5, 100_000, 0.5, 20_000)

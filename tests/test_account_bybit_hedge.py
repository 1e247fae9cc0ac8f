"""``althedge refresh --account`` with a Bybit account in hedge mode (``positionIdx`` 1 and 2).

The real ccxt client against ``GET /v5/position/list`` bodies of the documented shape, field for field
(tests/fixtures/account/bybit_hedge_mode, values chosen; its README computes their ``liqPrice``), served by
tests/account_server.py, which checks every request's signature. Bybit publishes its isolated formula and
says hedge-mode legs in isolated margin are independent; it publishes no hedge-mode formula for cross
margin, and calls a unified cross position's ``liqPrice`` an estimate. The expected numbers are written out
here by hand.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from test_account import cells, refresh
from test_account_coinm import served
from test_feeds import _no_network, throttle_costs  # noqa: F401  (autouse: loopback only; no throttle sleeps)

from althedge_xl.market.account.positions import _position
from althedge_xl.workbook.account_liquidation import althedge_liquidation
from althedge_xl.workbook.patch import patch_sheet

BODIES = Path(__file__).parent / "fixtures" / "account" / "bybit_hedge_mode"

#: The unified wallet's USDT ``walletBalance`` (tests/fixtures/account/bybit/v5_account_wallet_balance.json).
WALLET = 5000.0
#: Bybit's first BTCUSDT risk limit: maintenance margin rate 0.5 %, no deduction, valued at entry (the rule "bybit").
MMR = 0.005


@pytest.fixture
def mine(workbook: Path) -> Path:
    """The template with ETH as a quantity (as in test_account.py)."""
    workbook.write_bytes(patch_sheet(workbook.read_bytes(), "Portfolio", {"C6": 1, "E6": None}))
    return workbook


def legs(folder: Path) -> tuple[dict, dict]:
    """The body's buy-side (``positionIdx`` 1) and sell-side (2) legs."""
    rows = json.loads((folder / "v5_position_list.json").read_text())["result"]["list"]
    return next(r for r in rows if r["positionIdx"] == 1), next(r for r in rows if r["positionIdx"] == 2)


def refreshed(variant: str, monkeypatch: pytest.MonkeyPatch, folder: Path, workbook: Path) -> object:
    server = served("bybit", (variant,), monkeypatch, folder)
    try:
        update = refresh(workbook, "bybit")
    finally:
        server.__exit__(None, None, None)
    assert server.bad == [] and update.written and not update.account.failed, update.messages
    return update


def test_cross_the_sell_side_leg_is_the_hedge_and_the_buy_side_leg_counts_at_its_mark(monkeypatch, tmp_path, mine):
    update = refreshed("bybit_hedge_mode", monkeypatch, tmp_path, mine)
    long_, short = legs(BODIES)
    hedge, account = cells(mine, "Hedge"), cells(mine, "Account")
    # the SHORT leg (positionIdx 2, 0.3 BTC at 100,000) is the hedge, with the unified wallet's 5,000 USDT
    assert (hedge["B30"], hedge["B6"], hedge["B8"], hedge["B14"], hedge["B10"]) == (0.3, 100_000, 20, WALLET, "bybit")
    # the LONG leg (positionIdx 1) is the cross block's "other" position, at its mark: Bybit's positionMM, P/L
    assert (hedge["B41"], hedge["B42"]) == (float(long_["positionMM"]), float(long_["unrealisedPnl"])) == (47.5, 600)
    assert [account[f"A{r}"] for r in (43, 44)] == ["BTC/USDT:USDT SHORT", "BTC/USDT:USDT LONG"]
    assert (account["B44"], account["C44"], account["D44"]) == ("long", 0.1, 95_000)
    note = next(n for n in update.messages if n.startswith("hedge mode:"))
    assert "counts the BTCUSDT long leg at its mark (maintenance 47.50, P/L 600.00)" in note
    assert "Bybit publishes no hedge-mode formula, so its price there is AltHedge's approximation" in note
    # AltHedge's approximation: Bybit's one-way cross rule (maintenance at entry) with the LONG leg as another
    # position at its mark: WB - TMM1 + UPNL1 + Q_S (EP_S - LP) = Q_S EP_S MMR
    #   LP = EP_S + (WB - TMM1 + UPNL1 - Q_S EP_S MMR) / Q_S
    q_s, ep_s = 0.3, 100_000.0
    by_hand = ep_s + (WALLET - 47.5 + 600 - q_s * ep_s * MMR) / q_s
    assert account["B49"] == float(short["liqPrice"]) == 126_512.5
    assert account["B50"] == pytest.approx(by_hand, abs=1e-6)
    assert account["B51"] == pytest.approx(by_hand - 126_512.5, abs=1e-6) and account["B52"] == "YES"
    method = account["B53"]
    assert method.startswith("cross, hedge mode: AltHedge's approximation, not Bybit's published formula")
    assert "the BTCUSDT long leg counted as another position at its mark" in method
    assert "Binance" not in method
    assert any("differ by" in n and "AltHedge's approximation" in n for n in update.messages)


def test_the_body_liquidation_price_is_the_readme_computation():
    # the README's chosen liqPrice: both legs moving with the price, each leg's maintenance at entry:
    # WB + Q_L (P - EP_L) + Q_S (EP_S - P) = Q_L EP_L MMR + Q_S EP_S MMR
    long_, short = legs(BODIES)
    q_l, ep_l, q_s, ep_s = 0.1, 95_000.0, 0.3, 100_000.0
    price = (q_l * ep_l * MMR + q_s * ep_s * MMR - WALLET + q_l * ep_l - q_s * ep_s) / (q_l - q_s)
    assert float(long_["liqPrice"]) == float(short["liqPrice"]) == pytest.approx(price, abs=1e-9)
    assert (float(long_["positionMM"]), float(short["positionMM"])) == (q_l * ep_l * MMR, q_s * ep_s * MMR)


def test_isolated_legs_are_independent_each_by_bybits_isolated_formula(monkeypatch, tmp_path, mine):
    refreshed("bybit_hedge_mode/isolated", monkeypatch, tmp_path, mine)
    long_, short = legs(BODIES / "isolated")
    hedge, account = cells(mine, "Hedge"), cells(mine, "Account")
    # Bybit's isolated formula (help centre, "Liquidation Price (USDT Contract)"), no extra margin:
    #   short: LP = EP + (IM - MM) / size,  long: LP = EP - (IM - MM) / size,  IM = size EP / leverage,
    #   MM = size EP MMR; the position's margin is its positionBalance (the initial margin here)
    short_lp = 100_000 + (0.3 * 100_000 / 20 - 0.3 * 100_000 * MMR) / 0.3
    long_lp = 95_000 - (0.1 * 95_000 / 20 - 0.1 * 95_000 * MMR) / 0.1
    assert float(short["liqPrice"]) == pytest.approx(short_lp) and float(long_["liqPrice"]) == pytest.approx(long_lp)
    assert (hedge["B30"], hedge["B6"], hedge["B14"]) == (0.3, 100_000, float(short["positionBalance"]))
    assert (account["A44"], account["G44"], account["H44"]) == ("BTC/USDT:USDT LONG", "isolated", 475)
    assert account["B49"] == 104_500 and account["B50"] == pytest.approx(short_lp, abs=1e-6)
    assert account["B52"] == "no" and account["B53"].startswith("isolated: HEDGE_LIQ_PRICE's rule")
    # the LONG leg alone, by its own isolated margin: the SHORT leg changes nothing in it
    long_position = _position({"info": long_, "symbol": "BTC/USDT:USDT", "contracts": 0.1, "side": "long",
                                "entryPrice": 95_000, "leverage": 20, "hedged": True})  # fmt: skip
    assert long_position.margin_mode == "isolated" and long_position.position_side == "LONG"
    assert althedge_liquidation(long_position, WALLET, "bybit", None).price == pytest.approx(long_lp, abs=1e-6)


@pytest.mark.parametrize(("index", "side"), [(0, "BOTH"), (1, "LONG"), (2, "SHORT")])
def test_bybits_position_idx_names_the_leg_without_ccxts_hedged(index, side):
    long_, _ = legs(BODIES)
    found = _position({"info": {**long_, "positionIdx": index}, "symbol": "BTC/USDT:USDT", "contracts": 0.1,
                       "side": "long" if index == 1 else "short"})  # fmt: skip
    assert found.position_side == side

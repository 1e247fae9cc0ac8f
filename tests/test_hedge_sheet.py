"""The Hedge sheet computed by the engine: the exchange rule, collateral, the spike block and the order to place.

Every expected number is the exchange's formula worked by hand in the test from the sheet's own
inputs (entry price, size), so a change of the template's sample prices does not break them.
"""

from __future__ import annotations

import math

import pytest
from conftest import BRACKETS_CURRENT, TEMPLATE, binance_brackets, edited_template

from althedge_xl.headless.engine import compute
from althedge_xl.workbook.sheets.hedge import OTHER_FIRST_ROW, PROFILE_FIRST_ROW


@pytest.fixture(scope="module")
def template():
    return compute(TEMPLATE)


def test_default_is_binance_with_the_recorded_brackets(template):
    qty, ep = template.named("CONTRACTS"), template.named("ENTRY_PRICE")
    assert template.named("HEDGE_RULE") == "binance"
    assert qty == int(20_000 / ep * 1000) / 1000  # rounded down to 0.001 BTC: never above the 20,000 chosen
    # Bracket 1 of the 2026-03-05 brackets (0–300,000: 0.40 %, cum 0, 150×); LP = (WB + Q·EP) / (Q·1.004), WB = Q·EP/20.
    first = binance_brackets()[0]
    assert qty * ep <= first[1]
    assert template.named("LIQ_PRICE") == pytest.approx((qty * ep / 20 + qty * ep) / (qty * 1.004), abs=0.005)
    assert (template.named("TIER_MMR"), template.named("TIER_AMOUNT"), template.named("TIER_MAX_LEVERAGE")) == (
        first[2:]
    )


def test_binance_table_is_the_recorded_one_with_its_date_and_source(template):
    recorded = [list(row) for row in binance_brackets()]
    sheet, ref = template.where("TIERS")
    rows = template.named("TIERS")[: len(recorded)]
    assert rows == recorded and all(v is None for row in template.named("TIERS")[len(recorded) :] for v in row)
    first_row = int(ref.split(":")[0][1:])
    heading = template.value(sheet, f"H{first_row - 2}")
    assert BRACKETS_CURRENT in heading and "leverageBracket" in heading


def test_spike_block(template):
    qty, ep = template.named("CONTRACTS"), template.named("ENTRY_PRICE")
    assert template.named("SPIKE_RISE") == 0.40
    # +40 %: LP = 1.4·EP; Q·LP is below 50,000, bracket 1: WB = Q·LP·1.004 − Q·EP.
    needed = qty * 1.4 * ep * 1.004 - qty * ep
    assert template.named("SPIKE_COLLATERAL") == pytest.approx(needed)
    assert template.named("SPIKE_LEVERAGE") == pytest.approx(qty * ep / needed)
    posted = qty * ep / 20  # the initial margin, no collateral entered
    assert template.named("POSTED") == pytest.approx(posted)
    assert template.named("SPIKE_TOP_UP") == pytest.approx(needed - posted)


def test_order_from_nothing(template):
    side, quantity, notional, fee, reason = template.named("ORDER")[0]
    mark = template.named("MARK_PRICE")
    expected = int(20_000 / mark * 1000) / 1000  # the whole target, rounded down
    assert (side, quantity) == ("sell", pytest.approx(expected))
    assert notional == pytest.approx(expected * mark) and fee == pytest.approx(expected * mark * 0.0005)
    assert reason.startswith("sell ")


def test_bybit_rule_with_collateral_and_an_order_inside_the_band(tmp_path):
    edits = {("Hedge", "B10"): "bybit", ("Hedge", "B14"): 3_000, ("Hedge", "B30"): 0.18}
    computed = compute(edited_template(tmp_path, edits))
    qty, ep = computed.named("CONTRACTS"), computed.named("ENTRY_PRICE")
    # Bybit, maintenance at entry with its first risk limit (0.5 %): LP = EP + (WB − Q·EP·0.005) / Q.
    assert computed.named("LIQ_PRICE") == pytest.approx(ep + (3_000 - qty * ep * 0.005) / qty, abs=0.005)
    assert computed.named("TIER_MMR") == 0.005 and computed.named("POSTED") == 3_000
    # 0.18 BTC held against a target of 20,000 at the mark: within 10 %, so no order.
    mark = computed.named("MARK_PRICE")
    assert abs(20_000 - 0.18 * mark) <= 0.10 * 20_000
    assert computed.named("ORDER")[0][0] == "none"


def test_inverse_contracts(tmp_path):
    computed = compute(edited_template(tmp_path, {("Hedge", "B5"): "inverse"}))
    contracts, ep = computed.named("CONTRACTS"), computed.named("ENTRY_PRICE")
    assert contracts == 200  # 20,000 USD in contracts of 100 USD
    s = contracts * 100
    wb = s / ep / 20
    # Binance COIN-M short, first bracket (0.40 %): LP = S·(1 − MMR) / (S/EP − WB).
    assert computed.named("LIQ_PRICE") == pytest.approx(s * 0.996 / (s / ep - wb), abs=0.005)


def test_leverage_above_the_brackets_maximum_is_named(tmp_path):
    # 40 % of 1,030,000 of altcoins is 412,000 USDT, bracket 2 (300,000–800,000), where Binance allows at most
    # 100×; 150× is the first bracket's maximum.
    assert binance_brackets()[1][4] == 100
    computed = compute(edited_template(tmp_path, {("Portfolio", "E8"): 1_000_000, ("Hedge", "B8"): 150}))
    assert computed.named("LIQ_PRICE") == "#NUM!"
    assert computed.reasons[("Hedge", "B11")].startswith("#NUM! Binance allows at most 100× for a ")


def test_the_exchange_says_whose_rule_and_what_it_rounds(template):
    # Binance says nothing of how it rounds its shown liquidation price: shown unrounded, said so.
    assert template.value("Hedge", "F11") == "by Binance's rule: maintenance and its tier at the liquidation price"
    assert template.named("LIQ_PRICE_SHOWN") == template.named("LIQ_PRICE")
    assert template.value("Hedge", "C37").startswith("not rounded: Binance does not say how it rounds")
    assert template.value("Hedge", "C36") == "the exchange's: 0%"


@pytest.mark.parametrize(("direction", "expected"), [("up", math.ceil), ("adverse", math.ceil), ("down", math.floor)])
def test_a_profile_that_names_its_rounding_is_shown_on_its_tick(tmp_path, direction, expected):
    # No exchange publishes its direction; a profile row that names one (typed here) rounds to the 0.1 tick.
    rounding_cell = f"U{PROFILE_FIRST_ROW}"  # Binance's row, "Rounds shown price"
    computed = compute(edited_template(tmp_path, {("Hedge", rounding_cell): direction}))
    price = computed.named("LIQ_PRICE")
    assert computed.named("LIQ_PRICE_SHOWN") == pytest.approx(expected(round(price / 0.1, 6)) * 0.1, abs=1e-9)
    assert computed.value("Hedge", "C37") == f"rounded {direction} to the tick 0.1"


def test_the_cross_block_by_hand(tmp_path):
    # Wallet 5,000 USDT shared with positions holding 1,000 of maintenance and 500 of losses: the short's
    # LP = (WB − TMM + UPNL + Q·EP) / (Q·(1 + MMR)), Binance bracket 1.
    edits = {("Hedge", "B40"): 5_000, ("Hedge", "B41"): 1_000, ("Hedge", "B42"): -500}
    computed = compute(edited_template(tmp_path, edits))
    qty, ep = computed.named("CONTRACTS"), computed.named("ENTRY_PRICE")
    assert computed.named("CROSS_LIQ_PRICE") == pytest.approx((3_500 + qty * ep) / (qty * 1.004), abs=0.005)


def test_an_exchange_without_a_cited_table_asks_for_it(tmp_path):
    computed = compute(edited_template(tmp_path, {("Hedge", "B10"): "OKX"}))
    assert computed.value("Hedge", "F11") == "by OKX's rule: maintenance and its tier at the liquidation price"
    assert computed.reasons[("Hedge", "B11")].startswith("#N/A")
    assert computed.value("Hedge", "C36") == "none published that AltHedge can cite: type it"


def test_a_fee_to_close_on_the_sheet(tmp_path):
    # OKX with its fee typed (0.05 %) and its tiers typed (one tier, 0.4 %, 100×): the short's
    # LP = (WB + Q·EP) / (Q·(1 + MMR + fee)), WB = Q·EP/20.
    edits = {("Hedge", "B10"): "okx", ("Hedge", "B36"): 0.0005}
    edits.update({("Hedge", f"{c}{OTHER_FIRST_ROW}"): v for c, v in zip("HIJKL", (0, 1e7, 0.004, 0, 100), strict=True)})
    computed = compute(edited_template(tmp_path, edits))
    qty, ep = computed.named("CONTRACTS"), computed.named("ENTRY_PRICE")
    assert computed.named("LIQ_PRICE") == pytest.approx((qty * ep / 20 + qty * ep) / (qty * 1.0045), abs=0.005)

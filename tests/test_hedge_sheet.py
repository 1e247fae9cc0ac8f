"""The Hedge sheet computed by the engine: the exchange rule, collateral, the spike block and the order to place.

Every expected number is the exchange's formula worked by hand in the test from the sheet's own
inputs (entry price, size), so a change of the template's sample prices does not break them.
"""

from __future__ import annotations

import math

import openpyxl
import pytest
from conftest import BRACKETS_CURRENT, TEMPLATE, binance_brackets, edited_template

from althedge_xl.headless.engine import compute
from althedge_xl.workbook.sheets.hedge_tables import PROFILE_FIRST_ROW, TABLE_FIRST_ROWS


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


@pytest.mark.parametrize("rule,label", [("mexc", "MEXC"), ("okx", "OKX"), ("weex", "WEEX")])
def test_an_empty_table_on_the_sheet_says_why_none_is_shipped(tmp_path, rule, label):
    # the exchange's own table left empty (fee to close 0, so that the table is what is missing): the
    # function gets no table, not a range of blanks, and says that none can be cited
    computed = compute(edited_template(tmp_path, {("Hedge", "B10"): rule, ("Hedge", "B36"): 0}))
    reason = computed.reasons[("Hedge", "B11")]
    assert reason.startswith("#N/A") and f"ships no {label} linear BTC tier table" in reason, reason
    assert "every row is blank" not in reason


def test_a_fee_to_close_on_the_sheet(tmp_path):
    # OKX with its fee typed (0.05 %) and its tiers typed (one tier, 0.4 %, 100×): the short's
    # LP = (WB + Q·EP) / (Q·(1 + MMR + fee)), WB = Q·EP/20.
    edits = {("Hedge", "B10"): "okx", ("Hedge", "B36"): 0.0005}
    first = TABLE_FIRST_ROWS["okx"]
    edits.update({("Hedge", f"{c}{first}"): v for c, v in zip("HIJKL", (0, 1e7, 0.004, 0, 100), strict=True)})
    computed = compute(edited_template(tmp_path, edits))
    qty, ep = computed.named("CONTRACTS"), computed.named("ENTRY_PRICE")
    assert computed.named("LIQ_PRICE") == pytest.approx((qty * ep / 20 + qty * ep) / (qty * 1.0045), abs=0.005)


# ------------------------------------------------------------------ the exchange's inverse contract (issue 22)

#: Bybit's inverse isolated page: "Contract Quantity is in USD (60,000 USD of BTCUSD)", 1 USD a contract.
BYBIT_INVERSE = "https://www.bybit.com/en/help-center/article/Liquidation-Price-Calculation-under-Isolated-Mode-Unified-Trading-Account"


def test_bybit_inverse_is_sized_in_its_1_usd_contracts(tmp_path):
    # 40 % of 18,000 + 12,000 + 120,000 of altcoins = 60,000 USD; Bybit's BTCUSD is 1 USD a contract
    # (BYBIT_INVERSE), so 60,000 contracts, which at 50,000 are 60,000 / 50,000 = 1.2 BTC.
    edits = {
        ("Portfolio", "E8"): 120_000,
        ("Hedge", "B10"): "bybit",
        ("Hedge", "B5"): "inverse",
        ("Hedge", "B6"): 50_000,
    }
    computed = compute(edited_template(tmp_path, edits))
    assert computed.named("NOTIONAL") == 60_000
    assert computed.named("CONTRACTS") == 60_000
    assert computed.value("Hedge", "C7") == "contracts of 1 USD, Bybit's (rounded down)"
    assert "1 USD a contract on Bybit" in computed.value("Hedge", "C5")
    # Collateral by default: 1.2 BTC / 20× = 0.06 BTC. Bybit values maintenance at entry, its first inverse
    # risk limit 0.50 %: MM = 1.2 × 0.005 = 0.006 BTC; a short: 1/LP = 1/EP − (WB − MM) / S.
    assert computed.named("POSTED") == pytest.approx(1.2 / 20)
    assert computed.named("LIQ_PRICE") == pytest.approx(1 / (1 / 50_000 - (0.06 - 0.006) / 60_000), abs=0.005)
    # The order: sell the 60,000 contracts, 60,000 USD.
    side, quantity, notional, _fee, _why = computed.named("ORDER")[0]
    assert (side, quantity, notional) == ("sell", 60_000, pytest.approx(60_000))


@pytest.mark.parametrize(("rule", "label", "face"), [("binance", "Binance", 100), ("okx", "OKX", 100)])
def test_inverse_contracts_of_100_usd(tmp_path, rule, label, face):
    # Binance COIN-M BTCUSD_PERP contractSize 100, OKX BTC-USD-SWAP ctVal 100: 20,000 USD is 200 contracts.
    computed = compute(edited_template(tmp_path, {("Hedge", "B10"): rule, ("Hedge", "B5"): "inverse"}))
    notional = computed.named("NOTIONAL")
    assert computed.named("CONTRACTS") == int(notional / face)
    assert computed.value("Hedge", "C7") == f"contracts of {face} USD, {label}'s (rounded down)"


@pytest.mark.parametrize(("rule", "label"), [("bingx", "BingX"), ("mexc", "MEXC"), ("weex", "WEEX")])
def test_an_exchange_without_a_cited_inverse_contract_says_so(tmp_path, rule, label):
    computed = compute(edited_template(tmp_path, {("Hedge", "B10"): rule, ("Hedge", "B5"): "inverse"}))
    assert computed.named("CONTRACTS") == (
        f"{label} inverse: no contract size AltHedge can cite; choose linear or another exchange"
    )
    assert computed.value("Hedge", "C5").endswith(f"no contract size AltHedge can cite for {label}")
    for name in ("LIQ_PRICE", "SPIKE_COLLATERAL", "POSTED", "CROSS_LIQ_PRICE"):
        assert computed.named(name) == "no size to sell (B7 says why)", name
    assert computed.named("ORDER")[0][0] == "no size to sell (B7 says why)"


def test_the_cross_block_for_bybit_inverse_by_hand(tmp_path):
    # 60,000 contracts of 1 USD short at 50,000 in a cross wallet of 0.5 BTC whose other positions hold
    # 0.05 BTC of maintenance and lose 0.1 BTC: the margin the short can lose is 0.5 − 0.05 − 0.1 = 0.35 BTC;
    # maintenance at entry 60,000 / 50,000 × 0.005 = 0.006 BTC; a short: 1/LP = 1/EP − (0.35 − 0.006) / S.
    edits = {
        ("Portfolio", "E8"): 120_000, ("Hedge", "B10"): "bybit", ("Hedge", "B5"): "inverse", ("Hedge", "B6"): 50_000,
        ("Hedge", "B40"): 0.5, ("Hedge", "B41"): 0.05, ("Hedge", "B42"): -0.1,
    }  # fmt: skip
    computed = compute(edited_template(tmp_path, edits))
    assert computed.named("CONTRACTS") == 60_000
    expected = 1 / (1 / 50_000 - (0.35 - 0.006) / 60_000)
    assert computed.named("CROSS_LIQ_PRICE") == pytest.approx(expected, abs=0.005)
    assert "in BTC" in computed.value("Hedge", "C40") and "Bybit contracts" in computed.value("Hedge", "C40")


def test_the_cross_block_for_binance_inverse_by_hand(tmp_path):
    # 200 contracts of 100 USD (S = 20,000 USD) short at 50,000 (0.4 BTC), wallet 0.1 BTC, nothing else open.
    # Binance COIN-M values maintenance at the liquidation price, first bracket 0.40 %, cum 0:
    # WB + S·(1/EP − 1/LP) = S·0.004/LP, so LP = S·(1 − 0.004) / (S/EP − WB) (its published inverse formula).
    edits = {("Hedge", "B5"): "inverse", ("Hedge", "B6"): 50_000, ("Hedge", "B40"): 0.1}
    computed = compute(edited_template(tmp_path, edits))
    contracts = computed.named("CONTRACTS")
    size = contracts * 100
    assert contracts == int(computed.named("NOTIONAL") / 100)
    expected = size * (1 - 0.004) / (size / 50_000 - 0.1)
    assert computed.named("CROSS_LIQ_PRICE") == pytest.approx(expected, abs=0.005)


# ------------------------------------------------------------------------- a tier table per exchange (issue 22)


def test_each_exchange_has_its_own_named_table_with_its_heading():
    from althedge_xl.core.exchanges import PROFILES

    book = openpyxl.load_workbook(TEMPLATE)
    sheet = book["Hedge"]
    for name, profile in PROFILES.items():
        table = "TIERS" if name == "binance" else f"TIERS_{name.upper()}"
        first = TABLE_FIRST_ROWS[name]
        assert str(book.defined_names[table].attr_text).endswith(f"$H${first}:$L${first + 29}"), name
        heading, note = sheet[f"H{first - 2}"].value, sheet[f"H{first + 31}"].value
        assert heading.startswith(profile.label), heading
        if profile.tiers.get("linear") is None:
            assert "none published that AltHedge can cite" in heading and "type the exchange's table" in note
            feed = profile.tier_feed
            if feed is not None and feed.refreshable:
                assert f"althedge refresh --tiers --exchange {name}" in note, note
    assert "TIERS_OTHER" not in book.defined_names


@pytest.mark.parametrize("chosen", ["binance", "bybit", "bingx", "mexc", "weex", "okx"])
def test_the_exchange_chosen_picks_its_own_table(tmp_path, chosen):
    # A one-tier table typed into every exchange's table, each with its own rate (0.2 %, 0.3 %, …): the
    # tier in force is the chosen exchange's. Fee to close 0 (MEXC and OKX publish no default).
    rates = {name: round(0.002 + 0.001 * i, 3) for i, name in enumerate(TABLE_FIRST_ROWS)}
    edits: dict[tuple[str, str], object] = {("Hedge", "B10"): chosen, ("Hedge", "B36"): 0}
    for name, first in TABLE_FIRST_ROWS.items():
        for column, value in zip("HIJKL", (0, 1e7, rates[name], 0, 100), strict=True):
            edits[("Hedge", f"{column}{first}")] = value
            edits.update({("Hedge", f"{column}{first + i}"): None for i in range(1, 30)})  # Binance's other rows
    computed = compute(edited_template(tmp_path, edits))
    assert computed.named("TIER_MMR") == rates[chosen]
    qty, ep = computed.named("CONTRACTS"), computed.named("ENTRY_PRICE")
    wb, mmr = qty * ep / 20, rates[chosen]
    # Bybit's and MEXC's published examples value maintenance at entry; the others at the liquidation price.
    at_entry = ep + (wb - qty * ep * mmr) / qty
    at_liquidation = (wb + qty * ep) / (qty * (1 + mmr))  # cum 0
    expected = at_entry if chosen in ("bybit", "mexc") else at_liquidation
    assert computed.named("LIQ_PRICE") == pytest.approx(expected, abs=0.005)

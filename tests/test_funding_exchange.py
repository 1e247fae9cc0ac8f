"""The exchange chosen on the Hedge sheet (B10) also sets the Funding sheet's interval and cap (issue 22).

``FUNDING_COST`` takes the choice as its ``rule``: its cap is that exchange's BTC clamp (Binance ±0.3 %
from its recorded settlements, Bybit ±0.375 % from its instruments documentation), and the interval is
the one the Prices sheet refreshed when its prices come from that exchange, else the exchange profile's.
Every expected cost is worked by hand below from the sheet's own inputs.
"""

from __future__ import annotations

import pytest
from conftest import edited_template

from althedge_xl.headless.engine import compute
from althedge_xl.workbook import prices_layout as px

FIELDS = px.field_cells()
RATE, INTERVAL = FIELDS["FUNDING_RATE"], FIELDS["FUNDING_INTERVAL"]


def funding(tmp_path, rule: str, **prices: object):
    edits: dict[tuple[str, str], object] = {("Hedge", "B10"): rule}
    edits.update({(px.SHEET, FIELDS[name]): value for name, value in prices.items()})
    return compute(edited_template(tmp_path, edits))


def test_the_template_takes_the_refreshed_interval_of_its_own_exchange(tmp_path):
    computed = funding(tmp_path, "binance", FUNDING_INTERVAL=4)
    assert computed.value(px.SHEET, px.EXCHANGE_CELL) == "binance"
    assert computed.named("FUNDING_HOURS") == 4
    assert computed.value("Funding", "C8") == "as refreshed from binance (Prices)"
    # a short receives: cost = −notional × rate × settlements, settlements = days × 24 / 4
    notional, rate, days = computed.named("NOTIONAL"), computed.named("FUNDING_RATE"), computed.named("HOLD_DAYS")
    assert computed.named("PERP_COST") == pytest.approx(-notional * rate * days * 24 / 4, rel=1e-12)


def test_another_exchange_takes_its_profiles_interval(tmp_path):
    # Prices come from Binance (settling every 4 h here); Bybit's BTCUSDT settles every 480 minutes.
    computed = funding(tmp_path, "bybit", FUNDING_INTERVAL=4)
    assert computed.named("FUNDING_HOURS") == 8
    assert computed.value("Funding", "C8") == "Bybit's BTC perpetual, from its profile (the exchange on Hedge!B10)"
    notional, rate, days = computed.named("NOTIONAL"), computed.named("FUNDING_RATE"), computed.named("HOLD_DAYS")
    assert computed.named("PERP_COST") == pytest.approx(-notional * rate * days * 24 / 8, rel=1e-12)


@pytest.mark.parametrize(("rule", "accepted"), [("binance", False), ("bybit", True), ("okx", True), ("mexc", False)])
def test_the_cap_follows_the_chosen_exchange(tmp_path, rule, accepted):
    # +0.35 % a settlement: above Binance's and MEXC's ±0.3 % clamps, within Bybit's and OKX's ±0.375 %.
    computed = funding(tmp_path, rule, FUNDING_RATE=0.0035)
    if accepted:
        notional, days = computed.named("NOTIONAL"), computed.named("HOLD_DAYS")
        assert computed.named("PERP_COST") == pytest.approx(-notional * 0.0035 * days * 24 / 8, rel=1e-12)
    else:
        label = {"binance": "Binance", "mexc": "MEXC"}[rule]
        error = computed.error("Funding", "B9")
        assert error is not None and f"beyond {label}'s BTC clamp of ±0.3%" in error.reason, error


def test_an_exchange_without_a_cited_interval_asks_for_it(tmp_path):
    computed = funding(tmp_path, "weex")
    assert computed.named("FUNDING_HOURS") == ""
    error = computed.error("Funding", "B9")
    assert error is not None and "WEEX publishes no BTC funding interval AltHedge can cite" in error.reason


def test_the_rate_says_whose_it_is(tmp_path):
    # The Prices sheet's exchange is the Hedge sheet's: the rate is said to be its, with no flag.
    computed = funding(tmp_path, "binance")
    assert computed.value("Funding", "C7") == "from binance (Prices)"
    assert computed.value("Funding", "C12") == "settlements of binance's BTC perpetual (Prices)"


def test_a_rate_from_another_exchange_is_flagged(tmp_path):
    # Prices from Binance, Bybit chosen on Hedge!B10: the interval and cap are Bybit's, the rate Binance's.
    computed = funding(tmp_path, "bybit")
    assert computed.value("Funding", "C7") == (
        "from binance (Prices): not Bybit, the exchange on Hedge!B10 whose interval and cap apply; "
        "althedge refresh --exchange bybit for its rate"
    )
    assert computed.value("Funding", "C12") == (
        "settlements of binance's BTC perpetual (Prices): not Bybit's, the exchange on Hedge!B10"
    )


def test_the_flag_is_orange():
    import openpyxl
    from conftest import TEMPLATE

    rules = openpyxl.load_workbook(TEMPLATE)["Funding"].conditional_formatting
    flagged = {str(rule.sqref): [r.formula for r in rule.rules] for rule in rules}
    for cell in ("C7", "C12"):
        assert flagged[cell] == [["AND(LEN(EXCHANGE)>0,NOT(ISNUMBER(MATCH(EXCHANGE,HEDGE_RULE,0))))"]], flagged

"""Ordinary edits a user makes to the template still compute, with clear cells where a value has no meaning."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
from conftest import binance_brackets, edited_template

from althedge_xl.core import margin
from althedge_xl.headless.engine import compute
from althedge_xl.headless.report import report_tables

TEMPLATE = Path(__file__).resolve().parents[1] / "workbook" / "AltHedge.xlsm"


def test_no_hedge_shows_no_position(tmp_path):
    computed = compute(edited_template(tmp_path, {("HedgeRatio", "B6"): 0}))
    assert computed.named("NOTIONAL") == 0
    assert computed.named("CONTRACTS") == 0
    assert computed.named("LIQ_PRICE") == computed.named("BUFFER") == "no position"
    assert computed.named("STRESS_NET") == -17_500  # the spot's loss alone
    report_tables(computed)  # prints, does not fail


def test_no_satellite_holdings(tmp_path):
    computed = compute(edited_template(tmp_path, {("Portfolio", "B8"): "core"}))
    assert computed.value("HedgeRatio", "D7") == 0  # nothing to hedge in the satellite
    assert computed.named("NOTIONAL") == 20_000  # the flat method in force is unchanged
    report_tables(computed)


def test_quantity_without_a_price_is_explained(tmp_path):
    computed = compute(edited_template(tmp_path, {("Portfolio", "A9"): "PEPE", ("Portfolio", "C9"): 1_000_000}))
    assert computed.value("Portfolio", "F9") == "#N/A"
    assert computed.value("Portfolio", "L9") == "no price for PEPE: add it on Prices, then refresh"


def test_liquidation_recomputed_in_the_tier_it_falls_in(tmp_path):
    # Altcoins of 330,000 hedged at 88 %: a short of 2.724 BTC (290,378 USDT at the template's 106,599.9,
    # bracket 1 of Binance's 2026-03-05 brackets) whose notional at the liquidation price passes 300,000,
    # so Binance's rule recomputes it with bracket 2 (0.50 %, cum 300).
    first, second = binance_brackets()[:2]
    computed = compute(edited_template(tmp_path, {("Portfolio", "E8"): 300_000, ("HedgeRatio", "B6"): 0.88}))
    qty, ep = computed.named("CONTRACTS"), computed.named("ENTRY_PRICE")
    in_first = margin.liquidation_price_in_tier(ep, 20, first[2], first[3], "short", "linear", qty)
    assert qty * in_first > first[1] and qty * ep <= first[1]
    assert (computed.named("TIER_MMR"), computed.named("TIER_AMOUNT")) == second[2:4]
    # By hand, Binance USDⓈ-M short with bracket 2: LP = (WB + cum + Q·EP) / (Q·(1 + MMR)), WB = Q·EP/L.
    expected = (qty * ep / 20 + second[3] + qty * ep) / (qty * (1 + second[2]))
    assert computed.named("LIQ_PRICE") == pytest.approx(expected, abs=0.005)


@pytest.mark.parametrize("sheets", [None, ("Portfolio",)], ids=["every sheet", "Portfolio and what it reaches"])
def test_whole_row_and_column_references(tmp_path, sheets):
    # A user counts a whole row and a whole column of the Prices sheet; openpyxl counts the same cells.
    book = edited_template(
        tmp_path, {("Portfolio", "Z1"): "=COUNTA(Prices!3:3)", ("Portfolio", "Z2"): "=COUNTA(Prices!B:B)"}
    )
    prices = openpyxl.load_workbook(book, read_only=True)["Prices"]
    rows = list(prices.iter_rows(values_only=True))
    row_3 = sum(value is not None for value in rows[2])
    column_b = sum(row[1] is not None for row in rows if len(row) > 1)
    computed = compute(book, None, sheets)
    assert (computed.value("Portfolio", "Z1"), computed.value("Portfolio", "Z2")) == (row_3, column_b)
    assert all(
        address[0].isalpha() and int(address.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")) >= 1 for _, address in computed.cells
    )

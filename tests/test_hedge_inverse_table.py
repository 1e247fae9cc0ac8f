"""The Hedge sheet's inverse tier table (``TIERS_INVERSE``, in BTC): used for an inverse hedge on its exchange alone.

A COIN-M short of 6,000,000 USD (60,000 contracts of 100 USD, 60 BTC at entry) is beyond the one bracket
of Binance's default inverse table (0-50 BTC): it has no price until the account's brackets are typed
into the inverse table. The expected price is Binance's COIN-M formula worked by hand here; the formula
engine and LibreOffice compute the same sheet.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import openpyxl
import pytest
from conftest import TEMPLATE, edited_template
from libreoffice_session import require_libreoffice
from test_libreoffice_template import same

from althedge_xl.headless.engine import compute
from althedge_xl.libreoffice.headless import DocumentTask, computed_workbook, run_jobs
from althedge_xl.workbook.sheets.hedge_tables import INVERSE_FIRST_ROW, TIER_ROWS

#: Binance COIN-M BTCUSD brackets as the account answers them (tests/fixtures/account/binance_coinm): the
#: documentation example's bracket 1, then 50-100 BTC at 0.5 % (cum 50 x 0.001 = 0.05 BTC), 100-200 at 1 %.
BRACKETS = [[0, 50, 0.004, 0, 125], [50, 100, 0.005, 0.05, 100], [100, 200, 0.01, 0.55, 50]]
OWNER = f"I{INVERSE_FIRST_ROW - 2}"


def big_inverse_short(owner: str | None, rows: list[list[float]], rule: str = "binance") -> dict[tuple[str, str], Any]:
    """Edits: 40 % of 18,000 + 12,000 + 14,970,000 of altcoins = 6,000,000 USD short in inverse contracts at
    100,000, leverage 20 (collateral by default the initial margin, 3 BTC), the inverse table as given."""
    edits: dict[tuple[str, str], Any] = {
        ("Portfolio", "E8"): 14_970_000,
        ("Hedge", "B10"): rule,
        ("Hedge", "B5"): "inverse",
        ("Hedge", "B6"): 100_000,
        ("Hedge", OWNER): owner,
    }
    for i, row in enumerate(rows):
        for column, value in zip("HIJKL", row, strict=True):
            edits[("Hedge", f"{column}{INVERSE_FIRST_ROW + i}")] = value
    return edits


def by_hand() -> float:
    # Binance COIN-M isolated short: WB + S (1/LP - 1/EP) = S MMR / LP - cum, so
    # LP = S (1 - MMR) / (S/EP - WB - cum). S = 6,000,000 USD, EP = 100,000, WB = 60 BTC / 20 = 3 BTC.
    # Bracket 1 would put S/LP at 57.2 BTC, above its 50 BTC cap; bracket 2 (0.5 %, cum 0.05) holds.
    s, ep, wb = np.float64(6_000_000), np.float64(100_000), np.float64(3.0)
    assert s / (s * 0.996 / (s / ep - wb)) > 50
    mmr, cum = BRACKETS[1][2], BRACKETS[1][3]
    price = s * (1 - mmr) / (s / ep - wb - cum)
    assert 50 <= s / price <= 100
    return float(price)


def test_the_template_has_an_empty_inverse_table_in_btc():
    book = openpyxl.load_workbook(TEMPLATE)
    sheet = book["Hedge"]
    last = INVERSE_FIRST_ROW + TIER_ROWS - 1
    assert str(book.defined_names["TIERS_INVERSE"].attr_text).endswith(f"$H${INVERSE_FIRST_ROW}:$L${last}")
    assert str(book.defined_names["TIERS_INVERSE_EXCHANGE"].attr_text).endswith(f"$I${INVERSE_FIRST_ROW - 2}")
    assert all(sheet[f"{c}{r}"].value is None for c in "HIJKL" for r in range(INVERSE_FIRST_ROW, last + 1))
    assert sheet[OWNER].value is None
    assert "in BTC" in sheet[f"H{INVERSE_FIRST_ROW - 3}"].value
    assert sheet[f"H{INVERSE_FIRST_ROW - 1}"].value == "Floor (BTC)"
    assert "GET /dapi/v2/leverageBracket" in sheet[f"H{last + 2}"].value


def test_a_big_coin_m_short_is_priced_with_the_table_typed(tmp_path):
    computed = compute(edited_template(tmp_path, big_inverse_short("binance", BRACKETS)))
    assert computed.named("NOTIONAL") == 6_000_000 and computed.named("CONTRACTS") == 60_000
    assert computed.named("POSTED") == pytest.approx(3.0)
    assert computed.named("LIQ_PRICE") == pytest.approx(by_hand(), abs=0.005)
    assert (computed.named("TIER_MMR"), computed.named("TIER_AMOUNT")) == (0.005, 0.05)


@pytest.mark.parametrize(
    ("owner", "rows"),
    [(None, BRACKETS), ("bybit", BRACKETS), ("binance", [])],
    ids=["no-exchange-named", "another-exchanges", "empty"],
)
def test_otherwise_the_rules_default_inverse_table_applies(tmp_path, owner, rows):
    # Binance's default inverse table has one bracket to 50 BTC: the 60 BTC short has no price under it.
    computed = compute(edited_template(tmp_path, big_inverse_short(owner, rows)))
    assert computed.named("LIQ_PRICE") == "#N/A"
    assert "above the last tier of Binance BTCUSD (50)" in computed.reasons[("Hedge", "B11")]


def test_a_linear_hedge_ignores_the_inverse_table(tmp_path):
    edits = big_inverse_short("binance", [[0, 1e9, 0.3, 0, 2]])
    edits[("Hedge", "B5")] = "linear"
    with_table = compute(edited_template(tmp_path, edits))
    del edits[("Hedge", OWNER)]
    for column in "HIJKL":
        del edits[("Hedge", f"{column}{INVERSE_FIRST_ROW}")]
    (tmp_path / "plain").mkdir()
    without = compute(edited_template(tmp_path / "plain", edits))
    assert with_table.named("LIQ_PRICE") == without.named("LIQ_PRICE")
    assert isinstance(with_table.named("LIQ_PRICE"), float) and with_table.named("TIER_MMR") != 0.3


# --------------------------------------------------------------------------------------- LibreOffice


def test_libreoffice_prices_it_as_the_formula_engine(tmp_path):
    require_libreoffice()
    edits = big_inverse_short("binance", BRACKETS)
    sets = {f"{sheet}!{ref}": value for (sheet, ref), value in edits.items()}
    (result,) = run_jobs([DocumentTask(TEMPLATE, [{"set": sets, "calculate": True}])])
    libreoffice = computed_workbook(TEMPLATE, result)
    assert libreoffice.named("LIQ_PRICE") == pytest.approx(by_hand(), abs=0.005)
    engine = compute(edited_template(tmp_path, edits))
    differ = [
        f"{sheet}!{address}: formulas {value!r}, LibreOffice {libreoffice.value(sheet, address)!r}"
        for (sheet, address), value in engine.cells.items()
        if sheet == "Hedge" and not same(value, libreoffice.value(sheet, address))
    ]
    assert not differ, f"{len(differ)} cells differ:\n" + "\n".join(differ[:40])

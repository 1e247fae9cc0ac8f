"""The Hedge and Funding sheets for other exchanges and inverse contracts, in LibreOffice as in the ``formulas`` engine.

One headless LibreOffice run (with the AltHedge extension) sets the exchange, the contract and the cross
block by defined name in the committed template and recalculates; the formula engine computes a copy edited
the same way by openpyxl. Every cell of the two sheets must agree (to 1e-9 relative), and the hand-worked
Bybit inverse prices hold in LibreOffice too.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import openpyxl
import pytest
from libreoffice_session import require_libreoffice
from test_libreoffice_template import TEMPLATE, same

from althedge_xl.headless.engine import compute
from althedge_xl.libreoffice.headless import DocumentTask, computed_workbook, run_jobs

#: Each case's inputs by defined name: Bybit inverse in a cross wallet, an exchange without an inverse
#: contract size, and OKX linear with its fee typed and no table.
CASES: dict[str, dict[str, Any]] = {
    "bybit-inverse": {
        "HEDGE_RULE": "bybit", "CONTRACT_TYPE": "inverse", "ENTRY_PRICE": 50_000.0,
        "CROSS_WALLET": 0.5, "CROSS_OTHER_MM": 0.05, "CROSS_OTHER_PNL": -0.1,
    },
    "mexc-inverse": {"HEDGE_RULE": "mexc", "CONTRACT_TYPE": "inverse"},
    "okx-linear": {"HEDGE_RULE": "okx", "LIQ_FEE_RATE": 0.0005, "CROSS_WALLET": 5_000.0},
}  # fmt: skip
SHEETS = ("Hedge", "Funding")


def _edited(folder: Path, inputs: dict[str, Any], name: str) -> Path:
    book = openpyxl.load_workbook(TEMPLATE, keep_vba=True)
    for defined, value in inputs.items():
        ((sheet, ref),) = list(book.defined_names[defined].destinations)
        book[sheet][ref.replace("$", "")] = value
    path = folder / f"{name}.xlsm"
    book.save(path)
    return path


@pytest.fixture(scope="module")
def both(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Any, Any]]:
    require_libreoffice()
    folder = tmp_path_factory.mktemp("libreoffice-exchanges")
    tasks = [DocumentTask(TEMPLATE, [{"set": inputs, "calculate": True}]) for inputs in CASES.values()]
    results = run_jobs(tasks)
    return {
        name: (compute(_edited(folder, inputs, name)), computed_workbook(TEMPLATE, result))
        for (name, inputs), result in zip(CASES.items(), results, strict=True)
    }


@pytest.mark.parametrize("case", list(CASES))
def test_the_sheets_as_the_formula_engine(both: dict[str, tuple[Any, Any]], case: str) -> None:
    engine, libreoffice = both[case]
    differ = [
        f"{sheet}!{address}: formulas {value!r}, LibreOffice {libreoffice.value(sheet, address)!r}"
        for (sheet, address), value in engine.cells.items()
        if sheet in SHEETS and not same(value, libreoffice.value(sheet, address))
    ]
    assert not differ, f"{len(differ)} cells differ:\n" + "\n".join(differ[:40])


def test_bybit_inverse_by_hand_in_libreoffice(both: dict[str, tuple[Any, Any]]) -> None:
    # S USD of 1 USD contracts short at 50,000; maintenance at entry S/50,000 × 0.5 %; a short:
    # 1/LP = 1/EP − (WB − MM)/S; isolated WB = S/50,000/20, cross WB = 0.5 − 0.05 − 0.1.
    _, libreoffice = both["bybit-inverse"]
    size = libreoffice.named("CONTRACTS")
    assert size == int(libreoffice.named("NOTIONAL"))
    btc = size / 50_000
    mm = btc * 0.005
    assert libreoffice.named("LIQ_PRICE") == pytest.approx(1 / (1 / 50_000 - (btc / 20 - mm) / size), abs=0.005)
    assert libreoffice.named("CROSS_LIQ_PRICE") == pytest.approx(1 / (1 / 50_000 - (0.35 - mm) / size), abs=0.005)

"""The template computed by headless LibreOffice with the AltHedge extension, against the ``formulas`` engine.

One LibreOffice run for the module (:func:`computed`) opens the committed template with the
extension registered in a private profile: the extension's job binds every AltHedge formula to the
add-in on load, and every cell the ``formulas`` engine computes must show the same value in
LibreOffice (to 1e-9 relative). The two differences the add-in cannot avoid are allowed and named:
TRUE/FALSE returned by an AltHedge function shows as 1/0 (Calc has no boolean type and an add-in
cannot return one), and text equal to "" shows as a blank.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest
from libreoffice_session import require_libreoffice

from althedge_xl.headless.engine import ComputedWorkbook, compute
from althedge_xl.libreoffice.headless import computed_workbook, run_job


def same(a: Any, b: Any) -> bool:
    """The formula engine's value ``a`` and LibreOffice's ``b`` show the same thing (see the module's notes)."""
    if a in (None, "") and b in (None, ""):
        return True
    if isinstance(a, bool) and isinstance(b, (bool, float)):
        return float(a) == float(b)
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(b, bool):
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)
    return bool(a == b)


@pytest.fixture(scope="module")
def computed(tmp_path_factory: pytest.TempPathFactory) -> tuple[ComputedWorkbook, ComputedWorkbook, dict[str, Any]]:
    """The template computed by both engines; LibreOffice also saves it as .xlsx (File > Save As)."""
    require_libreoffice()
    template = Path(__file__).resolve().parents[1] / "workbook" / "AltHedge.xlsm"
    saved = tmp_path_factory.mktemp("saved") / "AltHedge-saved.xlsx"
    result = run_job(template, steps=[{"save": str(saved)}])
    result["saved"] = saved
    return compute(template), computed_workbook(template, result), result


def test_every_cell_as_the_formula_engine(computed: tuple[ComputedWorkbook, ComputedWorkbook, Any]) -> None:
    engine, libreoffice, _ = computed
    assert len(engine.cells) > 1000
    differ = [
        f"{sheet}!{address}: formulas {value!r}, LibreOffice {libreoffice.value(sheet, address)!r}"
        for (sheet, address), value in engine.cells.items()
        if not same(value, libreoffice.value(sheet, address))
    ]
    assert not differ, f"{len(differ)} cells differ:\n" + "\n".join(differ[:40])


def test_the_method_s_numbers(computed: tuple[ComputedWorkbook, ComputedWorkbook, Any]) -> None:
    """Notional 20,000 (50,000 x 40 %), margin 1,000 (at 20x), net -14,500 (DESIGN.md), SelfCheck all TRUE."""
    _, libreoffice, _ = computed
    assert libreoffice.named("NOTIONAL") == pytest.approx(20000.0, rel=1e-12)
    assert libreoffice.named("MARGIN") == pytest.approx(1000.0, rel=1e-12)
    assert libreoffice.named_shown("STRESS_TABLE")[-1][-1] == pytest.approx(-14500.0, rel=1e-12)
    assert not [e for e in libreoffice.errors() if e[0] in ("Portfolio", "HedgeRatio", "Hedge", "Stress", "Funding")]


def test_report_with_libreoffice_engine(computed: tuple[ComputedWorkbook, ComputedWorkbook, Any]) -> None:
    """``althedge report`` reads LibreOffice's computed workbook into the same tables as the engine's."""
    from althedge_xl.headless.report import build_report

    engine, libreoffice, _ = computed
    ours, theirs = build_report(engine), build_report(libreoffice)
    assert [t.title for t in ours.tables] == [t.title for t in theirs.tables]
    for a, b in zip(ours.tables, theirs.tables, strict=True):
        for row_a, row_b in zip(a.rows, b.rows, strict=True):
            assert all(same(x, y) or str(x) == str(y) for x, y in zip(row_a, row_b, strict=True)), (
                a.title,
                row_a,
                row_b,
            )


def test_report_cli_refuses_prices_with_libreoffice(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    from althedge_xl.cli import main

    assert main(["report", "--engine", "libreoffice", "--prices", str(tmp_path / "p.csv")]) == 2
    assert "--prices applies with --engine formulas only" in capsys.readouterr().err


def test_saved_as_xlsx_keeps_plain_names(computed: tuple[ComputedWorkbook, ComputedWorkbook, Any]) -> None:
    """Saved as .xlsx by LibreOffice with the extension: formulas call HEDGE_MARGIN( as Excel writes it, never
    the add-in's programmatic name, and the formula engine computes the saved file to the same notional."""
    import re
    import zipfile

    engine, _, result = computed
    saved = result["saved"]
    with zipfile.ZipFile(saved) as archive:
        sheets = b"".join(archive.read(n) for n in archive.namelist() if n.startswith("xl/worksheets/"))
    assert b"ALTHEDGEADDIN" not in sheets.upper()
    assert re.search(rb"<f[^>]*>HEDGE_MARGIN\(NOTIONAL,LEVERAGE\)</f>", sheets)
    again = compute(saved)
    assert again.named("NOTIONAL") == pytest.approx(engine.named("NOTIONAL"), rel=1e-12)
    assert again.named("MARGIN") == pytest.approx(1000.0, rel=1e-12)

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
from althedge_xl.headless.template import template_bytes
from althedge_xl.libreoffice.headless import DocumentTask, computed_workbook, run_jobs
from althedge_xl.workbook.build import LITE_NAME


def same(a: Any, b: Any) -> bool:
    """The formula engine's value ``a`` and LibreOffice's ``b`` show the same thing (see the module's notes)."""
    if a in (None, "") and b in (None, ""):
        return True
    if isinstance(a, bool) and isinstance(b, (bool, float)):
        return float(a) == float(b)
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(b, bool):
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)
    return bool(a == b)


TEMPLATE = Path(__file__).resolve().parents[1] / "workbook" / "AltHedge.xlsm"


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """One LibreOffice for the module: the template as it is, the Lite .xlsx, and the template with the flat
    ratio edited to 60 % and saved as .xlsx and .xlsm (File > Save As)."""
    require_libreoffice()
    folder = tmp_path_factory.mktemp("libreoffice")
    lite = folder / LITE_NAME
    lite.write_bytes(template_bytes(lite=True))
    saved = {suffix: folder / f"AltHedge-edited{suffix}" for suffix in (".xlsx", ".xlsm")}
    edit = [{"set": {"FLAT_RATIO": 0.6}, "calculate": True}, *({"save": str(p)} for p in saved.values())]
    as_is, lite_run, edited = run_jobs([DocumentTask(TEMPLATE), DocumentTask(lite), DocumentTask(TEMPLATE, edit)])
    return {"template": as_is, "lite": lite_run, "lite_path": lite, "edited": edited, "saved": saved}


@pytest.fixture(scope="module")
def computed(runs: dict[str, Any]) -> tuple[ComputedWorkbook, ComputedWorkbook, dict[str, Any]]:
    """The template computed by both engines."""
    return compute(TEMPLATE), computed_workbook(TEMPLATE, runs["template"]), runs["template"]


def differing_cells(engine: ComputedWorkbook, libreoffice: ComputedWorkbook) -> list[str]:
    return [
        f"{sheet}!{address}: formulas {value!r}, LibreOffice {libreoffice.value(sheet, address)!r}"
        for (sheet, address), value in engine.cells.items()
        if not same(value, libreoffice.value(sheet, address))
    ]


def test_lite_xlsx_every_cell_as_the_formula_engine(runs: dict[str, Any]) -> None:
    """The Lite edition (.xlsx, no VBA: its names bind to nothing on import) computes the same."""
    engine = compute(runs["lite_path"])
    differ = differing_cells(engine, computed_workbook(runs["lite_path"], runs["lite"]))
    assert not differ, f"{len(differ)} cells differ:\n" + "\n".join(differ[:40])


def test_edited_ratio_recomputes(runs: dict[str, Any]) -> None:
    """Flat ratio 60 %: notional 50,000 x 0.6 = 30,000; net -17,500 + 0.15 x 30,000 = -13,000 (DESIGN.md's scenario)."""
    book = computed_workbook(TEMPLATE, runs["edited"])
    assert book.named("NOTIONAL") == pytest.approx(30000.0, rel=1e-12)
    assert book.named("STRESS_TABLE")[-1][-1] == pytest.approx(-13000.0, rel=1e-12)


@pytest.mark.parametrize("suffix", [".xlsx", ".xlsm"])
def test_edited_and_saved_opens_in_excel_and_reports(runs: dict[str, Any], suffix: str, capsys: Any) -> None:
    """The saved file carries plain names (as Excel writes them) and ``althedge report`` computes it: 30,000."""
    import json
    import re
    import zipfile

    from althedge_xl.cli import main

    saved = runs["saved"][suffix]
    with zipfile.ZipFile(saved) as archive:
        sheets = b"".join(archive.read(n) for n in archive.namelist() if n.startswith("xl/worksheets/"))
        if suffix == ".xlsm":
            assert "xl/vbaProject.bin" in archive.namelist()
    assert b"ALTHEDGEADDIN" not in sheets.upper()
    assert re.search(rb"<f[^>]*>HEDGE_MARGIN\(NOTIONAL,LEVERAGE\)</f>", sheets)
    assert main(["report", str(saved), "--format", "json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["errors"] == []
    hedge = next(t for t in report["tables"] if t["title"] == "Hedge")
    assert any(row[1] == pytest.approx(30000.0) for row in hedge["rows"] if isinstance(row[1], float)), hedge


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


def test_binding_does_not_mark_the_workbook_modified(runs: dict[str, Any]) -> None:
    """Opened with the extension, the template's formulas are bound and it is not marked modified."""
    assert runs["template"]["modified_after_load"] is False
    assert runs["lite"]["modified_after_load"] is False

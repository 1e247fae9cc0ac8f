"""The Refresh button on a workbook open in Excel: protected sheets, and the formulas over History's daily
history stretched as ``althedge refresh --history`` stretches them in the closed file.

The open workbook is :class:`excel_book.ExcelBook`, which refuses what Excel refuses (a locked cell of a
protected sheet, part of an array formula). What the button leaves is compared with what the command
line writes into the closed file from the same recorded closes, funding and Fear & Greed.
"""

from __future__ import annotations

import html
import re
import shutil
import zipfile
from pathlib import Path

import openpyxl
import pytest
from excel_book import ExcelBook
from test_backtest_sheet_refresh import CUT, FUNDING_FROM, LAST, _build
from test_backtest_sources import recorded_snapshot
from test_feeds import _no_network  # noqa: F401  (autouse: no network in this module either)
from test_refresh import _daily_closes, _fetch, _fetch_closes

from althedge_xl.workbook.history_long import last_long_day
from althedge_xl.workbook.refresh import refresh_workbook
from althedge_xl.workbook.refresh_excel import refresh_and_tell
from althedge_xl.workbook.samples import load_samples

SHEETS = ("Prices", "Portfolio", "History", "Backtest", "HedgeRatio")


@pytest.fixture(scope="module")
def built_cut(data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The workbook the builder makes when the daily history ends on ``CUT`` (2025-05-31)."""
    import dataclasses

    samples = load_samples(data_dir)
    cut = dataclasses.replace(samples, history=tuple(row for row in samples.history if row.date <= CUT))
    return _build(cut, tmp_path_factory.mktemp("built"))


@pytest.fixture
def pressed(built_cut: Path, data_dir: Path, tmp_path: Path) -> tuple[ExcelBook, Path]:
    """The button pressed on the built workbook open in Excel; beside it, a copy refreshed by the command line."""
    closed = tmp_path / "Closed.xlsm"
    shutil.copy2(built_cut, closed)
    snapshot = _fetch(recorded_snapshot(data_dir, FUNDING_FROM))
    closes = _fetch_closes(_daily_closes(LAST))
    fake = ExcelBook(built_cut, SHEETS)
    update = refresh_and_tell(fake, fetch=snapshot, fetch_closes=closes)
    assert update is not None, fake.app.alerts
    refresh_workbook(closed, fetch=snapshot, history=True, fetch_closes=closes)
    return fake, closed


def test_the_button_extends_the_protected_daily_history(pressed):
    fake, closed = pressed
    _, last_row = last_long_day(closed.read_bytes())
    history = fake.sheets["History"]
    assert history.values[f"H{last_row}"] == LAST
    assert history.api.ProtectContents  # protected again afterwards
    assert [call for call, _, _ in history.api.calls] == ["Unprotect", "Protect"]


def _file_formulas(path: Path, sheet: str) -> dict[str, str]:
    """Each formula of ``sheet`` in the file: an array's at its first cell, ``{ref}`` before its text."""
    from openpyxl.worksheet.formula import ArrayFormula

    found: dict[str, str] = {}
    for row in openpyxl.load_workbook(path)[sheet].iter_rows():
        for cell in row:
            if isinstance(cell.value, ArrayFormula):
                found[cell.coordinate] = f"{{{cell.value.ref}}}{cell.value.text}"
            elif isinstance(cell.value, str) and cell.value.startswith("="):
                found[cell.coordinate] = cell.value
    return found


def _fake_formulas(fake: ExcelBook, sheet: str) -> dict[str, str]:
    shown = fake.sheets[sheet]
    arrays = {anchor: f"{{{ref}}}={text}" for anchor, (ref, text) in shown.arrays.items()}
    return {**shown.formulas, **arrays}


def test_the_button_stretches_the_backtest_formulas_as_the_command_line_does(pressed, built_cut):
    fake, closed = pressed
    _, last_row = last_long_day(closed.read_bytes())
    for sheet in ("Backtest", "HedgeRatio"):
        assert _fake_formulas(fake, sheet) == _file_formulas(closed, sheet), sheet
        assert fake.sheets[sheet].api.ProtectContents  # protected again
    backtest = fake.sheets["Backtest"]
    [equity] = [ref for ref, text in backtest.arrays.values() if text.endswith('"equity")')]
    assert f"History!H5:H{last_row}" in backtest.arrays["Z26"][1]  # the dates reach the newest close
    # the equity array's defined name, as in the file
    with zipfile.ZipFile(closed) as archive:
        workbook_xml = archive.read("xl/workbook.xml").decode("utf-8")
        charts = [archive.read(n).decode("utf-8") for n in archive.namelist() if n.startswith("xl/charts/chart")]
    [chart] = [xml for xml in charts if "$Z$27" in xml]
    for name, target in re.findall(r'<definedName name="([^"]+)"(?![^>]*localSheetId)[^>]*>([^<]+)<', workbook_xml):
        assert fake.names[name].refers_to == "=" + html.unescape(target), name
    assert fake.names["BACKTEST_EQUITY"].refers_to == "='Backtest'!$" + equity.replace(":", ":$").replace(
        "Z26", "Z$26"
    ).replace("AI", "AI$")
    # the chart's series, as in the file
    [series] = [c.api[1].series for c in backtest.charts if "$Z$27" in c.api[1].series[0].Formula]
    file_refs = re.findall(r"<c:f>([^<]+)</c:f>", chart)
    assert [ref for s in series for ref in re.findall(r"[A-Za-z']+!\$[A-Z]+\$\d+:\$[A-Z]+\$\d+", s.Formula)] == [
        html.unescape(ref) for ref in file_refs
    ]
    # the period line and the count of days without a funding record, as in the file
    from_file = openpyxl.load_workbook(closed, data_only=True)["Backtest"]
    lines = [row for row in range(1, 61) if backtest.array_of(f"H{row}") is None]  # Excel computes the arrays
    assert [backtest.values.get(f"H{row}") for row in lines] == [from_file[f"H{row}"].value for row in lines]
    assert any(str(backtest.values.get(f"H{row}")).startswith(f"2021-04-01 to {LAST} (") for row in lines)
    # the new rows of the equity array formatted as its last row was
    old_last = int(re.search(r"\{Z26:AI(\d+)\}", _file_formulas(built_cut, "Backtest")["Z26"])[1])
    new_last = int(equity.split(":")[1][2:])
    assert new_last > old_last
    for column in ("Z", "AA", "AI"):
        kept = backtest.number_formats.get(f"{column}{old_last}", "General")
        assert {backtest.number_formats.get(f"{column}{r}", "General") for r in range(old_last + 1, new_last + 1)} == {
            kept
        }

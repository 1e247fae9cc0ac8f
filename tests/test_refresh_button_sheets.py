"""The Refresh button on a workbook open in Excel: protected sheets, and the formulas over History's daily
history stretched as ``althedge refresh --history`` stretches them in the closed file.

The open workbook is :class:`excel_book.ExcelBook`, which refuses what Excel refuses (a locked cell of a
protected sheet, part of an array formula). What the button leaves is compared with what the command
line writes into the closed file from the same recorded closes, funding and Fear & Greed.
"""

from __future__ import annotations

import shutil
from pathlib import Path

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

"""Shared test fixtures: where the real market data lives."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
#: Real market history, read in place: ``../shared/data`` beside the project.
DATA_DIR = ROOT.parent / "shared" / "data"


TEMPLATE = ROOT / "workbook" / "AltHedge.xlsm"


def edited_template(folder: Path, edits: dict[tuple[str, str], object]) -> Path:
    """A copy of the template in ``folder`` with ``edits`` ((sheet, cell) → value) made by openpyxl."""
    import openpyxl

    book = openpyxl.load_workbook(TEMPLATE, keep_vba=True)
    for (sheet, cell), value in edits.items():
        book[sheet][cell] = value
    path = folder / "Edited.xlsm"
    book.save(path)
    return path


@pytest.fixture(scope="session")
def data_dir() -> Path:
    if not DATA_DIR.is_dir():
        pytest.fail(f"the shared market data is missing: expected {DATA_DIR}")
    return DATA_DIR

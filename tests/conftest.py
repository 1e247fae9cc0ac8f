"""Shared test fixtures: where the real market data lives."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
#: Real market history, read in place: ``../shared/data`` beside the project.
DATA_DIR = ROOT.parent / "shared" / "data"


@pytest.fixture(scope="session")
def data_dir() -> Path:
    if not DATA_DIR.is_dir():
        pytest.fail(f"the shared market data is missing: expected {DATA_DIR}")
    return DATA_DIR

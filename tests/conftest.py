"""Shared test fixtures: where the real market data lives."""

from __future__ import annotations

import csv
import shutil
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
#: Real market history, read in place: ``../shared/data`` beside the project.
DATA_DIR = ROOT.parent / "shared" / "data"


TEMPLATE = ROOT / "workbook" / "AltHedge.xlsm"
#: The dates of Binance's recorded leverage brackets in ``../shared/data/margin``: the current one, the older one.
BRACKETS_CURRENT, BRACKETS_OLDER = "2026-03-05", "2024-10-24"


def binance_brackets(symbol: str = "BTCUSDT", date: str = BRACKETS_CURRENT) -> list[tuple[float, ...]]:
    """Binance's recorded brackets of ``symbol`` read in place: (floor, cap, rate, cum, max leverage) per bracket."""
    path = DATA_DIR / "margin" / f"binance_usdm_leverage_brackets_{date}.csv"
    keys = ("notional_floor", "notional_cap", "maint_margin_ratio", "cum", "initial_leverage")
    with open(path, newline="", encoding="utf-8") as f:
        return [tuple(float(row[k]) for k in keys) for row in csv.DictReader(f) if row["symbol"] == symbol]


def edited_template(folder: Path, edits: dict[tuple[str, str], object]) -> Path:
    """A copy of the template in ``folder`` with ``edits`` ((sheet, cell) → value) made by openpyxl."""
    import openpyxl

    book = openpyxl.load_workbook(TEMPLATE, keep_vba=True)
    for (sheet, cell), value in edits.items():
        book[sheet][cell] = value
    path = folder / "Edited.xlsm"
    book.save(path)
    return path


@pytest.fixture
def workbook(tmp_path: Path) -> Path:
    """A copy of the template the test may change (``Mine.xlsm`` in the test's own folder)."""
    path = tmp_path / "Mine.xlsm"
    shutil.copy2(TEMPLATE, path)
    return path


def package_parts(path: Path) -> dict[str, bytes]:
    """Every part of a workbook package by its name in the zip."""
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


@pytest.fixture(scope="session")
def data_dir() -> Path:
    if not DATA_DIR.is_dir():
        pytest.fail(f"the shared market data is missing: expected {DATA_DIR}")
    return DATA_DIR


@pytest.fixture(scope="session")
def built_wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel ``python -m build`` makes of this checkout (its metadata is what PyPI would show)."""
    import subprocess
    import sys

    # Built from a copy of the project's files: a build writes into its source tree (build/, *.egg-info),
    # and test workers running side by side must not build in the same one.
    source = tmp_path_factory.mktemp("source")
    for name in ("pyproject.toml", "setup.py", "MANIFEST.in", "LICENSE", "README.md"):
        shutil.copy2(ROOT / name, source / name)
    (source / "workbook").mkdir()
    shutil.copy2(TEMPLATE, source / "workbook" / TEMPLATE.name)
    shutil.copytree(ROOT / "althedge_xl", source / "althedge_xl", ignore=shutil.ignore_patterns("__pycache__"))
    out = tmp_path_factory.mktemp("dist")
    build = [sys.executable, "-m", "build", "--wheel", "--outdir", str(out), str(source)]
    done = subprocess.run(build, capture_output=True, text=True, timeout=600, check=False)
    if done.returncode != 0 and "No module named build" in done.stderr:
        pytest.skip("the build frontend is not installed (it comes with the dev extra)")
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    (path,) = out.glob("althedge_xl-*-py3-none-any.whl")
    return path


try:
    import keyring
    from keyring.backend import KeyringBackend
except ImportError:  # the [market] extra is not installed
    keyring = None  # type: ignore[assignment]
    KeyringBackend = object  # type: ignore[assignment,misc]


class InMemoryKeyring(KeyringBackend):  # type: ignore[misc,valid-type]
    """A keyring backend in memory: what ``keyring.get_password`` and friends use during a test."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        self.entries: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.entries.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.entries[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        del self.entries[(service, username)]


_KEY_VARIABLES = ("_API_KEY", "_API_SECRET", "_API_PASSPHRASE")


@pytest.fixture(autouse=True)
def memory_keyring(monkeypatch: pytest.MonkeyPatch):
    """No test sees this machine's keyring or API-key variables: an empty in-memory keyring instead."""
    import os

    for name in [n for n in os.environ if n.startswith("ALTHEDGE_") and n.endswith(_KEY_VARIABLES)]:
        monkeypatch.delenv(name)
    if keyring is None:
        yield None
        return
    previous, ring = keyring.get_keyring(), InMemoryKeyring()
    keyring.set_keyring(ring)
    yield ring
    keyring.set_keyring(previous)

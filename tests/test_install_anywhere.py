"""A non-editable install in a fresh virtual environment: ``init``, ``report`` and ``build-workbook`` from another folder.

The project's wheel (the ``built_wheel`` the tests share) is installed with ``--no-deps`` into a new
virtual environment that reads its dependencies from this one's site-packages (a ``.pth`` line:
fast, and no index needed for them), and run with the checkout nowhere on the path and another
folder as the working directory.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
import venv
import zipfile
from pathlib import Path

import pytest
from conftest import ROOT, TEMPLATE
from package_diff import describe

TIMEOUT = 900  # seconds: building the wheel and the template on a busy machine

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def _run(argv: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=TIMEOUT, check=False)


@pytest.fixture(scope="module")
def installed(built_wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """(bin folder of the new environment, the environment variables to run it with)."""
    work = tmp_path_factory.mktemp("install")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "ALTHEDGE_DATA", "VIRTUAL_ENV")}
    wheel = built_wheel
    target = work / "venv"
    venv.EnvBuilder(with_pip=False).create(target)
    python = target / ("Scripts" if os.name == "nt" else "bin") / ("python.exe" if os.name == "nt" else "python")
    done = _run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "-q", str(wheel)], work, env
    )
    assert done.returncode == 0, done.stderr
    site = _run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], work, env)
    (Path(site.stdout.strip()) / "dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return python.parent, env


@pytest.fixture()
def elsewhere(tmp_path: Path) -> Path:
    folder = tmp_path / "elsewhere"
    folder.mkdir()
    return folder


def test_the_wheel_ships_the_template_and_the_readme(built_wheel):
    with zipfile.ZipFile(built_wheel) as archive:
        assert archive.read("althedge_xl/_shipped/AltHedge.xlsm") == TEMPLATE.read_bytes()
        assert archive.read("althedge_xl/_shipped/README.md") == (ROOT / "README.md").read_bytes()


def test_the_package_is_the_installed_copy(installed, elsewhere):
    bin_dir, env = installed
    where = _run([str(bin_dir / "python"), "-c", "import althedge_xl; print(althedge_xl.__file__)"], elsewhere, env)
    assert Path(where.stdout.strip()).is_relative_to(bin_dir.parent)
    assert not Path(where.stdout.strip()).is_relative_to(ROOT)


def test_init_then_report_from_another_folder(installed, elsewhere):
    bin_dir, env = installed
    althedge = str(bin_dir / "althedge")
    done = _run([althedge, "init", "mine"], elsewhere, env)
    assert done.returncode == 0, done.stderr
    assert f"wrote {(elsewhere / 'mine' / 'AltHedge.xlsm').resolve()}" in done.stdout
    assert (elsewhere / "mine" / "AltHedge.xlsm").read_bytes() == TEMPLATE.read_bytes()
    assert (elsewhere / "mine" / "README.md").is_file()  # the Start sheet's link opens it
    for argv in (
        [althedge, "report", "--format", "json"],
        [althedge, "report", "mine/AltHedge.xlsm", "--format", "json"],
    ):
        done = _run(argv, elsewhere, env)
        assert done.returncode == 0, done.stderr
        data = json.loads(done.stdout)
        hedge = {row[0]: row[1] for row in next(t for t in data["tables"] if t["title"] == "Hedge")["rows"]}
        assert hedge["Hedge notional, short BTC (USD)"] == 20_000  # DESIGN.md: 50,000 × 40 %
        assert data["workbook"] == "AltHedge.xlsm"


def test_build_workbook_without_market_data_says_how_to_get_it(installed, elsewhere):
    bin_dir, env = installed
    done = _run([str(bin_dir / "althedge"), "build-workbook", "--out", "Built.xlsm"], elsewhere, env)
    assert done.returncode == 2
    assert "needs the project's market-history folder" in done.stderr and "althedge init" in done.stderr
    assert str(bin_dir.parent) not in done.stderr  # never a path inside the environment (issue 25)
    assert len(done.stderr.strip().splitlines()) == 1 and not (elsewhere / "Built.xlsm").exists()


def test_build_workbook_with_the_market_data(installed, elsewhere, data_dir):
    bin_dir, env = installed
    done = _run(
        [str(bin_dir / "althedge"), "build-workbook", "--data", str(data_dir), "--out", "Built.xlsm"], elsewhere, env
    )
    assert done.returncode == 0, done.stderr
    built = elsewhere / "Built.xlsm"
    assert built.read_bytes() == TEMPLATE.read_bytes(), describe(TEMPLATE, built, "the committed template is a build")

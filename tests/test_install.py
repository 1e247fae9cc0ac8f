"""What ``pip install althedge-xl`` gives: numpy-only functions, extras named for what they serve.

A subcommand whose extra is missing ends in one line naming it (exit code 2, no traceback); the
built wheel requires numpy alone (plus the Windows-marked xlwings) and carries its licence.
"""

from __future__ import annotations

import subprocess
import sys
import zipfile
from email.parser import Parser
from pathlib import Path

import pytest
from conftest import ROOT

TEMPLATE_ARG = str(ROOT / "workbook" / "AltHedge.xlsm")


@pytest.mark.parametrize(
    ("command", "blocked", "extras"),
    [
        (["report"], "formulas", "report"),
        # the formula engine's progress bar, which the report imports first (issue 25: it was an internal error)
        (["report"], "tqdm", "report"),
        (["report", "--refresh", "--offline"], "ccxt", "market"),
        # build-workbook computes the template's cached values with the formula engine: [workbook] is not enough
        (["build-workbook", "--out", "{tmp}/AltHedge.xlsm"], "xlsxwriter", "report"),
        (["refresh", "{tmp}/AltHedge.xlsm", "--offline"], "ccxt", "market"),
        (["refresh", "{tmp}/AltHedge.xlsm", "--offline"], "openpyxl", "workbook"),
        (["backtest", "--workbook", TEMPLATE_ARG], "openpyxl", "workbook"),
        (["backtest", "--out", "{tmp}/run"], "matplotlib", "report"),
        (["lite", "{tmp}/lite"], "formulas", "report"),
    ],
)
def test_missing_extra_is_named_in_one_line(command, blocked, extras, tmp_path):
    # A fresh interpreter where the extra's library cannot be imported, as after a bare install.
    argv = [part.format(tmp=tmp_path) for part in command]
    code = f"import sys; sys.modules[{blocked!r}] = None\nfrom althedge_xl.cli import main\nsys.exit(main({argv!r}))\n"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=False)
    assert done.returncode == 2, done.stderr
    assert done.stderr.splitlines() == [
        f"althedge: {command[0]} needs the [{extras}] extra (no module named {blocked!r}): "
        f'pip install "althedge-xl[{extras}]"'
    ]
    assert not list(tmp_path.iterdir())  # nothing written


def test_two_missing_extras_are_named_in_one_line(tmp_path):
    code = (
        "import sys\nfor m in ('ccxt', 'openpyxl'): sys.modules[m] = None\nfrom althedge_xl.cli import main\n"
        f"sys.exit(main(['refresh', {str(tmp_path / 'AltHedge.xlsm')!r}]))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=False)
    assert done.returncode == 2, done.stderr
    assert done.stderr.splitlines() == [
        "althedge: refresh needs the [market] and [workbook] extras (no module named 'ccxt'): "
        'pip install "althedge-xl[market,workbook]"'
    ]


def test_an_internal_error_never_exits_0(tmp_path):
    # A module no extra brings, missing: a bug, one line and exit code 3 (the console script's too).
    code = (
        "import sys\nimport althedge_xl.cli.example as example\n"
        "def broken(args):\n    import no_such_module_at_all\n"
        "example.run = broken\nfrom althedge_xl.cli.entry import console_main\nconsole_main(['example'])\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=False)
    assert done.returncode == 3, done.stderr
    assert (
        done.stderr.startswith("althedge: internal error: ModuleNotFoundError") and len(done.stderr.splitlines()) == 1
    )


def test_example_needs_numpy_alone():
    # `althedge example` runs the function list itself: it works with every extra missing.
    blocked = "".join(f"sys.modules[{m!r}] = None\n" for m in ("ccxt", "formulas", "openpyxl", "xlsxwriter", "rich"))
    code = f"import sys\n{blocked}from althedge_xl.cli import main\nsys.exit(main(['example', '--format', 'csv']))\n"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=False)
    assert done.returncode == 0, done.stderr
    assert "-14500" in done.stdout.replace(",", "")  # DESIGN.md: the 15% correction nets -14,500


@pytest.fixture(scope="module")
def wheel(built_wheel: Path) -> Path:
    return built_wheel


def wheel_metadata(wheel: Path):
    with zipfile.ZipFile(wheel) as archive:
        (name,) = [n for n in archive.namelist() if n.endswith(".dist-info/METADATA")]
        return Parser().parsestr(archive.read(name).decode()), archive.namelist()


def test_wheel_requires_numpy_alone(wheel):
    metadata, _ = wheel_metadata(wheel)
    required = [r for r in metadata.get_all("Requires-Dist") if "extra ==" not in r]
    assert sorted(required) == ["numpy>=1.24", 'xlwings==0.37.8; sys_platform == "win32"']


def test_wheel_extras_are_named_for_what_they_serve(wheel):
    metadata, _ = wheel_metadata(wheel)
    assert {"market", "workbook", "report", "all", "dev"} <= set(metadata.get_all("Provides-Extra"))
    market = [r for r in metadata.get_all("Requires-Dist") if 'extra == "market"' in r]
    assert any(r.startswith("ccxt") for r in market)


def test_wheel_is_publishable(wheel):
    metadata, names = wheel_metadata(wheel)
    assert metadata["License-Expression"] == "BSD-3-Clause"
    assert any(n.endswith("licenses/LICENSE") for n in names)
    assert metadata["Description-Content-Type"] == "text/markdown"
    assert metadata.get_payload().startswith("# AltHedge XL")  # the README as long description
    assert "althedge_xl/udfs/__init__.py" in names and "althedge_xl/py.typed" in names
    assert not [n for n in names if n.startswith("tests/")]

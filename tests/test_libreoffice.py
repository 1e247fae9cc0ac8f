"""LibreOffice headless opens the generated .xlsm, imports its VBA modules and prints it to PDF.

LibreOffice comes from the project's test setup (``scripts/ensure_libreoffice.py``). Without it the
tests are skipped, except in CI (``CI=true``), where a missing LibreOffice is a failure. Each run
uses its own LibreOffice profile in a temporary folder, so parallel runs do not collide and a
user's settings play no part (the default profile loads VBA code from Office files and runs none).

Proof that LibreOffice imported the VBA: converted to .ods, the workbook carries each VBA module as
a Basic module (``Basic/VBAProject/<module>.xml``), with the wrapper functions' text.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from test_vba import FAKE_NAMES, SHEETS, build_sample_xlsm

from althedge_xl.workbook import vba

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

TIMEOUT = 300  # seconds; a first start builds the profile


@pytest.fixture(scope="module")
def soffice() -> str:
    for name in ("soffice", "libreoffice"):
        path = shutil.which(name)
        if path:
            return path
    reason = "LibreOffice (soffice) is not installed: run python scripts/ensure_libreoffice.py"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(reason)
    pytest.skip(reason)


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("libreoffice")
    (folder / "AltHedge.xlsm").write_bytes(build_sample_xlsm())
    return folder


def convert(soffice: str, workdir: Path, target: str) -> Path:
    """``AltHedge.xlsm`` converted to ``target`` by LibreOffice headless; fails on any error."""
    out = workdir / target
    out.mkdir(exist_ok=True)
    profile = (workdir / "profile").as_uri()
    command = [
        soffice,
        f"-env:UserInstallation={profile}",
        "--headless",
        "--norestore",
        "--nologo",
        "--nolockcheck",
        "--convert-to",
        target,
        "--outdir",
        str(out),
        str(workdir / "AltHedge.xlsm"),
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT, check=False)
    result = out / f"AltHedge.{target}"
    report = f"exit {done.returncode}\nstdout: {done.stdout}\nstderr: {done.stderr}"
    assert done.returncode == 0, report
    assert result.is_file() and result.stat().st_size > 0, report
    assert "Error" not in done.stderr, report
    return result


def test_converts_to_pdf(soffice: str, workdir: Path) -> None:
    pdf = convert(soffice, workdir, "pdf").read_bytes()
    assert pdf.startswith(b"%PDF-")
    assert len(re.findall(rb"/Type\s*/Page\b", pdf)) >= len(SHEETS)


def test_imports_the_vba_modules(soffice: str, workdir: Path) -> None:
    ods = convert(soffice, workdir, "ods")
    with zipfile.ZipFile(ods) as package:
        basic = {
            Path(name).stem: package.read(name).decode("utf-8")
            for name in package.namelist()
            if name.startswith("Basic/VBAProject/") and not name.endswith("script-lb.xml")
        }
    expected = {"xlwings", "Dictionary", vba.UDF_MODULE_NAME, vba.MACRO_MODULE_NAME, "ThisWorkbook"}
    expected |= {f"Sheet{i}" for i in range(1, len(SHEETS) + 1)}
    assert expected <= set(basic), sorted(basic)
    for name in FAKE_NAMES:
        assert f"Function {name}(" in basic[vba.UDF_MODULE_NAME]
    assert 'script:moduleType="document"' in basic["ThisWorkbook"]
    assert "Workbook_Open" in basic["ThisWorkbook"]
    assert f"Sub {vba.REFRESH_MACRO}()" in basic[vba.MACRO_MODULE_NAME]
    assert "XLWINGS_VERSION" in basic["xlwings"]

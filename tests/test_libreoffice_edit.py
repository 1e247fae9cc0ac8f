"""LibreOffice as the editor: a template edited and saved by LibreOffice Calc computes in ``althedge report``.

Real LibreOffice, headless, runs a Basic macro (from a profile made for the test, so no user
setting plays a part): it opens the template, types 60 % as the flat hedge ratio
(HedgeRatio!B6), and saves the workbook as .xlsx and as .xlsm. LibreOffice cannot run the AltHedge
functions, so it writes ``#VALUE!`` as the cached value of the cells it cannot compute (those of the
array formulas included); the report computes them again from the inputs.

Without LibreOffice the test is skipped, except in CI (``CI=true``), where it fails
(``scripts/ensure_libreoffice.py`` installs it).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import openpyxl
import pytest
from conftest import TEMPLATE

from althedge_xl.cli import main

TIMEOUT = 300  # seconds; a first start builds the profile
NEW_RATIO = 0.60

_MACRO = """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE script:module PUBLIC "-//OpenOffice.org//DTD OfficeDocument 1.0//EN" "module.dtd">
<script:module xmlns:script="http://openoffice.org/2000/script" script:name="Module1" script:language="StarBasic">
Sub EditAndSave(source As String, asXlsx As String, asXlsm As String, percent As String)
  Dim opening(0) As New com.sun.star.beans.PropertyValue
  opening(0).Name = &quot;Hidden&quot;
  opening(0).Value = True
  document = StarDesktop.loadComponentFromURL(ConvertToURL(source), &quot;_blank&quot;, 0, opening())
  document.Sheets.getByName(&quot;HedgeRatio&quot;).getCellRangeByName(&quot;B6&quot;).setValue(CInt(percent) / 100)
  Dim saving(0) As New com.sun.star.beans.PropertyValue
  saving(0).Name = &quot;FilterName&quot;
  saving(0).Value = &quot;Calc Office Open XML&quot;
  document.storeToURL(ConvertToURL(asXlsx), saving())
  saving(0).Value = &quot;Calc MS Excel 2007 VBA XML&quot;
  document.storeToURL(ConvertToURL(asXlsm), saving())
  document.close(True)
End Sub
</script:module>
"""


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


def _profile_with_macro(soffice: str, folder: Path) -> Path:
    """A new LibreOffice user profile whose Standard Basic library's Module1 is the editing macro."""
    profile = folder / "profile"
    command = [soffice, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore"]
    done = subprocess.run([*command, "--terminate_after_init"], capture_output=True, text=True, timeout=TIMEOUT)
    module = profile / "user" / "basic" / "Standard" / "Module1.xba"
    assert module.is_file(), f"LibreOffice made no profile: {done.stderr}"
    module.write_text(_MACRO, encoding="utf-8")
    return profile


@pytest.fixture(scope="module")
def saved_by_libreoffice(soffice: str, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("libreoffice-edit")
    source = folder / "AltHedge.xlsm"
    shutil.copy2(TEMPLATE, source)
    profile = _profile_with_macro(soffice, folder)
    out = {"xlsx": folder / "Edited.xlsx", "xlsm": folder / "Edited.xlsm"}
    macro = (
        f'macro:///Standard.Module1.EditAndSave("{source}","{out["xlsx"]}","{out["xlsm"]}","{round(NEW_RATIO * 100)}")'
    )
    command = [soffice, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore", macro]
    done = subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT, check=False)
    report = f"exit {done.returncode}\nstdout: {done.stdout}\nstderr: {done.stderr}"
    assert done.returncode == 0, report
    for path in out.values():
        assert path.is_file() and path.stat().st_size > 0, report
    return out


@pytest.mark.parametrize("kind", ["xlsx", "xlsm"])
def test_libreoffice_edit_computes_in_the_report(saved_by_libreoffice, kind, capsys):
    path = saved_by_libreoffice[kind]
    # What LibreOffice wrote: the new ratio, and #VALUE! cached where it could not compute.
    saved = openpyxl.load_workbook(path, data_only=True)
    assert saved["HedgeRatio"]["B6"].value == NEW_RATIO
    assert saved["Hedge"]["C11"].value == "#VALUE!"  # a cell of the HEDGE_LIQUIDATION array formula
    assert main(["report", str(path), "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    tables = {t["title"]: t for t in data["tables"]}
    assert data["errors"] == []
    # By hand, DESIGN.md's portfolio: altcoins 50,000 × 60 % = 30,000 short BTC; in the 15 %
    # correction BTC −15 % on 50,000 (−7,500), altcoins −20 % on 50,000 (−10,000), the short gains
    # 30,000 × 15 % = +4,500: net −17,500 + 4,500 = −13,000.
    notional = 50_000 * NEW_RATIO
    net = 50_000 * -0.15 + 50_000 * -0.20 + notional * 0.15
    hedge = {row[0]: row[1] for row in tables["Hedge"]["rows"]}
    assert hedge["Hedge notional, short BTC (USD)"] == pytest.approx(notional) == 30_000
    scenario = tables["Scenario: BTC -15%, altcoins -20%"]["rows"]
    assert scenario[-1][0] == "Net change"
    assert scenario[-1][-1] == pytest.approx(net) == -13_000
    assert scenario[-2][-1] == pytest.approx(notional * 0.15)

"""``althedge libreoffice``: the extension written, its refusals, and the plain-names rewrite (no LibreOffice needed)."""

from __future__ import annotations

import io
import os
import zipfile
from pathlib import Path

import pytest

from althedge_xl.cli import main
from althedge_xl.libreoffice.extension import OXT_NAME, extension_bytes
from althedge_xl.libreoffice.plain_names import plain_names

SHEET = (
    b'<worksheet><sheetData><row r="1"><c r="A1"><f>ORG.ALTHEDGE.XL.ALTHEDGEADDIN.HEDGE_MARGIN(B1,B2)*'
    b"org.althedge.xl.AltHedgeAddIn.HEDGE_NOTIONAL(C1:C2,0.4)</f><v>1</v></c></row></sheetData></worksheet>"
)


def workbook_zip(sheet: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", b"<Types/>")
        archive.writestr("xl/worksheets/sheet1.xml", sheet)
        archive.writestr("xl/sharedStrings.xml", b"<sst><si><t>ORG.ALTHEDGE.XL.ALTHEDGEADDIN.</t></si></sst>")
    return buffer.getvalue()


def test_writes_the_extension(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["libreoffice", str(tmp_path)]) == 0
    assert (tmp_path / OXT_NAME).read_bytes() == extension_bytes()
    assert str(tmp_path / OXT_NAME) in capsys.readouterr().out


def test_shared_needs_install(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["libreoffice", str(tmp_path), "--shared"]) == 2
    assert "--shared only applies with --install" in capsys.readouterr().err


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="the refusal is for root")
def test_root_install_needs_shared(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from libreoffice_session import missing

    if missing():
        pytest.skip(str(missing()))
    assert main(["libreoffice", str(tmp_path), "--install"]) == 2
    assert "unopkg refuses a per-user install as root" in capsys.readouterr().err


def test_plain_names_rewrites_formulas_only() -> None:
    rewritten = plain_names(workbook_zip(SHEET))
    assert rewritten is not None
    with zipfile.ZipFile(io.BytesIO(rewritten)) as archive:
        sheet = archive.read("xl/worksheets/sheet1.xml")
        assert b"<f>HEDGE_MARGIN(B1,B2)*HEDGE_NOTIONAL(C1:C2,0.4)</f>" in sheet
        # text a user typed is not a formula: left as it is
        assert archive.read("xl/sharedStrings.xml").count(b"ORG.ALTHEDGE.XL.ALTHEDGEADDIN.") == 1
    assert plain_names(rewritten) is None  # nothing left to rewrite


def test_plain_names_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    book = tmp_path / "exported.xlsx"
    book.write_bytes(workbook_zip(SHEET))
    assert main(["libreoffice", "--plain-names", str(book)]) == 0
    assert b"ALTHEDGEADDIN.HEDGE" not in zipfile.ZipFile(book).read("xl/worksheets/sheet1.xml")
    assert "rewritten" in capsys.readouterr().out
    assert main(["libreoffice", "--plain-names", str(tmp_path / "x.ods")]) == 2
    (tmp_path / "bad.xlsx").write_bytes(b"not a zip")
    assert main(["libreoffice", "--plain-names", str(tmp_path / "bad.xlsx")]) == 2
    assert "not a workbook" in capsys.readouterr().err

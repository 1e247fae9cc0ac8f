#!/usr/bin/env python3
"""Render pictures of the workbook's Portfolio, Hedge and Stress sheets into ``docs/``.

LibreOffice headless prints the workbook to PDF, one page per sheet (the PDF filter's
``SinglePageSheets``: each page is as large as the sheet's used area, charts included), and
poppler's ``pdftoppm`` turns each wanted sheet's page into a PNG.

The pictures show the values the template carries, the ones Excel shows on opening it. LibreOffice
cannot show all of them from the template itself: it keeps the cached values of plain formula
cells (it does not recalculate on load), but it never imports the cached results of array formulas
and of formulas with a TRUE/FALSE result; it recomputes those, and the xlwings functions cannot run
there (``#VALUE!``). So the script prints a copy of the workbook in which every formula is replaced
by its cached value; nothing else changes (formats, column widths, charts, the VBA project).

Run on demand, not by the tests::

    python scripts/render_sheets.py                        # workbook/AltHedge.xlsm -> docs/*.png
    python scripts/render_sheets.py --workbook other.xlsm --out /tmp/pictures --dpi 120

Needs ``soffice`` 7.4 or later (PDF filter options given as JSON on the command line; see
``python scripts/ensure_libreoffice.py``) and ``pdftoppm`` (Debian/Ubuntu: ``apt-get install
poppler-utils``). The pictures depend on the fonts installed: render them on one machine.
"""

from __future__ import annotations

import argparse
import html
import io
import re
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_WORKBOOK = ROOT / "workbook" / "AltHedge.xlsm"
DEFAULT_OUT = ROOT / "docs"
#: Sheet name -> picture file name.
PICTURES = {"Portfolio": "portfolio.png", "Hedge": "hedge.png", "Stress": "stress.png"}
DPI = 110
TIMEOUT = 300  # seconds; a first start builds the profile

MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
#: Never recalculate Excel 2007+ files on load (LibreOffice's default too; set so no user setting counts).
PROFILE_SETTINGS = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema" \
xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse">\
<value>1</value></prop></item>
</oor:items>
"""
PDF_FILTER = 'pdf:calc_pdf_Export:{"SinglePageSheets":{"type":"boolean","value":"true"}}'

_FORMULA = re.compile(r"<f\b[^>]*/>|<f\b[^>]*>.*?</f>", re.DOTALL)
_STRING_RESULT = re.compile(r'<c\b([^>]*?)\st="str"([^>]*)>\s*<v>(.*?)</v>\s*</c>', re.DOTALL)
_EMPTY_STRING_RESULT = re.compile(r'<c\b([^>]*?)\st="str"([^>]*)>\s*(?:<v\s*/>)?\s*</c>', re.DOTALL)
_BOOLEAN = re.compile(r'<c\b([^>]*?)\st="b"([^>]*)>\s*<v>\s*([01])\s*</v>\s*</c>', re.DOTALL)


def values_only(sheet_xml: str) -> str:
    """A worksheet's XML with every formula dropped and its cached value kept as the cell's value.

    A formula's text result (``t="str"``) becomes an inline string: ``str`` means a formula's result.
    TRUE and FALSE become text too: LibreOffice 7.4 shows some imported booleans as 1 and 0.
    """
    text = _FORMULA.sub("", sheet_xml)
    text = _STRING_RESULT.sub(r'<c\1 t="inlineStr"\2><is><t xml:space="preserve">\3</t></is></c>', text)
    text = _EMPTY_STRING_RESULT.sub(r"<c\1\2/>", text)
    return _BOOLEAN.sub(
        lambda m: f'<c{m[1]} t="inlineStr"{m[2]}><is><t>{("FALSE", "TRUE")[int(m[3])]}</t></is></c>', text
    )


def values_copy(workbook: bytes) -> bytes:
    """The workbook package with the formulas of every worksheet replaced by their cached values."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(workbook)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item)
            if re.fullmatch(r"xl/worksheets/sheet\d+\.xml", item.filename):
                data = values_only(data.decode("utf-8")).encode("utf-8")
            target.writestr(item, data)
    return out.getvalue()


def visible_sheets(workbook: bytes) -> list[str]:
    """Names of the sheets LibreOffice prints, in order (hidden sheets get no page)."""
    with zipfile.ZipFile(io.BytesIO(workbook)) as package:
        root = ET.fromstring(package.read("xl/workbook.xml"))
    return [
        html.unescape(sheet.get("name", ""))
        for sheet in root.iter(f"{MAIN}sheet")
        if sheet.get("state", "visible") == "visible"
    ]


def tool(name: str, hint: str) -> str:
    path = shutil.which(name)
    if not path:
        sys.exit(f"{name} is not installed: {hint}")
    return path


def print_to_pdf(soffice: str, workbook: Path, scratch: Path) -> Path:
    """``workbook`` printed by LibreOffice headless, one page per visible sheet."""
    profile = scratch / "profile"
    (profile / "user").mkdir(parents=True)
    (profile / "user" / "registrymodifications.xcu").write_text(PROFILE_SETTINGS, encoding="utf-8")
    command = [
        soffice,
        f"-env:UserInstallation={profile.as_uri()}",
        "--headless",
        "--norestore",
        "--nologo",
        "--nolockcheck",
        "--convert-to",
        PDF_FILTER,
        "--outdir",
        str(scratch),
        str(workbook),
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT, check=False)
    pdf = scratch / f"{workbook.stem}.pdf"
    if done.returncode != 0 or not pdf.is_file():
        sys.exit(f"LibreOffice failed (exit {done.returncode}):\n{done.stdout}\n{done.stderr}")
    return pdf


def render(workbook: Path, out: Path, dpi: int = DPI, pictures: dict[str, str] | None = None) -> list[Path]:
    """Write one PNG per sheet of ``pictures`` (sheet name -> file name) into ``out``; return their paths."""
    pictures = PICTURES if pictures is None else pictures
    soffice = shutil.which("soffice") or tool("libreoffice", "run python scripts/ensure_libreoffice.py")
    pdftoppm = tool("pdftoppm", "install poppler-utils (apt-get install poppler-utils)")
    content = workbook.read_bytes()
    pages = {name: number for number, name in enumerate(visible_sheets(content), start=1)}
    missing = [name for name in pictures if name not in pages]
    if missing:
        sys.exit(f"{workbook} has no visible sheet named {', '.join(missing)}")
    out.mkdir(parents=True, exist_ok=True)
    written = []
    with tempfile.TemporaryDirectory(prefix="althedge-render-") as folder:
        scratch = Path(folder)
        copy = scratch / f"{workbook.stem}{workbook.suffix}"
        copy.write_bytes(values_copy(content))
        pdf = print_to_pdf(soffice, copy, scratch)
        for name, file_name in pictures.items():
            target = out / file_name
            page = str(pages[name])
            command = [pdftoppm, "-png", "-r", str(dpi), "-f", page, "-l", page, "-singlefile"]
            subprocess.run([*command, str(pdf), str(target.with_suffix(""))], check=True, timeout=TIMEOUT)
            written.append(target)
    return written


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workbook", type=Path, default=DEFAULT_WORKBOOK, help="the .xlsm to picture")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="folder for the PNG files")
    parser.add_argument("--dpi", type=int, default=DPI, help=f"resolution (default {DPI})")
    args = parser.parse_args(argv)
    for path in render(args.workbook, args.out, args.dpi):
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

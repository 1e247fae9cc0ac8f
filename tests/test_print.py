"""The template printed to PDF by LibreOffice: a few pages a sheet, no sheet's columns split across pages.

Each page's header names its sheet (``&A``), so the PDF's text says which sheet a page prints. A
sheet whose columns were split would print its right-hand columns on a page of their own: the
first and the last column a user reads must be on the sheet's first page.
"""

from __future__ import annotations

import shutil
from collections import Counter
from pathlib import Path

import openpyxl
import pytest
from conftest import TEMPLATE
from pdf_text import page_texts
from test_libreoffice import run_soffice, soffice  # noqa: F401  (soffice: the fixture)

from althedge_xl.workbook.build import SHEET_ORDER

#: Per sheet, a text of its first column and one of its last printed column, both on its first page.
EDGES = {
    "Start": ("AltHedge XL: defend an altcoin portfolio with short Bitcoin futures", "Conventions"),
    "Portfolio": ("Asset", "Check"),
    "HedgeRatio": ("Method", "How"),
    "Hedge": ("Hedge notional, short BTC (USD)", "Why"),
    "Stress": ("BTC move", "Unhedged"),
    "Funding": ("Holding period (days)", "positive = you pay; negative = the short receives"),
    "Backtest": ("Beta (OLS)", "Hedge rules backtested on every day of History, after fees and funding"),
    "Prices": ("Symbol", "Note"),
    "History": ("Date", "Fear & Greed"),
    "SelfCheck": ("Example", "Source"),
    "xlwings.conf": ("UDF Modules", "althedge_xl.udfs"),
}


@pytest.fixture(scope="module")
def printed(soffice: str, tmp_path_factory: pytest.TempPathFactory) -> list[list[str]]:  # noqa: F811
    folder = tmp_path_factory.mktemp("print")
    shutil.copy2(TEMPLATE, folder / "AltHedge.xlsm")
    run_soffice(soffice, folder, "pdf", folder / "pdf")
    return page_texts((folder / "pdf" / "AltHedge.pdf").read_bytes())


def _sheet_of(page: list[str]) -> str:
    """The sheet a page prints: its header, the page's first piece of text."""
    assert page and page[0] in SHEET_ORDER, page[:3]
    return page[0]


def test_a_few_pages_a_sheet(printed):
    assert len(printed) <= 2 * len(SHEET_ORDER)  # the template printed 209 pages before its print setup
    pages = Counter(_sheet_of(page) for page in printed)
    assert set(pages) == set(SHEET_ORDER)
    assert all(1 <= n <= 3 for n in pages.values()), pages


def test_no_sheets_columns_are_split(printed):
    first_pages = {}
    for page in printed:
        first_pages.setdefault(_sheet_of(page), page)
    for sheet, (left, right) in EDGES.items():
        texts = first_pages[sheet]
        assert left in texts and right in texts, (sheet, left, right, texts[:40])


def test_print_setup_in_the_file():
    """What Excel reads: A4, one page wide, a print area without the helper columns, table headings repeated."""
    book = openpyxl.load_workbook(TEMPLATE)
    for sheet in book.worksheets:
        assert sheet.page_setup.paperSize == 9, sheet.title  # A4
        assert sheet.print_area, sheet.title
    areas = {sheet.title: sheet.print_area for sheet in book.worksheets}
    assert areas["Prices"].endswith("$F$51") and areas["Hedge"].split(":")[1].startswith("$F$")
    assert areas["History"] == "'History'!$A$1:$N$4"
    assert areas["Backtest"].split(":")[1].startswith("$W$")
    portfolio = book["Portfolio"]
    assert portfolio.page_setup.orientation == "landscape" and portfolio.page_setup.fitToWidth in (None, 1)
    assert portfolio.sheet_properties.pageSetUpPr.fitToPage and portfolio.page_setup.fitToHeight == 0
    assert portfolio.print_title_rows == "$4:$4"


def test_the_edges_are_the_sheets_own_texts():
    """The texts the PDF is searched for are on the sheets (a renamed heading must not pass unnoticed)."""
    book = openpyxl.load_workbook(Path(TEMPLATE))
    for sheet, (left, right) in EDGES.items():
        values = {str(c.value) for row in book[sheet].iter_rows() for c in row if c.value is not None}
        assert left in values and right in values, sheet

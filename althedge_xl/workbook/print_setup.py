"""How each sheet prints: A4, landscape where wide, one page wide, its table headings on every page.

The print area of a sheet runs from A1 to its last column a user reads (helper columns beyond it
are left out: the Prices sheet's raw funding history, the Hedge sheet's tier tables, the Backtest's
equity curves) and down to the last row that holds something in those columns, charts included.
History is data for the Backtest and HedgeRatio sheets (about 1,900 days): it prints its headings only.
"""

from __future__ import annotations

from dataclasses import dataclass

from xlsxwriter.utility import xl_cell_to_rowcol
from xlsxwriter.worksheet import Worksheet

A4 = 9
"""xlsxwriter's paper code for A4."""
DEFAULT_ROW_PX = 20
"""Height of a row in pixels at the default 15 points, to count the rows a chart covers."""
HEADER = "&L&A"
"""The sheet's name at the top left of every page."""
FOOTER = "&LAltHedge XL&RPage &P of &N"


@dataclass(frozen=True)
class PrintSetup:
    """One sheet's print setup.

    ``last_column`` is the print area's right edge (a column letter); ``title_rows`` the first and last
    row (1-based) repeated at the top of every page; ``last_row`` a fixed bottom edge (None: the sheet's
    last row with content left of ``last_column``).
    """

    last_column: str
    landscape: bool
    title_rows: tuple[int, int] | None = None
    last_row: int | None = None


PRINT_SETUPS: dict[str, PrintSetup] = {
    "Start": PrintSetup("B", landscape=True),
    "Portfolio": PrintSetup("L", landscape=True, title_rows=(4, 4)),
    "HedgeRatio": PrintSetup("F", landscape=True, title_rows=(1, 1)),
    "Hedge": PrintSetup("F", landscape=True, title_rows=(1, 1)),
    "Stress": PrintSetup("L", landscape=True, title_rows=(1, 1)),
    "Funding": PrintSetup("C", landscape=True, title_rows=(1, 1)),
    "Backtest": PrintSetup("W", landscape=True, title_rows=(1, 1)),
    "Prices": PrintSetup("F", landscape=True, title_rows=(4, 4)),
    "History": PrintSetup("N", landscape=True, last_row=4),
    "SelfCheck": PrintSetup("F", landscape=True, title_rows=(3, 3)),
    "Account": PrintSetup("J", landscape=True, title_rows=(1, 1)),
    "xlwings.conf": PrintSetup("B", landscape=False),
}


def last_content_row(sheet: Worksheet, last_col: int) -> int:
    """The last row (0-based) holding a cell or the bottom of a chart in columns 0 to ``last_col``.

    Reads the cells and charts xlsxwriter has been given for ``sheet`` (its ``table`` and ``charts``).
    """
    rows = [row for row, cells in sheet.table.items() if any(col <= last_col for col in cells)]
    for row, col, chart, _x, y_offset, _xs, y_scale, *_ in sheet.charts:
        if col <= last_col:
            covered = (y_offset + chart.height * y_scale) / DEFAULT_ROW_PX
            rows.append(row + int(covered) + 1)
    return max(rows, default=0)


def apply_print_setup(sheet: Worksheet, setup: PrintSetup) -> None:
    """Give ``sheet`` its paper, orientation, scaling, print area, print titles, header and footer."""
    _, last_col = xl_cell_to_rowcol(f"{setup.last_column}1")
    last_row = setup.last_row - 1 if setup.last_row is not None else last_content_row(sheet, last_col)
    sheet.set_paper(A4)
    if setup.landscape:
        sheet.set_landscape()
    else:
        sheet.set_portrait()
    sheet.fit_to_pages(1, 0)  # one page wide, as many long as it takes
    sheet.print_area(0, 0, last_row, last_col)
    if setup.title_rows is not None:
        sheet.repeat_rows(setup.title_rows[0] - 1, setup.title_rows[1] - 1)
    sheet.set_header(HEADER)
    sheet.set_footer(FOOTER)

"""``althedge report --prices FILE``: prices from a ``symbol,price`` CSV, for one report (the workbook is unchanged).

The file is UTF-8, with or without the byte-order mark Excel's "CSV UTF-8" writes; a header row
``symbol,...``, blank lines and lines starting with ``#`` are skipped; errors name the file's own
line numbers. What the file changes is said, and so is what it cannot change: a symbol no holding
on the Portfolio sheet uses, a symbol given twice (the last line wins), a file without prices.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from althedge_xl.workbook import prices_layout as px
from althedge_xl.workbook.package import WorkbookError

#: The Portfolio sheet's asset column, which the prices are looked up for.
_ASSETS = ("Portfolio", "A5:A24")
#: The Hedge sheet's entry price cell; the template's formula follows the perpetual's mark price.
_ENTRY = ("Hedge", "B6")
_FOLLOWS_MARK = "=BTC_MARK"


@dataclass
class PriceOverrides:
    """The cells to replace for the report, and one line for each thing the user should know."""

    cells: dict[tuple[str, str], Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    applied: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _Workbook:
    """What the prices file is matched against: the Prices block's symbols, the holdings, the entry price."""

    symbols: list[Any]
    assets: set[str]
    entry_follows_mark: bool


def price_overrides(book_path: Path, prices_file: Path) -> PriceOverrides:
    """The Prices sheet cells a ``symbol,price`` CSV replaces, with the warnings and what was applied.

    A symbol already in the spot block gets the new price (and is no longer stale); a new symbol
    takes the first empty row. BTC's price is also the perpetual's mark price the Hedge sheet uses
    (and its entry price, while that follows the mark). Prices must be positive numbers.
    """
    rows = _read_prices_csv(prices_file)
    found = _read_workbook(book_path)
    result = PriceOverrides()
    if not rows:
        result.warnings.append(f"{prices_file} holds no prices; the report uses the Prices sheet's")
        return result
    prices: dict[str, tuple[int, float]] = {}
    for number, row in rows:
        symbol, price = _parse_row(prices_file, number, row)
        if symbol in prices:
            result.warnings.append(
                f"{prices_file} line {number}: {symbol} is given again (first on line {prices[symbol][0]}); "
                f"the last price, {price:,.10g}, is used"
            )
        prices[symbol] = (number, price)
    symbols = list(found.symbols)
    first = px.SPOT_FIRST_ROW
    for symbol, (number, price) in prices.items():
        if symbol not in found.assets:
            result.warnings.append(
                f"{prices_file} line {number}: no holding on the Portfolio sheet is {symbol}; its price changes nothing"
            )
        if symbol in symbols:
            index = symbols.index(symbol)
        elif None in symbols:
            index = symbols.index(None)
            symbols[index] = symbol
        else:
            raise WorkbookError(f"the Prices sheet has no free row for {symbol}")
        row_number = first + index
        result.cells.update(
            {
                (px.SHEET, f"A{row_number}"): symbol,
                (px.SHEET, f"B{row_number}"): price,
                (px.SHEET, f"D{row_number}"): f"--prices {prices_file.name}",
                (px.SHEET, f"E{row_number}"): False,
            }
        )
        result.applied.append(f"{symbol} {price:,.10g}")
    if "BTC" in prices:
        fields = px.field_cells()
        result.cells[(px.SHEET, fields["BTC_MARK"])] = prices["BTC"][1]
        result.cells[(px.SHEET, fields["PERP_STALE"])] = False
        result.applied[list(prices).index("BTC")] += (
            " (also the hedge's mark and entry price)"
            if found.entry_follows_mark
            else " (also the hedge's mark price; the entry price typed on the Hedge sheet stays)"
        )
    return result


def _parse_row(prices_file: Path, number: int, row: list[str]) -> tuple[str, float]:
    if len(row) < 2:
        raise WorkbookError(f"{prices_file} line {number}: expected symbol,price")
    symbol, text = row[0].strip().upper(), row[1].strip()
    try:
        price = float(text)
    except ValueError:
        raise WorkbookError(f'{prices_file} line {number}: the price of {symbol} is not a number ("{text}")') from None
    if not price > 0 or price == float("inf"):
        raise WorkbookError(f"{prices_file} line {number}: the price of {symbol} must be a positive number")
    return symbol, price


def _read_prices_csv(prices_file: Path) -> list[tuple[int, list[str]]]:
    """(line number in the file, fields) of each data row: not blank, not a comment, not the header."""
    rows: list[tuple[int, list[str]]] = []
    try:
        with open(prices_file, newline="", encoding="utf-8-sig") as stream:
            reader = csv.reader(stream)
            for row in reader:
                if not row or not "".join(row).strip() or row[0].lstrip().startswith("#"):
                    continue
                if not rows and row[0].strip().lower() == "symbol":
                    continue  # the header (only before the first data row)
                rows.append((reader.line_num, row))
    except UnicodeDecodeError:
        raise WorkbookError(f"{prices_file}: not a UTF-8 text file") from None
    except csv.Error as exc:
        raise WorkbookError(f"{prices_file}: not a CSV file ({exc})") from None
    except OSError as exc:
        raise WorkbookError(f"{prices_file}: cannot read the prices file ({exc.strerror or exc})") from None
    return rows


def _read_workbook(book_path: Path) -> _Workbook:
    """The Prices spot block's symbols (None for an empty row), the Portfolio's assets, the entry price's formula."""
    import openpyxl

    from althedge_xl.workbook.refresh import DAMAGED_PACKAGE_ERRORS

    first, last = px.SPOT_FIRST_ROW, px.SPOT_FIRST_ROW + px.SPOT_ROWS - 1
    try:
        book = openpyxl.load_workbook(io.BytesIO(book_path.read_bytes()), read_only=True)
        try:
            if px.SHEET not in book.sheetnames:
                raise WorkbookError(f"the sheet {px.SHEET} the report needs is missing from {book_path.name}")
            column = book[px.SHEET].iter_rows(min_row=first, max_row=last, max_col=1, values_only=True)
            symbols = [row[0] for row in column]
            assets: set[str] = set()
            entry: Any = None
            if _ASSETS[0] in book.sheetnames:
                cells = book[_ASSETS[0]][_ASSETS[1]]
                assets = {str(row[0].value).strip().upper() for row in cells if row[0].value not in (None, "")}
            if _ENTRY[0] in book.sheetnames:
                entry = book[_ENTRY[0]][_ENTRY[1]].value
        finally:
            book.close()
    except DAMAGED_PACKAGE_ERRORS as exc:
        raise WorkbookError(f"{book_path}: cannot be read as a workbook ({type(exc).__name__}: {exc})") from None
    follows = isinstance(entry, str) and entry.replace(" ", "").upper() == _FOLLOWS_MARK
    return _Workbook(symbols + [None] * (px.SPOT_ROWS - len(symbols)), assets, follows)

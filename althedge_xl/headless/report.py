"""``althedge report``: the tables a user reads, from a workbook computed by the headless engine."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from althedge_xl.headless.engine import ComputedWorkbook
from althedge_xl.headless.render import Cell, Format, Table, format_cell
from althedge_xl.workbook import prices_layout as px
from althedge_xl.workbook.package import WorkbookError
from althedge_xl.workbook.sheets._common import RATIO_METHODS

#: Sheets the report reads; a workbook missing one of them cannot be reported.
REQUIRED_SHEETS = ("Portfolio", "HedgeRatio", "Hedge", "Stress", "Funding", "Prices")


def _label_value_table(title: str, rows: Sequence[tuple[str, Any, Format]], note: str = "") -> Table:
    """A two-column table whose values each keep their own number format."""
    return Table(title, ["Item", "Value"], [[label, format_cell(value, fmt)] for label, value, fmt in rows], note=note)


def check_sheets(book: ComputedWorkbook) -> None:
    for sheet in REQUIRED_SHEETS:
        if sheet not in book.sheets:
            raise WorkbookError(f"the sheet {sheet} the report needs is missing from {book.path.name}")


#: Named ranges the report reads.
REQUIRED_NAMES = (
    "ASSETS", "CLASSES", "VALUES", "CORRELATIONS", "BETAS", "HEDGED_VALUES", "TOTAL_VALUE", "BTC_VALUE", "ALT_VALUE",
    "SATELLITE_VALUE", "RATIO_METHOD", "FG_VALUE", "FG_CLASS", "OVERHEDGED", "NOTIONAL", "CONTRACT_TYPE",
    "ENTRY_PRICE", "CONTRACTS", "LEVERAGE", "MARGIN", "TIER_MMR", "TIER_AMOUNT", "LIQ_PRICE", "MARK_PRICE", "BUFFER",
    "BUFFER_WARNING", "FEES", "STRESS_TABLE", "STRESS_BTC_SHOCK", "STRESS_ALT_SHOCK", "GRID_RELATIVE", "GRID_BTC",
    "GRID_HEDGED", "GRID_UNHEDGED", "HOLD_DAYS", "FUNDING_RATE", "PERP_COST", "HISTORY_COST", "HISTORY_DAYS",
    "QUARTERLY_SYMBOL", "BASIS", "DATED_COST", "CHEAPER_HEDGE", "PRICE_TABLE", "PRICE_STALE", "PERP_STALE",
    "QUARTERLY_STALE", "FG_STALE", "PRICES_UPDATED",
)  # fmt: skip


def check_names(book: ComputedWorkbook) -> None:
    for name in REQUIRED_NAMES:
        book.named(name)  # raises, naming the missing range


def check_errors(book: ComputedWorkbook) -> None:
    """Raise for the first cell the report's sheets computed to an Excel error."""
    for sheet, address, text in book.errors():
        if sheet in REQUIRED_SHEETS or sheet == "SelfCheck":
            raise WorkbookError(f"{sheet}!{address} holds an error: {text}")


def portfolio_table(book: ComputedWorkbook) -> Table:
    names = ("ASSETS", "CLASSES", "VALUES", "CORRELATIONS", "BETAS", "HEDGED_VALUES")
    columns = [[row[0] for row in book.named(name)] for name in names]
    total = book.named("TOTAL_VALUE") or 0.0
    rows: list[list[Cell]] = []
    for asset, cls, value, corr, beta, hedged in zip(*columns, strict=True):
        if asset in (None, "") and value in (None, ""):
            continue
        share = value / total if isinstance(value, (int, float)) and total else None
        rows.append([asset, cls, value, share, corr, 1.0 if beta in (None, "") else beta, hedged not in (None, "")])
    for label, name in (
        ("Total", "TOTAL_VALUE"),
        ("BTC", "BTC_VALUE"),
        ("Altcoins", "ALT_VALUE"),
        ("Satellite", "SATELLITE_VALUE"),
    ):
        rows.append([label, "", book.named(name), None, None, None, None])
    return Table(
        "Portfolio",
        ["Asset", "Class", "Value (USD)", "Share", "Stress corr.", "Beta", "In hedge"],
        rows,
        ["text", "text", "usd", "pct", "num", "num", "text"],
    )


def ratio_table(book: ComputedWorkbook) -> Table:
    grid = [[book.value("HedgeRatio", f"{c}{r}") for c in "ABCDE"] for r in range(6, 6 + len(RATIO_METHODS))]
    method = book.named("RATIO_METHOD")
    rows: list[list[Cell]] = [
        [m, ratio, applies, notional, share, "<- in force" if m == method else ""]
        for m, ratio, applies, notional, share in grid
    ]
    note = f"Fear & Greed index {book.named('FG_VALUE'):g} ({book.named('FG_CLASS')}); over-hedged: {book.named('OVERHEDGED')}"
    return Table(
        "Hedge ratio",
        ["Method", "Ratio", "Applies to (USD)", "Notional (USD)", "Share of altcoins", ""],
        rows,
        ["text", "pct", "usd", "usd", "pct", "text"],
        note=note,
    )


def hedge_table(book: ComputedWorkbook) -> Table:
    unit = book.value("Hedge", "C7")
    rows: list[tuple[str, Any, Format]] = [
        ("Hedge notional, short BTC (USD)", book.named("NOTIONAL"), "usd"),
        ("Contract", book.named("CONTRACT_TYPE"), "text"),
        ("Entry price (USD)", book.named("ENTRY_PRICE"), "price"),
        (f"Size to sell ({unit})", book.named("CONTRACTS"), "num"),
        ("Leverage", book.named("LEVERAGE"), "num"),
        ("Initial margin (USD)", book.named("MARGIN"), "usd"),
        ("Maintenance rate of the tier", book.named("TIER_MMR"), "pct"),
        ("Maintenance amount of the tier (USDT)", book.named("TIER_AMOUNT"), "usd"),
        ("Liquidation price (USD, Binance rule)", book.named("LIQ_PRICE"), "price"),
        ("Mark price (USD)", book.named("MARK_PRICE"), "price"),
        ("Margin buffer (BTC rise to liquidation)", book.named("BUFFER"), "pct"),
        ("Buffer below the warning level", _below(book.named("BUFFER"), book.named("BUFFER_WARNING")), "text"),
        ("Round-trip taker fees (USD)", book.named("FEES"), "usd"),
        ("Over-hedged (above 100%)", book.named("OVERHEDGED"), "text"),
    ]
    return _label_value_table("Hedge", rows)


def _below(value: Any, threshold: Any) -> bool | None:
    if isinstance(value, (int, float)) and isinstance(threshold, (int, float)):
        return value < threshold
    return None


def stress_tables(book: ComputedWorkbook) -> list[Table]:
    table = book.named("STRESS_TABLE")
    shock = book.named("STRESS_BTC_SHOCK")
    alt = book.named("STRESS_ALT_SHOCK")
    scenario = Table(
        f"Scenario: BTC {shock * 100:+.0f}%, altcoins {alt * 100:+.0f}%",
        table[0],
        table[1:],
        ["text", "usd", "pct", "usd", "usd"],
    )
    moves = book.named("GRID_RELATIVE")[0]
    headers = ["BTC move \\ alt vs BTC", *(f"{m * 100:+.0f}%" for m in moves)]
    out = [scenario]
    for title, name in (
        ("Stress grid, hedged P/L (USD)", "GRID_HEDGED"),
        ("Stress grid, unhedged P/L (USD)", "GRID_UNHEDGED"),
    ):
        grid = book.named(name)
        rows = [[f"{b * 100:+.0f}%", *row] for (b,), row in zip(book.named("GRID_BTC"), grid, strict=True)]
        usd: Format = "usd"
        formats: list[Format] = ["text", *(usd for _ in moves)]
        out.append(Table(title, headers, rows, formats))
    return out


def funding_table(book: ComputedWorkbook) -> Table:
    rows: list[tuple[str, Any, Format]] = [
        ("Holding period (days)", book.named("HOLD_DAYS"), "num"),
        ("Funding rate per interval", book.named("FUNDING_RATE"), "rate"),
        ("Perpetual: funding cost (USD, + = you pay)", book.named("PERP_COST"), "usd"),
        ("Funding over the real sample (USD)", book.named("HISTORY_COST"), "usd"),
        ("Days in the sample", book.named("HISTORY_DAYS"), "num"),
        ("Dated future", book.named("QUARTERLY_SYMBOL"), "text"),
        ("Annualized basis", book.named("BASIS"), "pct"),
        ("Dated future: carry cost (USD)", book.named("DATED_COST"), "usd"),
        ("Cheaper hedge for the period", book.named("CHEAPER_HEDGE"), "text"),
    ]
    return _label_value_table(
        "Funding", rows, note="A short receives funding when the rate is positive (exchanges' rule)."
    )


def stale_note(book: ComputedWorkbook) -> str:
    """A line naming the stale prices, or '' when everything is fresh."""
    stale = [
        row[0]
        for row, (flag,) in zip(book.named("PRICE_TABLE"), book.named("PRICE_STALE"), strict=True)
        if flag is True and row[0]
    ]
    for name, label in (
        ("PERP_STALE", "BTC perpetual"),
        ("QUARTERLY_STALE", "BTC dated future"),
        ("FG_STALE", "Fear & Greed"),
    ):
        if book.named(name) is True:
            stale.append(label)
    if not stale:
        return ""
    return f"Stale (last good values, last refresh {book.named('PRICES_UPDATED')}): {', '.join(str(s) for s in stale)}"


def report_tables(book: ComputedWorkbook) -> list[Table]:
    """Portfolio, hedge ratio, hedge, the scenario table, the stress grids and funding, in that order."""
    check_sheets(book)
    check_names(book)
    check_errors(book)
    portfolio = portfolio_table(book)
    stale = stale_note(book)
    if stale:
        portfolio = Table(portfolio.title, portfolio.columns, portfolio.rows, portfolio.formats, note=stale)
    return [portfolio, ratio_table(book), hedge_table(book), *stress_tables(book), funding_table(book)]


def price_overrides(book_path: Path, prices_file: Path) -> dict[tuple[str, str], Any]:
    """Cells of the Prices sheet's spot block to replace with the prices in a ``symbol,price`` CSV.

    A symbol already in the block gets the new price (and is no longer stale); a new symbol takes
    the first empty row. Prices must be positive numbers. The file is UTF-8, with or without the
    byte-order mark Excel's "CSV UTF-8" writes; a header row ``symbol,...``, blank lines and lines
    starting with ``#`` are skipped; errors name the file's own line numbers.
    """
    rows = _read_prices_csv(prices_file)
    symbols = _spot_symbols(book_path)
    first = px.SPOT_FIRST_ROW
    cells: dict[tuple[str, str], Any] = {}
    for number, row in rows:
        if len(row) < 2:
            raise WorkbookError(f"{prices_file} line {number}: expected symbol,price")
        symbol, text = row[0].strip().upper(), row[1].strip()
        try:
            price = float(text)
        except ValueError:
            raise WorkbookError(
                f'{prices_file} line {number}: the price of {symbol} is not a number ("{text}")'
            ) from None
        if not price > 0 or price == float("inf"):
            raise WorkbookError(f"{prices_file} line {number}: the price of {symbol} must be a positive number")
        if symbol in symbols:
            index = symbols.index(symbol)
        elif None in symbols:
            index = symbols.index(None)
            symbols[index] = symbol
        else:
            raise WorkbookError(f"the Prices sheet has no free row for {symbol}")
        row_number = first + index
        cells.update(
            {
                (px.SHEET, f"A{row_number}"): symbol,
                (px.SHEET, f"B{row_number}"): price,
                (px.SHEET, f"D{row_number}"): f"--prices {prices_file.name}",
                (px.SHEET, f"E{row_number}"): False,
            }
        )
    return cells


def _read_prices_csv(prices_file: Path) -> list[tuple[int, list[str]]]:
    """(line number in the file, fields) of each data row: not blank, not a comment, not the header."""
    import csv

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


def _spot_symbols(book_path: Path) -> list[Any]:
    """The symbol column of the workbook's Prices spot block, one entry per row (None when empty)."""
    import openpyxl

    from althedge_xl.workbook.refresh import DAMAGED_PACKAGE_ERRORS

    first, last = px.SPOT_FIRST_ROW, px.SPOT_FIRST_ROW + px.SPOT_ROWS - 1
    try:
        book = openpyxl.load_workbook(book_path, read_only=True)
        try:
            if px.SHEET not in book.sheetnames:
                raise WorkbookError(f"the sheet {px.SHEET} the report needs is missing from {book_path.name}")
            column = book[px.SHEET].iter_rows(min_row=first, max_row=last, max_col=1, values_only=True)
            symbols = [row[0] for row in column]
        finally:
            book.close()
    except DAMAGED_PACKAGE_ERRORS as exc:
        raise WorkbookError(f"{book_path}: cannot be read as a workbook ({type(exc).__name__}: {exc})") from None
    return symbols + [None] * (px.SPOT_ROWS - len(symbols))


def run_report(workbook: Path, prices: Path | None = None, out: Path | None = None) -> list[Table]:
    """Compute ``workbook`` (never modified) and return the report's tables; write exports to ``out``."""
    from althedge_xl.headless.engine import compute
    from althedge_xl.workbook.package import check_readable

    check_readable(workbook)
    overrides = price_overrides(workbook, prices) if prices else None
    # The tables need only their own sheets; a values copy (--out) needs every sheet computed.
    book = compute(workbook, overrides, None if out is not None else (*REQUIRED_SHEETS, "SelfCheck"))
    tables = report_tables(book)
    if out is not None:
        from althedge_xl.headless.export import write_exports

        write_exports(book, out)
    return tables

"""``althedge report``: the tables a user reads, from a workbook computed by the headless engine.

A cell that computes to an error is shown in its table as that error with its reason, and the
report goes on; what stops it is a workbook it cannot read (a missing sheet or name, a file that is
not a workbook, a function the engine does not know, a circular reference).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from althedge_xl.excel.errors import ExcelError
from althedge_xl.headless.engine import ComputedWorkbook
from althedge_xl.headless.render import Cell, Format, Table, format_cell
from althedge_xl.headless.report_account import exchange_says_table
from althedge_xl.headless.report_hedge import funding_table, hedge_table, signals_table
from althedge_xl.workbook import history_layout as hx
from althedge_xl.workbook import prices_layout as px
from althedge_xl.workbook.package import WorkbookError
from althedge_xl.workbook.sheets._common import PORTFOLIO_FIRST, PORTFOLIO_LAST, RATIO_METHODS

#: Sheets the report reads; a workbook missing one of them cannot be reported.
REQUIRED_SHEETS = ("Portfolio", "HedgeRatio", "Hedge", "Stress", "Funding", "Prices")
#: Sheets whose error cells the report lists (its own and the self-check); the ones it computes.
ERROR_SHEETS = (*REQUIRED_SHEETS, "SelfCheck")


@dataclass(frozen=True)
class Report:
    """The report's tables and what a reader of them must know.

    ``errors`` are (cell, error) of every error cell of the report's sheets; ``stale`` names the
    prices kept from an earlier refresh; ``data_dates`` says when each piece of market data is from;
    ``notes`` are one-line remarks (stale data, prices applied from ``--prices``); ``written`` the
    files ``--out`` wrote. ``incomplete`` holds the Portfolio's own message for each holding without a
    price: then the report shows the holdings alone (every figure after them depends on them).
    """

    workbook: str
    tables: list[Table]
    errors: list[tuple[str, ExcelError]] = field(default_factory=list)
    stale: list[str] = field(default_factory=list)
    data_dates: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    written: list[str] = field(default_factory=list)
    incomplete: list[str] = field(default_factory=list)

    def errors_table(self) -> Table:
        return Table("Cells with errors", ["Cell", "Error", "Reason"], [[c, e.code, e.reason] for c, e in self.errors])

    def csv_blocks(self) -> list[Table]:
        """What CSV output carries after the tables: error cells, stale data, data dates, notes, files written."""
        dates: list[list[Cell]] = [
            [key, value] for key, value in self.data_dates.items() if not isinstance(value, dict)
        ]
        dates += [[f"spot {k}", v] for k, v in self.data_dates.get("spot", {}).items()]
        return [
            self.errors_table(),
            Table("Stale", ["Data"], [[s] for s in self.stale]),
            Table("Data dates", ["Data", "Date (UTC)"], dates),
            Table("Notes", ["Note"], [[n] for n in self.notes]),
            Table("Written", ["File"], [[w] for w in self.written]),
            Table("Incomplete", ["Why"], [[m] for m in self.incomplete]),
        ]

    def extra_data(self) -> dict[str, Any]:
        """What JSON output carries beside the tables."""
        return {
            "workbook": self.workbook,
            "errors": [{"cell": c, "error": e.code, "reason": e.reason} for c, e in self.errors],
            "stale": self.stale,
            "data_dates": self.data_dates,
            "notes": self.notes,
            "written": self.written,
            "incomplete": self.incomplete,
        }


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
    "QUARTERLY_STALE", "FG_STALE", "PRICES_UPDATED", "HEDGE_RULE", "TIER_MAX_LEVERAGE", "POSTED", "SPIKE_RISE",
    "SPIKE_COLLATERAL", "SPIKE_LEVERAGE", "SPIKE_TOP_UP", "HELD", "ORDER_BAND", "ORDER",
)  # fmt: skip


def check_names(book: ComputedWorkbook) -> None:
    for name in REQUIRED_NAMES:
        book.named(name)  # raises, naming the missing range


def error_cells(book: ComputedWorkbook) -> list[tuple[str, ExcelError]]:
    """("Sheet!A1", error with its reason) of every error cell of the report's sheets, in sheet order."""
    found = []
    for sheet, address, _ in book.errors():
        if sheet in ERROR_SHEETS:
            error = book.error(sheet, address)
            if error is not None:
                found.append((f"{sheet}!{address}", error))
    return found


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _signed_pct(value: Any) -> str:
    """A move for a title or a header, ``-15%``; an error or text as it is."""
    number = _number(value)
    return f"{number * 100:+.0f}%" if number is not None else format_cell(value, "text")


def missing_prices(book: ComputedWorkbook) -> dict[int, str]:
    """Portfolio row → the sheet's own message (column L) for each holding with a quantity and no price."""
    found = {}
    for row in range(PORTFOLIO_FIRST, PORTFOLIO_LAST + 1):
        message = book.value("Portfolio", f"L{row}")
        if isinstance(message, str) and message.strip() and not message.startswith("#"):
            found[row] = message.strip()
    return found


def portfolio_table(book: ComputedWorkbook, missing: dict[int, str] | None = None) -> Table:
    """The holdings and their totals; with ``missing`` (see :func:`missing_prices`) the holdings alone,
    each unpriced one's value showing the sheet's message."""
    names = ("ASSETS", "CLASSES", "VALUES", "CORRELATIONS", "BETAS", "HEDGED_VALUES")
    columns = [[row[0] for row in book.named_shown(name)] for name in names]
    total = _number(book.named("TOTAL_VALUE"))
    rows: list[list[Cell]] = []
    for row, (asset, cls, value, corr, beta, hedged) in enumerate(zip(*columns, strict=True), PORTFOLIO_FIRST):
        if asset in (None, "") and value in (None, ""):
            continue
        unpriced = bool(missing) and row in (missing or {})
        if unpriced:
            value = ExcelError("#N/A", (missing or {})[row])
        number = _number(value)
        share = number / total if number is not None and total else None
        in_hedge = None if unpriced else hedged not in (None, "")
        rows.append([asset, cls, value, share, corr, 1.0 if beta in (None, "") else beta, in_hedge])
    for label, name in (
        ()
        if missing
        else (
            ("Total", "TOTAL_VALUE"),
            ("BTC", "BTC_VALUE"),
            ("Altcoins", "ALT_VALUE"),
            ("Satellite", "SATELLITE_VALUE"),
        )
    ):
        rows.append([label, "", book.named_shown(name), None, None, None, None])
    return Table(
        "Portfolio",
        ["Asset", "Class", "Value (USD)", "Share", "Stress corr.", "Beta", "In hedge"],
        rows,
        ["text", "text", "usd", "pct", "num", "num", "text"],
    )


def ratio_table(book: ComputedWorkbook) -> Table:
    grid = [[book.shown("HedgeRatio", f"{c}{r}") for c in "ABCDE"] for r in range(6, 6 + len(RATIO_METHODS))]
    method = book.named("RATIO_METHOD")
    rows: list[list[Cell]] = [
        [m, ratio, applies, notional, share, m == method] for m, ratio, applies, notional, share in grid
    ]
    fg = book.named_shown("FG_VALUE")
    note = (
        f"Fear & Greed index {format_cell(fg, 'num')} ({format_cell(book.named_shown('FG_CLASS'), 'text')}); "
        f"over-hedged: {format_cell(book.named_shown('OVERHEDGED'), 'text')}"
    )
    return Table(
        "Hedge ratio",
        ["Method", "Ratio", "Applies to (USD)", "Notional (USD)", "Share of altcoins", "In force"],
        rows,
        ["text", "pct", "usd", "usd", "pct", "mark"],
        note=note,
    )


def stress_tables(book: ComputedWorkbook) -> list[Table]:
    table = book.named_shown("STRESS_TABLE")
    shock = book.named_shown("STRESS_BTC_SHOCK")
    alt = book.named_shown("STRESS_ALT_SHOCK")
    scenario = Table(
        f"Scenario: BTC {_signed_pct(shock)}, altcoins {_signed_pct(alt)}",
        [format_cell(h, "text") for h in table[0]],
        table[1:],
        ["text", "usd", "pct", "usd", "usd"],
    )
    moves = book.named_shown("GRID_RELATIVE")[0]
    headers = ["BTC move \\ alt vs BTC", *(_signed_pct(m) for m in moves)]
    out = [scenario]
    for title, name in (
        ("Stress grid, hedged P/L (USD)", "GRID_HEDGED"),
        ("Stress grid, unhedged P/L (USD)", "GRID_UNHEDGED"),
    ):
        grid = book.named_shown(name)
        rows = [[_signed_pct(b), *row] for (b,), row in zip(book.named_shown("GRID_BTC"), grid, strict=True)]
        usd: Format = "usd"
        formats: list[Format] = ["text", *(usd for _ in moves)]
        out.append(Table(title, headers, rows, formats))
    return out


def stale_names(book: ComputedWorkbook) -> list[str]:
    """The market data the workbook keeps from an earlier refresh (marked stale): symbols, then the rest."""
    stale = [
        str(row[0])
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
    return stale


def stale_note(book: ComputedWorkbook) -> str:
    """A line naming the stale prices, or '' when everything is fresh."""
    stale = stale_names(book)
    if not stale:
        return ""
    return f"Stale (last good values, last refresh {book.named('PRICES_UPDATED')}): {', '.join(stale)}"


def data_dates(book: ComputedWorkbook) -> dict[str, Any]:
    """When each piece of market data is from: the last refresh, each spot price, perpetual, dated future, index."""
    fields = px.field_cells()
    spot = {}
    for i in range(px.SPOT_ROWS):
        symbol = book.value(px.SHEET, f"A{px.SPOT_FIRST_ROW + i}")
        if symbol not in (None, ""):
            spot[str(symbol)] = book.value(px.SHEET, f"C{px.SPOT_FIRST_ROW + i}")
    return {
        "prices_updated": book.value(px.SHEET, px.UPDATED_CELL),
        "spot": spot,
        "perpetual": book.value(px.SHEET, fields["PERP_TIME"]),
        "dated_future": book.value(px.SHEET, fields["QUARTERLY_TIME"]),
        "fear_greed": book.value(px.SHEET, fields["FG_DATE"]),
        "as_of": book.value(px.SHEET, px.AS_OF_CELL),
        "funding_history_last": _last_filled(book, px.SHEET, px.HISTORY_TIME_COLUMN, px.HISTORY_FIRST_ROW),
        "history_last_day": _last_filled(book, hx.SHEET, hx.RECENT_COLUMNS[0], hx.FIRST_ROW),
    }


def _last_filled(book: ComputedWorkbook, sheet: str, column: str, first_row: int) -> Any:
    """The last value of a column read down from ``first_row`` to its first blank (None if the sheet is not read)."""
    last, row = None, first_row
    while (value := book.value(sheet, f"{column}{row}")) not in (None, ""):
        last, row = value, row + 1
    return last


def report_tables(book: ComputedWorkbook) -> list[Table]:
    """Portfolio, hedge ratio, its signals, hedge, the scenario table, the stress grids and funding, in that order.

    A holding without a price leaves only the Portfolio's holdings to show (see :func:`missing_prices`).
    """
    check_sheets(book)
    check_names(book)
    missing = missing_prices(book)
    portfolio = portfolio_table(book, missing)
    stale = stale_note(book)
    if stale:
        portfolio = Table(portfolio.title, portfolio.columns, portfolio.rows, portfolio.formats, note=stale)
    says = exchange_says_table(book)  # the exchange's own numbers need no price
    if missing:
        return [portfolio, *([says] if says is not None else [])]
    return [
        portfolio,
        ratio_table(book),
        signals_table(book),
        hedge_table(book),
        *stress_tables(book),
        funding_table(book),
        *([says] if says is not None else []),
    ]


def build_report(book: ComputedWorkbook, notes: Sequence[str] = ()) -> Report:
    """The tables and everything beside them (error cells, stale data, data dates, notes).

    When a holding has no price, its message is the one error reported (the cells that depend on it
    would repeat it by the hundred as ``#N/A``).
    """
    tables = report_tables(book)
    missing = missing_prices(book)
    stale_line = stale_note(book)
    all_notes = [*([stale_line] if stale_line else []), *notes]
    if missing:
        errors = [(f"Portfolio!F{row}", ExcelError("#N/A", message)) for row, message in missing.items()]
        all_notes.append("Incomplete: only the holdings are shown until every quantity has a price")
    else:
        errors = error_cells(book)
        if errors:
            all_notes.append(
                f"{len(errors)} cell(s) hold an error; each is shown in its table and listed with its reason"
            )
    dates = data_dates(book)
    return Report(
        book.path.name, tables, errors, stale_names(book), dates, all_notes, incomplete=list(missing.values())
    )


def run_report(
    workbook: Path, prices: Path | None = None, out: Path | None = None, warn: Any = None, engine: str = "formulas"
) -> Report:
    """Compute ``workbook`` (never modified) and return the report; write exports to ``out``.

    ``warn`` (a callable taking one line) hears the ``--prices`` file's warnings. ``engine`` is
    ``"formulas"`` (the formula engine) or ``"libreoffice"`` (headless LibreOffice with the AltHedge
    extension, :mod:`althedge_xl.libreoffice.headless`; without ``prices``).
    """
    from althedge_xl.headless.engine import compute
    from althedge_xl.headless.export import check_out_folder
    from althedge_xl.workbook.package import check_readable

    if out is not None:
        check_out_folder(out)
    check_readable(workbook)
    notes: list[str] = []
    overrides = None
    if prices is not None:
        from althedge_xl.headless.prices_file import price_overrides

        found = price_overrides(workbook, prices)
        for line in found.warnings:
            if warn is not None:
                warn(line)
        overrides = found.cells or None
        if found.applied:
            notes.append(f"Prices from {prices.name} (this report only): {', '.join(found.applied)}")
    if engine == "libreoffice":
        from althedge_xl.libreoffice.headless import compute_with_libreoffice

        book = compute_with_libreoffice(workbook)
    else:  # the tables need only their own sheets; a values copy (--out) needs every sheet computed
        book = compute(workbook, overrides, None if out is not None else (*ERROR_SHEETS, "Account"))
    report = build_report(book, notes)
    if out is not None:
        from althedge_xl.headless.export import write_exports

        report.written.extend(str(p) for p in write_exports(book, out))
    return report

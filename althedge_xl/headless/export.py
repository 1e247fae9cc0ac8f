"""``althedge report --out DIR``: a computed copy of the workbook as values, and the stress chart."""

from __future__ import annotations

import io
from pathlib import Path

from althedge_xl.files import write_atomically
from althedge_xl.headless.engine import ComputedWorkbook
from althedge_xl.workbook.package import WorkbookError

VALUES_NAME = "{stem}-values.xlsx"
CHART_NAME = "{stem}-stress.png"


def values_copy(book: ComputedWorkbook) -> bytes:
    """The workbook with every formula replaced by its computed value (formats and names kept)."""
    import openpyxl
    from openpyxl.worksheet.formula import ArrayFormula

    copy = openpyxl.load_workbook(io.BytesIO(book.path.read_bytes()), keep_vba=False, keep_links=False)
    for sheet in copy.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if cell.data_type == "f" or isinstance(cell.value, ArrayFormula):
                    cell.value = book.value(sheet.title, cell.coordinate)
        for ref in list(sheet.array_formulae):
            for row in sheet[ref]:
                for cell in row:
                    cell.value = book.value(sheet.title, cell.coordinate)
    buffer = io.BytesIO()
    copy.save(buffer)
    return buffer.getvalue()


def stress_chart(book: ComputedWorkbook) -> bytes:
    """PNG: hedged and unhedged P/L against BTC's move, one line per relative altcoin move."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    btc = [row[0] for row in book.named("GRID_BTC")]
    moves = book.named("GRID_RELATIVE")[0]
    hedged, unhedged = book.named("GRID_HEDGED"), book.named("GRID_UNHEDGED")
    figure, axes = plt.subplots(figsize=(9, 5), dpi=110)
    colours = plt.get_cmap("viridis")
    for j, move in enumerate(moves):
        colour = colours(j / max(1, len(moves) - 1))
        axes.plot(btc, [row[j] for row in hedged], color=colour, marker="o", label=f"hedged, alts {move:+.0%} vs BTC")
        axes.plot(
            btc, [row[j] for row in unhedged], color=colour, linestyle="--", label=f"unhedged, alts {move:+.0%} vs BTC"
        )
    axes.axhline(0, color="grey", linewidth=0.8)
    axes.set_xlabel("BTC move")
    axes.set_ylabel("P/L (USD)")
    axes.xaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
    axes.yaxis.set_major_formatter(matplotlib.ticker.StrMethodFormatter("{x:,.0f}"))
    axes.set_title(f"Stress: hedged vs unhedged P/L, short {book.named('NOTIONAL'):,.0f} USD of BTC")
    axes.legend(fontsize=7, ncol=2)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", metadata={"Software": None})
    plt.close(figure)
    return buffer.getvalue()


def check_out_folder(out: Path) -> None:
    """Raise :class:`WorkbookError` when ``out`` is a file: the exports go into a folder (made if missing).

    Checked before anything is computed, so that a wrong ``--out`` costs nothing.
    """
    if out.exists() and not out.is_dir():
        raise WorkbookError(f"{out}: --out must be a folder, not a file")


def write_exports(book: ComputedWorkbook, out: Path) -> list[Path]:
    """Write the values copy and the stress chart into ``out``; returns their paths."""
    check_out_folder(out)
    stem = book.path.stem
    values, chart = out / VALUES_NAME.format(stem=stem), out / CHART_NAME.format(stem=stem)
    try:
        write_atomically(values, values_copy(book))
        write_atomically(chart, stress_chart(book))
    except OSError as exc:
        raise WorkbookError(f"{out}: cannot write the exports ({exc.strerror})") from None
    return [values, chart]

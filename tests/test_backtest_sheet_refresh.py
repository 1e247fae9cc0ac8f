"""A refreshed workbook's own Backtest sheet reaches its last close (issue 25).

``refresh --history`` appends the days after History's long block; the Backtest sheet's two
``BACKTEST`` array formulas, the equity array's extent, the chart's series and the period line were
set over the build's days. The test builds a workbook whose History ends on :data:`CUT` (the builder
itself, on the recorded market history cut there), refreshes it with the recorded closes, funding and
Fear & Greed (never the network), computes it with the headless engine, and compares the Backtest
sheet with ``althedge backtest --workbook`` over the same file.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import openpyxl
import pytest
from conftest import package_parts
from test_backtest_sources import recorded_snapshot
from test_feeds import _no_network  # noqa: F401  (autouse: no network in this module either)
from test_refresh import _daily_closes, _fetch, _fetch_closes

from althedge_xl.cli import main
from althedge_xl.core.backtest import METRICS
from althedge_xl.headless.engine import compute
from althedge_xl.workbook.build import finished_template, first_pass
from althedge_xl.workbook.history_long import last_long_day, long_block_update
from althedge_xl.workbook.patch import patch_sheet
from althedge_xl.workbook.refresh import refresh_workbook
from althedge_xl.workbook.samples import load_samples

#: The built workbook's long block ends here; the refresh adds every day to the recorded closes' last.
CUT = "2025-05-31"
LAST = "2026-02-20"
#: Recorded funding settlements from here on feed the refresh (the CSV's last is 2025-11-12 08:00, so the
#: days from 2025-11-12 on have no whole day of funding and stay blank).
FUNDING_FROM = "2025-05-20"
#: The Backtest sheet's table (rules x metrics, with its header row) and equity array, as built.
TABLE_TOP, TABLE_COLUMNS = 26, [openpyxl.utils.get_column_letter(c) for c in range(8, 24)]  # H:W
EQUITY_FIRST_COLUMN = 26  # Z


def _build(samples, folder: Path) -> Path:
    """The workbook ``althedge build-workbook`` writes from ``samples`` (its two passes)."""
    first = folder / "first-pass.xlsx"
    first.write_bytes(first_pass(samples))
    path = folder / "Built.xlsm"
    path.write_bytes(finished_template(samples, compute(first).cells))
    return path


@pytest.fixture(scope="module")
def built(data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    samples = load_samples(data_dir)
    cut = dataclasses.replace(samples, history=tuple(row for row in samples.history if row.date <= CUT))
    assert cut.history[-1].date == CUT
    return _build(cut, tmp_path_factory.mktemp("built"))


@pytest.fixture(scope="module")
def refreshed(built: Path, data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("refreshed") / "Mine.xlsm"
    path.write_bytes(built.read_bytes())
    update = refresh_workbook(
        path,
        fetch=_fetch(recorded_snapshot(data_dir, FUNDING_FROM)),
        history=True,
        fetch_closes=_fetch_closes(_daily_closes(LAST)),
    )
    assert update.written
    return path


def _days_between(first: str, last: str) -> int:
    import datetime as dt

    return (dt.date.fromisoformat(last) - dt.date.fromisoformat(first)).days + 1


def test_the_refreshed_backtest_sheet_is_the_backtest_command_to_the_last_close(refreshed: Path, capsys):
    computed = compute(refreshed, sheets=None)
    cell = computed.cells.get
    table = computed.names["BACKTEST_TABLE"]
    assert table == ("Backtest", f"H{TABLE_TOP}:W{TABLE_TOP + 9}")  # a header and nine rules
    sheet = [[cell(("Backtest", f"{c}{TABLE_TOP + i}")) for c in TABLE_COLUMNS] for i in range(10)]
    assert sheet[0] == ["Rule", *METRICS]
    rows = sheet[1:]
    # The command line over the same file, holdings, band, fee and schedule as the sheet's inputs.
    holdings = [cell(("Backtest", ref)) for ref in ("B14", "C14", "D14", "E14")]
    fee_sheet, fee_cell = computed.names["FEE_RATE"]
    portfolio = ",".join(f"{a}={v!r}" for a, v in zip(("BTC", "ETH", "SOL", "AVAX"), holdings, strict=True))
    argv = ["backtest", "--workbook", str(refreshed), "--format", "json", "--portfolio", portfolio]
    argv += ["--band", repr(cell(("Backtest", "I24"))), "--fee", repr(cell((fee_sheet, fee_cell.replace("$", ""))))]
    argv += ["--schedule", str(cell(("Backtest", "K24")))]
    assert main(argv) == 0
    captured = capsys.readouterr()
    assert f": 2021-04-01 to {LAST} (" in captured.err
    expected = json.loads(captured.out)["tables"][0]["rows"]
    assert len(rows) == len(expected) == 9
    for got, want in zip(rows, expected, strict=True):
        for x, y in zip(got, want, strict=True):
            if isinstance(y, float):
                assert x == pytest.approx(y, rel=1e-9, abs=1e-9)  # the JSON keeps 12 significant digits
            elif y is None:  # a metric without a value: a blank cell in the sheet
                assert x in ("", None)
            else:
                assert x == y or x == pytest.approx(y)
    # The equity array runs to the new last close, one row per day of the period, nothing beyond it.
    z = openpyxl.utils.get_column_letter(EQUITY_FIRST_COLUMN)
    period = _days_between("2021-04-01", LAST)
    assert cell(("Backtest", f"{z}{TABLE_TOP + 1}")) == "2021-04-01"
    assert cell(("Backtest", f"{z}{TABLE_TOP + period}")) == LAST
    assert cell(("Backtest", f"{z}{TABLE_TOP + period + 1}")) in (None, "")
    final = [cell(("Backtest", f"{openpyxl.utils.get_column_letter(EQUITY_FIRST_COLUMN + 1 + j)}{TABLE_TOP + period}"))
             for j in range(len(rows))]  # fmt: skip
    assert final == pytest.approx([row[1] for row in rows], rel=1e-12)  # the table's final equity is the curve's
    assert str(cell(("Backtest", "H23"))).startswith(f"2021-04-01 to {LAST} (the first day every rule can decide)")


def _area(defined: str) -> tuple[int, int]:
    """The first and last row of a defined name's area (``'Backtest'!$Z$26:$AI$1548``)."""
    first, last = defined.split("!")[1].replace("$", "").split(":")
    return int("".join(ch for ch in first if ch.isdigit())), int("".join(ch for ch in last if ch.isdigit()))


def _sheet_parts(path: Path) -> dict[str, str]:
    """Each sheet's part in the package (``xl/worksheets/sheetN.xml``), by the sheet's name."""
    book = openpyxl.load_workbook(path, read_only=True)
    try:
        return {name: f"xl/worksheets/sheet{i}.xml" for i, name in enumerate(book.sheetnames, start=1)}
    finally:
        book.close()


def test_only_what_must_change_does(built: Path, refreshed: Path):
    before, after = package_parts(built), package_parts(refreshed)
    assert set(before) == set(after)
    changed = {name for name in before if before[name] != after[name]}
    # Prices and History (the refresh's data), Backtest and HedgeRatio (their formulas over the long block),
    # the defined names and the equity chart.
    parts = _sheet_parts(built)
    assert changed == {parts[s] for s in ("Prices", "History", "Backtest", "HedgeRatio")} | {
        "xl/workbook.xml",
        "xl/charts/chart3.xml",
    }
    old, new = openpyxl.load_workbook(built, keep_vba=True), openpyxl.load_workbook(refreshed, keep_vba=True)
    added = _days_between(CUT, LAST) - 1
    old_last = 4 + _days_between("2021-01-01", CUT)  # the long block starts on row 5
    new_last = old_last + added
    first_row, end_row = _area(old.defined_names["BACKTEST_EQUITY"].attr_text)
    # Within those sheets: the long block's days as they were, and each formula over the block's last row
    # (or the row before, for day-over-day ratios) now over the new last row; every other cell as it was.
    for row in range(5, old_last + 1):
        for column in "HIJKLMN":
            assert old["History"][f"{column}{row}"].value == new["History"][f"{column}{row}"].value
    moves = [(f"{c}{old_last}", f"{c}{new_last}") for c in "HIJKLMN"] + [(f"I{old_last - 1}", f"I{new_last - 1}")]
    moves.append((f"Z{first_row}:AI{end_row}", f"Z{first_row}:AI{end_row + added}"))
    stretched = 0
    for name in old.sheetnames:
        if name in ("Prices", "History"):
            continue
        for row in old[name].iter_rows():
            for c in row:
                was, now = c.value, new[name][c.coordinate].value
                if isinstance(was, openpyxl.worksheet.formula.ArrayFormula):
                    was, now = f"{was.ref} {was.text}", f"{now.ref} {now.text}"
                if was == now or (name, c.coordinate) in (("Backtest", "H23"), ("Backtest", "H37")):  # see below
                    continue
                expected = was
                for a, b in moves:
                    expected = expected.replace(a, b)
                assert now == expected, (name, c.coordinate)
                stretched += 1
    # the two BACKTEST calls, the downside betas, the crash-day count and the signals' funding
    assert stretched == 5
    assert new["Backtest"]["H23"].value == old["Backtest"]["H23"].value.replace(f" to {CUT} ", f" to {LAST} ")
    assert _area(new.defined_names["BACKTEST_EQUITY"].attr_text) == (first_row, end_row + added)
    chart = after["xl/charts/chart3.xml"].decode()
    assert f"Backtest!$Z$27:$Z${end_row + added}<" in chart and f"${end_row}<" not in chart
    # the line below the table's note counts the refresh's days without a whole day of funding
    blank = _days_between("2025-11-12", LAST)
    assert old["Backtest"]["H37"].value is None
    assert new["Backtest"]["H37"].value.startswith(f"History has no funding record on {blank} days (2025-11-12 to ")
    assert new["Backtest"]["H37"].style_id == new["Backtest"]["H36"].style_id


def test_days_appended_before_are_reached_by_the_next_refresh(built: Path, data_dir: Path, tmp_path: Path):
    # Days the Refresh button (or an earlier version of the refresh) appended, without the formulas
    # following them: the next ``refresh --history`` stretches the formulas, though it adds no day itself.
    closes = _daily_closes(LAST)
    snapshot = recorded_snapshot(data_dir, FUNDING_FROM)
    original = built.read_bytes()
    appended = long_block_update(
        last_long_day(original), closes, snapshot.funding_history.points, snapshot.fear_greed.history
    )
    path = tmp_path / "Appended.xlsm"
    path.write_bytes(patch_sheet(original, "History", appended.cells))
    old_last = 4 + _days_between("2021-01-01", CUT)  # the long block starts on row 5
    assert openpyxl.load_workbook(path)["Backtest"]["Z26"].value.text.startswith(f"=BACKTEST(History!H5:H{old_last},")
    update = refresh_workbook(path, fetch=_fetch(snapshot), history=True, fetch_closes=_fetch_closes(closes))
    assert update.written
    new_last = 4 + _days_between("2021-01-01", LAST)
    assert openpyxl.load_workbook(path)["Backtest"]["Z26"].value.text.startswith(f"=BACKTEST(History!H5:H{new_last},")
    computed = compute(path)
    period = _days_between("2021-04-01", LAST)
    assert computed.value("Backtest", f"Z{TABLE_TOP + period}") == LAST

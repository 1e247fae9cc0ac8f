"""``althedge backtest``: its table/json/csv shapes, the PNG, and one-line errors with exit code 2.

The numbers themselves are checked against plain loops over the CSVs in test_backtest_engine.py;
here the command line must print the same table the core computes, in each format.
"""

from __future__ import annotations

import csv
import io
import json
import warnings
from pathlib import Path

import pytest

from althedge_xl.cli import main
from althedge_xl.core.backtest import METRICS

ARGS = ["backtest", "--start", "2022-01-01", "--end", "2022-12-31"]


def _one_line(capsys: pytest.CaptureFixture[str]) -> str:
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert len(err.splitlines()) == 1, err
    return err.strip()


def test_json_has_one_row_per_rule_and_every_metric(capsys, data_dir):
    assert main([*ARGS, "--format", "json", "--data", str(data_dir)]) == 0
    (table,) = json.loads(capsys.readouterr().out)["tables"]  # the shape every command's JSON has
    assert table["columns"] == ["Rule", *METRICS]
    assert [row[0] for row in table["rows"]] == [
        "Unhedged",
        "Flat 25%",
        "Flat 40%",
        "Flat 50%",
        "Flat 75%",
        "Fear & Greed table",
        "Volatility table",
        "Minimum variance (trailing)",
        "Beta-weighted (trailing)",
    ]
    unhedged = dict(zip(table["columns"], table["rows"][0], strict=True))
    # 2022 for the template's portfolio, by hand from the data: every holding fell
    assert unhedged["Total return"] < -0.5 and unhedged["Trades"] == 0


def test_csv_and_table(capsys, data_dir):
    assert main([*ARGS, "--format", "csv", "--rules", "flat40,volatility", "--data", str(data_dir)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("# Backtest")
    rows = list(csv.reader(io.StringIO("\n".join(lines[1:]))))
    assert rows[0] == ["Rule", *METRICS] and [r[0] for r in rows[1:4]] == ["Unhedged", "Flat 40%", "Volatility table"]
    assert main([*ARGS, "--rules", "flat40", "--data", str(data_dir)]) == 0
    out = capsys.readouterr().out
    assert "Flat 40%" in out and "2022-01-01 to 2022-12-31, 364 days" in out


def test_out_writes_the_png_and_the_csv(tmp_path: Path, capsys, data_dir):
    assert main([*ARGS, "--rules", "flat50", "--out", str(tmp_path / "run"), "--data", str(data_dir)]) == 0
    png = (tmp_path / "run" / "backtest.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 10_000
    assert (tmp_path / "run" / "backtest.csv").read_text().startswith("# Backtest")


def test_days_without_funding_are_named(capsys, data_dir):
    assert main(["backtest", "--start", "2025-11-01", "--rules", "flat40", "--data", str(data_dir)]) == 0
    assert "No funding record (no funding counted) on 100 days: 2025-11-13 .. 2026-02-20" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("args", "text"),
    [
        (["--band", "150%"], "band must be between 0 and 1"),
        (["--band", "ten"], "--band must be a number"),
        (["--fee", "5"], "fee must be between 0 and 0.01"),
        (["--start", "2019-01-01"], "outside the data"),
        (["--rules", "flat40,moon"], "unknown rule 'moon'"),
        (["--portfolio", "ETH=lots"], "--portfolio"),
        (["--portfolio", "DOGE=100,PEPE=5"], "no daily closes for PEPE"),
        (["--schedule", "hourly"], "invalid choice"),
    ],
)
def test_bad_arguments_exit_2_with_one_line(capsys, data_dir, args, text):
    assert main(["backtest", *args, "--data", str(data_dir)]) == 2
    assert text in _one_line(capsys)


def test_missing_data_folder(tmp_path, capsys):
    assert main(["backtest", "--data", str(tmp_path)]) == 2
    assert "no such file" in _one_line(capsys)


def test_out_that_is_a_file(tmp_path, capsys, data_dir):
    (tmp_path / "f").write_text("x")
    assert main([*ARGS, "--out", str(tmp_path / "f"), "--data", str(data_dir)]) == 2
    assert "--out must be a folder" in _one_line(capsys)


def test_out_under_a_file_is_refused_before_the_history_is_read(tmp_path, capsys, monkeypatch, data_dir):
    import althedge_xl.headless.backtest as backtest

    def never(*args, **kwargs):
        raise AssertionError("the history was read before --out was checked")

    monkeypatch.setattr(backtest, "load_history", never)
    (tmp_path / "f").write_text("x")
    out = tmp_path / "f" / "run"
    assert main([*ARGS, "--out", str(out), "--data", str(data_dir)]) == 2
    assert _one_line(capsys) == f"althedge: {out}: --out must be a folder, but {tmp_path / 'f'} is a file, not a folder"
    assert (tmp_path / "f").read_text() == "x"


@pytest.mark.parametrize("holdings", ["ETH=1e308", "BTC=1e308,ETH=1000", "ETH=2e15"])
def test_a_holding_beyond_any_portfolio_is_one_line_without_a_warning(capsys, data_dir, holdings):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert main(["backtest", "--portfolio", holdings, "--data", str(data_dir)]) == 2
    assert [str(w.message) for w in caught] == []
    line = _one_line(capsys)
    assert (
        line
        == f"althedge: --portfolio: {holdings.split(',')[0]} is above 1,000,000,000,000,000 USD, the largest "
        + ("holding taken as meant")
    )
    assert "Warning" not in line

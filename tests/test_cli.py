"""The command line's failures: one line on stderr, exit code 2 (1 or 3 where documented), no traceback.

The happy paths of ``report`` are in test_report.py, those of ``refresh`` in test_refresh.py. Nothing
here touches the network: refresh is handed the recorded values by a fake fetch.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
from pathlib import Path

import openpyxl
import pytest
from test_feeds import _no_network  # noqa: F401  (autouse: no network in this module either)
from test_refresh import TEMPLATE, _fetch, _nothing, _snapshot

from althedge_xl import __version__
from althedge_xl.cli import main
from althedge_xl.workbook.backups import backup_pattern, backups_of


def _one_line(capsys: pytest.CaptureFixture[str]) -> str:
    """The single line the command printed on stderr."""
    err = capsys.readouterr().err
    assert "Traceback" not in err
    lines = err.splitlines()
    assert len(lines) == 1, err
    return lines[0]


@pytest.fixture
def fake_feeds(monkeypatch: pytest.MonkeyPatch):
    fetch = _fetch(_snapshot())
    monkeypatch.setattr("althedge_xl.market.refresh_market_data", fetch)
    return fetch


def _unchanged(path: Path, before: bytes) -> None:
    assert path.read_bytes() == before
    assert backups_of(path) == []
    assert [p.name for p in path.parent.iterdir() if p.name.endswith(".tmp")] == []


def _deny_writing(monkeypatch: pytest.MonkeyPatch, module: str, denied: Path) -> None:
    """Make ``os.access`` say ``denied`` cannot be written (tests run as root, which may write anything)."""
    real_access = os.access
    monkeypatch.setattr(
        f"{module}.os.access",
        lambda path, mode: False if Path(path) == denied and mode & os.W_OK else real_access(path, mode),
    )


# ------------------------------------------------------------------------------------------ general


def test_version(capsys):
    assert main(["--version"]) == 0
    assert capsys.readouterr().out == f"althedge {__version__}\n"


def test_usage_error_is_one_line(capsys):
    assert main(["report", "--format", "xml"]) == 2
    line = _one_line(capsys)
    assert line.startswith("althedge report: error: argument --format: invalid choice: 'xml'")
    assert line.endswith("(see althedge report --help)")


def test_os_error_names_the_file_and_the_reason(monkeypatch, capsys):
    def denied(*args, **kwargs):
        raise PermissionError(13, "Permission denied", "/data/AltHedge.xlsm")

    monkeypatch.setattr("althedge_xl.headless.report.run_report", denied)
    assert main(["report", str(TEMPLATE)]) == 2
    assert _one_line(capsys) == "althedge: /data/AltHedge.xlsm: Permission denied"


def test_os_error_of_a_rename_names_its_destination(monkeypatch, capsys):
    def denied(*args, **kwargs):
        raise PermissionError(13, "Permission denied", "/data/.AltHedge.xlsm.x1y2.tmp", None, "/data/AltHedge.xlsm")

    monkeypatch.setattr("althedge_xl.headless.report.run_report", denied)
    assert main(["report", str(TEMPLATE)]) == 2
    assert _one_line(capsys) == "althedge: /data/AltHedge.xlsm: Permission denied"


def test_a_bug_is_one_line_asking_for_a_report(monkeypatch, capsys):
    def bug(*args, **kwargs):
        raise TypeError("unsupported operand type(s) for +: 'int' and 'str'")

    monkeypatch.setattr("althedge_xl.headless.report.run_report", bug)
    monkeypatch.delenv("ALTHEDGE_DEBUG", raising=False)
    assert main(["report", str(TEMPLATE)]) == 3
    line = _one_line(capsys)
    assert line.startswith("althedge: internal error: TypeError: unsupported operand type(s)")
    assert "please report it" in line


def test_a_bug_shows_its_traceback_when_asked(monkeypatch):
    def bug(*args, **kwargs):
        raise TypeError("boom")

    monkeypatch.setattr("althedge_xl.headless.report.run_report", bug)
    monkeypatch.setenv("ALTHEDGE_DEBUG", "1")
    with pytest.raises(TypeError, match="boom"):
        main(["report", str(TEMPLATE)])


# ------------------------------------------------------------------------------------ report --prices


@pytest.mark.parametrize(
    "content",
    [
        bytes(range(256)) * 4,  # binary
        "symbol,price\nÉTH,2000\n".encode("latin-1"),  # Excel's plain "CSV" on a Western Windows
        "symbol,price\nETH,2000\n".encode("utf-16"),  # Excel's "Unicode text"
    ],
    ids=["binary", "latin-1", "utf-16"],
)
def test_prices_file_not_utf8(tmp_path, capsys, content):
    prices = tmp_path / "prices.csv"
    prices.write_bytes(content)
    assert main(["report", str(TEMPLATE), "--prices", str(prices)]) == 2
    assert _one_line(capsys) == f"althedge: {prices}: not a UTF-8 text file"


def test_prices_file_is_a_folder(tmp_path, capsys):
    assert main(["report", str(TEMPLATE), "--prices", str(tmp_path)]) == 2
    assert _one_line(capsys) == f"althedge: {tmp_path}: cannot read the prices file (Is a directory)"


def test_prices_for_a_workbook_without_a_prices_sheet(tmp_path, capsys):
    book = openpyxl.load_workbook(TEMPLATE, keep_vba=True)
    del book["Prices"]
    path = tmp_path / "NoPrices.xlsm"
    book.save(path)
    prices = tmp_path / "prices.csv"
    prices.write_text("symbol,price\nETH,2000\n")
    assert main(["report", str(path), "--prices", str(prices)]) == 2
    assert _one_line(capsys) == "althedge: the sheet Prices the report needs is missing from NoPrices.xlsm"


@pytest.mark.parametrize("option", [["--offline"], ["--exchange", "bybit"]])
def test_report_refresh_options_without_refresh(capsys, option):
    assert main(["report", str(TEMPLATE), *option]) == 2
    assert _one_line(capsys) == "althedge: --offline/--exchange/--history only apply with --refresh"


# ------------------------------------------------------------------------------------------ refresh


def test_refresh_needs_a_workbook(tmp_path, monkeypatch, capsys, fake_feeds):
    # It used to refresh the template of the checkout; a copy stands in for it here.
    template = tmp_path / "AltHedge.xlsm"
    shutil.copy2(TEMPLATE, template)
    before = template.read_bytes()
    monkeypatch.setattr("althedge_xl.cli._common.DEFAULT_WORKBOOK", template)
    assert main(["refresh"]) == 2
    assert _one_line(capsys).startswith("althedge refresh: error: the following arguments are required: workbook")
    _unchanged(template, before)
    assert fake_feeds.calls == []


def test_refresh_nothing_refreshed_is_exit_1(workbook, monkeypatch, capsys):
    monkeypatch.setattr("althedge_xl.market.refresh_market_data", _fetch(_nothing()))
    assert main(["refresh", str(workbook)]) == 1
    err = capsys.readouterr().err
    assert err.splitlines()[-1] == f"althedge: nothing could be fetched; {workbook} is unchanged (nothing was written)"
    assert "Traceback" not in err


def test_report_refresh_nothing_refreshed_is_exit_1_too(workbook, monkeypatch, capsys):
    # One rule for refresh and report --refresh; the report is still printed, marked stale.
    monkeypatch.setattr("althedge_xl.market.refresh_market_data", _fetch(_nothing()))
    assert main(["report", str(workbook), "--refresh", "--format", "json"]) == 1
    captured = capsys.readouterr()
    assert "BTC perpetual" in json.loads(captured.out)["stale"]
    assert "nothing could be fetched" in captured.err.splitlines()[-1]


def test_refresh_read_only_file(workbook, capsys, fake_feeds):
    before = workbook.read_bytes()
    workbook.chmod(0o444)  # caught by the mode bits, since root may write it anyway
    assert main(["refresh", str(workbook)]) == 2
    assert _one_line(capsys) == f"althedge: {workbook} is read-only; nothing was changed"
    _unchanged(workbook, before)
    assert stat.S_IMODE(workbook.stat().st_mode) == 0o444
    assert fake_feeds.calls == []


def test_report_refresh_of_a_read_only_file_is_fine(workbook, capsys, fake_feeds):
    # report --refresh refreshes a temporary copy: the user's file may well be read-only.
    before = workbook.read_bytes()
    workbook.chmod(0o444)
    assert main(["report", str(workbook), "--refresh", "--format", "json"]) == 0
    assert '"Portfolio"' in capsys.readouterr().out
    _unchanged(workbook, before)


def test_refresh_in_a_read_only_folder(workbook, monkeypatch, capsys, fake_feeds):
    before = workbook.read_bytes()
    _deny_writing(monkeypatch, "althedge_xl.workbook.refresh", workbook.parent)
    assert main(["refresh", str(workbook)]) == 2
    assert _one_line(capsys) == (
        f"althedge: {workbook} is read-only (its folder {workbook.parent} is not writable); nothing was changed"
    )
    _unchanged(workbook, before)


def test_refresh_of_a_locked_file(workbook, monkeypatch, capsys, fake_feeds):
    # Excel holding the file open on Windows: writing the backup works, renaming over the file fails.
    before = workbook.read_bytes()
    real_replace = os.replace

    def replace(src, dst):
        if Path(dst) == workbook:
            locked = PermissionError(13, "Permission denied", str(src), None, str(dst))
            locked.winerror = 32  # what Windows says of a file another program holds open: ERROR_SHARING_VIOLATION
            raise locked
        return real_replace(src, dst)

    monkeypatch.setattr("althedge_xl.files.os.replace", replace)
    assert main(["refresh", str(workbook)]) == 2
    assert _one_line(capsys) == (
        f"althedge: cannot write {workbook}: the file is locked by another program, probably Excel"
        " (Permission denied); nothing was changed"
    )
    _unchanged(workbook, before)  # the backup of the failed attempt is gone with it: the file is the original


def test_refresh_when_the_backup_cannot_be_written(workbook, monkeypatch, capsys, fake_feeds):
    before = workbook.read_bytes()
    real_replace = os.replace

    def replace(src, dst):
        if backup_pattern(workbook).match(Path(dst).name):
            raise PermissionError(13, "Permission denied", str(src), None, str(dst))
        return real_replace(src, dst)

    monkeypatch.setattr("althedge_xl.files.os.replace", replace)
    assert main(["refresh", str(workbook)]) == 2
    assert _one_line(capsys) == f"althedge: cannot keep a backup of {workbook}: permission denied; nothing was changed"
    _unchanged(workbook, before)


# ----------------------------------------------------------------------------------- build-workbook
# Each refusal comes before the (slow) build: these tests do not build a workbook.


def test_build_onto_a_folder(tmp_path, capsys):
    assert main(["build-workbook", "--out", str(tmp_path)]) == 2
    assert _one_line(capsys) == (
        f"althedge: {tmp_path}: is a folder; --out names the workbook file, e.g. {tmp_path / 'AltHedge.xlsm'}"
    )


@pytest.mark.parametrize("below", ["x.xlsm", "sub/x.xlsm"])
def test_build_below_a_file(tmp_path, capsys, below):
    a_file = tmp_path / "notes.txt"
    a_file.write_text("mine")
    out = a_file / below
    assert main(["build-workbook", "--out", str(out)]) == 2
    assert _one_line(capsys) == f"althedge: {out}: {a_file} is a file, not a folder"
    assert a_file.read_text() == "mine"


def test_build_onto_a_read_only_file(tmp_path, capsys):
    out = tmp_path / "AltHedge.xlsm"
    out.write_bytes(b"the user's own")
    out.chmod(0o444)
    assert main(["build-workbook", "--out", str(out)]) == 2
    assert _one_line(capsys) == f"althedge: {out} is read-only; nothing was changed"
    assert out.read_bytes() == b"the user's own"


def test_build_into_an_unwritable_folder(tmp_path, monkeypatch, capsys):
    folder = tmp_path / "locked"
    folder.mkdir()
    _deny_writing(monkeypatch, "althedge_xl.cli.build", folder)
    out = folder / "AltHedge.xlsm"
    assert main(["build-workbook", "--out", str(out)]) == 2
    assert _one_line(capsys) == f"althedge: {out}: cannot write into {folder} (permission denied); nothing was changed"
    assert list(folder.iterdir()) == []


def test_build_onto_a_full_disk_names_the_workbook_not_the_temporary_file(tmp_path, monkeypatch, capsys):
    import errno

    out = tmp_path / "AltHedge.xlsm"
    monkeypatch.setattr("althedge_xl.headless.template.template_bytes", lambda data_dir=None: b"bytes")

    def full(source, destination):
        raise OSError(errno.ENOSPC, "No space left on device", str(source))

    monkeypatch.setattr("althedge_xl.files.os.replace", full)
    assert main(["build-workbook", "--out", str(out)]) == 2
    line = _one_line(capsys)
    assert line == f"althedge: cannot write {out}: the disk is full (no space left on device); nothing was changed"
    assert list(tmp_path.iterdir()) == []  # the temporary file is gone


def test_build_with_a_data_folder_without_the_data(tmp_path, capsys):
    data = tmp_path / "data"
    data.mkdir()
    out = tmp_path / "AltHedge.xlsm"
    assert main(["build-workbook", "--out", str(out), "--data", str(data)]) == 2
    line = _one_line(capsys)
    assert line.startswith(f"althedge: {data / 'prices' / 'daily_close_wide.csv'}: no such file; is {data} the")
    assert not out.exists()


def test_build_with_market_data_not_in_utf8(tmp_path, capsys):
    data = tmp_path / "data"
    (data / "prices").mkdir(parents=True)
    (data / "prices" / "daily_close_wide.csv").write_bytes("date,BTC\n2025-06-17,106\xa0599\n".encode("latin-1"))
    out = tmp_path / "AltHedge.xlsm"
    assert main(["build-workbook", "--out", str(out), "--data", str(data)]) == 2
    assert _one_line(capsys) == f"althedge: a file of the market-history folder {data} is not UTF-8 text"
    assert not out.exists()

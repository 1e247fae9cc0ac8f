"""``althedge report`` on inputs it must refuse with the true reason: a file it may not read, formulas saved as
text, ``--out`` naming a file (refused before anything is computed).
"""

from __future__ import annotations

import builtins
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import openpyxl
import pytest
from conftest import TEMPLATE

from althedge_xl.cli import main


def one_line(capsys: pytest.CaptureFixture[str]) -> str:
    captured = capsys.readouterr()
    err = captured.err.strip()
    assert "Traceback" not in err and len(err.splitlines()) == 1, err
    assert captured.out == ""
    return err


class TestAFileThatMayNotBeRead:
    def test_permission_denied_is_said(self, tmp_path, capsys, monkeypatch):
        # The operating system refuses to open the file (as chmod 000 does for anyone but root): whoever opens
        # it, the zip check included, hears PermissionError, as from the real open.
        path = tmp_path / "Locked.xlsm"
        shutil.copy2(TEMPLATE, path)
        real_open = builtins.open

        def refusing_open(file, *args, **kwargs):
            if isinstance(file, (str, os.PathLike)) and Path(file) == path:
                raise PermissionError(13, "Permission denied", str(file))
            return real_open(file, *args, **kwargs)

        monkeypatch.setattr(builtins, "open", refusing_open)
        assert main(["report", str(path)]) == 2
        assert one_line(capsys) == f"althedge: {path}: cannot be read (Permission denied)"

    def test_chmod_000_for_real(self):
        # chmod does not stop root, so as root the command runs as the unprivileged user "nobody" (when the
        # system has it and runuser); as anyone else it runs as that user.
        with tempfile.TemporaryDirectory(prefix="althedge-locked-") as folder:
            os.chmod(folder, 0o755)
            path = Path(folder) / "Locked.xlsm"
            shutil.copy2(TEMPLATE, path)
            os.chmod(path, 0o000)
            command = [sys.executable, "-m", "althedge_xl.cli", "report", str(path)]
            if os.geteuid() == 0:
                runuser = shutil.which("runuser")
                if runuser is None or subprocess.run(["id", "nobody"], capture_output=True).returncode != 0:
                    pytest.skip("running as root without runuser or a 'nobody' user: chmod 000 cannot stop root")
                probe = subprocess.run([runuser, "-u", "nobody", "--", sys.executable, "-c", "import althedge_xl"],
                                       capture_output=True, cwd=folder, timeout=60)  # fmt: skip
                if probe.returncode != 0:
                    pytest.skip("the user 'nobody' cannot run this checkout's Python")
                command = [runuser, "-u", "nobody", "--", *command]
            done = subprocess.run(command, capture_output=True, text=True, cwd=folder, timeout=120)
        assert done.returncode == 2, done.stderr
        assert done.stderr.strip() == f"althedge: {path}: cannot be read (Permission denied)"


def workbook_with_text_formulas(folder: Path, cells: dict[tuple[str, str], str]) -> Path:
    """The template with these cells' text stored as strings, as a tool that writes formulas as text leaves them."""
    book = openpyxl.load_workbook(TEMPLATE, keep_vba=True)
    for (sheet, address), text in cells.items():
        cell = book[sheet][address]
        cell.value = text
        cell.data_type = "s"  # openpyxl would otherwise write a string starting with "=" as a formula
    path = folder / "AsText.xlsm"
    book.save(path)
    return path


class TestFormulasSavedAsText:
    def test_refused_naming_the_cells(self, tmp_path, capsys):
        path = workbook_with_text_formulas(
            tmp_path,
            {("Hedge", "B9"): "=HEDGE_MARGIN(NOTIONAL,LEVERAGE)", ("Hedge", "B20"): "=B18+B19"},
        )
        assert main(["report", str(path)]) == 2
        err = one_line(capsys)
        assert "formulas saved as text in Hedge!B9 and 1 more cells" in err
        assert "'=HEDGE_MARGIN(NOTIONAL,LEVERAGE)' is text, not a formula" in err

    def test_a_note_that_only_starts_with_an_equals_sign_is_text(self, tmp_path, capsys):
        path = workbook_with_text_formulas(tmp_path, {("Hedge", "Z1"): "= see the note below", ("Hedge", "Z2"): "==="})
        assert main(["report", str(path), "--format", "json"]) == 0

    def test_text_typed_with_a_leading_apostrophe_is_the_users_text(self, tmp_path, capsys):
        # Excel stores '=Note… typed with an apostrophe as text with the cell's quote prefix: it is meant as text.
        path = workbook_with_text_formulas(tmp_path, {("Hedge", "A60"): "=Note: this sheet uses Binance's rule"})
        book = openpyxl.load_workbook(path, keep_vba=True)
        book["Hedge"]["A60"].quotePrefix = True
        book.save(path)
        assert main(["report", str(path), "--format", "json"]) == 0


class TestOutIsAFile:
    def test_refused_before_anything_is_computed(self, tmp_path, capsys, monkeypatch):
        import althedge_xl.cli.report as report_command
        import althedge_xl.headless.engine as engine

        def never(*args, **kwargs):
            raise AssertionError("computed or refreshed before --out was checked")

        monkeypatch.setattr(engine, "compute", never)
        monkeypatch.setattr(report_command, "refresh_in_place", never)
        out = tmp_path / "notes.txt"
        out.write_text("mine\n")
        for extra in ([], ["--refresh", "--offline"]):
            assert main(["report", str(TEMPLATE), "--out", str(out), *extra]) == 2
            assert one_line(capsys) == f"althedge: {out}: --out must be a folder, not a file"
        assert out.read_text() == "mine\n"

    def test_a_file_among_its_parents_is_refused_before_anything_is_computed(self, tmp_path, capsys, monkeypatch):
        import althedge_xl.cli.report as report_command
        import althedge_xl.headless.engine as engine

        def never(*args, **kwargs):
            raise AssertionError("computed or refreshed before --out was checked")

        monkeypatch.setattr(engine, "compute", never)
        monkeypatch.setattr(report_command, "refresh_in_place", never)
        notes = tmp_path / "notes.txt"
        notes.write_text("mine\n")
        out = notes / "exports" / "today"  # a folder that cannot be made: its parent's parent is a file
        for engine_name in ("formulas", "libreoffice"):
            assert main(["report", str(TEMPLATE), "--out", str(out), "--engine", engine_name]) == 2
            assert one_line(capsys) == f"althedge: {out}: --out must be a folder, but {notes} is a file, not a folder"
        assert notes.read_text() == "mine\n"

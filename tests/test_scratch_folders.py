"""Temporary folders of a killed run: named with the owner's pid, removed by a later run only when safe.

A run killed outright (SIGKILL) cannot remove its folder in the system's temporary directory. Every
command names its folders ``<prefix><pid>-<random>`` (:func:`althedge_xl.files.scratch_folder`); the
next one removes those whose process is gone **and** that are older than a day, and nothing else.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from conftest import ROOT

from althedge_xl.files import remove_stale_scratch_folders, scratch_folder

DAY = 86_400.0  # STALE_SCRATCH_AFTER_S, a day


@pytest.fixture
def temp_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The system's temporary directory, for this test: an empty folder of its own."""
    root = tmp_path / "tmp"
    root.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(root))
    return root


def dead_pid() -> int:
    """The pid of a process that has ended (and was reaped)."""
    done = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    return int(done.stdout)


def folder(root: Path, name: str, age_s: float) -> Path:
    path = root / name
    path.mkdir()
    (path / "copy.xlsm").write_bytes(b"a copy")
    then = time.time() - age_s
    os.utime(path, (then, then))
    return path


@pytest.mark.skipif(os.name == "nt", reason="Windows cannot be asked whether a pid is alive: nothing is removed")
class TestWhatIsRemoved:
    def test_a_gone_process_folder_older_than_a_day_is_removed(self, temp_root):
        stale = folder(temp_root, f"althedge-report-{dead_pid()}-abc_123", 2 * DAY)
        assert remove_stale_scratch_folders("althedge-report-") == [stale]
        assert list(temp_root.iterdir()) == []

    def test_a_gone_process_folder_younger_than_a_day_is_kept(self, temp_root):
        # a process of another pid namespace (a container) sharing the folder looks gone while it runs
        young = folder(temp_root, f"althedge-report-{dead_pid()}-abc123", DAY - 600)
        assert remove_stale_scratch_folders("althedge-report-") == []
        assert young.is_dir()

    def test_a_live_process_folder_is_kept_whatever_its_age(self, temp_root):
        sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
        try:
            live = folder(temp_root, f"althedge-libreoffice-{sleeper.pid}-abc123", 30 * DAY)
            mine = folder(temp_root, f"althedge-libreoffice-{os.getpid()}-abc123", 30 * DAY)
            assert remove_stale_scratch_folders("althedge-libreoffice-") == []
            assert live.is_dir() and mine.is_dir()
        finally:
            sleeper.kill()
            sleeper.wait()

    def test_other_names_files_and_links_are_never_touched(self, temp_root):
        pid = dead_pid()
        kept = [
            folder(temp_root, "althedge-report-abc123", 30 * DAY),  # no pid: its owner cannot be known
            folder(temp_root, f"althedge-reports-{pid}-abc123", 30 * DAY),  # another prefix
            folder(temp_root, f"althedge-report-{pid}-abc123.d", 30 * DAY),  # not a name we make
        ]
        target = folder(temp_root, "elsewhere", 30 * DAY)
        link = temp_root / f"althedge-report-{pid}-link"
        link.symlink_to(target, target_is_directory=True)
        plain = temp_root / f"althedge-report-{pid}-file"
        plain.write_bytes(b"x")
        assert remove_stale_scratch_folders("althedge-report-") == []
        assert all(p.is_dir() for p in kept) and (target / "copy.xlsm").exists() and plain.exists()


@pytest.mark.skipif(os.name == "nt", reason="SIGKILL and asking about a pid are POSIX")
def test_the_folder_of_a_sigkilled_run_is_removed_by_a_later_one_once_a_day_old(temp_root):
    holder = (
        "import sys, time\n"
        "from althedge_xl.files import scratch_folder\n"
        "with scratch_folder('althedge-libreoffice-') as folder:\n"
        "    print(folder, flush=True)\n"
        "    time.sleep(60)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT), "TMPDIR": str(temp_root)}
    child = subprocess.Popen([sys.executable, "-c", holder], env=env, stdout=subprocess.PIPE, text=True)
    assert child.stdout is not None
    left = Path(child.stdout.readline().strip())
    assert left.parent == temp_root and left.name.startswith(f"althedge-libreoffice-{child.pid}-")
    then = time.time() - 2 * DAY
    os.utime(left, (then, then))
    with scratch_folder("althedge-libreoffice-") as mine:  # the owner still runs: kept
        assert left.is_dir() and mine.name.startswith(f"althedge-libreoffice-{os.getpid()}-")
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=30)
    child.stdout.close()
    assert left.is_dir()  # nothing could remove it
    with scratch_folder("althedge-libreoffice-"):
        assert not left.exists()
    assert list(temp_root.iterdir()) == []


@pytest.mark.skipif(os.name == "nt", reason="asking about a pid is POSIX")
def test_the_libreoffice_engine_uses_a_pid_named_folder_and_clears_stale_ones(temp_root, monkeypatch):
    from althedge_xl.libreoffice import headless

    stale = folder(temp_root, f"althedge-libreoffice-{dead_pid()}-abc123", 2 * DAY)
    used: list[Path] = []

    def driver(command, env, home, timeout):
        used.append(home)
        raise headless.LibreOfficeError("stopped here")

    monkeypatch.setattr(headless, "find_soffice", lambda: "soffice")
    monkeypatch.setattr(headless, "find_uno_python", lambda: sys.executable)
    monkeypatch.setattr(headless, "_run_driver", driver)
    with pytest.raises(headless.LibreOfficeError, match="stopped here"):
        headless.run_jobs([], extension=False)
    assert not stale.exists()
    assert used[0].parent == temp_root and used[0].name.startswith(f"althedge-libreoffice-{os.getpid()}-")
    assert list(temp_root.iterdir()) == []  # its own folder went when it failed

"""The ``althedge`` process (althedge_xl.cli.entry): the collector set for a short-lived command, the exit code kept.

Why the process sets the collector, and what it saves, is in the module's docstring and
``benchmarks/bench_report.py``; here: that the command runs under it, that the code reaches the
shell unchanged, and that the interpreter's thresholds come back.
"""

from __future__ import annotations

import gc
import os
import runpy
import subprocess
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

from althedge_xl import __version__
from althedge_xl.cli import entry

PROJECT = Path(__file__).resolve().parents[1]


@pytest.fixture
def collector() -> Iterator[None]:
    """The interpreter's collector as it was, whatever the test froze."""
    before = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*before)


def test_the_command_runs_with_rare_young_collections_and_exits_with_its_code(collector, monkeypatch):
    seen: list[tuple[int, ...]] = []

    def command(argv: Sequence[str] | None) -> int:
        seen.append(gc.get_threshold())
        return 7

    before = gc.get_threshold()
    monkeypatch.setattr(entry, "main", command)
    with pytest.raises(SystemExit) as done:
        entry.console_main(["report"])
    assert done.value.code == 7
    assert seen == [(entry.YOUNG_COLLECTION_EVERY, *before[1:])]
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() > 0  # what was alive at the end is left for the exit, not walked again


def test_thresholds_come_back_when_the_command_raises(collector, monkeypatch):
    def command(argv: Sequence[str] | None) -> int:
        raise KeyboardInterrupt

    before = gc.get_threshold()
    monkeypatch.setattr(entry, "main", command)
    with pytest.raises(KeyboardInterrupt):
        entry.console_main([])
    assert gc.get_threshold() == before


def test_real_subcommands_keep_their_exit_codes(collector, capsys, tmp_path):
    with pytest.raises(SystemExit) as version:
        entry.console_main(["--version"])
    assert version.value.code == 0 and capsys.readouterr().out.strip() == f"althedge {__version__}"
    with pytest.raises(SystemExit) as missing:
        entry.console_main(["report", str(tmp_path / "missing.xlsm")])
    assert missing.value.code == 2 and capsys.readouterr().err.startswith("althedge: ")


def test_python_dash_m_runs_the_althedge_process(monkeypatch):
    ran = []
    monkeypatch.setattr(entry, "console_main", lambda argv=None: ran.append(argv))
    monkeypatch.delitem(sys.modules, "althedge_xl.cli.__main__", raising=False)
    runpy.run_module("althedge_xl.cli", run_name="__main__")
    assert ran == [None]  # the command line's own arguments


def test_python_dash_m_is_the_same_process(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(PROJECT)}
    run = [sys.executable, "-m", "althedge_xl.cli"]
    version = subprocess.run([*run, "--version"], env=env, cwd=tmp_path, capture_output=True, text=True)
    assert (version.returncode, version.stdout.strip()) == (0, f"althedge {__version__}")
    missing = subprocess.run([*run, "report", "missing.xlsm"], env=env, cwd=tmp_path, capture_output=True, text=True)
    assert missing.returncode == 2 and "Traceback" not in missing.stderr

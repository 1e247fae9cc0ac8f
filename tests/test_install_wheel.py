"""The built wheel installed as a user installs it, with each set of extras: every subcommand works or names its extra.

Fresh virtual environments get the project's wheel (the ``built_wheel`` the tests share) and its
dependencies from ``.cache/wheelhouse``, which ``tasks.py test`` fills (``pip download``), with
``--no-index``: no network. Every subcommand then runs from another folder, the checkout nowhere on
the path and no ``$ALTHEDGE_DATA``: under numpy alone, with ``[report]``, and with ``[all]`` (the
``[report]`` environment with ``[all]`` installed over it, as a user adds an extra). A subcommand
either works or ends in the one line naming what it lacks (exit code 2); never a traceback, an
internal error, or a path inside the environment.

One test, so that one worker builds the environments (about 30 s of CPU; a minute or two on a busy
two-core machine).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import venv
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import DATA_DIR, ROOT

WHEELHOUSE = ROOT / ".cache" / "wheelhouse"
TIMEOUT = 300  # seconds, for one install or one command on a busy machine

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def _extra_line(command: str, extras: str, module: str) -> str:
    """The line a subcommand ends in when ``extras`` (``"market,workbook"``) are not installed."""
    names = extras.split(",")
    listed = " and ".join(f"[{name}]" for name in names)
    noun = "extra" if len(names) == 1 else "extras"
    return f'althedge: {command} needs the {listed} {noun} (no module named {module!r}): pip install "althedge-xl[{extras}]"'


#: build-workbook and lite need the project's market history, which an installed package does not carry.
NO_MARKET_HISTORY = "needs the project's market-history folder (prices/, funding/, sentiment/): none given"


@dataclass(frozen=True)
class Case:
    """A command line, and what it must give: an exit code (it works), or the one line it must end in."""

    argv: tuple[str, ...]
    base: int | str
    report: int | str
    all: int | str


CASES = (
    Case(("--version",), 0, 0, 0),
    Case(("init", "mine"), 0, 0, 0),
    Case(("example", "--format", "csv"), 0, 0, 0),
    Case(("report", "--format", "json"), _extra_line("report", "report", "formulas"), 0, 0),
    Case(
        ("report", "mine/AltHedge.xlsm", "--refresh", "--offline", "--format", "json"),
        _extra_line("report", "report,market", "formulas"),
        _extra_line("report", "market", "ccxt"),
        1,  # the offline cache is empty: the report is printed, marked stale, exit code 1
    ),
    Case(
        ("build-workbook", "--out", "Built.xlsm"),
        _extra_line("build-workbook", "report", "formulas"),
        NO_MARKET_HISTORY,
        NO_MARKET_HISTORY,
    ),
    Case(
        ("refresh", "mine/AltHedge.xlsm", "--offline"),
        _extra_line("refresh", "market,workbook", "ccxt"),
        _extra_line("refresh", "market", "ccxt"),
        1,  # nothing in the cache: the file is unchanged
    ),
    Case(("backtest", "--format", "json"), _extra_line("backtest", "workbook", "openpyxl"), 0, 0),
    Case(("backtest", "--data", str(DATA_DIR), "--rules", "flat40", "--format", "csv"), 0, 0, 0),
    Case(
        ("backtest", "--workbook", "mine/AltHedge.xlsm", "--rules", "flat40", "--out", "run"),
        _extra_line("backtest", "report", "openpyxl"),
        0,
        0,
    ),
    Case(("lite", "lite"), _extra_line("lite", "report", "formulas"), NO_MARKET_HISTORY, NO_MARKET_HISTORY),
    Case(("lite", "lite-files", "--no-workbook"), 0, 0, 0),
)


def _run(argv: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=TIMEOUT, check=False)


def _install(python: Path, requirement: str, env: dict[str, str]) -> None:
    """``pip install requirement`` into the environment of ``python``, from the wheelhouse alone."""
    done = _run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet", "--no-compile", "--no-index",
         "--find-links", str(WHEELHOUSE), requirement],
        python.parent,
        env,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]


def _environment(folder: Path, wheel: Path, extras: str, env: dict[str, str]) -> Path:
    """A new virtual environment with ``wheel[extras]``; its ``bin`` folder."""
    venv.EnvBuilder(with_pip=False).create(folder)
    python = folder / ("Scripts" if os.name == "nt" else "bin") / ("python.exe" if os.name == "nt" else "python")
    _install(python, f"{wheel}[{extras}]" if extras else str(wheel), env)
    return python.parent


def _check(case: Case, installed: str, bin_dir: Path, cwd: Path, env: dict[str, str]) -> list[str]:
    """What is wrong with ``case`` run under ``installed`` (empty when it behaves)."""
    expected = getattr(case, installed)
    done = _run([str(bin_dir / "althedge"), *case.argv], cwd, env)
    name = f"[{installed}] althedge {' '.join(case.argv)}"
    problems = []
    if "Traceback" in done.stderr or "internal error" in done.stderr:
        problems.append(f"{name}: {done.stderr[-2000:]}")
    if str(bin_dir.parent) in done.stderr:
        problems.append(f"{name}: names a path inside the environment: {done.stderr}")
    if isinstance(expected, int):
        if done.returncode != expected:
            problems.append(f"{name}: exit code {done.returncode}, not {expected}: {done.stderr[-2000:]}")
    else:
        lines = done.stderr.splitlines()
        if done.returncode != 2 or len(lines) != 1 or not (lines[0] == expected or expected in lines[0]):
            problems.append(f"{name}: exit code {done.returncode}, stderr {done.stderr!r}; expected {expected!r}")
    if installed != "base" and case.argv[:2] == ("report", "--format") and done.returncode == 0:
        hedge = {
            r[0]: r[1] for r in next(t for t in json.loads(done.stdout)["tables"] if t["title"] == "Hedge")["rows"]
        }
        if hedge["Hedge notional, short BTC (USD)"] != 20_000:  # DESIGN.md: 50,000 of altcoins x 40 %
            problems.append(f"{name}: the shipped template's hedge is {hedge}")
    if case.argv[:2] == ("backtest", "--format") and done.returncode == 0:
        if "the History sheet of the template this installation ships" not in done.stderr:
            problems.append(f"{name}: the source line is {done.stderr!r}")
        json.loads(done.stdout)  # stdout is the JSON alone
    return problems


def test_every_subcommand_from_the_installed_wheel(built_wheel, tmp_path):
    if not (WHEELHOUSE / ".downloaded").is_file():
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{WHEELHOUSE} is not filled: `python tasks.py test` downloads it")
        pytest.skip(f"{WHEELHOUSE} is not filled: `python tasks.py test` downloads it")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "ALTHEDGE_DATA", "VIRTUAL_ENV")}
    env["ALTHEDGE_CACHE_DIR"] = str(tmp_path / "empty-cache")  # --offline finds nothing; the user's cache untouched
    # Installed with --no-compile (half the time: most of ccxt and matplotlib is never imported here), a library
    # is compiled when first imported, and the compiler's SyntaxWarnings about formulas' own code would reach
    # stderr; pip's compile step, which a user's install runs, silences them.
    env["PYTHONWARNINGS"] = "ignore::SyntaxWarning"
    problems: list[str] = []
    environments = (("base", ""), ("report", "report"), ("all", "all"))
    bins: dict[str, Path] = {}
    for installed, extras in environments:
        if installed == "all":  # [all] over the [report] environment, as a user adds an extra
            _install(bins["report"] / "python", f"{built_wheel}[all]", env)
            bins["all"] = bins["report"]
        else:
            bins[installed] = _environment(tmp_path / f"venv-{installed}", built_wheel, extras, env)
        elsewhere = tmp_path / f"elsewhere-{installed}"
        elsewhere.mkdir()
        for case in CASES:
            problems += _check(case, installed, bins[installed], elsewhere, env)
        if installed != "base":
            assert (elsewhere / "run" / "backtest.png").is_file()
    assert not problems, "\n".join(problems)

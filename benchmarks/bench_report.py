"""Speed of ``althedge report`` on the template workbook, side by side with the formula engine alone.

Run from the repository root::

    python benchmarks/bench_report.py                       # workbook/AltHedge.xlsm, 7 rounds
    python benchmarks/bench_report.py --runs 11 --phase-runs 5
    python benchmarks/bench_report.py path/to/Other.xlsm

1. End to end, each command in a fresh interpreter (subprocess), the rounds interleaved so that
   background load hits all alike, medians:

   * ``python -c pass``: the interpreter alone;
   * ``python -m althedge_xl.cli report BOOK > /dev/null``: the command a user runs (the
     ``althedge`` process, with its collector set for a short-lived command,
     :mod:`althedge_xl.cli.entry`);
   * the same ``althedge_xl.cli.main`` with the interpreter's default collector, to show what the
     process's setting saves;
   * the engine's own work on the same file: ``formulas.ExcelModel().loads(BOOK).finish().calculate()``
     with AltHedge's functions registered first (``althedge_xl.headless.register_functions()``), and
     without them (the engine then gives ``#NAME?`` for each AltHedge function: for comparison);
   * information: the engine building only the cells the report's sheets need
     (``ExcelModel().from_ranges(...)`` over Portfolio, HedgeRatio, Hedge, Stress, Funding,
     Prices and SelfCheck, then ``finish().calculate()``), the floor for a report that skips
     the sheets it does not read.

   Goals: the report within 1.0 s end to end on a 2-core machine (issue 14), and its own
   overhead (report − engine on the report's sheets) small, read here as at most 0.25 s. The
   report imports scipy only if a workbook calls one of the engine's statistical functions
   (``althedge_xl.headless.engine_table``); the engine alone imports it on its first table.

2. Where the time goes: one fresh interpreter per run runs the real ``althedge report`` with
   timers around its steps (imports, the engine's function table, the workbook read, the formula
   scan, the engine's per-cell compile sheet by sheet, ``finish``, ``calculate``, collecting the
   cells, the tables); medians over ``--phase-runs``.

All subprocesses run with ``TQDM_DISABLE=1`` (the report sets it itself) and the repository on
``PYTHONPATH``. Prints the tables and whether each goal is met; exits 1 if a goal is missed or a
command fails. Never touches the network; the workbook is only read. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from _common import load_note  # benchmarks/ is on sys.path when a script runs

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_BOOK = ROOT / "workbook" / "AltHedge.xlsm"
REPORT_GOAL_S = 1.0
OVERHEAD_GOAL_S = 0.25
#: Sheets whose every cell the report reads or checks for errors (report.REQUIRED_SHEETS + SelfCheck).
REPORT_SHEETS = ("Portfolio", "HedgeRatio", "Hedge", "Stress", "Funding", "Prices", "SelfCheck")

_ENGINE = """
import logging, sys
{register}
import formulas
logging.getLogger("formulas").setLevel(logging.ERROR)  # as the report does (VBA macro names warn here)
formulas.ExcelModel().loads(sys.argv[1]).finish().calculate()
"""
ENGINE_REGISTERED = _ENGINE.format(
    register="from althedge_xl.headless.engine import register_functions\nregister_functions()"
)
ENGINE_BARE = _ENGINE.format(register="")
#: ``althedge_xl.cli.main`` as the ``althedge`` process runs it, but with the interpreter's collector.
DEFAULT_COLLECTOR = "import sys; from althedge_xl.cli import main; sys.exit(main(sys.argv[1:]))"
ENGINE_REPORT_SHEETS = """
import logging, os, sys
from althedge_xl.headless.engine import register_functions
register_functions()
import formulas
import openpyxl
from openpyxl.utils import get_column_letter
logging.getLogger("formulas").setLevel(logging.ERROR)
path = os.path.abspath(sys.argv[1])
sheets = sys.argv[2].split(",")
book = openpyxl.load_workbook(path, read_only=True)
ranges = []
for name in sheets:
    ws = book[name]
    ranges.append(f"'[{os.path.basename(path)}]{name.upper()}'!A1:{get_column_letter(ws.max_column)}{ws.max_row}")
book.close()
model = formulas.ExcelModel()
model.basedir = os.path.dirname(path)
model.add_book(os.path.basename(path))
model.from_ranges(*ranges).finish().calculate()
"""


def subprocess_env() -> dict[str, str]:
    env = dict(os.environ)
    path = env.get("PYTHONPATH")
    env["PYTHONPATH"] = str(ROOT) if not path else os.pathsep.join([str(ROOT), path])
    env["TQDM_DISABLE"] = "1"
    return env


def commands(book: Path) -> dict[str, list[str]]:
    py = sys.executable
    return {
        "python -c pass": [py, "-c", "pass"],
        "althedge report": [py, "-m", "althedge_xl.cli", "report", str(book)],
        "report, default collector": [py, "-c", DEFAULT_COLLECTOR, "report", str(book)],
        "engine, functions registered": [py, "-c", ENGINE_REGISTERED, str(book)],
        "engine, not registered": [py, "-c", ENGINE_BARE, str(book)],
        "engine, report's sheets only": [py, "-c", ENGINE_REPORT_SHEETS, str(book), ",".join(REPORT_SHEETS)],
    }


def wall_time(argv: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    done = subprocess.run(argv, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        tail = done.stderr.decode(errors="replace").strip().splitlines()[-3:]
        raise RuntimeError(f"{argv[:3]}... failed (exit {done.returncode}): {' | '.join(tail)}")
    return elapsed


def interleaved_medians(cmds: dict[str, list[str]], runs: int, env: dict[str, str]) -> dict[str, float]:
    names = list(cmds)
    for name in names:  # warm-up: OS file cache
        wall_time(cmds[name], env)
    times: dict[str, list[float]] = {name: [] for name in names}
    for i in range(runs):
        for name in names[i % len(names) :] + names[: i % len(names)]:
            times[name].append(wall_time(cmds[name], env))
    return {name: statistics.median(ts) for name, ts in times.items()}


# --------------------------------------------------------------------------- phase breakdown (child)


def child_phases(book: str) -> None:
    """Run the real ``althedge report`` once with timers around its steps; print JSON phases."""
    start = time.perf_counter()
    phases: dict[str, list[float]] = {}  # label -> [seconds, cells]
    mark = [start]

    def lap(label: str) -> None:
        now = time.perf_counter()
        phases[label] = [now - mark[0], 0]
        mark[0] = now

    import numpy  # noqa: F401

    lap("import numpy")
    import openpyxl  # noqa: F401

    lap("import openpyxl")
    import althedge_xl.cli as cli
    import althedge_xl.cli.report as cli_report
    import althedge_xl.headless.engine as headless
    import althedge_xl.headless.report as report
    from althedge_xl.cli.entry import short_lived_collector

    lap("import althedge_xl (cli, report, headless)")

    import formulas
    from formulas.excel import ExcelModel

    active = [0]  # only the outermost timed call counts, so nested steps are not counted twice

    def timed(owner: Any, attr: str, label: Any) -> None:
        original = getattr(owner, attr)

        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if active[0]:
                return original(*args, **kwargs)
            name, cells = label(*args) if callable(label) else (label, 0)
            active[0] += 1
            t0 = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                active[0] -= 1
                entry = phases.setdefault(name, [0.0, 0])
                entry[0] += time.perf_counter() - t0
                entry[1] += cells

        setattr(owner, attr, wrapper)

    def push_label(_model: Any, worksheet: Any, *_: Any) -> tuple[str, int]:
        cells = sum(1 for row in worksheet.iter_rows() for c in row if hasattr(c, "value"))
        return f"engine: compile sheet {worksheet.title}", cells

    timed(headless, "register_functions", "function table, register_functions (imports udfs)")
    timed(headless, "read_for_engine", "read the workbook (the engine's reader, once, without charts)")
    timed(headless, "formula_cells", "formula scan (tokenize every formula)")
    timed(headless, "unknown_functions", "unknown functions (loads the engine's statistics)")
    timed(headless, "circular_references", "circular references check")
    timed(ExcelModel, "add_book", "engine: add_book (the workbook already read)")
    timed(headless, "take_value_sheets", "take the sheets holding only values")
    timed(ExcelModel, "push", push_label)
    timed(ExcelModel, "from_ranges", "engine: from_ranges (compile the report's cells)")
    timed(headless, "range_inputs", "value sheets' ranges as inputs")
    timed(ExcelModel, "finish", "engine: finish()")
    timed(ExcelModel, "calculate", "engine: calculate()")
    timed(headless, "_solution_cells", "collect cells (headless._solution_cells)")
    timed(report, "report_tables", "report tables (checks, tables)")
    timed(cli_report, "print_report", "print the report")
    _ = formulas  # imported before main so that its lazy loading is not counted in a phase

    real_stdout = sys.stdout
    main_start = time.perf_counter()
    counted_before = sum(p[0] for p in phases.values())
    with open(os.devnull, "w") as sink:
        sys.stdout = sink
        try:
            with short_lived_collector():  # as the althedge process runs it (althedge_xl.cli.entry)
                code = cli.main(["report", book])
        finally:
            sys.stdout = real_stdout
    main_total = time.perf_counter() - main_start
    counted = sum(p[0] for p in phases.values()) - counted_before
    phases["rest of althedge report (cli, compute glue)"] = [main_total - counted, 0]
    print(json.dumps({"exit": code, "phases": phases, "total": time.perf_counter() - start}))


def phase_breakdown(book: Path, runs: int, env: dict[str, str]) -> dict[str, tuple[float, int]]:
    argv = [sys.executable, str(Path(__file__).resolve()), "--child-phases", str(book)]
    samples: dict[str, list[float]] = {}
    cells: dict[str, int] = {}
    totals = []
    for _ in range(runs):
        done = subprocess.run(argv, env=env, cwd=ROOT, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"phase run failed: {done.stderr.strip().splitlines()[-1:]}")
        data = json.loads(done.stdout.strip().splitlines()[-1])
        if data["exit"] != 0:
            raise RuntimeError(f"althedge report exited {data['exit']}")
        totals.append(data["total"])
        for label, (seconds, count) in data["phases"].items():
            samples.setdefault(label, []).append(seconds)
            cells[label] = count
    out = {label: (statistics.median(ts), cells[label]) for label, ts in samples.items()}
    out["TOTAL in the interpreter (without its start)"] = (statistics.median(totals), 0)
    return out


# --------------------------------------------------------------------------- main


def main() -> int:
    if len(sys.argv) == 3 and sys.argv[1] == "--child-phases":
        if str(ROOT) not in sys.path:
            sys.path.insert(0, str(ROOT))
        child_phases(sys.argv[2])
        return 0
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("workbook", nargs="?", default=str(DEFAULT_BOOK), help="default workbook/AltHedge.xlsm")
    parser.add_argument("--runs", type=int, default=7, help="interleaved end-to-end rounds (default 7)")
    parser.add_argument("--phase-runs", type=int, default=3, help="runs of the phase breakdown (default 3)")
    args = parser.parse_args()
    book = Path(args.workbook).resolve()
    if not book.is_file():
        print(f"no workbook at {book}", file=sys.stderr)
        return 2

    from importlib.metadata import version

    versions = ", ".join(f"{name} {version(name)}" for name in ("formulas", "schedula", "openpyxl", "scipy"))
    print(f"Python {sys.version.split()[0]}, {versions}, {os.cpu_count()} CPUs")
    print(f"workbook {book.relative_to(ROOT) if book.is_relative_to(ROOT) else book}; {load_note()}")
    env = subprocess_env()

    cmds = commands(book)
    print(f"\n1. End to end, fresh interpreter per run, {args.runs} interleaved rounds, medians")
    med = interleaved_medians(cmds, args.runs, env)
    base = med["python -c pass"]
    print(f"   {'command':32s} {'median':>8s} {'- pass':>8s}")
    # (each median is over interleaved rounds, so a burst of load elsewhere hits every command)
    for name in cmds:
        print(f"   {name:32s} {med[name]:7.2f} s {med[name] - base:7.2f} s")
    report_s = med["althedge report"]
    default_gc = med["report, default collector"]
    print(f"   the process's collector setting saves {default_gc - report_s:.2f} s ({default_gc / report_s:.2f}x)")
    engine_s = med["engine, functions registered"]
    bare = med["engine, not registered"]
    print(f"   registering AltHedge's functions costs the engine {engine_s - bare:+.2f} s")
    partial = med["engine, report's sheets only"]
    print(f"   building only the report's sheets saves the engine {engine_s - partial:.2f} s")
    # althedge report builds only the sheets its tables read: its engine is the partial one.
    overhead = report_s - partial
    goals = [
        (f"althedge report end to end = {report_s:.2f} s  (goal <= {REPORT_GOAL_S:.0f} s)", report_s <= REPORT_GOAL_S),
        (
            f"report's own overhead = report - engine on the same sheets = {overhead:+.2f} s  (goal <= {OVERHEAD_GOAL_S} s)",
            overhead <= OVERHEAD_GOAL_S,
        ),
    ]

    print(f"\n2. Where the time of althedge report goes (medians of {args.phase_runs} runs)")
    phases = phase_breakdown(book, args.phase_runs, env)
    print(f"   {'step':56s} {'median':>8s} {'cells':>7s}")
    print(f"   {'interpreter start (python -c pass, above)':56s} {base * 1e3:6.0f} ms")
    for label, (seconds, count) in phases.items():
        shown = f"{count:7d}" if count else ""
        print(f"   {label:56s} {seconds * 1e3:6.0f} ms {shown}")
    compile_s = sum(s for label, (s, _) in phases.items() if label.startswith("engine: compile"))
    compile_n = sum(n for label, (_, n) in phases.items() if label.startswith("engine: compile"))
    if compile_n:
        print(
            f"   engine compile, all sheets: {compile_s:.2f} s for {compile_n} cells ({compile_s / compile_n * 1e6:.0f} us a cell)"
        )

    print()
    for text, met in goals:
        print(f"{'PASS' if met else 'FAIL'}  {text}")
    print(load_note())
    return 0 if all(met for _, met in goals) else 1


if __name__ == "__main__":
    sys.exit(main())

"""Peak memory and time of every Excel function at 10⁵ cells, side by side.

Run from the repository root::

    python benchmarks/bench_sizes.py                    # all 29 functions, two with a column of sizes, and the size probes
    python benchmarks/bench_sizes.py --only HEDGE_EFFECTIVENESS,STRESS_GRID
    python benchmarks/bench_sizes.py --cap-gib 8        # address-space cap of each child process
    python benchmarks/bench_sizes.py --baseline ../old  # the package of another checkout beside this one

Each function is called as xlwings calls it (ranges as lists of rows of floats) with one argument
of 10⁵ cells: a column of 100,000 rows, or 4 rows × 25,000 columns for ``HEDGE_BETA_TABLE``. A few
*probes* then ask for results larger than the limits (``althedge_xl.core.limits``): a 10⁵-row
column broadcast against a 10⁵-column row, ``STRESS_GRID`` of 20,000 × 10,000 and
``HEDGE_EFFECTIVENESS`` of 10⁵ price rows × 10⁵ ratios (a column of ratios: the answer fits a
sheet, but the residuals of every row at every ratio would be 74.5 GiB); the first two must be
refused at once, the third answered.

Every case runs in a fresh interpreter whose address space is capped (``--cap-gib``, default 8),
so a function that asks for tens of gigabytes fails there instead of taking the machine. In it
the inputs are built first, then the call is timed (best of ``--repeat``; the first call counts)
and measured twice: the rise of the process's peak resident set during the first call (``ru_maxrss``)
and the peak of the memory numpy and Python allocate during one more call (``tracemalloc``, which
slows Python code, so that call is not timed). Prices are a seeded random walk (the recorded
history is only ~2,200 days long).

Goals, for each case: the answer (or the refusal) in less than 0.5 s ("well under a second"), and
a traced peak of at most 100 MB (1 KB per input cell) — the inputs of 10⁵ cells as Python lists
take about 10 MB. The process's CPU time is printed beside the wall time: on a machine shared with
other work the wall time is inflated and the CPU time is the steadier figure, so the time goal
takes the lower of the two. Prints one row per case and ``PASS``/``FAIL`` per goal; exits 1 when one is
missed. Not part of the test suite.

``--baseline DIR`` measures the package of another checkout (``DIR/althedge_xl``, e.g. the previous
commit unpacked with ``git archive``) on the same inputs, each case's two runs one after the other,
and prints both side by side: on a shared machine a before/after comparison is only fair in one run.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
N = 100_000
GOAL_SECONDS = 0.5
GOAL_PEAK_MB = 100.0


def _column(values: Any) -> list[list[float]]:
    return [[float(v)] for v in values]


def _prices(seed: int, start: float, rows: int = N) -> Any:
    import numpy as np

    steps = np.random.default_rng(seed).normal(0.0, 0.03, rows)
    return start * np.exp(np.cumsum(steps))


def _dates(rows: int = N) -> list[list[str]]:
    first = dt.date(1900, 3, 1)
    return [[(first + dt.timedelta(days=i)).isoformat()] for i in range(rows)]


def _serials(rows: int = N) -> list[list[float]]:
    """The days of :func:`_dates` as Excel's date serials (1900-03-01 is 61), as a number-formatted column passes them."""
    return [[61.0 + i] for i in range(rows)]


def _datetimes(rows: int = N) -> list[list[dt.datetime]]:
    """The days of :func:`_dates` as xlwings passes date-formatted cells."""
    first = dt.datetime(1900, 3, 1)
    return [[first + dt.timedelta(days=i)] for i in range(rows)]


def _cases() -> dict[str, Callable[[], tuple[Any, ...]]]:
    """Each case's name and the arguments of its call, built in the child process."""
    import numpy as np

    def column(*, seed: int = 0, low: float = 1.0, high: float = 2.0) -> list[list[float]]:
        return _column(np.random.default_rng(seed).uniform(low, high, N))

    btc = lambda: _column(_prices(1, 30_000.0))  # noqa: E731
    alt = lambda: _column(_prices(2, 10.0))  # noqa: E731
    rates = lambda: column(seed=3, low=-0.0005, high=0.001)  # noqa: E731
    wide = lambda: [list(map(float, row)) for row in _prices(4, 10.0, 4 * 25_000).reshape(4, 25_000)]  # noqa: E731
    return {
        "BACKTEST": lambda: (
            _dates(),
            btc(),
            alt(),
            1000.0,
            0.0,
            rates(),
            column(seed=5, low=0.0, high=100.0),
        ),
        # The same days as Excel passes a column of dates: serial numbers, or datetimes.
        "BACKTEST serials": lambda: (
            _serials(),
            btc(),
            alt(),
            1000.0,
            0.0,
            rates(),
            column(seed=5, low=0.0, high=100.0),
        ),
        "BACKTEST datetimes": lambda: (
            _datetimes(),
            btc(),
            alt(),
            1000.0,
            0.0,
            rates(),
            column(seed=5, low=0.0, high=100.0),
        ),
        "BASIS_ANNUALIZED": lambda: (column(low=95_000, high=105_000), 100_000.0, 90.0),
        "DATED_HEDGE_COST": lambda: (column(low=1_000, high=50_000), 101_500.0, 100_000.0, 90.0, 30.0),
        "FUNDING_BREAKEVEN": lambda: (column(low=95_000, high=105_000), 100_000.0, 90.0),
        "FUNDING_COST": lambda: (20_000.0, rates(), None, 8.0, "short", btc()),
        "HEDGE_BETA": lambda: (alt(), btc()),
        "HEDGE_BETA_TABLE": lambda: (wide(), _column(_prices(1, 30_000.0, 4))),
        "HEDGE_CONTRACTS": lambda: (column(low=1_000, high=50_000), 100_000.0),
        "HEDGE_CORREL": lambda: (alt(), btc()),
        "HEDGE_EFFECTIVENESS": lambda: (alt(), btc(), [[0.4]]),
        "HEDGE_LIQUIDATION": lambda: (column(low=90_000, high=110_000), 0.2, 20.0),
        "HEDGE_LIQ_CROSS": lambda: (100_000.0, 2.0, 10_000.0),
        "HEDGE_LIQ_PRICE": lambda: (column(low=90_000, high=110_000), 20.0),
        # A column of sizes with the rate blank: each position in its own tier of the default table.
        "HEDGE_LIQ_PRICE quantity": lambda: (100_000.0, 20.0, None, None, "short", "linear", column(low=0.01, high=20)),
        "HEDGE_MAINT_TIER": lambda: (column(low=1_000, high=1_000_000),),
        "HEDGE_MARGIN": lambda: (column(low=1_000, high=50_000), 20.0),
        "HEDGE_MARGIN_BUFFER": lambda: (column(low=90_000, high=110_000), 100_000.0, 20.0),
        "HEDGE_MARGIN_BUFFER quantity": lambda: (
            100_000.0,
            102_000.0,
            20.0,
            None,
            None,
            "linear",
            column(low=0.01, high=20),
        ),
        "HEDGE_MINVAR_RATIO": lambda: (alt(), btc()),
        "HEDGE_NOTIONAL": lambda: (column(low=100, high=1_000), 0.4),
        "HEDGE_ORDER": lambda: (column(low=1_000, high=50_000), 0.15, 100_000.0),
        "HEDGE_OVERHEDGED": lambda: (20_000.0, column(low=100, high=1_000)),
        "HEDGE_RATIO_FG": lambda: (column(low=0, high=100),),
        "HEDGE_RATIO_VOL": lambda: (column(low=0.1, high=1.5),),
        "HEDGE_SIGNALS": lambda: (btc(), alt(), 1.0, rates(), 20.0, None, 5_000.0),
        "HEDGE_SPIKE_COLLATERAL": lambda: (20_000.0, 100_000.0, column(low=0.01, high=1.0)),
        "HEDGE_SPIKE_SURVIVED": lambda: (column(low=2_000, high=15_000), 20_000.0, 100_000.0),
        "REALIZED_VOL": lambda: (btc(),),
        "SCENARIO_PNL": lambda: (column(low=100, high=1_000), column(low=-0.3, high=0.1), 20_000.0, -0.15),
        "SCENARIO_REPLAY": lambda: ([[1_000.0]], alt(), btc(), 500.0, rates()),
        "SCENARIO_TABLE": lambda: (
            column(low=100, high=1_000),
            column(low=-0.3, high=0.1),
            20_000.0,
            -0.15,
            [[f"coin {i}"] for i in range(N)],
        ),
        "STRESS_GRID": lambda: (50_000.0, 50_000.0, 20_000.0, column(low=-0.5, high=0.5), [[-0.1, 0.0, 0.1]]),
        # Probes: results beyond the sheet or the cell budget, refused before computing.
        "probe HEDGE_MARGIN 1e5 x 1e5": lambda: (column(low=1_000, high=50_000), [[20.0] * N]),
        "probe STRESS_GRID 2e4 x 1e4": lambda: (
            50_000.0,
            50_000.0,
            20_000.0,
            _column(np.linspace(-0.5, 0.5, 20_000)),
            [list(np.linspace(-0.2, 0.2, 10_000))],
        ),
        "probe HEDGE_EFFECTIVENESS 1e5 x 1e5": lambda: (alt(), btc(), _column(np.linspace(0.0, 2.0, N))),
    }


def _function(case: str) -> Callable[..., Any]:
    import althedge_xl.udfs as udfs

    name = case.split()[1] if case.startswith("probe ") else case.split()[0]
    return getattr(udfs, name)  # type: ignore[no-any-return]


def _summary(result: Any) -> str:
    if isinstance(result, str):
        return result if len(result) <= 70 else result[:67] + "..."
    if isinstance(result, list):
        rows = len(result)
        cols = len(result[0]) if rows and isinstance(result[0], list) else 1
        return f"table {rows} x {cols}"
    return f"{type(result).__name__} {result!r}"[:70]


def _cells(args: tuple[Any, ...]) -> int:
    total = 0
    for arg in args:
        if isinstance(arg, list):
            total += sum(len(row) if isinstance(row, list) else 1 for row in arg)
        else:
            total += 1
    return total


def run_one(case: str, repeat: int, cap_gib: float) -> dict[str, Any]:
    """Measure one case in this process (the child's job)."""
    import resource
    import tracemalloc

    cap = int(cap_gib * 2**30)
    resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    function = _function(case)
    args = _cases()[case]()
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    times, cpu_times = [], []
    result: Any = None
    for _ in range(repeat):
        began, began_cpu = time.perf_counter(), time.process_time()
        result = function(*args)
        times.append(time.perf_counter() - began)
        cpu_times.append(time.process_time() - began_cpu)
        if len(times) == 1:
            rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    del result
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    result = function(*args)
    peak = tracemalloc.get_traced_memory()[1] - base
    tracemalloc.stop()
    import althedge_xl

    return {
        "case": case,
        "package": str(Path(althedge_xl.__file__).parent),
        "cells": _cells(args),
        "best_s": min(times),
        "first_s": times[0],
        "cpu_s": min(cpu_times),
        "rss_rise_mb": (rss_after - rss_before) / 1024,
        "traced_peak_mb": peak / 2**20,
        "result": _summary(result),
    }


def _child(case: str, repeat: int, cap_gib: float, timeout: float, root: Path = ROOT) -> dict[str, Any]:
    """Measure ``case`` in a fresh interpreter that imports the package of the checkout at ``root``."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(root), os.environ.get("PYTHONPATH", "")]))
    command = [sys.executable, __file__, "--child", case, "--repeat", str(repeat), "--cap-gib", str(cap_gib)]
    began = time.perf_counter()
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, env=env, check=False)
    except subprocess.TimeoutExpired:
        return {"case": case, "failed": f"no answer within {timeout:.0f} s"}
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["?"])[-1]
        return {"case": case, "failed": f"exit {done.returncode} after {time.perf_counter() - began:.1f} s: {last}"}
    row: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    if Path(row["package"]) != root.resolve() / "althedge_xl":
        return {"case": case, "failed": f"measured the package in {row['package']}, not the one in {root}"}
    return row


def _figures(row: dict[str, Any]) -> str:
    if "failed" in row:
        return f"{'':>7} {'':>7} {'':>8}"
    return f"{row['best_s']:>7.3f} {row['cpu_s']:>7.3f} {row['traced_peak_mb']:>8.1f}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--only", help="comma-separated case names")
    parser.add_argument("--repeat", type=int, default=3, help="timed calls per case (default 3)")
    parser.add_argument("--cap-gib", type=float, default=8.0, help="address-space cap of each child (default 8)")
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds per case (default 120)")
    parser.add_argument("--json", help="also write the figures to this file")
    parser.add_argument("--baseline", type=Path, help="also measure the package of this checkout, side by side")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.child:
        print(json.dumps(run_one(options.child, options.repeat, options.cap_gib)))
        return 0
    sys.path.insert(0, str(ROOT))
    from _common import load_note

    names = list(_cases())
    if options.only:
        names = [n for n in names if any(n == o or n.endswith(o) for o in options.only.split(","))]
    if options.baseline:
        base = f"{'base s':>7} {'CPU s':>7} {'peak MB':>8} | "
        print(f"baseline: {options.baseline.resolve() / 'althedge_xl'}; this checkout: {ROOT / 'althedge_xl'}")
    else:
        base = ""
    print(
        f"{'case':<37} {'cells':>7} {base}{'wall s':>7} {'CPU s':>7} {'RSS +MB':>8} {'peak MB':>8}  result", flush=True
    )
    rows, missed = [], 0
    for name in names:
        if options.baseline:
            before = _child(name, options.repeat, options.cap_gib, options.timeout, options.baseline.resolve())
            base = f"{_figures(before)} | "
        row = _child(name, options.repeat, options.cap_gib, options.timeout)
        if options.baseline:
            row["baseline"] = before
        rows.append(row)
        if "failed" in row:
            missed += 1
            print(f"{row['case']:<37} {'':>7} {base}{'':>7} {'':>7} {'':>8} {'':>8}  FAIL {row['failed']}", flush=True)
            continue
        met = min(row["best_s"], row["cpu_s"]) < GOAL_SECONDS and row["traced_peak_mb"] <= GOAL_PEAK_MB
        missed += not met
        print(
            f"{row['case']:<37} {row['cells']:>7} {base}{row['best_s']:>7.3f} {row['cpu_s']:>7.3f} "
            f"{row['rss_rise_mb']:>8.1f} {row['traced_peak_mb']:>8.1f}  {'PASS' if met else 'FAIL'} {row['result']}",
            flush=True,
        )
    print(f"goals: < {GOAL_SECONDS} s (wall, or CPU on a busy machine) and a traced peak <= {GOAL_PEAK_MB:.0f} MB")
    print(f"{missed} of {len(rows)} cases missed a goal")
    note = load_note()
    if note:
        print(note)
    if options.json:
        Path(options.json).write_text(json.dumps(rows, indent=1))
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())

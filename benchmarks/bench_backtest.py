"""Core time of the backtest: every default rule over the full 2020-2026 daily history.

Run from the repository root::

    python benchmarks/bench_backtest.py

Reads the real market history (``../shared/data`` or ``$ALTHEDGE_DATA``) once, then times
``althedge_xl.core.backtest.backtest`` with the template's portfolio and all nine default rules
(unhedged, flat 25/40/50/75 %, Fear & Greed, volatility, trailing minimum variance, trailing
beta-weighted) on every day of ``daily_close_wide.csv``, with fees and every funding settlement.
The CSV reading is not timed: it is the command line's work, not the core's.

Goal: well under a second (the issue's bar): less than 0.5 s, best of several runs. Prints the
time, the period and the load average; exits 1 if the goal is missed. Not part of the test suite.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

try:
    from althedge_xl.headless.backtest import TEMPLATE_PORTFOLIO, load_history, run_backtest
except ImportError:  # run as a plain script from a source checkout
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from althedge_xl.headless.backtest import TEMPLATE_PORTFOLIO, load_history, run_backtest

from _common import load_note

from althedge_xl.workbook.samples import default_data_dir

GOAL_SECONDS = 0.5
RUNS = 7


def main() -> int:
    history = load_history(default_data_dir())
    times = []
    for _ in range(RUNS):
        began = time.perf_counter()
        result = run_backtest(history, TEMPLATE_PORTFOLIO)
        times.append(time.perf_counter() - began)
    best = min(times)
    days = len(result.dates) - 1
    print(f"backtest core: {len(result.rules)} rules x {days} days ({result.dates[0]} to {result.dates[-1]})")
    print(f"  best of {RUNS}: {best * 1000:.0f} ms; median {sorted(times)[RUNS // 2] * 1000:.0f} ms")
    print(f"  per rule-day: {best / (len(result.rules) * days) * 1e6:.2f} us")
    note = load_note()
    if note:
        print(f"  {note}")
    met = best < GOAL_SECONDS
    print(f"  goal < {GOAL_SECONDS:.1f} s: {'met' if met else 'MISSED'}")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())

"""Headless LibreOffice with the AltHedge extension: start to values on the template, and cost per cell.

Run: ``.venv/bin/python benchmarks/bench_libreoffice.py``. Prints, for the template, the seconds from
starting ``soffice`` to each stage (LibreOffice answering, extension registered in the private
profile, workbook loaded and bound, first full recalculation, values read); then, in a new document,
the wall time of a recalculation of N cells of ``=HEDGE_MARGIN(A1;A2)`` against N cells of ``=A1/A2``
(the difference per cell is the add-in's cost), beside the plain-Python cost of the same call.
Figures only, no goal: needs LibreOffice with ``python3-uno`` and numpy (see the README's "LibreOffice Calc").
"""

from __future__ import annotations

import sys
import time
import timeit
from pathlib import Path

from _common import load_note  # benchmarks/ is on sys.path when a script runs

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the checkout's package, installed or not

from althedge_xl import udfs  # noqa: E402
from althedge_xl.libreoffice.headless import run_job  # noqa: E402

TEMPLATE = ROOT / "workbook" / "AltHedge.xlsm"
CELLS = 2000


def main() -> None:
    print(load_note())
    began = time.perf_counter()
    result = run_job(TEMPLATE)
    total = time.perf_counter() - began
    print("template, seconds from starting soffice:")
    for stage, seconds in result["timings"].items():
        print(f"  {stage:<12} {seconds:6.2f}")
    print(f"  whole run (build .oxt, start, compute, read, close): {total:.2f}")

    inputs = {"Sheet1!A1": 20000, "Sheet1!A2": 20}
    timings = {}
    for label, formula in (("HEDGE_MARGIN", "=HEDGE_MARGIN($A$1;$A$2)"), ("plain", "=$A$1/$A$2")):
        steps = [
            {"set": inputs},
            {"set": {f"Sheet1!C{row}": formula for row in range(1, CELLS + 1)}},
            {"calculate": True},
            {"calculate": True},
        ]
        result = run_job(None, steps, sheets=["Sheet1"])
        timings[label] = result["timings"]
    python = min(timeit.repeat(lambda: udfs.HEDGE_MARGIN([[20000.0]], [[20.0]]), number=2000, repeat=5)) / 2000
    print(f"per cell, {CELLS} cells, the second of two full recalculations (wall time):")
    for label, stages in timings.items():
        recalc = stages["step 4"] - stages["step 3"]  # the second full recalculation: no entry, no compile
        print(f"  {label:<13} {recalc / CELLS * 1e6:8.1f} us a cell (a full recalculation)")
    print(f"  plain Python HEDGE_MARGIN call: {python * 1e6:.1f} us")


if __name__ == "__main__":
    main()

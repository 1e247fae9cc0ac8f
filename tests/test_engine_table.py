"""The engine's statistical functions still compute when scipy is imported only on first use."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import openpyxl
import pytest
from conftest import ROOT

#: Formulas whose functions come from the engine's statistics module and need scipy.stats
#: (KURT, CONFIDENCE.NORM, T.DIST.2T), scipy.linalg-free ones (STDEV, MIN, COUNT) and the
#: compatibility module (TDIST).
FORMULAS = {
    "A2": "=KURT(B1:B6)",
    "A3": "=CONFIDENCE.NORM(0.05,2,50)",
    "A4": "=STDEV(B1:B6)",
    "A5": "=MIN(B1:B6)+COUNT(B1:B6)",
    "A6": "=TDIST(1.5,10,2)",
}
DATA = [3.0, 1.0, 4.0, 1.0, 5.0, 9.0]

CHILD = """
import json, sys
from althedge_xl.headless.engine import compute
book = compute(sys.argv[1])
print(json.dumps({"scipy_before": SCIPY_BEFORE, **{c: book.value("Sheet", c) for c in sys.argv[2:]}}))
"""


def test_statistical_functions_with_scipy_deferred(tmp_path):
    import numpy as np
    from scipy import stats

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Sheet"
    for i, value in enumerate(DATA, start=1):
        sheet[f"B{i}"] = value
    for cell, formula in FORMULAS.items():
        sheet[cell] = formula
    path = tmp_path / "Stats.xlsx"
    book.save(path)
    # A fresh interpreter, so that nothing has imported scipy before the engine.
    child = "import sys; SCIPY_BEFORE = 'scipy.stats' in sys.modules\n" + CHILD
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-c", child, str(path), *FORMULAS], capture_output=True, text=True, env=env, timeout=300
    )
    assert done.returncode == 0, done.stderr
    got = json.loads(done.stdout.strip().splitlines()[-1])
    assert got["scipy_before"] is False
    data = np.array(DATA)
    # Expected values from scipy and numpy directly (Excel's definitions: sample kurtosis and
    # standard deviation, z-interval half width, two-tailed t).
    assert got["A2"] == pytest.approx(stats.kurtosis(data, fisher=True, bias=False))
    assert got["A3"] == pytest.approx(stats.norm.ppf(0.975) * 2 / np.sqrt(50))
    assert got["A4"] == pytest.approx(np.std(data, ddof=1))
    assert got["A5"] == 1 + 6
    assert got["A6"] == pytest.approx(2 * stats.t.sf(1.5, 10))

"""The template's bytes depend on the package versions, not on the CPU or its BLAS (issue 20).

On another x86-64 CPU the committed template and a fresh build differed in 11 cached numbers, by at most
7e-16 relative: BLAS picks its kernels for the CPU at run time and adds in another order. The statistics now
add with exactly rounded sums, and the builder rounds every cached float to 12 significant digits.
"""

from __future__ import annotations

import importlib.util
import io
import os
import platform
import subprocess
import sys
from decimal import ROUND_HALF_EVEN, Decimal
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
import xlsxwriter
from conftest import ROOT, TEMPLATE
from package_diff import describe, differences

from althedge_xl.core._sums import column_dots, exact_dot, exact_mean, row_dots
from althedge_xl.core.stats.regression import beta_aligned
from althedge_xl.udfs import HEDGE_BETA_TABLE, HEDGE_CORREL, HEDGE_MINVAR_RATIO
from althedge_xl.workbook.cached_values import CACHED_DIGITS, cached_number, cached_values

#: OpenBLAS's kernel for the oldest x86-64 CPUs (SSE3, no fused multiply-add): every x86-64 CPU runs it.
OTHER_KERNEL = "Prescott"
#: Prints OpenBLAS's kernel in use; run in this process and in the build's.
CORENAME = """
import ctypes, numpy
def corename():
    library = next((line.split()[-1] for line in open("/proc/self/maps") if "openblas" in line.lower()), None)
    if library is None:
        return None
    blas = ctypes.CDLL(library)
    for name in ("scipy_openblas_get_corename64_", "scipy_openblas_get_corename", "openblas_get_corename"):
        if hasattr(blas, name):
            getattr(blas, name).restype = ctypes.c_char_p
            return getattr(blas, name)().decode()
    return None
"""
#: Builds the template to ``sys.argv[1]`` after printing the kernel.
BUILD = """
import sys
from pathlib import Path
from althedge_xl.headless.template import build_workbook
print(corename())
build_workbook(Path(sys.argv[1]))
"""


def _corename() -> str | None:
    scope: dict[str, object] = {}
    exec(CORENAME, scope)
    return scope["corename"]()  # type: ignore[operator]


@pytest.mark.skipif(
    sys.platform != "linux" or platform.machine() != "x86_64", reason="OpenBLAS's kernels are chosen by name on x86-64"
)
def test_another_cpus_blas_kernel_builds_the_committed_template(tmp_path):
    native = _corename()
    if native is None:
        pytest.skip("numpy does not use OpenBLAS here")
    out = tmp_path / "Other.xlsm"
    env = os.environ | {"OPENBLAS_CORETYPE": OTHER_KERNEL}
    done = subprocess.run(
        [sys.executable, "-c", CORENAME + BUILD, str(out)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    other = done.stdout.splitlines()[0]
    if other == native:
        pytest.skip(f"this CPU's own OpenBLAS kernel is already {native}")
    # Before the sums were exact, this build differed from the committed template in 5,223 cells and chart values.
    assert out.read_bytes() == TEMPLATE.read_bytes(), describe(
        TEMPLATE, out, f"the build with OpenBLAS's {other} kernel (this CPU's: {native})"
    )


def test_a_beta_does_not_depend_on_the_order_of_its_periods():
    # The OLS slope is a sum over periods: any order of the periods is the same regression, so the same bits.
    rng = np.random.default_rng(20)
    for _ in range(100):
        t, k = int(rng.integers(3, 400)), int(rng.integers(1, 5))
        r_btc = rng.normal(0.0, 0.03, t)
        r_alt = 1.3 * r_btc[:, None] + rng.normal(0.0, 0.02, (t, k))
        order = rng.permutation(t)
        for w in (None, 0.5 ** (np.arange(t)[::-1] / 30.0)):
            again = beta_aligned(r_alt[order], r_btc[order], None if w is None else w[order], "btc")
            assert again.tolist() == beta_aligned(r_alt, r_btc, w, "btc").tolist()


def _exact(products: list[float]) -> float:
    """The float nearest the exact sum, by rational arithmetic (``float(Fraction)`` rounds correctly)."""
    return float(sum((Fraction(p) for p in products), Fraction(0)))


def test_the_sums_are_exactly_rounded():
    rng = np.random.default_rng(7)
    x = rng.normal(0.0, 1.0, 1000) * 10.0 ** rng.integers(-8, 9, 1000)
    panel = rng.normal(0.0, 1.0, (1000, 3))
    assert exact_dot(x, panel[:, 0]) == _exact([a * b for a, b in zip(x.tolist(), panel[:, 0].tolist(), strict=True)])
    assert column_dots(x, panel).tolist() == [
        _exact([a * b for a, b in zip(x.tolist(), panel[:, j].tolist(), strict=True)]) for j in range(3)
    ]
    assert exact_mean(x) == _exact(x.tolist()) / 1000
    # 1e16 + 1 - 1e16 in this order loses the 1 in plain float arithmetic; the exactly rounded sum keeps it.
    assert exact_dot(np.array([1e16, 1.0, -1e16]), np.ones(3)) == 1.0


def test_a_wide_panel_is_summed_in_blocks_with_the_same_result():
    rng = np.random.default_rng(3)
    x, panel = rng.normal(size=2), rng.normal(size=(2, 70_000))  # more columns than one block of products
    expected = [_exact([x[0] * panel[0, j], x[1] * panel[1, j]]) for j in range(0, 70_000, 997)]
    assert column_dots(x, panel)[::997].tolist() == expected


def test_row_dots_add_the_columns_left_to_right_each_step_rounded_once():
    rng = np.random.default_rng(5)
    panel, weights = rng.normal(size=(500, 7)), rng.random(7)
    expected = []
    for row in panel.tolist():
        total = 0.0
        for value, weight in zip(row, weights.tolist(), strict=True):
            total = total + value * weight  # Python floats: one IEEE rounding per operation, no fused multiply-add
        expected.append(total)
    assert row_dots(panel, weights).tolist() == expected
    assert row_dots(np.empty((4, 0)), np.empty(0)).tolist() == [0.0] * 4


def test_a_sum_beyond_the_float_range_is_inf_or_nan_not_an_exception():
    # math.fsum raises OverflowError ("intermediate overflow") and ValueError ("-inf + inf"); these answer as numpy's
    assert exact_dot(np.array([1e308, 1e308]), np.ones(2)) == float("inf")
    assert np.isnan(exact_dot(np.array([np.inf, -np.inf]), np.ones(2)))
    assert column_dots(np.array([1e308, 1e308]), np.ones((2, 2))).tolist() == [float("inf")] * 2
    prices = [[1e-154], [1e154], [1e-154], [1e154], [1e-154]]  # returns of 1e308
    for answer in (HEDGE_CORREL(prices, prices), HEDGE_MINVAR_RATIO(prices, prices), HEDGE_BETA_TABLE(prices, prices)):
        assert "unexpected" not in str(answer)


def _twelve_digits(value: float) -> float:
    """12 significant digits of the float's exact binary value, half to even, by decimal arithmetic."""
    exact = Decimal(value)
    step = Decimal(1).scaleb(exact.adjusted() - (CACHED_DIGITS - 1))
    return float(exact.quantize(step, rounding=ROUND_HALF_EVEN))


def test_a_cached_float_keeps_twelve_significant_digits():
    rng = np.random.default_rng(12)
    values = (rng.normal(size=2000) * 10.0 ** rng.integers(-12, 13, 2000)).tolist()
    assert [cached_number(v) for v in values] == [_twelve_digits(v) for v in values]
    # exact ties (13-digit integers ending in 5) go to the even 12th digit
    assert cached_number(1_000_000_000_005.0) == 1_000_000_000_000.0 == _twelve_digits(1_000_000_000_005.0)
    assert cached_number(1_000_000_000_015.0) == 1_000_000_000_020.0 == _twelve_digits(1_000_000_000_015.0)
    assert cached_number(0.0) == 0.0 and cached_number(float("inf")) == float("inf")
    assert np.isnan(cached_number(float("nan")))


def test_the_cells_that_differed_between_two_cpus_are_cached_alike():
    # The committed template and the other CPU's build (issue 20): HedgeRatio!B11 and Backtest!B7 and D5.
    pairs = [(1.496953700492555, 1.4969537004925542), (1.537392258184798, 1.537392258184797)]
    pairs.append((1.2657783745755151, 1.2657783745755153))
    assert all(cached_number(a) == cached_number(b) for a, b in pairs)


def test_only_floats_are_rounded():
    cells = {("S", "A1"): 1 / 3, ("S", "A2"): "1/3", ("S", "A3"): True, ("S", "A4"): 3, ("S", "A5"): "#N/A"}
    assert cached_values(cells) == {**cells, ("S", "A1"): 0.333333333333}


def _package(cached: float, text: str) -> bytes:
    target = io.BytesIO()
    book = xlsxwriter.Workbook(target, {"in_memory": True})
    sheet = book.add_worksheet("Data")
    sheet.write_formula("A1", "=1+1", None, cached)
    sheet.write_string("B2", text)
    book.close()
    return target.getvalue()


def test_a_failure_names_the_cells_that_differ_and_by_how_much():
    old, new = _package(2.0, "x"), _package(2.0000000000000004, "x")
    # 2.0000000000000004 is 2 + 2^-51: relative difference 2^-51 / 2.0000000000000004 = 2.2e-16
    assert differences(old, new) == ["Data!A1: 2.0 -> 2.0000000000000004, relative 2.2e-16"]
    assert differences(old, old) == []
    assert "part xl/sharedStrings.xml" in differences(old, _package(2.0, "y"))[0]
    assert describe(old, new, "rebuild").startswith("rebuild; 1 difference:\n  Data!A1: 2.0 -> ")


def _tasks(monkeypatch, tmp_path):
    """tasks.py loaded as a module, set to work in ``tmp_path`` and to record the commands it would run."""
    spec = importlib.util.spec_from_file_location("tasks_under_test", ROOT / "tasks.py")
    assert spec is not None and spec.loader is not None
    tasks = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tasks)
    (tmp_path / "pyproject.toml").write_bytes((ROOT / "pyproject.toml").read_bytes())
    (tmp_path / "constraints.txt").write_bytes((ROOT / "constraints.txt").read_bytes())
    monkeypatch.setattr(tasks, "ROOT", tmp_path)
    monkeypatch.setattr(tasks, "VENV", tmp_path)
    monkeypatch.setattr(tasks, "PYTHON", Path(sys.executable))  # exists: no environment is created
    commands: list[list[str]] = []
    monkeypatch.setattr(tasks, "run", lambda *command: commands.append([str(c) for c in command]))
    return tasks, commands


def test_tasks_installs_with_the_constraints_and_again_when_they_change(monkeypatch, tmp_path):
    tasks, commands = _tasks(monkeypatch, tmp_path)
    tasks.ensure_venv("dev")
    install = commands[-1]
    assert install[install.index("-c") + 1] == str(tmp_path / "constraints.txt") and ".[dev]" in install
    count = len(commands)
    tasks.ensure_venv("dev")
    assert len(commands) == count  # installed already for these files
    with (tmp_path / "constraints.txt").open("a") as constraints:
        constraints.write("# changed\n")
    tasks.ensure_venv("dev")
    assert len(commands) > count


def test_the_constraints_pin_every_package_that_shapes_the_template():
    pins = {}
    for line in (ROOT / "constraints.txt").read_text().splitlines():
        requirement = line.split("#")[0].strip()
        if requirement:
            name, _, version = requirement.partition("==")
            pins[name.strip().lower()] = version.strip()
    shaping = {"numpy", "xlsxwriter", "pyopenvba", "openpyxl", "xlwings", "formulas", "schedula"}
    assert shaping <= pins.keys() and all(pins[name] for name in shaping)

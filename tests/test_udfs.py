"""The Excel face (althedge_xl.udfs): worked numbers, shapes, errors, registration, never raising."""

from __future__ import annotations

import copy
import inspect
import math
import re

import numpy as np
import pytest
from conftest import binance_brackets
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from althedge_xl import udfs
from althedge_xl.excel.errors import ExcelError
from althedge_xl.excel.function import CATEGORY, udf_spec
from althedge_xl.worked_examples import EXAMPLES

ALL_UDFS = {name: f for name, f in vars(udfs).items() if hasattr(f, "__althedge_udf__")}


def _real_closes(days: int = 30) -> tuple[list[list[float]], list[list[float]]]:
    """ETH and BTC daily closes of the first ``days`` days of 2022 (shared market data), as columns."""
    import csv

    from conftest import DATA_DIR

    with open(DATA_DIR / "prices" / "daily_close_wide.csv", newline="") as f:
        rows = [r for r in csv.DictReader(f) if r["date"].startswith("2022-01")][:days]
    return [[float(r["ETH"])] for r in rows], [[float(r["BTC"])] for r in rows]


ETH, BTC = _real_closes()

# One valid call per function, in the shapes Excel passes (ranges as lists of rows).
VALID_CALLS = {
    "HEDGE_NOTIONAL": ([[30_000], [20_000]], 0.4),
    "HEDGE_MARGIN": (20_000, 20),
    "SCENARIO_PNL": ([[50_000], [50_000]], [[-0.15], [-0.2]], 20_000, -0.15),
    "SCENARIO_TABLE": ([[50_000], [50_000]], [[-0.15], [-0.2]], 20_000, -0.15),
    "FUNDING_COST": (20_000, 0.0001, 30),
    "HEDGE_CONTRACTS": (20_000, 100_000),
    "HEDGE_LIQ_PRICE": (100_000, 20),
    "HEDGE_MARGIN_BUFFER": (100_000, 101_000, 20),
    "HEDGE_MAINT_TIER": (20_000,),
    "HEDGE_LIQUIDATION": (100_000, 0.2, 20),
    "HEDGE_LIQ_CROSS": (100_000, 2, 10_000),
    "HEDGE_SPIKE_COLLATERAL": (20_000, 100_000, 0.4),
    "HEDGE_SPIKE_SURVIVED": (8_112, 20_000, 100_000),
    "HEDGE_ORDER": (20_000, 0.15, 100_000),
    "HEDGE_RATIO_FG": (50,),
    "BASIS_ANNUALIZED": (101_500, 100_000, 90),
    "DATED_HEDGE_COST": (20_000, 101_500, 100_000, 90),
    "FUNDING_BREAKEVEN": (101_500, 100_000, 90),
    "HEDGE_OVERHEDGED": (20_000, [[30_000], [20_000]]),
    "STRESS_GRID": (50_000, 50_000, 20_000, [[-0.5], [0.0], [0.5]], [[-0.1, 0.0]]),
    "HEDGE_BETA": (ETH, BTC),
    "HEDGE_CORREL": (ETH, BTC),
    "HEDGE_MINVAR_RATIO": (ETH, BTC),
    "HEDGE_EFFECTIVENESS": (ETH, BTC, 0.4),
    "REALIZED_VOL": (BTC,),
    "SCENARIO_REPLAY": ([[30_000]], ETH, BTC, 20_000),
    "HEDGE_RATIO_VOL": (0.55,),
    "HEDGE_BETA_TABLE": ([[e[0], b[0]] for e, b in zip(ETH, BTC, strict=True)], BTC),
    "HEDGE_SIGNALS": (BTC, ETH, 1, [[0.0003]] * len(BTC), 50, None, 10),
    "BACKTEST": ([[f"2022-01-{d + 1:02d}"] for d in range(len(BTC))], BTC, ETH, 10_000, 0, None, None, "flat40"),
}


def test_every_udf_has_a_valid_call():
    assert set(VALID_CALLS) == set(ALL_UDFS)


@pytest.mark.parametrize("name", sorted(VALID_CALLS))
def test_valid_calls_give_numbers(name):
    assert not isinstance(ALL_UDFS[name](*VALID_CALLS[name]), ExcelError)


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda e: e.label)
def test_worked_examples(example):
    result = getattr(udfs, example.function)(*example.args)
    assert not isinstance(result, ExcelError), result
    if isinstance(example.expected, bool):
        assert result is example.expected
    else:
        assert round(result, 2) == pytest.approx(example.expected, abs=1e-9)  # to the cent


def test_scenario_table_layout():
    # The method's table: a header, BTC and altcoin rows, total spot, short, net.
    table = udfs.SCENARIO_TABLE([[50_000], [50_000]], [[-0.15], [-0.2]], 20_000, -0.15, [["BTC"], ["Altcoins"]])
    assert table[0] == ["Position", "Value", "Change", "Final value", "P/L"]
    assert [row[0] for row in table[1:]] == ["BTC", "Altcoins", "Total spot", "Short BTC futures", "Net change"]
    assert [row[4] for row in table[1:]] == [-7_500, -10_000, -17_500, 3_000, -14_500]


class TestShapes:
    def test_scalar_in_scalar_out(self):
        assert isinstance(udfs.HEDGE_MARGIN(20_000, 20), float)
        assert isinstance(udfs.HEDGE_MARGIN([[20_000]], [[20]]), float)  # a 1×1 range is a cell

    def test_column_in_column_out(self):
        assert udfs.HEDGE_MARGIN([[20_000], [40_000]], 20) == [[1_000.0], [2_000.0]]

    def test_row_in_row_out(self):
        result = udfs.HEDGE_RATIO_FG([[20, 50, 90]])
        assert len(result) == 1
        assert result[0] == pytest.approx([0.5, 0.25, 0.05])

    def test_column_by_row_broadcast(self):
        assert udfs.HEDGE_MARGIN([[20_000], [40_000]], [[10, 20]]) == [[2_000, 1_000], [4_000, 2_000]]

    def test_python_lists_too(self):
        assert udfs.HEDGE_MARGIN([20_000, 40_000], 20) == [1_000.0, 2_000.0]

    def test_grid_shape(self):
        grid = udfs.STRESS_GRID(*VALID_CALLS["STRESS_GRID"])
        assert len(grid) == 3 and all(len(row) == 2 for row in grid)

    def test_blank_rows_of_holdings_are_ignored(self):
        assert udfs.HEDGE_NOTIONAL([[30_000], [None], [20_000], [None]], 0.4) == 20_000.0

    def test_blank_beta_means_one(self):
        assert udfs.HEDGE_NOTIONAL([[30_000], [20_000]], 0.5, [[2], [None]]) == 0.5 * (60_000 + 20_000)


def _code(value):
    assert isinstance(value, ExcelError), value
    return value.code


class TestErrors:
    @pytest.mark.parametrize(
        ("call", "code", "text"),
        [
            (lambda: udfs.HEDGE_MARGIN(20_000, 0.5), "#NUM!", "#NUM! leverage must be at least 1"),
            (
                lambda: udfs.HEDGE_NOTIONAL(50_000, "forty"),
                "#VALUE!",
                '#VALUE! hedge_ratio is text ("forty"), not a number',
            ),
            (lambda: udfs.HEDGE_MARGIN(None, 20), "#N/A", "#N/A notional is blank"),
            (lambda: udfs.HEDGE_MARGIN(True, 20), "#VALUE!", "#VALUE! notional is TRUE/FALSE, not a number"),
            (lambda: udfs.HEDGE_MARGIN(-5, 20), "#NUM!", "#NUM! notional must not be negative"),
            (
                lambda: udfs.HEDGE_MARGIN(math.nan, 20),
                "#NUM!",
                "#NUM! notional must be a finite number, not NaN (a blank cell is None)",
            ),
            (lambda: udfs.HEDGE_MARGIN(math.inf, 20), "#NUM!", "#NUM! notional must be a finite number, not inf"),
            (lambda: udfs.HEDGE_MARGIN("#DIV/0!", 20), "#DIV/0!", "#DIV/0! notional is the error #DIV/0!"),
            (lambda: udfs.HEDGE_NOTIONAL(50_000, 4), "#NUM!", "#NUM! hedge_ratio must be between 0% and 300%"),
            (lambda: udfs.FUNDING_COST(20_000, 0.0001, 30, 8, "sideways"), "#VALUE!", None),
            (
                lambda: udfs.HEDGE_MARGIN([[1, 2], [3]], 20),
                "#VALUE!",
                "#VALUE! notional has rows of different lengths [1, 2]",
            ),
            (lambda: udfs.HEDGE_MARGIN([[1], [None]], 20), "#N/A", "#N/A notional (row 2, column 1) is blank"),
            (lambda: udfs.SCENARIO_PNL([[1], [2]], [[0.1], [0.1], [0.1]], 0, 0), "#VALUE!", None),
            (lambda: udfs.HEDGE_NOTIONAL([[None]], 0.4), "#N/A", "#N/A alt_values is blank"),
            (lambda: udfs.HEDGE_MARGIN(10**400, 20), "#NUM!", "#NUM! notional is too large a number"),
            (lambda: udfs.HEDGE_OVERHEDGED(-1, 50_000), "#NUM!", "#NUM! hedge_notional must not be negative"),
            (
                lambda: udfs.HEDGE_LIQUIDATION(100_000, 10, 125),
                "#NUM!",
                "#NUM! Binance allows at most 75× for a 1,000,000 USDT position",
            ),
            (lambda: udfs.HEDGE_LIQUIDATION(100_000, 0.2, 20, 0), "#NUM!", "#NUM! collateral must be greater than 0"),
            (lambda: udfs.HEDGE_SPIKE_COLLATERAL(20_000, 100_000, 0), "#NUM!", "#NUM! rise must be greater than 0"),
            (lambda: udfs.HEDGE_SPIKE_COLLATERAL(20_000, 100_000, 0.4, "linear", "kraken"), "#VALUE!", None),
            (lambda: udfs.HEDGE_CONTRACTS(50, 100_000), "#NUM!", None),  # below BTCUSDT's 100 USDT minimum
            (lambda: udfs.FUNDING_COST(20_000, 0.01, 30), "#NUM!", None),  # 0.01 typed for 0.01 %
        ],
    )
    def test_error_values(self, call, code, text):
        result = call()
        assert _code(result) == code
        if text:
            assert str(result) == text

    def test_optional_blank_takes_default(self):
        assert udfs.FUNDING_COST(20_000, 0.0001, 30, None, None) == pytest.approx(-180)

    def test_optional_argument_referring_to_a_blank_cell(self):
        # Excel passes a reference to an empty cell as [[None]]: the same as leaving it out.
        blank = [[None]]
        assert udfs.FUNDING_COST(20_000, 0.0001, 30, blank, blank) == pytest.approx(-180)
        assert udfs.FUNDING_COST(20_000, [[0.0001], [0.0002]], blank) == pytest.approx(-20_000 * 0.0003)
        assert (
            udfs.HEDGE_MAINT_TIER(20_000, blank) == udfs.HEDGE_MAINT_TIER(20_000) == [list(binance_brackets()[0][2:])]
        )
        assert udfs.HEDGE_RATIO_FG(50, blank) == pytest.approx(0.25)
        assert udfs.HEDGE_NOTIONAL(50_000, 0.4, blank) == 20_000
        assert udfs.SCENARIO_TABLE([[50_000]], [[-0.1]], 0, 0, blank)[1][0] == "Holding 1"
        assert udfs.HEDGE_CONTRACTS(20_000, 100_000, blank, blank) == 0.2

    def test_regression_one_rate_left_in_a_range(self):
        # Fuzzer: a range holding one rate and a blank gave "#N/A days is needed with a single
        # funding_rate"; it is a series of one settlement: 20,000 × 0.01 %, received by the short.
        assert udfs.FUNDING_COST([[20000]], [[0.0001], [None]]) == pytest.approx(-2.0)

    def test_regression_tiny_step(self):
        # Fuzzer: the one silent wrong number of 172,830 hostile calls (0 instead of 0.2).
        assert udfs.HEDGE_CONTRACTS(20000, 100000, "linear", 1e-13) == pytest.approx(0.2)

    def test_funding_at_the_mark_from_ranges(self):
        # 0.2 BTC (20,000 at the first mark 100,000) short, +0.01 % at marks 100,000 and 110,000 (blank row skipped).
        rates, marks = [[0.0001], [None], [0.0001]], [[100_000], [None], [110_000]]
        assert udfs.FUNDING_COST(20_000, rates, None, 8, "short", marks) == pytest.approx(-0.2 * 210_000 * 0.0001)

    def test_tier_rows_from_a_sheet(self):
        # A sheet's table: blank rows at the end; 60,000 is in bracket 2 (0.5 %, 50, 100×).
        rows = [[0, 50_000, 0.004, 0, 125], [50_000, 600_000, 0.005, 50, 100], [None] * 5]
        assert udfs.HEDGE_MAINT_TIER(60_000, rows) == [[0.005, 50.0, 100.0]]
        found = udfs.HEDGE_LIQUIDATION(60_000, 1, 10, None, "short", "linear", "binance", rows)
        assert found[0][0] == pytest.approx(66_050 / 1.005)

    def test_order_row(self):
        assert udfs.HEDGE_ORDER(20_000, 0.19, 100_000)[0][0] == "none"
        assert udfs.HEDGE_ORDER(20_000, 0.15, 100_000)[0][:4] == ["sell", 0.05, 5_000.0, 2.5]

    def test_a_range_of_blank_rows_is_an_empty_portfolio(self):
        # Like Excel's SUM: the template's unused satellite rows hedge nothing rather than fail.
        assert udfs.HEDGE_NOTIONAL([[None], [None], [""]], 0.5) == 0.0
        assert udfs.HEDGE_OVERHEDGED(0, [[None], [None]]) is False

    def test_over_hedging_is_flagged_not_an_error(self):
        assert udfs.HEDGE_NOTIONAL(50_000, 1.5) == 75_000.0
        assert udfs.HEDGE_OVERHEDGED(75_000, 50_000) is True


class TestRegistration:
    @pytest.mark.parametrize("name", sorted(ALL_UDFS))
    def test_wizard_metadata(self, name):
        function = ALL_UDFS[name]
        spec = udf_spec(function)
        assert spec.name == name and re.fullmatch(r"[A-Z][A-Z0-9_]*", name)
        assert spec.category == CATEGORY == "AltHedge"
        assert 0 < len(spec.description) <= 255 and "\n" not in spec.description
        params = inspect.signature(function).parameters
        assert list(spec.arg_docs) == list(params)
        assert all(0 < len(doc) <= 255 for doc in spec.arg_docs.values())
        assert all(p.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD for p in params.values())
        assert function.__annotations__ == {}  # xlwings would read type hints as converters
        assert ">>> " in (function.__doc__ or ""), "a worked example in the docstring"


CELL = st.one_of(
    st.none(),
    st.booleans(),
    st.text(max_size=8),
    st.sampled_from(["#N/A", "#DIV/0!", "", "short", "long", "inverse", "ols"]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(min_value=-(10**400), max_value=10**400),
    st.sampled_from([0.0, -0.15, 0.4, 20.0, 100_000.0, 1e308, -1e-300]),
)
RANGE = st.one_of(
    CELL,
    st.lists(CELL, min_size=0, max_size=4),
    st.lists(st.lists(CELL, min_size=0, max_size=3), min_size=0, max_size=4),  # ragged too
)


def _acceptable(result) -> bool:
    if isinstance(result, ExcelError):
        return "unexpected" not in result  # the decorator's last-resort message means a bug

    if isinstance(result, bool):
        return True
    if isinstance(result, float):
        return math.isfinite(result)
    if isinstance(result, list):
        cells = [c for row in result for c in (row if isinstance(row, list) else [row])]
        return all(
            isinstance(c, (bool, str)) or (isinstance(c, float) and math.isfinite(c)) or c is None for c in cells
        )
    return False


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_never_raises(data):
    for name, function in ALL_UDFS.items():
        n_params = len(inspect.signature(function).parameters)
        args = data.draw(st.lists(RANGE, min_size=n_params, max_size=n_params), label=name)
        before = copy.deepcopy(args)
        result = function(*args)
        assert _acceptable(result), (name, args, result)
        assert repr(args) == repr(before), "inputs were modified"


@settings(max_examples=200, deadline=None)
@given(
    values=st.lists(st.floats(0, 1e9), min_size=1, max_size=6),
    ratio=st.floats(0, 3),
)
def test_notional_matches_definition(values, ratio):
    column = [[v] for v in values]
    assert udfs.HEDGE_NOTIONAL(column, ratio) == pytest.approx(float(np.sum(values)) * ratio, rel=1e-12, abs=1e-6)


def test_core_and_udfs_need_neither_pandas_nor_xlwings_outside_excel():
    # Core imports neither; the Excel face imports xlwings only where xlwings runs UDFs (Windows,
    # an xlwings server, or xlwings already loaded), and works with pandas absent.
    import subprocess
    import sys

    code = (
        "import sys; sys.modules['pandas'] = None\n"
        "import althedge_xl.core.sizing, althedge_xl.core.margin, althedge_xl.core.scenario\n"
        "import althedge_xl.core.funding, althedge_xl.core.stats\n"
        "assert 'xlwings' not in sys.modules\n"
        "import althedge_xl.udfs as u\n"
        "assert sys.modules.get('pandas') is None\n"
        "print(u.HEDGE_MARGIN(20000, 20), u.SCENARIO_PNL([[50000], [50000]], [[-0.15], [-0.2]], 20000, -0.15))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["1000.0", "-14500.0"]  # the method's margin and net (DESIGN.md)

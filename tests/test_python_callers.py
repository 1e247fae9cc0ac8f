"""The Excel functions called from Python: keywords, NaN, numpy matrices, argument counts, huge numbers.

Excel passes numbers, text, booleans, blanks (``None``) and error values; a Python caller can pass
more. Every function is driven here by name from the function list (no hand-made list), each from
its valid call in ``test_udfs.VALID_CALLS``, with one argument made hostile at a time.
"""

from __future__ import annotations

import datetime as dt
import inspect
import math
import pydoc
import subprocess
import sys
import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_udfs import ALL_UDFS, RANGE, VALID_CALLS

from althedge_xl import udfs
from althedge_xl.excel.errors import ExcelError

NAMES = sorted(ALL_UDFS)


def _params(name: str) -> list[inspect.Parameter]:
    return list(inspect.signature(ALL_UDFS[name]).parameters.values())


def _full_call(name: str) -> list[object]:
    """The valid call with every optional argument it leaves out given as its default."""
    given = list(VALID_CALLS[name])
    return given + [p.default for p in _params(name)[len(given) :]]


def _hostile_args(name: str) -> list[tuple[str, int]]:
    """(function, argument index) for every argument of every function."""
    return [(name, i) for i in range(len(_params(name)))]


EVERY_ARGUMENT = [pair for name in NAMES for pair in _hostile_args(name)]
RANGE_ARGUMENTS = [(name, i) for name, i in EVERY_ARGUMENT if isinstance(_full_call(name)[i], list)]
WITH_OPTIONALS = [name for name in NAMES if _params(name)[-1].default is not inspect.Parameter.empty]


def _error(result: object) -> ExcelError:
    assert isinstance(result, ExcelError), result
    assert "unexpected" not in result, result  # the decorator's last resort means a case nobody decided
    return result


class TestKeywordCalls:
    @pytest.mark.parametrize("name", NAMES)
    def test_every_argument_by_name_equals_the_positional_call(self, name):
        function, args = ALL_UDFS[name], VALID_CALLS[name]
        names = [p.name for p in _params(name)]
        expected = function(*args)
        assert function(**dict(zip(names, args, strict=False))) == expected
        assert function(args[0], **dict(zip(names[1:], args[1:], strict=False))) == expected

    @pytest.mark.parametrize("name", WITH_OPTIONALS)
    def test_a_later_optional_by_name_skips_the_ones_before(self, name):
        # Naming only the last optional argument is the positional call with every default before it.
        function, params = ALL_UDFS[name], _params(name)
        required = [a for a, p in zip(_full_call(name), params, strict=True) if p.default is inspect.Parameter.empty]
        last = params[-1]
        defaults = [p.default for p in params[len(required) :]]
        assert function(*required, **{last.name: last.default}) == function(*required, *defaults)

    def test_side_by_name(self):
        # DESIGN.md's Binance linear example: EP 100,000, 20x, MMR 0.4 %, cum 0 -> long 95,381.53.
        assert round(udfs.HEDGE_LIQ_PRICE(100_000, 20, side="long"), 2) == 95_381.53
        assert udfs.HEDGE_LIQ_PRICE(100_000, 20, side="long") == udfs.HEDGE_LIQ_PRICE(
            100_000, 20, *[p.default for p in _params("HEDGE_LIQ_PRICE")[2:4]], "long"
        )

    @pytest.mark.parametrize("name", NAMES)
    def test_unknown_name_twice_given_and_missing_are_clear_errors(self, name):
        function, args = ALL_UDFS[name], VALID_CALLS[name]
        first = _params(name)[0].name
        unknown = _error(function(*args, hedge_ratioo=0.4))
        assert unknown.code == "#VALUE!" and "'hedge_ratioo'" in unknown and first in unknown
        twice = _error(function(*args, **{first: args[0]}))
        assert twice.code == "#VALUE!" and f"{first} twice" in twice
        missing = _error(function())
        assert missing.code == "#N/A" and f"{first} is missing" in missing

    @pytest.mark.parametrize("name", NAMES)
    def test_one_argument_too_many(self, name):
        function, args = ALL_UDFS[name], _full_call(name)
        found = _error(function(*args, 0.5))
        assert found.code == "#VALUE!"
        assert f"takes at most {len(args)} arguments" in found

    @pytest.mark.parametrize("name", NAMES)
    def test_signature_and_help_show_the_named_arguments(self, name):
        function, params = ALL_UDFS[name], _params(name)
        assert all(p.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD for p in params)
        shown = pydoc.render_doc(function, renderer=pydoc.plaintext)
        assert f"{name}({', '.join(str(p) for p in params)})" in shown


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_by_name_or_by_position_the_same_answer(data):
    # Hostile cells of every kind (blanks, errors, text, NaN, huge integers, ragged ranges): the
    # arguments from a drawn position on are passed by name, in a drawn order.
    for name, function in ALL_UDFS.items():
        names = [p.name for p in _params(name)]
        args = data.draw(st.lists(RANGE, min_size=len(names), max_size=len(names)), label=name)
        split = data.draw(st.integers(0, len(names)), label="first by name")
        by_name = data.draw(st.permutations(list(zip(names[split:], args[split:], strict=True))), label="order")
        assert function(*args[:split], **dict(by_name)) == function(*args), name


class TestNotANumber:
    @pytest.mark.parametrize(("name", "index"), EVERY_ARGUMENT)
    def test_nan_in_any_argument_is_num_naming_it(self, name, index):
        args = _full_call(name)
        args[index] = math.nan
        found = _error(ALL_UDFS[name](*args))
        assert found.code == "#NUM!"
        assert found.reason.startswith(_params(name)[index].name) and "NaN" in found

    @pytest.mark.parametrize(("name", "index"), RANGE_ARGUMENTS)
    def test_nan_inside_a_range_is_num_naming_it(self, name, index):
        args = _full_call(name)
        rows = [list(row) if isinstance(row, list) else row for row in args[index]]
        if isinstance(rows[-1], list):
            rows[-1][-1] = math.nan
        else:
            rows[-1] = math.nan
        args[index] = rows
        found = _error(ALL_UDFS[name](*args))
        assert found.code == "#NUM!" and found.reason.startswith(_params(name)[index].name) and "NaN" in found

    @pytest.mark.parametrize(("name", "index"), EVERY_ARGUMENT)
    def test_infinity_in_any_argument_even_unused_is_num(self, name, index):
        args = _full_call(name)
        args[index] = -math.inf
        found = _error(ALL_UDFS[name](*args))
        assert found.code == "#NUM!" and found.reason.startswith(_params(name)[index].name) and "-inf" in found

    @pytest.mark.parametrize(("name", "index"), EVERY_ARGUMENT)
    def test_integer_beyond_a_float_is_num(self, name, index):
        args = _full_call(name)
        args[index] = 10**400
        found = _error(ALL_UDFS[name](*args))
        assert found.code == "#NUM!" and found.reason == f"{_params(name)[index].name} is too large a number"

    def test_nan_holding_is_not_a_blank_row(self):
        # Before: 8,000 (the NaN holding dropped as a blank row) and -7,000.
        assert _error(udfs.HEDGE_NOTIONAL([[math.nan], [20_000]], 0.4)).code == "#NUM!"
        found = _error(udfs.SCENARIO_PNL([[math.nan], [50_000]], [[-0.15], [-0.2]], 20_000, -0.15))
        assert found == "#NUM! spot_values (row 1, column 1) must be a finite number, not NaN (a blank cell is None)"
        # A blank (None) is still an unused row: DESIGN.md's 50,000 of altcoins at 40 % is 20,000.
        assert udfs.HEDGE_NOTIONAL([[None], [50_000]], 0.4) == 20_000.0

    @pytest.mark.parametrize("argument", ["band", "fee"])
    def test_nan_band_or_fee_is_not_the_default(self, argument):
        found = _error(udfs.BACKTEST(*VALID_CALLS["BACKTEST"], **{argument: math.nan}))
        assert found.code == "#NUM!" and found.reason.startswith(argument)

    @pytest.mark.parametrize("function", [udfs.HEDGE_BETA, udfs.HEDGE_CORREL])
    def test_nan_threshold_is_not_zero(self, function):
        args = VALID_CALLS[function.__name__]
        found = _error(function(*args, method="downside", threshold=math.nan))
        assert found.code == "#NUM!" and found.reason.startswith("threshold")


def _as_excel_passes(value: object) -> object:
    """A valid argument as classic xlwings passes it with ``ndim=2``: numbers as floats, a cell as ``[[x]]``."""
    if isinstance(value, list):
        rows = [row if isinstance(row, list) else [row] for row in value]
        return [[float(c) if isinstance(c, int) and not isinstance(c, bool) else c for c in row] for row in rows]
    return _as_excel_passes([[value]])


class TestExcelsOwnShapes:
    """Rows of floats, as Excel passes every range of numbers, go a fast way; it checks as the general one."""

    @pytest.mark.parametrize("name", NAMES)
    def test_excels_shapes_give_the_answer_of_the_python_call(self, name):
        args = _full_call(name)
        excel_args = [_as_excel_passes(a) for a in args]
        assert repr(ALL_UDFS[name](*excel_args)) == repr(ALL_UDFS[name](*args))

    @pytest.mark.parametrize(("name", "index"), EVERY_ARGUMENT)
    @pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
    def test_a_bad_number_in_excels_shape_is_num_naming_it(self, name, index, bad):
        args = [_as_excel_passes(a) for a in _full_call(name)]
        args[index] = [[1.0, bad]] if index % 2 else [[1.0], [bad]]  # a row or a column of two cells
        found = _error(ALL_UDFS[name](*args))
        where = "(row 1, column 2)" if index % 2 else "(row 2, column 1)"
        assert found.code == "#NUM!" and found.reason.startswith(f"{_params(name)[index].name} {where} must be")

    def test_finite_cells_whose_sum_overflows_are_accepted(self):
        # 1e308 + 1e308 is beyond a float, yet each cell is finite: margin at 2x and 4x is
        # 1e308 / 2 = 5e307 and 1e308 / 4 = 2.5e307.
        assert udfs.HEDGE_MARGIN([[1e308, 1e308]], [[2.0, 4.0]]) == [[5e307, 2.5e307]]

    def test_a_range_of_floats_is_checked_once(self, monkeypatch):
        # plain_argument proves Excel's rows of floats finite; the coercion reads them without a
        # second pass (before, both checked every cell: twice the cost of a call from a sheet).
        from althedge_xl.excel import arguments, coerce

        def second_check(*args, **kwargs):
            raise AssertionError("checked again")

        monkeypatch.setattr(coerce, "_finite", second_check)
        monkeypatch.setattr(coerce, "_all_floats", second_check)
        monkeypatch.setattr(coerce, "finite_rows", second_check)
        monkeypatch.setattr(arguments, "_all_finite", second_check)
        assert udfs.HEDGE_MARGIN([[20_000.0]], [[20.0]]) == 1_000.0
        assert udfs.HEDGE_NOTIONAL([[30_000.0], [20_000.0]], [[0.4]]) == 20_000.0


def test_an_argument_excel_cannot_pass_by_position_is_refused_when_declared():
    from althedge_xl.excel.function import excel_function

    def ONLY_BY_NAME(*, notional):
        """A function Excel could not call."""

    with pytest.raises(TypeError, match="by position"):
        excel_function(notional="Notional")(ONLY_BY_NAME)


class TestUnusedArguments:
    def test_entry_price_without_mark_prices(self):
        # Before: -180.0, the infinite entry price ignored because no mark prices were given.
        found = _error(udfs.FUNDING_COST(20_000, 0.0001, 30, 8, "short", None, -math.inf))
        assert found == "#NUM! entry_price must be a finite number, not -inf"

    @pytest.mark.parametrize("bad", [math.inf, -math.inf])
    def test_fear_greed_without_its_rule(self, bad):
        # "flat40" reads no Fear & Greed; before, an infinite index was accepted all the same.
        args = list(_full_call("BACKTEST"))
        index = [p.name for p in _params("BACKTEST")].index("fear_greed")
        args[index] = [[50.0]] * (len(VALID_CALLS["BACKTEST"][0]) - 1) + [[bad]]
        assert _error(udfs.BACKTEST(*args)).code == "#NUM!"


class TestNumpyArguments:
    @pytest.mark.filterwarnings("ignore:the matrix subclass:PendingDeprecationWarning")
    @pytest.mark.parametrize("name", NAMES)
    @pytest.mark.parametrize("kind", [np.matrix, np.asarray])
    def test_matrix_and_array_arguments_equal_lists(self, name, kind):
        # Before: "unexpected ValueError: iterator too short" for a np.matrix range.
        args = VALID_CALLS[name]
        as_arrays = [kind(a) if isinstance(a, (list, int, float)) else a for a in args]
        assert ALL_UDFS[name](*as_arrays) == ALL_UDFS[name](*args)

    def test_an_array_of_three_dimensions_is_refused(self):
        found = _error(udfs.HEDGE_MARGIN(np.ones((2, 2, 2)), 20))
        assert found == "#VALUE! notional must be a cell or a range, not a 3-D array"

    @pytest.mark.filterwarnings("ignore:the matrix subclass:PendingDeprecationWarning")
    def test_inputs_are_not_modified(self):
        values = np.matrix([[30_000.0], [20_000.0]])
        before = values.copy()
        assert udfs.HEDGE_NOTIONAL(values, 0.4) == 20_000.0  # DESIGN.md: 50,000 of altcoins x 40 %
        assert type(values) is np.matrix and (values == before).all()


class TestWordArguments:
    def test_an_error_in_rules_passes_through(self):
        # Before: "#VALUE! unknown rule '#N/A'".
        found = _error(udfs.BACKTEST(*VALID_CALLS["BACKTEST"][:7], rules=[["#N/A"]]))
        assert found.code == "#N/A" and found == "#N/A rules is the error #N/A"

    def test_an_error_in_labels_passes_through(self):
        found = _error(udfs.SCENARIO_TABLE(20_000, -0.1, 0, 0, labels="#REF!"))
        assert found.code == "#REF!"

    def test_labels_show_true_and_dates_as_excel_and_iso(self):
        labels = [[True], [dt.datetime(2024, 1, 1)], [dt.date(2024, 2, 29)], [dt.datetime(2024, 1, 1, 9, 30)], [7.0]]
        table = udfs.SCENARIO_TABLE([[1]] * 5, -0.1, 0, 0, labels)
        assert [row[0] for row in table[1:6]] == ["TRUE", "2024-01-01", "2024-02-29", "2024-01-01 09:30", "7"]

    def test_huge_flag(self):
        # Before: "#VALUE! unexpected OverflowError".
        assert _error(udfs.STRESS_GRID(1, 1, 1, 0.1, 0.1, 10**400)) == "#NUM! hedged is too large a number"


class TestFloatingPoint:
    def test_an_overflow_is_num_not_a_warning(self):
        # 1e308 + 1e308 is beyond the largest float (about 1.8e308). Under the suite's
        # -W error::RuntimeWarning this was "#VALUE! unexpected RuntimeWarning".
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            found = _error(udfs.HEDGE_NOTIONAL([[1e308], [1e308]], 1))
        assert found.code == "#NUM!" and "overflows" in found

    def test_nothing_printed_on_the_console(self):
        # Without the suite's warning filter numpy printed "overflow encountered in reduce".
        code = "from althedge_xl import udfs; print(udfs.HEDGE_NOTIONAL([[1e308], [1e308]], 1))"
        done = subprocess.run(
            [sys.executable, "-W", "default", "-c", code], capture_output=True, text=True, check=False, timeout=60
        )
        assert done.returncode == 0 and done.stderr == ""
        assert done.stdout.startswith("#NUM! the result overflows")

    def test_numpy_error_state_is_given_back(self):
        before = np.geterr()
        udfs.HEDGE_NOTIONAL([[1e308], [1e308]], 1)
        assert np.geterr() == before


def test_report_of_a_portfolio_beyond_a_float_prints_no_warning(tmp_path):
    # Four holdings of 1e308 USD: their total (4e308) is beyond the largest float. The report shows
    # #NUM! cells; numpy printed "RuntimeWarning: overflow encountered in reduce" on stderr.
    from conftest import edited_template

    book = edited_template(tmp_path, {("Portfolio", f"E{5 + i}"): 1e308 for i in range(4)})
    done = subprocess.run(
        [sys.executable, "-W", "default", "-m", "althedge_xl.cli", "report", str(book)],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    assert "#NUM! the result overflows" in done.stdout

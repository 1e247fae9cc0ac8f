"""The ranges read at once (dates, labels, numbers with blanks, result tables) equal the cell-by-cell rule.

Columns of 10⁵ cells are read with numpy or one pass in C (issue 20: an argument of 10⁵ cells
answered well under a second); every other range, and every range holding a bad cell, goes cell by
cell, which names the first bad cell. Each fast path is compared here with the general rule on the
shapes Excel passes and on hostile ones (NaN, infinities, ``10**400``, TRUE, a blank or a text in the
middle, mixed kinds): the same values, or the same error with the same text. Other tests check that
the common shapes do take the fast path (the general rule made to fail), since speed itself is
measured by ``benchmarks/bench_sizes.py``, not by a timed test.
"""

from __future__ import annotations

import datetime as dt
import itertools

import numpy as np
import pytest

from althedge_xl import udfs
from althedge_xl.core.backtest import compare
from althedge_xl.core.errors import AltHedgeInputError, WrongTypeError
from althedge_xl.excel import coerce, dates, function, words
from althedge_xl.excel.arguments import plain_argument
from althedge_xl.excel.errors import ExcelError

ROWS = 2_000
MIDDLE = ROWS // 2

#: Excel's 1900 date system: serial 1 is 1900-01-01 and, past the fictitious 1900-02-29 (serial 60),
#: serial s is 1899-12-30 + s days (Microsoft, "DATEVALUE function": 2008-01-01 is 39448).
EXCEL_DAY_ZERO = dt.date(1899, 12, 30)


def _outcome(call, *args):
    """What a call gives: ("ok", value) or ("error", its type and text)."""
    try:
        return ("ok", call(*args))
    except AltHedgeInputError as exc:
        return ("error", type(exc).__name__, str(exc))


def _column(cells):
    return [[cell] for cell in cells]


def _pairs(cells):
    """The cells two to a row (a range of two columns), or one row if their number is odd."""
    return [list(cells[i : i + 2]) for i in range(0, len(cells), 2)] if len(cells) % 2 == 0 else [list(cells)]


def _with(cells, index, cell):
    out = list(cells)
    out[index] = cell
    return out


SERIALS = [float(40_000 + i) for i in range(ROWS)]
DATETIMES = [dt.datetime(2015, 1, 1, 9, 30) + dt.timedelta(days=i) for i in range(ROWS)]
TEXTS = [(dt.date(2015, 1, 1) + dt.timedelta(days=i)).isoformat() for i in range(ROWS)]

DATE_COLUMNS = {
    "serials": SERIALS,
    "serials with NaN": _with(SERIALS, MIDDLE, float("nan")),
    "serials with inf": _with(SERIALS, MIDDLE, float("inf")),
    "serials with -inf": _with(SERIALS, MIDDLE, float("-inf")),
    "serials with 10**400": _with(SERIALS, MIDDLE, 10**400),
    "serials with TRUE": _with(SERIALS, MIDDLE, True),
    "serials with a blank": _with(SERIALS, MIDDLE, None),
    "serials with empty text": _with(SERIALS, MIDDLE, ""),
    "serials with a fraction": _with(SERIALS, MIDDLE, 42_000.5),
    "serials with 60": _with(SERIALS, MIDDLE, 60.0),
    "serials with 2958466": _with(SERIALS, MIDDLE, 2_958_466.0),
    "serials with #N/A": _with(SERIALS, MIDDLE, "#N/A"),
    "serials with an int": _with(SERIALS, MIDDLE, 42_000),
    "serials at the ends": [61.0, 2_958_465.0, 45_292.0],
    "datetimes": DATETIMES,
    "dates": [d.date() for d in DATETIMES],
    "datetimes with a time zone": [d.replace(tzinfo=dt.timezone(dt.timedelta(hours=-11))) for d in DATETIMES],
    "datetimes at the ends": [dt.datetime(1, 1, 1), dt.datetime(999, 12, 31, 23, 59), dt.datetime(9999, 12, 31)],
    "datetimes with a text": _with(DATETIMES, MIDDLE, "not a date"),
    "datetimes with a blank": _with(DATETIMES, MIDDLE, None),
    "datetimes with #N/A": _with(DATETIMES, MIDDLE, "#N/A"),
    "datetimes with a serial": _with(DATETIMES, MIDDLE, 45_292.0),
    "datetimes and serials": [x if i % 2 else d for i, (x, d) in enumerate(zip(SERIALS, DATETIMES, strict=True))],
    "texts": TEXTS,
    "texts with spaces": [f"  {t} " for t in TEXTS],
    "texts with a time": [f"{t}T10:00:00" for t in TEXTS],
    "texts without dashes": [t.replace("-", "") for t in TEXTS],
    "texts with 2024-02-30": _with(TEXTS, MIDDLE, "2024-02-30"),
    "texts with a word": _with(TEXTS, MIDDLE, "yesterday"),
    "texts with a blank": _with(TEXTS, MIDDLE, ""),
    "texts with #VALUE!": _with(TEXTS, MIDDLE, "#VALUE!"),
    "texts with a datetime": _with(TEXTS, MIDDLE, DATETIMES[0]),
}


class TestDays:
    @pytest.mark.parametrize("key", DATE_COLUMNS)
    @pytest.mark.parametrize("shape", ["column", "row", "plain list", "checked by the decorator"])
    def test_at_once_equals_cell_by_cell(self, key, shape):
        cells = DATE_COLUMNS[key]
        value = {"column": _column(cells), "row": [cells], "plain list": cells}.get(shape)
        if shape == "checked by the decorator":  # what the function receives: FiniteRows for floats
            try:
                value = plain_argument(_column(cells), "dates")
            except AltHedgeInputError:
                return  # refused before the coercion (a NaN, an infinity, 10**400)
        expected = _outcome(dates.days_cell_by_cell, value, "dates")
        assert _outcome(dates.days, value, "dates") == expected

    @pytest.mark.parametrize(
        "value",
        [
            np.array(SERIALS)[:, None],
            np.array(SERIALS, dtype=np.int64),
            np.array(SERIALS, dtype=object),
            np.array([*SERIALS[:-1], 0.5]),
            np.array([*SERIALS[:-1], np.nan]),
            np.array([*SERIALS[:-1], 3e6], dtype=np.int32),
            np.array([True, False]),
        ],
    )
    def test_arrays_at_once_equal_cell_by_cell(self, value):
        assert _outcome(dates.days, value, "dates") == _outcome(dates.days_cell_by_cell, value, "dates")

    def test_serials_are_excels_days(self):
        # Independent of the code: day 0 of Excel's serials plus the serial, by the standard library.
        serials = [61.0, 39_448.0, 45_292.0, *np.linspace(61, 2_958_465, 999).round(), 2_958_465.0]
        expected = [(EXCEL_DAY_ZERO + dt.timedelta(days=int(s))).isoformat() for s in serials]
        assert expected[1] == "2008-01-01" and expected[2] == "2024-01-01" and expected[-1] == "9999-12-31"
        assert dates.days(_column(serials), "dates") == expected

    @pytest.mark.parametrize("key", ["serials", "datetimes", "texts", "dates", "datetimes and serials"])
    def test_the_common_columns_are_read_at_once(self, key, monkeypatch):
        def cell_by_cell(*args):
            raise AssertionError("read cell by cell")

        monkeypatch.setattr(dates, "days_cell_by_cell", cell_by_cell)
        if key == "datetimes and serials":  # mixed kinds: the general rule, as before
            with pytest.raises(AssertionError, match="cell by cell"):
                dates.days(_column(DATE_COLUMNS[key]), "dates")
            return
        found = dates.days(plain_argument(_column(DATE_COLUMNS[key]), "dates"), "dates")
        assert len(found) == ROWS and found[0] == ("2009-07-06" if key == "serials" else "2015-01-01")


LABELS = [f"coin {i}" for i in range(ROWS)]

LABEL_COLUMNS = {
    "texts": LABELS,
    "texts with a blank": _with(LABELS, MIDDLE, None),
    "texts with empty text": _with(LABELS, MIDDLE, ""),
    "texts with #N/A": _with(LABELS, MIDDLE, "#N/A"),
    "texts with #REF! and a reason": _with(LABELS, MIDDLE, "#REF! gone"),
    "texts with a hash tag": _with(LABELS, MIDDLE, "#defi"),
    "texts with TRUE": _with(LABELS, MIDDLE, True),
    "texts with a number": _with(LABELS, MIDDLE, 2.0),
    "texts with NaN": _with(LABELS, MIDDLE, float("nan")),
    "texts with a date": _with(LABELS, MIDDLE, dt.datetime(2024, 1, 1)),
    "texts with an error object": _with(LABELS, MIDDLE, ExcelError("#N/A", "no data")),
    "blanks": [None] * ROWS,
}


class TestTexts:
    @pytest.mark.parametrize("key", LABEL_COLUMNS)
    @pytest.mark.parametrize("shape", ["column", "row", "two columns", "plain list"])
    def test_at_once_equals_cell_by_cell(self, key, shape):
        cells = LABEL_COLUMNS[key]
        value = {
            "column": _column(cells),
            "row": [cells],
            "two columns": _pairs(cells),
            "plain list": cells,
        }[shape]
        assert _outcome(words.texts, value, "labels") == _outcome(words.texts_cell_by_cell, value, "labels")

    def test_labels_are_read_at_once(self, monkeypatch):
        def cell_by_cell(*args):
            raise AssertionError("read cell by cell")

        monkeypatch.setattr(words, "texts_cell_by_cell", cell_by_cell)
        found = words.texts(_column(_with(LABELS, 3, None)), "labels")
        assert found[:5] == ["coin 0", "coin 1", "coin 2", "", "coin 4"] and len(found) == ROWS


VALUES = [float(100 + i) for i in range(ROWS)]

NUMBER_COLUMNS = {
    "floats": VALUES,
    "floats with a blank": _with(VALUES, MIDDLE, None),
    "floats with blanks at the ends": [None, *VALUES[1:-1], None],
    "floats with empty text": _with(VALUES, MIDDLE, ""),
    "floats with NaN": _with(VALUES, MIDDLE, float("nan")),
    "floats with a blank and NaN": _with(_with(VALUES, MIDDLE, None), MIDDLE + 1, float("nan")),
    "floats with inf": _with(_with(VALUES, 1, None), MIDDLE, float("inf")),
    "floats with -inf": _with(_with(VALUES, 1, None), MIDDLE, float("-inf")),
    "floats with 10**400": _with(_with(VALUES, 1, None), MIDDLE, 10**400),
    "floats with TRUE": _with(_with(VALUES, 1, None), MIDDLE, True),
    "floats with a text": _with(_with(VALUES, 1, None), MIDDLE, "12"),
    "floats with #DIV/0!": _with(_with(VALUES, 1, None), MIDDLE, "#DIV/0!"),
    "floats with an int": _with(_with(VALUES, 1, None), MIDDLE, 7),
    "floats with a numpy float": _with(_with(VALUES, 1, None), MIDDLE, np.float32(0.1)),
    "floats near the top": [1.7e308, None, 1.7e308],
    "blanks": [None] * ROWS,
}


class TestNumbersWithBlanks:
    @staticmethod
    def _floats(call, value):
        found = _outcome(call, value, "spot_values")
        if found[0] == "ok":
            out, blank = found[1]
            return ("ok", out.shape, out.tobytes(), blank.tolist())  # the same bits, NaN included
        return found

    @pytest.mark.parametrize("key", NUMBER_COLUMNS)
    @pytest.mark.parametrize("shape", ["column", "row", "two columns", "plain list"])
    def test_at_once_equals_cell_by_cell(self, key, shape):
        cells = NUMBER_COLUMNS[key]
        value = {
            "column": _column(cells),
            "row": [cells],
            "two columns": _pairs(cells),
            "plain list": cells,
        }[shape]
        assert self._floats(coerce._floats, value) == self._floats(coerce._floats_cell_by_cell, value)

    @pytest.mark.parametrize("key", NUMBER_COLUMNS)
    @pytest.mark.parametrize("reader", [coerce.numbers, coerce.amounts, coerce.series, coerce.move_series])
    def test_what_the_functions_read_is_the_same(self, key, reader, monkeypatch):
        value = _column(NUMBER_COLUMNS[key])
        at_once = _outcome(reader, value, "spot_values")
        monkeypatch.setattr(coerce, "_floats_with_blanks", lambda value, name: None)  # the general rule only
        cell_by_cell = _outcome(reader, value, "spot_values")
        if at_once[0] == "ok":
            assert cell_by_cell[0] == "ok" and at_once[1].tobytes() == cell_by_cell[1].tobytes()
        else:
            assert at_once == cell_by_cell

    def test_a_required_range_names_its_blank(self):
        assert _outcome(coerce.numbers, _column(_with(VALUES, MIDDLE, None)), "spot_values") == (
            "error",
            "MissingValueError",
            f"spot_values (row {MIDDLE + 1}, column 1) is blank",
        )

    def test_a_column_with_blanks_is_read_at_once(self, monkeypatch):
        def cell_by_cell(*args):
            raise AssertionError("read cell by cell")

        monkeypatch.setattr(coerce, "_floats_cell_by_cell", cell_by_cell)
        found = coerce.amounts(plain_argument(_column([1.5, None, 2.5]), "spot_values"), "spot_values")
        assert np.array_equal(found, np.array([[1.5], [np.nan], [2.5]]), equal_nan=True)


TABLES = {
    "labels and numbers": [["Position", "Value"], ["BTC", 1.5], [None, -2.0]],
    "numbers": [[1.0, 2.0], [3.0, 4.0]],
    "with NaN": [["a", 1.0], ["b", float("nan")]],
    "with inf": [["a", float("inf")], ["b", 1.0]],
    "with -inf": [["a", 1.0], ["b", float("-inf")]],
    "whose sum overflows": [["a", 1e308], ["b", 1e308]],
    "with TRUE": [["a", True], ["b", 1.0]],
    "with an int": [["a", 2], ["b", 1.0]],
    "with a numpy float": [["a", np.float64(2.5)], ["b", 1.0]],
    "with an error": [["a", ExcelError("#N/A", "no data")], ["b", 1.0]],
    "of tuples": [("a", 1.0), ("b", 2.0)],
    "a tuple of lists": (["a", 1.0], ["b", 2.0]),
    "one row": ["a", 1.0, None],
    "ragged": [["a", 1.0], ["b"]],
}


def _shown(value):
    """Each cell's type and text, so that 1.0 and True or an error and its text are told apart."""
    if isinstance(value, list):
        return [_shown(cell) for cell in value]
    return (type(value).__name__, str(value))


class TestResultTables:
    @pytest.mark.parametrize("key", TABLES)
    def test_at_once_equals_cell_by_cell(self, key, monkeypatch):
        table = TABLES[key]
        at_once = function.to_excel(table)
        monkeypatch.setattr(function, "_shown_rows", lambda rows: None)  # the general rule only
        cell_by_cell = function.to_excel(table)
        assert at_once == cell_by_cell and _shown(at_once) == _shown(cell_by_cell)

    def test_a_table_of_labels_and_floats_is_taken_at_once(self, monkeypatch):
        def cell_by_cell(value):
            raise AssertionError("converted cell by cell")

        monkeypatch.setattr(function, "_cell", cell_by_cell)
        assert function.to_excel([["Position", "Value"], ["BTC", 1.5], [None, -2.0]]) == [
            ["Position", "Value"],
            ["BTC", 1.5],
            [None, -2.0],
        ]


class TestScenarioTable:
    def test_blank_rows_and_labels(self):
        # Two holdings of 50,000 and a blank row between them; BTC -15 %, altcoins -20 %, a 20,000
        # short: the method's P/L -7,500, -10,000, -17,500, +3,000, -14,500 (DESIGN.md's worked example).
        table = udfs.SCENARIO_TABLE(
            [[50_000.0], [None], [50_000.0]], [[-0.15], [None], [-0.2]], 20_000.0, -0.15, [["BTC"], [None], [""]]
        )
        assert [row[0] for row in table] == ["Position", "BTC", "", "Total spot", "Short BTC futures", "Net change"]
        assert [row[4] for row in table[1:]] == [-7_500.0, -10_000.0, -17_500.0, 3_000.0, -14_500.0]

    def test_an_error_label_passes_through(self):
        found = udfs.SCENARIO_TABLE([[1.0], [2.0]], -0.1, 0.0, 0.0, [["BTC"], ["#N/A"]])
        assert isinstance(found, ExcelError) and found == "#N/A labels (row 2, column 1) is the error #N/A"


def _days_one_by_one(days: list[str]) -> list[str]:
    """The backtest's rule for its dates written day by day, as it was before the test at once."""
    out = [str(d).strip() for d in days]
    for d in out:
        if len(d) != 10 or d[4] != "-" or d[7] != "-" or not (d[:4] + d[5:7] + d[8:]).isdigit():
            raise WrongTypeError(f"dates must be YYYY-MM-DD days; got {d!r}")
    if any(b <= a for a, b in itertools.pairwise(out)):
        raise WrongTypeError("dates must be in order, oldest first, each day once")
    return out


class TestBacktestDates:
    @pytest.mark.parametrize(
        "change",
        [
            None,
            (MIDDLE, "2024-1-01"),
            (MIDDLE, " 2016-06-01"),
            (MIDDLE, "2016/06/01"),
            (MIDDLE, TEXTS[MIDDLE - 1]),  # the day before again
            (MIDDLE, TEXTS[0]),  # out of order
            (0, "２０１４-12-31"),  # full-width digits are digits to str.isdigit
            (MIDDLE, "2016-06-0١"),  # an Arabic-Indic digit one
        ],
    )
    def test_at_once_equals_day_by_day(self, change):
        days = list(TEXTS) if change is None else _with(TEXTS, *change)
        assert _outcome(compare._dates, days, ROWS) == _outcome(_days_one_by_one, days)
        assert compare._iso_days_in_order(days) is (change is None)

    def test_a_backtest_from_serials_datetimes_or_texts_is_the_same(self):
        rng = np.random.default_rng(20)
        btc = _column(30_000 * np.exp(np.cumsum(rng.normal(0, 0.03, ROWS))))
        alt = _column(10 * np.exp(np.cumsum(rng.normal(0, 0.05, ROWS))))
        serials = [(dt.date.fromisoformat(t) - EXCEL_DAY_ZERO).days * 1.0 for t in TEXTS]
        tables = [
            udfs.BACKTEST(_column(days), btc, alt, 1_000.0, 0.0, None, None, "flat40, volatility")
            for days in (TEXTS, serials, DATETIMES)
        ]
        assert isinstance(tables[0], list) and tables[0][1][0] == "Unhedged"
        assert tables[0] == tables[1] == tables[2]


def test_cvar_is_the_mean_of_the_sorted_worst_days():
    # The definition written out: sort every return, take the ceil(5 % x T) lowest, average them in that order.
    from althedge_xl.core.backtest.metrics import cvar

    rng = np.random.default_rng(5)
    for size in (1, 2, 19, 20, 21, 400, 100_000):
        returns = rng.normal(0.0, 0.03, size)
        returns[rng.integers(0, size, 3)] = returns[0]  # ties
        worst = max(1, -(-size * 5 // 100))
        assert cvar(returns) == float(np.sort(returns)[:worst].mean())
        returns[size // 2] = np.nan  # a NaN sorts last, as in a full sort
        assert np.array_equal(cvar(returns), float(np.sort(returns)[:worst].mean()), equal_nan=True)

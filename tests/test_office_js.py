"""The function list under Office.js (xlwings Lite and xlwings Server), through xlwings' own code.

Every call goes through ``xlwings.server.custom_functions_call`` with bodies shaped like the
add-in's (2-D ``args``, blanks as ``""``, error cells as Office.js error objects, omitted optionals
as ``null``), in a fresh interpreter with ``XLWINGS_ON_SERVER=true`` (``office_js_runtime.py``).
Expected numbers are the method's worked examples (DESIGN.md) or worked by hand below.
"""

from __future__ import annotations

import inspect
import json
import os
import subprocess
import sys
from typing import Any

import pytest
from conftest import ROOT

from althedge_xl import udfs
from althedge_xl.excel.function import udf_functions, udf_spec

#: An error cell as Office.js hands it to a custom function (allowErrorForDataTypeAny).
NA_CELL = {"type": "Error", "basicType": "Error", "basicValue": "#N/A", "errorType": "NotAvailable"}


def real_error(error_type: str) -> dict[str, str]:
    """A real Excel error as xlwings returns it to Office.js (CustomFunctionsRuntime 1.4)."""
    return {"type": "Error", "errorType": error_type}


METHOD_TABLE = [[[50_000], [50_000]], [[-0.15], [-0.2]], [[20_000]], [[-0.15]]]

CALLS: dict[str, tuple[str, list[Any]]] = {
    "notional": ("HEDGE_NOTIONAL", [[[30_000], [20_000]], [[0.4]], None]),
    "margin": ("HEDGE_MARGIN", [[[20_000]], [[20]]]),
    "table": ("SCENARIO_TABLE", [*METHOD_TABLE, [["BTC"], ["Altcoins"]]]),
    "table_without_labels": ("SCENARIO_TABLE", [*METHOD_TABLE, None]),
    "leverage_half": ("HEDGE_MARGIN", [[[20_000]], [[0.5]]]),
    "leverage_text": ("HEDGE_MARGIN", [[[20_000]], [["twenty"]]]),
    "leverage_blank": ("HEDGE_MARGIN", [[[20_000]], [[""]]]),
    "leverage_error_cell": ("HEDGE_MARGIN", [[[20_000]], [[NA_CELL]]]),
    "replay_with_a_gap": ("SCENARIO_REPLAY", [[[1000]], [[10], [8], [9]], [[100], [""], [90]], [[500]], None]),
    "backtest": (
        "BACKTEST",
        [
            [["2024-01-01"], ["2024-01-02"], ["2024-01-03"]],
            [[100], [90], [99]],
            [[10], [8], [9]],
            [[1000]],
            None,
            None,
            None,
            [["flat50"]],
            [[0.5]],
            [[0]],
            None,
            None,
            None,
        ],
    ),
    "backtest_rules_error_cell": (
        "BACKTEST",
        [[["2024-01-01"], ["2024-01-02"]], [[100], [90]], [[10], [8]], [[1000]], None, None, None, [[NA_CELL]]],
    ),
}


@pytest.fixture(scope="module")
def office_js() -> dict[str, Any]:
    """Metadata and every call of :data:`CALLS`, as xlwings' Office.js code returns them."""
    bodies = [{"func_name": name, "args": args} for name, args in CALLS.values()]
    done = subprocess.run(
        [sys.executable, str(ROOT / "tests" / "office_js_runtime.py")],
        input=json.dumps(bodies),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    return {"meta": out["meta"], **dict(zip(CALLS, out["results"], strict=True))}


def test_meta_lists_every_function_with_its_help(office_js):
    meta = {f["id"]: f for f in office_js["meta"]["functions"]}
    functions = udf_functions(udfs)
    assert sorted(meta) == sorted(udfs.__all__) == [udf_spec(f).name for f in functions]
    for function in functions:
        spec, entry = udf_spec(function), meta[udf_spec(function).name]
        assert entry["name"] == spec.name  # no namespace in the code; the add-in's manifest adds one
        assert entry["description"] == spec.description
        signature = inspect.signature(function).parameters.values()
        assert [p["name"] for p in entry["parameters"]] == [p.name for p in signature]
        assert [p["description"] for p in entry["parameters"]] == [spec.arg_docs[p.name] for p in signature]
        optional = [p.name for p in signature if p.default is not inspect.Parameter.empty]
        assert [p["name"] for p in entry["parameters"] if p.get("optional")] == optional
        assert all(p["dimensionality"] == "matrix" for p in entry["parameters"])  # ranges as rows


def test_meta_allows_real_errors(office_js):
    assert office_js["meta"]["allowErrorForDataTypeAny"] is True


def test_method_numbers(office_js):
    # Office.js results are always 2-D ("dimensionality": "matrix"): a single cell is [[value]].
    assert office_js["notional"] == {"value": [[20_000.0]]}  # DESIGN.md: altcoins 50,000 x 40%, betas omitted
    assert office_js["margin"] == {"value": [[1_000.0]]}  # 20,000 at 20x


@pytest.mark.parametrize("call", ["table", "table_without_labels"])
def test_scenario_table_spills_the_method(call, office_js):
    table = office_js[call]["value"]
    assert table[0][0] == "Position"
    # DESIGN.md's 15% correction: BTC -7,500; altcoins -10,000; spot -17,500; short +3,000; net -14,500
    assert [row[-1] for row in table[1:]] == [-7_500.0, -10_000.0, -17_500.0, 3_000.0, -14_500.0]
    labels = ["BTC", "Altcoins"] if call == "table" else ["Holding 1", "Holding 2"]
    assert [row[0] for row in table[1:3]] == labels


def test_bad_value_is_a_real_value_error_with_the_reason(office_js):
    # Raised as xlwings' own error: the runtime shows #VALUE! with this text on the error flag.
    assert office_js["leverage_half"] == {"raised": "XlwingsError", "message": "#NUM! leverage must be at least 1"}


@pytest.mark.parametrize(
    ("call", "reason"), [("leverage_text", "#VALUE! leverage"), ("leverage_blank", "#N/A leverage")]
)
def test_text_and_blank_are_real_value_errors_naming_the_argument(call, reason, office_js):
    # The cell is #VALUE!; its flag gives the code the function chose and the reason.
    result = office_js[call]
    assert result["raised"] == "XlwingsError"
    assert result["message"].startswith(reason), result


def test_error_cell_passes_through_as_the_same_real_error(office_js):
    assert office_js["leverage_error_cell"] == {"value": [[real_error("NotAvailable")]]}


def test_error_cell_in_a_word_argument_passes_through_too(office_js):
    # The rules are words, not numbers; an error among them is still that error, not an unknown rule.
    assert office_js["backtest_rules_error_cell"] == {"value": [[real_error("NotAvailable")]]}


def test_failing_cells_of_a_spilled_table_are_real_errors(office_js):
    rows = office_js["replay_with_a_gap"]["value"]
    assert rows[1] == [real_error("NotAvailable")] * 4  # the row whose BTC price is blank
    # Worked by hand from the first row: holding 1,000 at 10 -> 9 is -100; a 500 short, BTC
    # 100 -> 90, gains 500 x 10% = +50; no funding rates; hedged -100 + 50 = -50.
    assert rows[0] == [0.0, 0.0, 0.0, 0.0]
    assert rows[2] == pytest.approx([-100.0, 50.0, 0.0, -50.0], abs=1e-9)


def test_xlwings_server_project_serves_the_function_list():
    # deploy/xlwings-server's custom_functions package, imported as xlwings Server imports it.
    body = {"func_name": "HEDGE_MARGIN", "args": [[[20_000]], [[20]]]}
    done = subprocess.run(
        [sys.executable, str(ROOT / "tests" / "office_js_runtime.py"), "custom_functions"],
        input=json.dumps([body]),
        cwd=ROOT / "deploy" / "xlwings-server",
        env={**os.environ, "PYTHONPATH": str(ROOT / "deploy" / "xlwings-server")},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert sorted(f["id"] for f in out["meta"]["functions"]) == sorted(udfs.__all__)
    assert out["results"] == [{"value": [[1_000.0]]}]  # 20,000 at 20x


def test_backtest_table_comes_back_whole(office_js):
    # BACKTEST's worked example: BTC 100 → 90 → 99, one altcoin 1,000 → 800 → 900, a 50 % short of
    # 5 BTC without fees gains 50 then loses 45: 1,000 - 200 + 50 + 100 - 45 = 905.
    rows = office_js["backtest"]["value"]
    assert rows[0][:2] == ["Rule", "Final equity"]
    assert rows[1][0] == "Unhedged" and rows[1][1] == 900.0
    assert rows[2][:2] == ["Flat 50%", 905.0]

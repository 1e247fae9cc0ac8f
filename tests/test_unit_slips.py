"""A percentage typed as a whole number is refused with a hint, not used (DESIGN.md, Conventions)."""

from __future__ import annotations

import pytest

from althedge_xl.udfs import HEDGE_EFFECTIVENESS, HEDGE_NOTIONAL, SCENARIO_PNL, SCENARIO_TABLE, STRESS_GRID

# Prices whose returns make the effectiveness of ratio 2 exactly 1 (HEDGE_EFFECTIVENESS's docstring example):
ALT = [[100], [110], [99], [108.9]]
BTC = [[10], [10.5], [9.975], [10.47375]]


def test_the_issue_example_15_for_15_percent():
    # SCENARIO_PNL(50000, 15, 20000, 0.15) was 50,000 × 15 − 20,000 × 0.15 = 747,000: a 1,500 % move.
    result = SCENARIO_PNL(50_000, 15, 20_000, 0.15)
    assert result.startswith("#NUM! spot_shocks is 15, a move of +1,500%")
    assert result.endswith("did you mean 15%?")


@pytest.mark.parametrize(
    ("call", "argument"),
    [
        (lambda: SCENARIO_PNL(50_000, -0.15, 20_000, 15), "btc_shock"),
        (lambda: SCENARIO_TABLE([[50_000], [50_000]], [[-0.15], [20]], 20_000, -0.15), "spot_shocks (item 2)"),
        (lambda: SCENARIO_TABLE([[50_000]], [[-0.15]], 20_000, 12), "btc_shock"),
        (lambda: STRESS_GRID(50_000, 50_000, 20_000, [[-0.5], [50]], 0), "btc_shocks (row 2, column 1)"),
        (lambda: STRESS_GRID(50_000, 50_000, 20_000, -0.15, [[0, 10.5]]), "alt_relative_moves (row 1, column 2)"),
    ],
)
def test_moves_above_1000_percent_are_refused_with_a_hint(call, argument):
    result = call()
    assert result.startswith(f"#NUM! {argument} is ")
    assert "did you mean" in result


def test_moves_up_to_1000_percent_still_compute():
    # +1,000 % exactly is the bound: 50,000 × 10 − 20,000 × 0 = 500,000 (by hand).
    assert SCENARIO_PNL(50_000, 10, 20_000, 0) == 500_000
    # The method's correction is untouched: −7,500 − 10,000 + 3,000 (DESIGN.md).
    assert SCENARIO_PNL([[50_000], [50_000]], [[-0.15], [-0.2]], 20_000, -0.15) == -14_500


def test_hedge_effectiveness_checks_its_ratio_like_the_hedge_ratio_functions():
    assert HEDGE_NOTIONAL(50_000, 40) == "#NUM! hedge_ratio must be between 0% and 300%"
    refused = HEDGE_EFFECTIVENESS(ALT, BTC, 40)
    assert refused == "#NUM! hedge_ratio must be between 0% and 300%; did you mean 40%?"
    assert HEDGE_EFFECTIVENESS(ALT, BTC, -0.1).startswith("#NUM! hedge_ratio must be between 0% and 300%")
    assert HEDGE_EFFECTIVENESS(ALT, BTC, 2) == pytest.approx(1.0)  # the docstring's exact hedge

"""Scenario P/L, the method's table and the stress grid (althedge_xl.core.scenario)."""

from __future__ import annotations

import numpy as np
import pytest

from althedge_xl.core.errors import BadNumberError, WrongTypeError
from althedge_xl.core.scenario import scenario_pnl, scenario_table, stress_grid

# The method's 15 % correction (DESIGN.md): BTC −15 % on 50,000; altcoins −20 % on 50,000; short 20,000.
VALUES, SHOCKS, NOTIONAL, BTC = [50_000, 50_000], [-0.15, -0.20], 20_000, -0.15


def test_method_net():
    assert scenario_pnl(VALUES, SHOCKS, NOTIONAL, BTC) == -14_500.0  # the method: net −14,500


def test_method_table():
    table = scenario_table(VALUES, SHOCKS, NOTIONAL, BTC)
    # The method's rows: −7,500; −10,000; spot −17,500; short +3,000; net −14,500.
    assert table[:, 3].tolist() == [-7_500.0, -10_000.0, -17_500.0, 3_000.0, -14_500.0]
    assert table[:, 0].tolist() == [50_000, 50_000, 100_000, 20_000, 100_000]
    assert table[2, 2] == 82_500.0  # spot after the move: 100,000 − 17,500
    assert table[4, 1] == pytest.approx(-0.145)  # net −14,500 of 100,000


def test_one_shock_for_all():
    assert scenario_pnl(VALUES, -0.10, 0, 0) == -10_000.0


def test_grid_matches_single_scenarios():
    btc = np.linspace(-0.5, 0.5, 11)
    rel = np.array([-0.2, 0.0, 0.1])
    grid = stress_grid(50_000, 50_000, 20_000, btc, rel)
    assert grid.shape == (11, 3)
    for i, b in enumerate(btc):
        for j, r in enumerate(rel):
            alt = (1 + b) * (1 + r) - 1
            assert grid[i, j] == pytest.approx(scenario_pnl(VALUES, [b, alt], NOTIONAL, b))
    unhedged = stress_grid(50_000, 50_000, 20_000, btc, rel, hedged=False)
    np.testing.assert_allclose(grid - unhedged, -20_000 * btc[:, None] * np.ones((1, 3)))


def test_btc_dominance_case_the_hedge_loses():
    # BTC +20 % while altcoins lag by 10 % relative: the short loses 4,000.
    hedged = stress_grid(50_000, 50_000, 20_000, [0.2], [-0.1])
    unhedged = stress_grid(50_000, 50_000, 20_000, [0.2], [-0.1], hedged=False)
    assert float(unhedged[0, 0] - hedged[0, 0]) == pytest.approx(4_000)


@pytest.mark.parametrize(
    ("args", "error", "match"),
    [
        (([1, 2], [-0.1, -0.2, -0.3], 0, 0), WrongTypeError, "different shapes"),
        (([1, 2], [-1.5, 0], 0, 0), BadNumberError, "below -100%"),
        (([1, 2], [0, 0], -5, 0), BadNumberError, "hedge_notional"),
        (([1, 2], [0, 0], 5, [0.1, 0.2]), WrongTypeError, "btc_shock must be a single value"),
    ],
)
def test_bad_inputs(args, error, match):
    with pytest.raises(error, match=match):
        scenario_pnl(*args)

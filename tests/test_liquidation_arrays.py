"""A blank maintenance rate over a range of sizes: the array path is the per-cell kernel, bit for bit.

``liquidation_price`` (HEDGE_LIQ_PRICE, HEDGE_MARGIN_BUFFER) with a quantity and no rate gives
every position the default table's tier for it (issue 20). Over whole ranges it computes the price
with numpy, one pass per tier, and leaves the cells it cannot settle to ``position_liquidation``.
These tests hold the two to the same answer: the same float64 bits for every value and, for a
range holding a bad cell, the error the first bad cell gives on its own.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

import althedge_xl.core.liquidation as liquidation
from althedge_xl.core.conventions import DEFAULT_TIERS, INVERSE_CONTRACT_USD
from althedge_xl.core.errors import AltHedgeInputError, BadNumberError, MissingValueError
from althedge_xl.core.liquidation import liquidation_price, margin_buffer, position_liquidation
from althedge_xl.core.liquidation_arrays import liquidation_many
from althedge_xl.core.tiers import rule_amounts, tier_table
from althedge_xl.udfs import HEDGE_LIQ_PRICE, HEDGE_MARGIN_BUFFER

#: Bad cells whose error is checked within the whole range, in order (the rest: each alone).
IN_ORDER = 25
COMBINATIONS = list(itertools.product(["binance", "bybit"], ["linear", "inverse"], ["short", "long"]))


def _table(exchange: str, floors: list[float], rates: list[float], most: list[float]):
    caps = [*floors[1:], floors[-1] * 5]
    amounts = rule_amounts(floors, rates)
    rows = [list(row) for row in zip(floors, caps, rates, amounts, most, strict=True)]
    return tier_table(rows, exchange=exchange)


#: Several tiers for the rules and contracts whose default table has one (inverse notionals in BTC).
MANY_TIERS = {
    ("binance", "inverse"): _table("binance", [0, 50, 300, 1_000], [0.004, 0.005, 0.01, 0.025], [125, 100, 50, 20]),
    ("bybit", "linear"): _table("bybit", [0, 2e6, 4e6, 1e7], [0.005, 0.01, 0.015, 0.02], [100, 50, 33, 25]),
    ("bybit", "inverse"): _table("bybit", [0, 150, 300, 600], [0.005, 0.01, 0.015, 0.02], [100, 50, 33, 25]),
}


def random_cells(rng: np.random.Generator, table, side: str, contract: str, count: int, with_collateral: bool):
    """Entry prices, quantities, leverages, face values and collaterals around every tier edge of ``table``.

    Notionals are spread over the whole table and beyond it, many within a few ulps of a cap
    (300,000 USDT and the like); leverages up to 150 (above many tiers' maxima); a few inputs the
    kernel refuses (0, negative, NaN, infinite); collaterals from below the maintenance margin to
    more than the position's value, and some that put the notional at the liquidation price on a
    cap, where two tiers meet (Binance's rule, N the notional at entry, C the cap, tier k's rate m
    and amount a: the price moving the notional up to C needs W = C·(1 + m) − a − N, down to C
    W = N − a − C·(1 − m)).
    """
    entry = rng.uniform(5_000, 200_000, count)
    entry[rng.random(count) < 0.3] = 100_000.0
    edges = np.asarray(table.caps)
    notional = np.exp(rng.uniform(np.log(edges[0] / 100), np.log(edges[-1] * 1.5), count))
    near = rng.random(count) < 0.3
    steps = rng.integers(-3, 4, count)
    notional[near] = rng.choice(edges, near.sum()) * (1 + steps[near] * 2.0**-52)
    # The notional rises with the price for a linear short and an inverse long.
    up = (side == "short") == (contract == "linear")
    on_edge = rng.random(count) < (0.3 if with_collateral else 0)
    edge_tier = rng.integers(0, len(edges), count)
    cap = edges[edge_tier]
    notional[on_edge] = (cap * (rng.uniform(0.9, 0.999, count) if up else rng.uniform(1.001, 1.1, count)))[on_edge]
    face = np.full(count, INVERSE_CONTRACT_USD)
    face[rng.random(count) < 0.1] = 10.0
    quantity = notional / entry if contract == "linear" else notional * entry / face
    rounded = rng.random(count) < 0.2  # sizes as typed: 3 BTC at 100,000 is exactly 300,000 USDT
    quantity[rounded] = np.round(quantity[rounded], 3)
    tier = np.minimum(np.searchsorted(edges, notional), len(edges) - 1)
    most = np.asarray(table.max_leverage)[tier]
    leverage = np.where(rng.random(count) < 0.3, rng.uniform(1, 150, count), rng.uniform(1, most))
    at_most = rng.random(count) < 0.2  # the tier's maximum itself is allowed
    leverage[at_most] = most[at_most]
    wallet = notional / leverage * np.exp(rng.uniform(np.log(0.05), np.log(50), count))
    extreme = rng.random(count) < 0.05
    wallet[extreme] *= rng.choice([1e-3, 1e3], extreme.sum())
    rate, amount = np.asarray(table.rates)[edge_tier], np.asarray(table.amounts)[edge_tier]
    at_edge = cap * (1 + rate) - amount - notional if up else notional - amount - cap * (1 - rate)
    wallet[on_edge] = at_edge[on_edge]
    for values in (entry, quantity, leverage, face, wallet):
        bad = rng.random(count) < 0.004
        values[bad] = rng.choice([0.0, -1.0, np.nan, np.inf, 151.0, 0.5], bad.sum())
    return entry, quantity, leverage.astype(np.float64), face, wallet if with_collateral else None


def per_cell(table, side, contract, rule, cells):
    """The kernel on each cell alone: its price, or its error's type and message."""
    answers: list[float | tuple[type, str]] = []
    for cell in zip(*(c for c in cells if c is not None), strict=True):
        ep, qty, lev, face, *wallet = (float(x) for x in cell)
        try:
            answers.append(position_liquidation(ep, qty, lev, *wallet or [None], side, contract, rule, table, face)[0])
        except AltHedgeInputError as exc:
            answers.append((type(exc), str(exc)))
    return answers


def assert_same_as_per_cell(compute, table, side, contract, rule, cells, wrap=""):
    """``compute`` gives every cell the kernel's value, bit for bit, or its error.

    A bad cell's error is checked on the cell alone and, for the first :data:`IN_ORDER` bad cells,
    on the whole range from which the bad cells before it are removed (the first bad cell's error
    is the range's); then the range without its bad cells gives every value.
    """
    expected = per_cell(table, side, contract, rule, cells)
    errors = [i for i, answer in enumerate(expected) if isinstance(answer, tuple)]
    assert errors and len(expected) - len(errors) >= len(expected) // 3  # the cells test both paths
    keep = np.ones(len(expected), dtype=bool)
    for n, i in enumerate(errors):
        kind, message = expected[i]
        ranges = [np.arange(len(expected)) == i] + ([keep.copy()] if n < IN_ORDER else [])
        for chosen in ranges:
            with pytest.raises(kind) as raised:
                compute(*(None if c is None else c[chosen] for c in cells))
            assert str(raised.value) == (message + wrap if kind is MissingValueError else message)
        keep[i] = False
    got = np.asarray(compute(*(None if c is None else c[keep] for c in cells)))
    want = np.array([answer for answer in expected if not isinstance(answer, tuple)])
    assert got.shape == want.shape
    assert got.view(np.int64).tolist() == want.view(np.int64).tolist()


@pytest.mark.parametrize(("rule", "contract", "side"), COMBINATIONS)
@pytest.mark.parametrize("with_collateral", [False, True])
def test_the_default_table_over_a_range(rule, contract, side, with_collateral):
    table = DEFAULT_TIERS[(rule, contract)]
    rng = np.random.default_rng([20, len(table.caps), len(side), len(contract), with_collateral])
    cells = random_cells(rng, table, side, contract, 1_500, with_collateral)

    def compute(ep, qty, lev, face, wallet):
        return liquidation_price(ep, lev, None, None, side, contract, qty, wallet, rule, face)

    assert_same_as_per_cell(
        compute, table, side, contract, rule, cells, wrap=", or this position's tier as mmr and maint_amount"
    )


@pytest.mark.parametrize(("rule", "contract", "side"), COMBINATIONS)
@pytest.mark.parametrize("with_collateral", [False, True])
def test_tables_of_many_tiers(rule, contract, side, with_collateral):
    table = MANY_TIERS.get((rule, contract), DEFAULT_TIERS[(rule, contract)])
    rng = np.random.default_rng([21, len(table.caps), len(side), len(contract), with_collateral])
    cells = random_cells(rng, table, side, contract, 1_500, with_collateral)

    def kernel(ep, qty, lev, face, *wallet):
        return position_liquidation(ep, qty, lev, *wallet or (None,), side, contract, rule, table, face)[0]

    def compute(ep, qty, lev, face, wallet):
        return liquidation_many(table, side, contract, rule, ep, qty, lev, face, wallet, kernel)

    assert_same_as_per_cell(compute, table, side, contract, rule, cells)


def test_settled_cells_never_reach_the_per_cell_kernel(monkeypatch):
    # A column of sizes across Binance's brackets 1–4 at 20×: the arrays settle every cell.
    calls = []

    def counted(*args, **kwargs):
        calls.append(args)
        return position_liquidation(*args, **kwargs)

    monkeypatch.setattr(liquidation, "position_liquidation", counted)
    sizes = np.random.default_rng(1).uniform(0.01, 40, 2_000)
    got = liquidation_price(100_000, 20, quantity=sizes)
    liquidation_price(100_000, 20, side="long", quantity=sizes)
    liquidation_price(100_000, 20, contract="inverse", quantity=sizes * 100, rule="bybit")
    assert calls == []
    notional = sizes * 100_000
    assert set(np.searchsorted([300_000, 800_000, 3_000_000], notional).tolist()) == {0, 1, 2, 3}
    # Binance's short in each of brackets 1–5, LP = (Q·EP/20 + cum + Q·EP) / (Q·(1 + MMR)), kept
    # where the notional at LP lies in the bracket (the lowest such price).
    floors = np.array([0, 300_000, 800_000, 3_000_000, 12_000_000])
    caps = np.array([300_000, 800_000, 3_000_000, 12_000_000, 70_000_000])
    rates = np.array([0.004, 0.005, 0.0065, 0.01, 0.02])
    cum = np.concatenate(([0], np.cumsum(floors[1:] * np.diff(rates))))  # 0, 300, 1,500, 12,000, 132,000
    prices = (notional[:, None] / 20 + cum + notional[:, None]) / (sizes[:, None] * (1 + rates))
    at = sizes[:, None] * prices
    expected = np.where((floors <= at) & (at <= caps), prices, np.inf).min(axis=1)
    assert got == pytest.approx(expected, rel=1e-12)


def test_a_bad_cell_in_a_range_is_the_first_ones_error():
    sizes = [[2], [10], [30], [0]]  # 1,000,000 USDT at 125× is refused before the size 0
    assert HEDGE_LIQ_PRICE(100_000, 125, None, None, "short", "linear", sizes) == (
        "#NUM! Binance allows at most 75× for a 1,000,000 USDT position"
    )
    assert HEDGE_LIQ_PRICE(100_000, 20, None, None, "short", "linear", [[2], [0], [10]]) == (
        "#NUM! quantity must be greater than 0"
    )
    with pytest.raises(BadNumberError, match="at most 75×"):
        margin_buffer(100_000, 101_000, [[20], [125]], quantity=[[2], [10]])


def test_the_issue_20_cases_over_a_range():
    # 10 BTC at 100,000 is Binance's bracket 3 (0.65 %, cum 1,500): at 75×
    # LP = (1,000,000/75 + 1,500 + 1,000,000) / (10 · 1.0065) = 100,827.95; 0.2 BTC at 20× is bracket 1.
    got = HEDGE_LIQ_PRICE(100_000, [[75], [20]], None, None, "short", "linear", [[10], [0.2]])
    assert got[0][0] == pytest.approx((1_000_000 / 75 + 1_500 + 1_000_000) / (10 * 1.0065), rel=1e-14)
    assert round(got[0][0], 2) == 100_827.95
    assert round(got[1][0], 2) == 104_581.67  # DESIGN.md: a 20× short from 100,000 in bracket 1
    assert round(HEDGE_LIQ_PRICE(100_000, 20), 2) == 104_581.67
    buffer = HEDGE_MARGIN_BUFFER(100_000, 100_000, [[75], [20]], None, None, "linear", [[10], [0.2]])
    assert [row[0] for row in buffer] == pytest.approx([row[0] / 100_000 - 1 for row in got], rel=1e-14)

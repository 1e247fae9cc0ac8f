"""The order to place now (althedge_xl.core.orders): each expected order worked by hand in the test."""

from __future__ import annotations

import pytest

from althedge_xl.core.errors import BadNumberError, WrongTypeError
from althedge_xl.core.orders import order_to_target


def test_sell_up_to_target():
    # Target 20,000 at 100,000 = 0.2 BTC; 0.15 held is 5,000 (25 %) short, outside the 10 % band.
    order = order_to_target(20_000, 0.15, 100_000)
    assert (order.side, order.quantity, order.notional, order.fee) == ("sell", 0.05, 5_000, 5_000 * 0.0005)


def test_inside_the_band_no_order():
    # 0.19 BTC held: 1,000 (5 %) below target, inside the default 10 % band.
    order = order_to_target(20_000, 0.19, 100_000)
    assert (order.side, order.quantity, order.fee) == ("none", 0.0, 0.0)
    assert "no-trade band" in order.reason
    assert order_to_target(20_000, 0.19, 100_000, band=0.04).side == "sell"  # 5 % is outside a 4 % band


def test_buy_back_rounds_so_the_short_stays_at_or_below_target():
    # Target 20,050 at 100,000 = 0.2005 BTC; 0.3 held. Down: the short after must be ≤ 0.2005 in
    # steps of 0.001 from 0.3, so buy 0.1 (→ 0.2), not 0.099 (→ 0.201, above target).
    order = order_to_target(20_050, 0.3, 100_000)
    assert (order.side, order.quantity) == ("buy", pytest.approx(0.1))
    assert order_to_target(20_050, 0.3, 100_000, rounding="up").quantity == pytest.approx(0.099)


def test_sell_rounds_down():
    # 12,345 at 67,890 = 0.18184 BTC; from nothing, sell 0.181 (not 0.182: never above target).
    order = order_to_target(12_345, 0, 67_890)
    assert order.quantity == 0.181 and order.notional == pytest.approx(0.181 * 67_890)
    assert order_to_target(12_345, 0, 67_890, rounding="nearest").quantity == 0.182


def test_target_zero_closes_the_short():
    order = order_to_target(0, 0.2, 100_000)
    assert (order.side, order.quantity, order.notional) == ("buy", 0.2, 20_000)


def test_inverse_in_contracts():
    # 20,000 USD = 200 contracts of 100 USD; 150 held: sell 50 contracts, 5,000 USD.
    order = order_to_target(20_000, 150, 100_000, "inverse")
    assert (order.side, order.quantity, order.notional) == ("sell", 50, 5_000)
    assert order_to_target(20_000, 1_500, 100_000, "inverse", 10).quantity == 500  # 10 USD contracts


def test_below_the_exchange_minimum_no_order_and_why():
    # Target 0.2 BTC at 50,000 (10,000), 0.1985 held, no band: one step of 0.001 is 50 USDT < 100.
    order = order_to_target(10_000, 0.1985, 50_000, band=0)
    assert order.side == "none" and "below the exchange's minimum of 100 USD" in order.reason
    # 0.198 held: two steps, exactly 100 USDT, is an order.
    assert order_to_target(10_000, 0.198, 50_000, band=0).quantity == pytest.approx(0.002)
    # Less than a step: nothing to round to.
    assert "less than one step" in order_to_target(10_000, 0.1995, 50_000, band=0).reason


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"band": 1.5}, BadNumberError, "band must be from 0 to 1"),
        ({"held": -0.1}, BadNumberError, "held must be at least 0"),
        ({"price": 0}, BadNumberError, "price must be greater than 0"),
        ({"fee_rate": 0.05}, BadNumberError, "fee_rate"),
        ({"rounding": "sideways"}, WrongTypeError, '"down", "nearest", "up"'),
        ({"target_notional": float("nan")}, BadNumberError, "finite"),
    ],
)
def test_bad_inputs(kwargs, error, match):
    args = {"target_notional": 20_000, "held": 0.1, "price": 100_000, **kwargs}
    with pytest.raises(error, match=match):
        order_to_target(**args)

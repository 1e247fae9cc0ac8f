"""Excel functions for liquidation: the liquidation price, the margin buffer and the maintenance tier."""

from __future__ import annotations

from typing import Any

from althedge_xl.core import margin
from althedge_xl.core.conventions import (
    CONTRACTS,
    DEFAULT_MAINT_AMOUNT,
    DEFAULT_MMR,
    SIDES,
)
from althedge_xl.excel import coerce
from althedge_xl.excel.function import excel_function
from althedge_xl.udfs._cells import Cells

_LIQ_HELP = {
    "leverage": "Leverage, 1 to 125; the isolated margin is the initial margin",
    "mmr": "Optional: maintenance margin rate as a fraction (default 0.4%, BTCUSDT's first tier)",
    "maint_amount": "Optional: the tier's maintenance amount, USDT for linear, BTC for inverse (default 0)",
    "contract": 'Optional: "linear" (default, Binance USDⓈ-M) or "inverse" (Binance COIN-M, 100 USD contracts)',
    "quantity": "Optional: position size, BTC (linear) or contracts (inverse); needed when maint_amount is not 0",
}


def _liquidation_args(
    leverage: Cells, mmr: Cells, maint_amount: Cells, contract: Cells, quantity: Cells
) -> tuple[Any, ...]:
    return (
        coerce.numbers(leverage, "leverage"),
        coerce.numbers(mmr, "mmr", DEFAULT_MMR),
        coerce.numbers(maint_amount, "maint_amount", DEFAULT_MAINT_AMOUNT),
        coerce.choice(contract, "contract", CONTRACTS, "linear"),
        coerce.optional_numbers(quantity, "quantity"),
    )


@excel_function(
    entry_price="Entry price of the position in USD",
    leverage=_LIQ_HELP["leverage"],
    mmr=_LIQ_HELP["mmr"],
    maint_amount=_LIQ_HELP["maint_amount"],
    side='Optional: "short" (default, the hedge) or "long"',
    contract=_LIQ_HELP["contract"],
    quantity=_LIQ_HELP["quantity"],
)
def HEDGE_LIQ_PRICE(
    entry_price: Cells,
    leverage: Cells,
    mmr: Cells = DEFAULT_MMR,
    maint_amount: Cells = DEFAULT_MAINT_AMOUNT,
    side: Cells = "short",
    contract: Cells = "linear",
    quantity: Cells = None,
) -> Any:
    """Isolated-margin liquidation price in USD by Binance's published formula.

    Linear short: LP = (WB + cum + Q·EP) / (Q·(1 + MMR)) with WB = Q·EP / leverage. A 20×
    short of BTCUSDT from 100,000 liquidates at 104,581.67.

    >>> round(HEDGE_LIQ_PRICE(100000, 20), 2)
    104581.67
    """
    lev, rate, cum, kind, qty = _liquidation_args(leverage, mmr, maint_amount, contract, quantity)
    return margin.liquidation_price(
        coerce.numbers(entry_price, "entry_price"),
        lev,
        rate,
        cum,
        coerce.choice(side, "side", SIDES, "short"),
        kind,
        qty,
    )


@excel_function(
    entry_price="Entry price of the short in USD",
    mark_price="Current BTC mark price in USD",
    leverage=_LIQ_HELP["leverage"],
    mmr=_LIQ_HELP["mmr"],
    maint_amount=_LIQ_HELP["maint_amount"],
    contract=_LIQ_HELP["contract"],
    quantity=_LIQ_HELP["quantity"],
)
def HEDGE_MARGIN_BUFFER(
    entry_price: Cells,
    mark_price: Cells,
    leverage: Cells,
    mmr: Cells = DEFAULT_MMR,
    maint_amount: Cells = DEFAULT_MAINT_AMOUNT,
    contract: Cells = "linear",
    quantity: Cells = None,
) -> Any:
    """How far BTC can rise from the mark price before the short is liquidated: LP / mark − 1.

    >>> round(HEDGE_MARGIN_BUFFER(100000, 100000, 20), 6)
    0.045817
    """
    lev, rate, cum, kind, qty = _liquidation_args(leverage, mmr, maint_amount, contract, quantity)
    return margin.margin_buffer(
        coerce.numbers(entry_price, "entry_price"),
        coerce.numbers(mark_price, "mark_price"),
        lev,
        rate,
        cum,
        kind,
        qty,
    )


@excel_function(
    notional="Position notional in USDT",
    tiers="Optional: tier table, one row per tier: upper notional bound, maintenance rate (default BTCUSDT's)",
)
def HEDGE_MAINT_TIER(notional: Cells, tiers: Cells = None) -> Any:
    """Maintenance margin rate and amount of the tier a notional falls in, as one row of two cells.

    The amount follows Binance's rule cumₙ = floorₙ·(MMRₙ − MMRₙ₋₁) + cumₙ₋₁.

    >>> HEDGE_MAINT_TIER(500000)
    [[0.005, 300.0]]
    """
    rate, amount = margin.maintenance_tier(coerce.numbers(notional, "notional"), coerce.table(tiers, "tiers", 2))
    return [[rate, amount]]

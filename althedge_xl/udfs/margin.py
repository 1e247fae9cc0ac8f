"""Excel functions for liquidation in one tier: the liquidation price, the margin buffer, the tier of a notional."""

from __future__ import annotations

from typing import Any

from althedge_xl.core import liquidation, margin
from althedge_xl.core.conventions import (
    CONTRACTS,
    DEFAULT_MAINT_AMOUNT,
    DEFAULT_MMR,
    INVERSE_CONTRACT_USD,
    RULES,
    SIDES,
)
from althedge_xl.excel import coerce
from althedge_xl.excel.function import excel_function
from althedge_xl.udfs._cells import Cells

LIQ_HELP = {
    "leverage": "Leverage, 1 to 125; without collateral the isolated margin is the initial margin",
    "mmr": "Optional: maintenance margin rate as a fraction (default 0.4%, BTCUSDT's first bracket)",
    "maint_amount": "Optional: the tier's maintenance amount (Binance cum, Bybit mmDeduction), USDT linear, BTC inverse",
    "contract": 'Optional: "linear" (default, USDT-margined, in BTC) or "inverse" (coin-margined, in contracts)',
    "quantity": "Optional: position size, BTC (linear) or contracts (inverse); needed with maint_amount or collateral",
    "collateral": "Optional: the position's wallet balance incl. added margin, USDT linear, BTC inverse (default notional/leverage)",
    "rule": 'Optional: "binance" (default; maintenance at the liquidation price) or "bybit" (maintenance at entry)',
    "contract_usd": "Optional: USD face value of one inverse contract (default 100, BTCUSD; other coin-margined symbols 10)",
    "tiers": "Optional: tier table of the rule's exchange, one row per tier: floor, cap, rate, amount, max leverage",
}


def _one_tier_args(
    leverage: Cells,
    mmr: Cells,
    maint_amount: Cells,
    contract: Cells,
    quantity: Cells,
    collateral: Cells,
    rule: Cells,
    contract_usd: Cells,
) -> dict[str, Any]:
    return {
        "leverage": coerce.numbers(leverage, "leverage"),
        "mmr": coerce.numbers(mmr, "mmr", DEFAULT_MMR),
        "maint_amount": coerce.numbers(maint_amount, "maint_amount", DEFAULT_MAINT_AMOUNT),
        "contract": coerce.choice(contract, "contract", CONTRACTS, "linear"),
        "quantity": coerce.optional_numbers(quantity, "quantity"),
        "collateral": coerce.optional_numbers(collateral, "collateral"),
        "rule": coerce.choice(rule, "rule", RULES, "binance"),
        "contract_usd": coerce.numbers(contract_usd, "contract_usd", INVERSE_CONTRACT_USD),
    }


@excel_function(
    entry_price="Entry price of the position in USD",
    leverage=LIQ_HELP["leverage"],
    mmr=LIQ_HELP["mmr"],
    maint_amount=LIQ_HELP["maint_amount"],
    side='Optional: "short" (default, the hedge) or "long"',
    contract=LIQ_HELP["contract"],
    quantity=LIQ_HELP["quantity"],
    collateral=LIQ_HELP["collateral"],
    rule=LIQ_HELP["rule"],
    contract_usd=LIQ_HELP["contract_usd"],
)
def HEDGE_LIQ_PRICE(
    entry_price: Cells,
    leverage: Cells,
    mmr: Cells = DEFAULT_MMR,
    maint_amount: Cells = DEFAULT_MAINT_AMOUNT,
    side: Cells = "short",
    contract: Cells = "linear",
    quantity: Cells = None,
    collateral: Cells = None,
    rule: Cells = "binance",
    contract_usd: Cells = INVERSE_CONTRACT_USD,
) -> Any:
    """Isolated-margin liquidation price in USD in one tier, by Binance's or Bybit's rule.

    Binance linear short: LP = (WB + cum + Q·EP) / (Q·(1 + MMR)), WB = Q·EP / leverage: a 20×
    short from 100,000 liquidates at 104,581.67. Bybit values maintenance at entry: a long of
    1 BTC at 20,000, 50×, 0.5 % liquidates at 19,700.

    >>> round(HEDGE_LIQ_PRICE(100000, 20), 2), HEDGE_LIQ_PRICE(20000, 50, 0.005, 0, "long", "linear", 1, None, "bybit")
    (104581.67, 19700.0)
    """
    args = _one_tier_args(leverage, mmr, maint_amount, contract, quantity, collateral, rule, contract_usd)
    return margin.liquidation_price(
        coerce.numbers(entry_price, "entry_price"), side=coerce.choice(side, "side", SIDES, "short"), **args
    )


@excel_function(
    entry_price="Entry price of the short in USD",
    mark_price="Current BTC mark price in USD",
    leverage=LIQ_HELP["leverage"],
    mmr=LIQ_HELP["mmr"],
    maint_amount=LIQ_HELP["maint_amount"],
    contract=LIQ_HELP["contract"],
    quantity=LIQ_HELP["quantity"],
    collateral=LIQ_HELP["collateral"],
    rule=LIQ_HELP["rule"],
    contract_usd=LIQ_HELP["contract_usd"],
)
def HEDGE_MARGIN_BUFFER(
    entry_price: Cells,
    mark_price: Cells,
    leverage: Cells,
    mmr: Cells = DEFAULT_MMR,
    maint_amount: Cells = DEFAULT_MAINT_AMOUNT,
    contract: Cells = "linear",
    quantity: Cells = None,
    collateral: Cells = None,
    rule: Cells = "binance",
    contract_usd: Cells = INVERSE_CONTRACT_USD,
) -> Any:
    """How far BTC can rise from the mark price before the short is liquidated: LP / mark − 1.

    >>> round(HEDGE_MARGIN_BUFFER(100000, 100000, 20), 6)
    0.045817
    """
    args = _one_tier_args(leverage, mmr, maint_amount, contract, quantity, collateral, rule, contract_usd)
    return margin.margin_buffer(
        coerce.numbers(entry_price, "entry_price"), coerce.numbers(mark_price, "mark_price"), **args
    )


@excel_function(
    notional="Position notional: USDT for linear contracts, BTC for inverse ones",
    tiers=LIQ_HELP["tiers"] + " (default the rule's)",
    rule=LIQ_HELP["rule"],
    contract=LIQ_HELP["contract"],
)
def HEDGE_MAINT_TIER(notional: Cells, tiers: Cells = None, rule: Cells = "binance", contract: Cells = "linear") -> Any:
    """Maintenance rate, maintenance amount and maximum leverage of the tier a notional falls in, as one row.

    Default: Binance's BTCUSDT brackets recorded 2024-10-24. 60,000 USDT is in bracket 2.

    >>> HEDGE_MAINT_TIER(60000)
    [[0.005, 50.0, 100.0]]
    """
    found = liquidation.maintenance_tier(
        coerce.numbers(notional, "notional"),
        coerce.table(tiers, "tiers", 5),
        coerce.choice(rule, "rule", RULES, "binance"),
        coerce.choice(contract, "contract", CONTRACTS, "linear"),
    )
    return [list(found)]

"""Excel functions for the liquidation price of one position, its margin buffer, and the tier of a notional."""

from __future__ import annotations

from typing import Any

from althedge_xl.core import liquidation
from althedge_xl.core.conventions import CONTRACTS, RULES, SIDES
from althedge_xl.excel import coerce
from althedge_xl.excel.function import excel_function
from althedge_xl.udfs._cells import Cells

LIQ_HELP = {
    "leverage": "Leverage, 1 to the tier's maximum; without collateral the isolated margin is the initial margin",
    "mmr": "Optional: maintenance rate of one tier, a fraction; blank: the rule's default table's tier for the "
    "quantity (no quantity: its first tier)",
    "maint_amount": "Optional: that tier's maintenance amount (Binance cum, Bybit mmDeduction), USDT linear, BTC "
    "inverse; default 0, only with mmr",
    "contract": 'Optional: "linear" (default, USDT-margined, in BTC) or "inverse" (coin-margined, in contracts)',
    "quantity": "Optional: position size, BTC (linear) or contracts (inverse); picks the tier when mmr is blank",
    "collateral": "Optional: the position's wallet balance incl. added margin, USDT linear, BTC inverse (default notional/leverage)",
    "rule": "Optional: the exchange whose rule applies, any case: "
    + ", ".join(f'"{name}"' for name in RULES)
    + " (default binance)",
    "contract_usd": "Optional: USD face value of one inverse contract (blank: the rule's; Binance BTCUSD 100)",
    "fee_rate": "Optional: fee to close in the liquidation condition, a fraction of the notional at the liquidation "
    "price (blank: the rule's, 0 for binance and bybit; 0: none); bybit-2025: the taker rate inverse extra margin is net of",
    "tiers": "Optional: tier table of the rule's exchange, one row per tier: floor, cap, rate, amount, max leverage; "
    "a blank amount is the rule's, not 0",
}


def _liquidation_args(
    leverage: Cells,
    mmr: Cells,
    maint_amount: Cells,
    contract: Cells,
    quantity: Cells,
    collateral: Cells,
    rule: Cells,
    contract_usd: Cells,
    fee_rate: Cells,
) -> dict[str, Any]:
    return {
        "leverage": coerce.numbers(leverage, "leverage"),
        "mmr": coerce.optional_numbers(mmr, "mmr"),
        "maint_amount": coerce.optional_numbers(maint_amount, "maint_amount"),
        "contract": coerce.choice(contract, "contract", CONTRACTS, "linear"),
        "quantity": coerce.optional_numbers(quantity, "quantity"),
        "collateral": coerce.optional_numbers(collateral, "collateral"),
        "rule": coerce.choice(rule, "rule", RULES, "binance"),
        "contract_usd": coerce.optional_numbers(contract_usd, "contract_usd"),
        "fee_rate": coerce.optional_numbers(fee_rate, "fee_rate"),
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
    fee_rate=LIQ_HELP["fee_rate"],
)
def HEDGE_LIQ_PRICE(
    entry_price: Cells,
    leverage: Cells,
    mmr: Cells = None,
    maint_amount: Cells = None,
    side: Cells = "short",
    contract: Cells = "linear",
    quantity: Cells = None,
    collateral: Cells = None,
    rule: Cells = "binance",
    contract_usd: Cells = None,
    fee_rate: Cells = None,
) -> Any:
    """Isolated-margin liquidation price in USD by an exchange's rule, in the tier given or the table's.

    Binance linear short: LP = (WB + cum + Q·EP) / (Q·(1 + MMR)), WB = Q·EP / leverage. With mmr
    blank the tier is the default table's for the quantity (Binance BTCUSDT 2026-03-05), leverage
    at most its maximum; with the quantity blank too the size is unknown and the first tier applies
    (0.40 %, cum 0, at most 150×): a 20× short from 100,000 liquidates at 104,581.67. Bybit values
    maintenance at entry: a long of 1 BTC at 20,000, 50×, 0.5 % liquidates at 19,700.

    >>> round(HEDGE_LIQ_PRICE(100000, 20), 2), HEDGE_LIQ_PRICE(20000, 50, 0.005, 0, "long", "linear", 1, None, "bybit")
    (104581.67, 19700.0)
    """
    args = _liquidation_args(leverage, mmr, maint_amount, contract, quantity, collateral, rule, contract_usd, fee_rate)
    return liquidation.liquidation_price(
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
    fee_rate=LIQ_HELP["fee_rate"],
)
def HEDGE_MARGIN_BUFFER(
    entry_price: Cells,
    mark_price: Cells,
    leverage: Cells,
    mmr: Cells = None,
    maint_amount: Cells = None,
    contract: Cells = "linear",
    quantity: Cells = None,
    collateral: Cells = None,
    rule: Cells = "binance",
    contract_usd: Cells = None,
    fee_rate: Cells = None,
) -> Any:
    """How far BTC can rise from the mark price before the short is liquidated: LP / mark − 1.

    The liquidation price as HEDGE_LIQ_PRICE's (mmr blank: the default table's tier for the quantity).

    >>> round(HEDGE_MARGIN_BUFFER(100000, 100000, 20), 6)
    0.045817
    """
    args = _liquidation_args(leverage, mmr, maint_amount, contract, quantity, collateral, rule, contract_usd, fee_rate)
    return liquidation.margin_buffer(
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

    Default: Binance's BTCUSDT brackets recorded 2026-03-05. 250,000 USDT is in bracket 1.

    >>> HEDGE_MAINT_TIER(250000)
    [[0.004, 0.0, 150.0]]
    """
    found = liquidation.maintenance_tier(
        coerce.numbers(notional, "notional"),
        coerce.tiers(tiers),
        coerce.choice(rule, "rule", RULES, "binance"),
        coerce.choice(contract, "contract", CONTRACTS, "linear"),
    )
    return [list(found)]

"""AltHedge's Excel functions (xlwings UDFs, category "AltHedge"): the function list.

Each function takes what Excel passes (numbers, text, TRUE/FALSE, blanks, ranges as rows), turns
it into arrays through :mod:`althedge_xl.excel.coerce`, calls :mod:`althedge_xl.core`, and returns
a number, a table (list of rows) or an error value such as ``#NUM! leverage must be at least 1``.
Fractions are fractions: type 40% or 0.4 for forty per cent. P/L is positive for a gain; a cost is
positive when the user pays it.

This package is what every runtime imports: the workbook's ``UDF Modules = althedge_xl.udfs``
(classic xlwings), ``from althedge_xl.udfs import *`` in xlwings Lite's ``main.py`` and in an
xlwings Server's ``custom_functions``. It needs numpy alone. The functions live in one module per
part of the method and are re-exported here.

Worked examples are the method's (DESIGN.md). In Python::

    >>> HEDGE_NOTIONAL([[30000], [20000]], 0.4)
    20000.0
"""

from althedge_xl.udfs.backtest import BACKTEST
from althedge_xl.udfs.funding import BASIS_ANNUALIZED, DATED_HEDGE_COST, FUNDING_BREAKEVEN, FUNDING_COST
from althedge_xl.udfs.liquidation import (
    HEDGE_LIQ_CROSS,
    HEDGE_LIQUIDATION,
    HEDGE_SPIKE_COLLATERAL,
    HEDGE_SPIKE_SURVIVED,
)
from althedge_xl.udfs.margin import HEDGE_LIQ_PRICE, HEDGE_MAINT_TIER, HEDGE_MARGIN_BUFFER
from althedge_xl.udfs.scenario import SCENARIO_PNL, SCENARIO_TABLE, STRESS_GRID
from althedge_xl.udfs.signals import HEDGE_RATIO_VOL, HEDGE_SIGNALS
from althedge_xl.udfs.sizing import (
    HEDGE_CONTRACTS,
    HEDGE_MARGIN,
    HEDGE_NOTIONAL,
    HEDGE_ORDER,
    HEDGE_OVERHEDGED,
    HEDGE_RATIO_FG,
)
from althedge_xl.udfs.stats import (
    HEDGE_BETA,
    HEDGE_BETA_TABLE,
    HEDGE_CORREL,
    HEDGE_EFFECTIVENESS,
    HEDGE_MINVAR_RATIO,
    REALIZED_VOL,
    SCENARIO_REPLAY,
)

__all__ = [
    "BACKTEST",
    "BASIS_ANNUALIZED",
    "DATED_HEDGE_COST",
    "FUNDING_BREAKEVEN",
    "FUNDING_COST",
    "HEDGE_BETA",
    "HEDGE_BETA_TABLE",
    "HEDGE_CONTRACTS",
    "HEDGE_CORREL",
    "HEDGE_EFFECTIVENESS",
    "HEDGE_LIQUIDATION",
    "HEDGE_LIQ_CROSS",
    "HEDGE_LIQ_PRICE",
    "HEDGE_MAINT_TIER",
    "HEDGE_MARGIN",
    "HEDGE_MARGIN_BUFFER",
    "HEDGE_MINVAR_RATIO",
    "HEDGE_NOTIONAL",
    "HEDGE_ORDER",
    "HEDGE_OVERHEDGED",
    "HEDGE_RATIO_FG",
    "HEDGE_RATIO_VOL",
    "HEDGE_SIGNALS",
    "HEDGE_SPIKE_COLLATERAL",
    "HEDGE_SPIKE_SURVIVED",
    "REALIZED_VOL",
    "SCENARIO_PNL",
    "SCENARIO_REPLAY",
    "SCENARIO_TABLE",
    "STRESS_GRID",
]

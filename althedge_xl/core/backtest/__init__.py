"""Backtests of hedge rules on daily closes: the rules, the day-by-day replay, the metrics, the comparison.

- :mod:`~althedge_xl.core.backtest.rules`: each rule's ratio per day, from data up to that close;
- :mod:`~althedge_xl.core.backtest.engine`: the replay (band, schedule, fees, funding);
- :mod:`~althedge_xl.core.backtest.metrics`: return, volatility, drawdown, worst 30 days, CVaR;
- :mod:`~althedge_xl.core.backtest.compare`: :func:`backtest`, every rule on the same history.

The conventions are DESIGN.md's "Backtest conventions".
"""

from althedge_xl.core.backtest.compare import (
    DEFAULT_BAND,
    DEFAULT_FEE,
    MAX_HOLDING_USD,
    METRICS,
    BacktestResult,
    RuleResult,
    backtest,
    metrics_table,
)
from althedge_xl.core.backtest.engine import SCHEDULES
from althedge_xl.core.backtest.rules import DEFAULT_RULES, RuleSettings, parse_rules

__all__ = [
    "DEFAULT_BAND",
    "DEFAULT_FEE",
    "DEFAULT_RULES",
    "MAX_HOLDING_USD",
    "METRICS",
    "SCHEDULES",
    "BacktestResult",
    "RuleResult",
    "RuleSettings",
    "backtest",
    "metrics_table",
    "parse_rules",
]

"""What the template's sheets share: the portfolio's rows, the holdings' classes, validation rules."""

from __future__ import annotations

PORTFOLIO_FIRST, PORTFOLIO_LAST = 5, 24
CLASSES = ("BTC", "core", "satellite")
RATIO_METHODS = ("Flat", "Core-satellite", "Fear & Greed", "Beta-weighted", "Volatility", "Minimum variance")
BOOL_LIST = {"validate": "list", "source": ["TRUE", "FALSE"]}
#: The method's portfolio, split into symbols so that the sums are the method's:
#: BTC 50,000; majors ETH + SOL 30,000 at 0.90; small caps 20,000 at 0.95.
TEMPLATE_HOLDINGS = (
    ("BTC", "BTC", 50_000.0, None, False),
    ("ETH", "core", 18_000.0, 0.90, True),
    ("SOL", "core", 12_000.0, 0.90, True),
    ("Small caps", "satellite", 20_000.0, 0.95, True),
)


def between(low: float, high: float, message: str) -> dict[str, object]:
    """Data validation: a number from ``low`` to ``high``, with ``message`` when it is not."""
    return {
        "validate": "decimal",
        "criteria": "between",
        "minimum": low,
        "maximum": high,
        "error_title": "AltHedge",
        "error_message": message,
    }

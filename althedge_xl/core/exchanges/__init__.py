"""Exchange profiles: each exchange's liquidation rule and BTC contract conventions, as data.

One small module per exchange holds its :class:`~althedge_xl.core.exchanges.profile.ExchangeProfile`
(with a source for every value) and its dated tier tables; the liquidation, spike and funding
functions read the profile and never branch on the exchange. Adding an exchange is adding a
module here and its name to :data:`PROFILES`.
"""

from __future__ import annotations

from typing import Final

from althedge_xl.core.errors import WrongTypeError
from althedge_xl.core.exchanges import binance, bingx, bybit, mexc, okx, weex
from althedge_xl.core.exchanges.profile import ExchangeProfile

#: Every profile, by the rule name a cell takes (lower case; a cell's case does not matter).
PROFILES: Final[dict[str, ExchangeProfile]] = {
    p.name: p for p in (binance.PROFILE, bybit.PROFILE, bingx.PROFILE, mexc.PROFILE, weex.PROFILE, okx.PROFILE)
}
#: The rule names, in the order the Hedge sheet's dropdown lists them.
RULES: Final = tuple(PROFILES)


def exchange_profile(rule: object) -> ExchangeProfile:
    """The profile of ``rule`` (case and surrounding spaces ignored), or a clear error listing the rules.

    >>> exchange_profile(" Bybit ").valuation
    'entry'
    """
    if isinstance(rule, ExchangeProfile):
        return rule
    if isinstance(rule, str) and rule.strip().lower() in PROFILES:
        return PROFILES[rule.strip().lower()]
    choices = ", ".join(f'"{name}"' for name in RULES)
    raise WrongTypeError(f"rule must be one of {choices}, not {rule!r}")


__all__ = ["PROFILES", "RULES", "ExchangeProfile", "exchange_profile"]

"""Exchange profiles: each exchange's liquidation rule and BTC contract conventions, as data.

One small module per exchange holds its :class:`~althedge_xl.core.exchanges.profile.ExchangeProfile`
(with a source for every value) and its dated tier tables; the liquidation, spike and funding
functions read the profile and never branch on the exchange. Adding an exchange is adding a
module here and its name to :data:`PROFILES`. Another rule an exchange has published stays
reachable by a dated rule name (:data:`DATED_PROFILES`, ``"bybit-2025"``): accepted wherever a rule
is, it reads its exchange's tier tables and is not one of the exchanges the Hedge sheet lists.
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
#: Other published rules of an exchange, by their dated name (the exchange's name and the year).
DATED_PROFILES: Final[dict[str, ExchangeProfile]] = {p.name: p for p in (bybit.PROFILE_2025,)}
#: Every rule name a function accepts: the exchanges', then the dated ones.
ALL_RULES: Final = RULES + tuple(DATED_PROFILES)


def dated_rules(exchange: str) -> tuple[str, ...]:
    """The dated rule names that read ``exchange``'s tables (its other published rules), in order.

    >>> dated_rules("bybit"), dated_rules("binance")
    (('bybit-2025',), ())
    """
    return tuple(name for name, profile in DATED_PROFILES.items() if profile.exchange_name == exchange)


def exchange_profile(rule: object) -> ExchangeProfile:
    """The profile of ``rule`` (case and surrounding spaces ignored), or a clear error listing the rules.

    >>> exchange_profile(" Bybit ").valuation
    'entry'
    >>> exchange_profile("BYBIT-2025").valuation
    'liquidation'
    """
    if isinstance(rule, ExchangeProfile):
        return rule
    if isinstance(rule, str):
        name = rule.strip().lower()
        profile = PROFILES.get(name) or DATED_PROFILES.get(name)
        if profile is not None:
            return profile
    choices = ", ".join(f'"{name}"' for name in ALL_RULES)
    raise WrongTypeError(f"rule must be one of {choices}, not {rule!r}")


__all__ = ["ALL_RULES", "DATED_PROFILES", "PROFILES", "RULES", "ExchangeProfile", "dated_rules", "exchange_profile"]

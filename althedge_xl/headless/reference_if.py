"""Excel's ``IF`` in the formula engine: on one condition it gives the branch itself, a range's blanks kept.

In Excel ``IF`` returns a reference when its condition is one value: ``IF(TRUE,A1:A3)`` is the range
``A1:A3`` itself (which is why ``SUM(A1:IF(TRUE,B5,C5))`` works), so a function given it sees a blank cell
of the range as blank, exactly as when given the range. The engine's ``IF`` (``formulas``) computes
element by element after replacing every blank by 0, so the Hedge sheet's tier table, passed through
``IF(COUNT(T)=0,"",T)``, reached the functions with a blank maintenance amount turned into 0: a deduction
of 0 for a rule that takes amounts as given, where the range itself reads a blank as the rule's own amount.

:func:`install` replaces the engine's ``IF`` in its function table by one that, when the condition is one
value, returns the chosen branch untouched (a range's values with their blanks; a blank condition is
FALSE, an error condition is that error, a text one ``#VALUE!``, as the engine's). With an array of
conditions Excel computes values element by element, a blank becoming 0, and the engine's own ``IF`` does
that, so it is called then.
"""

from __future__ import annotations

from collections.abc import Callable, MutableMapping
from typing import Any

import numpy as np


def install(table: MutableMapping[str, Any]) -> None:
    """Put the reference-returning ``IF`` in the engine's function ``table`` (idempotent)."""
    entry = table["IF"]
    if getattr(entry["function"], "returns_reference", False):
        return
    table["IF"] = {**entry, "function": reference_if(entry["function"])}


def reference_if(engine_if: Callable[..., Any]) -> Callable[..., Any]:
    """``IF`` that returns the branch itself on one condition, and is ``engine_if`` on an array of them."""
    import schedula as sh
    from formulas.functions import Array, wrap_ranges_func
    from formulas.tokens.operand import Error, XlError

    def function(condition: Any, *branches: Any) -> Any:
        values = np.asarray(condition, dtype=object)
        if values.size != 1 or len(branches) not in (1, 2):
            return engine_if(condition, *branches)
        value = values.reshape(-1)[0]
        if value is sh.EMPTY:  # a blank condition is FALSE (the engine's tokens are text, so first)
            value = False
        elif isinstance(value, XlError):
            return _as_array(value, Array)
        elif isinstance(value, str):
            return _as_array(Error.errors["#VALUE!"], Array)
        chosen = branches[0] if value else (branches[1] if len(branches) == 2 else False)
        return _as_array(chosen, Array)

    wrapped: Any = wrap_ranges_func(function)
    wrapped.returns_reference = True
    engine_function: Callable[..., Any] = wrapped
    return engine_function


def _as_array(value: Any, array_type: type) -> Any:
    """``value`` as the engine's array: a range's values as they are (blanks kept), one value as 1 x 1."""
    grid = np.asarray(value, dtype=object)
    if grid.ndim < 2:
        grid = grid.reshape(1, -1) if grid.ndim == 1 else grid.reshape(1, 1)
    return grid.view(array_type)

"""Return statistics for hedging an altcoin portfolio with short BTC futures.

Returns, hedge beta, correlation, the minimum-variance hedge ratio, hedge effectiveness,
realized volatility and the replay of a portfolio along a real price window; one module per
job, re-exported here:

- :mod:`~althedge_xl.core.stats.returns`: returns and the one alignment rule (blank rows);
- :mod:`~althedge_xl.core.stats.regression`: beta (OLS, EWMA, downside) and correlation;
- :mod:`~althedge_xl.core.stats.correlations`: the correlation of each column of a panel;
- :mod:`~althedge_xl.core.stats.methods`: a method's choice of periods and weights, and its arguments;
- :mod:`~althedge_xl.core.stats.hedge_variance`: minimum-variance ratio and effectiveness;
- :mod:`~althedge_xl.core.stats.replay`: a fixed hedge along a real price window;
- :mod:`~althedge_xl.core.stats.signals`: trailing volatility, altcoin outperformance, funding regime;
- :mod:`~althedge_xl.core.stats.rolling`: trailing-window sums, variances and slopes in O(n).

Every function takes prices (or values) in rows, oldest first: a ``(n,)`` array is one
series, a ``(n, k)`` array is ``k`` series side by side (one column per asset). Prices are in
the quote currency (USD/USDT) and must be positive; a blank cell is ``NaN``. Lists are
accepted and converted with ``numpy.asarray(..., dtype=float)``. No function modifies its
inputs. A scalar result is a Python ``float``. Blanks are never filled (see
:mod:`~althedge_xl.core.stats.returns` for the alignment rule).

Errors
------
All errors subclass :class:`althedge_xl.core.errors.AltHedgeInputError` (a ``ValueError``) and
name the argument at fault:

- :class:`~althedge_xl.core.errors.WrongTypeError` (``#VALUE!``): shapes or lengths that do
  not match, an unknown ``method``;
- :class:`~althedge_xl.core.errors.BadNumberError` (``#NUM!``): a zero, negative or infinite
  price, a non-positive ``halflife``, BTC returns with zero variance, a result that overflows;
- :class:`~althedge_xl.core.errors.MissingValueError` (``#N/A``): fewer than 3 usable returns
  (2 for :func:`realized_vol`), a required argument left blank.
"""

from althedge_xl.core.stats.correlations import correls
from althedge_xl.core.stats.hedge_variance import hedge_effectiveness, minvar_ratio
from althedge_xl.core.stats.regression import BETA_METHODS, CORREL_METHODS, betas, hedge_beta, hedge_correl
from althedge_xl.core.stats.replay import REPLAY_COLUMNS, scenario_replay
from althedge_xl.core.stats.returns import MIN_RETURNS, MIN_VOL_RETURNS, realized_vol, simple_returns

__all__ = [
    "BETA_METHODS",
    "CORREL_METHODS",
    "MIN_RETURNS",
    "MIN_VOL_RETURNS",
    "REPLAY_COLUMNS",
    "betas",
    "correls",
    "hedge_beta",
    "hedge_correl",
    "hedge_effectiveness",
    "minvar_ratio",
    "realized_vol",
    "scenario_replay",
    "simple_returns",
]

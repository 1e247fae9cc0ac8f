"""Backtest hedge rules side by side on the same history: validation, the replays, the table of metrics."""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt

from althedge_xl.core._arrays import FloatArray
from althedge_xl.core._sums import row_dots
from althedge_xl.core.backtest.engine import SCHEDULES, Path, rebalance_days, simulate
from althedge_xl.core.backtest.metrics import EquityMetrics, equity_metrics
from althedge_xl.core.backtest.rules import Market, RuleSettings, parse_rules, ratio_path, rule_label
from althedge_xl.core.conventions import parse_choice
from althedge_xl.core.errors import BadNumberError, MissingValueError, WrongTypeError
from althedge_xl.core.stats._inputs import check_same_rows, checked_prices, float_view, one_number

__all__ = [
    "DEFAULT_BAND",
    "DEFAULT_FEE",
    "MAX_HOLDING_USD",
    "METRICS",
    "BacktestResult",
    "RuleResult",
    "backtest",
    "metrics_table",
]

DEFAULT_BAND: Final = 0.10
"""No trade while the short is within 10 % of its target."""
DEFAULT_FEE: Final = 0.0005
"""Binance USDⓈ-M regular taker fee, 0.05 % of the notional traded."""
MAX_FEE: Final = 0.01
"""A fee above 1 % a trade is almost surely a percentage typed as a whole number."""
MAX_HOLDING_USD: Final = 1e15
"""The largest USD holding taken as meant (the Portfolio sheet's limit): a thousand trillion is a typo."""

METRICS: Final = (
    "Final equity",
    "Total return",
    "Annual return",
    "Annual volatility",
    "Max drawdown",
    "Drawdown peak",
    "Drawdown trough",
    "Worst 30 days",
    "CVaR 5% (daily)",
    "Funding received",
    "Funding paid",
    "Fees paid",
    "Trades",
    "Days hedged",
    "Drawdown avoided per 1,000 cost",
)
"""The columns of :func:`metrics_table` after the rule's name."""


@dataclass(frozen=True)
class RuleResult:
    """One rule's replay and its statistics."""

    key: str
    label: str
    ratio: FloatArray
    """The ratio decided at each close of the period (``NaN``: kept the short)."""
    path: Path
    metrics: EquityMetrics
    trades: int
    days_hedged: float
    """Share of the period's days with a short held."""
    avoided_per_1000: float
    """USD of drawdown avoided against unhedged per 1,000 USD of cost (fees + funding paid);
    ``NaN`` for unhedged and for a rule that paid nothing."""


@dataclass(frozen=True)
class BacktestResult:
    dates: tuple[str, ...]
    """The period's days, first to last."""
    rules: tuple[RuleResult, ...]
    """Unhedged first, then the rules asked for."""
    days_without_funding: tuple[str, ...]
    """Days after the first with no funding record: they add no funding (never filled)."""


def _dates(dates: Sequence[str], n: int) -> list[str]:
    """The days as ``YYYY-MM-DD`` text, each after the one before; else the error naming the first that is not."""
    checked = _iso_days_in_order(dates)  # the common case, tested at once
    out = list(dates) if checked else [str(d).strip() for d in dates]
    if len(out) != n:
        raise WrongTypeError(f"dates has {len(out)} rows but btc_prices has {n}; they must cover the same days")
    if checked:
        return out
    for d in out:
        if len(d) != 10 or d[4] != "-" or d[7] != "-" or not (d[:4] + d[5:7] + d[8:]).isdigit():
            raise WrongTypeError(f"dates must be YYYY-MM-DD days; got {d!r}")
    if any(b <= a for a, b in itertools.pairwise(out)):
        raise WrongTypeError("dates must be in order, oldest first, each day once")
    return out


_DIGIT_COLUMNS: Final = [0, 1, 2, 3, 5, 6, 8, 9]


def _iso_days_in_order(dates: Sequence[str]) -> bool:
    """True when ``dates`` are texts of ASCII digits as ``YYYY-MM-DD``, each after the one before: one test at once.

    What :func:`_dates` checks day by day (which it still does, to name the first bad day, when this is False).
    """
    if not isinstance(dates, (list, tuple)) or set(map(type, dates)) != {str} or set(map(len, dates)) != {10}:
        return False
    days = np.array(dates, dtype="U10")
    chars = days.view(np.uint32).reshape(-1, 10)  # the code point of every character
    digits = chars[:, _DIGIT_COLUMNS]
    dashes = chars[:, [4, 7]]
    return bool(
        ((digits >= ord("0")) & (digits <= ord("9"))).all()
        and (dashes == ord("-")).all()
        and (days[1:] > days[:-1]).all()
    )


def _period(dates: list[str], start: str | None, end: str | None) -> tuple[int | None, int]:
    last = len(dates) - 1
    if end is not None:
        if not dates[0] <= end <= dates[-1]:
            raise MissingValueError(f"end {end} is outside the data ({dates[0]} to {dates[-1]})")
        last = max(i for i, d in enumerate(dates) if d <= end)
    if start is None:
        return None, last
    if not dates[0] <= start <= dates[-1]:
        raise MissingValueError(f"start {start} is outside the data ({dates[0]} to {dates[-1]})")
    return next(i for i, d in enumerate(dates) if d >= start), last


def _fraction(value: float, name: str, default: float, high: float, hint: str) -> float:
    x = one_number(value, name) if value is not None else default
    if math.isnan(x):
        return default
    if not 0.0 <= x <= high:
        raise BadNumberError(f"{name} must be between 0 and {high:g} ({hint}); got {x!r}")
    return x


def backtest(
    dates: Sequence[str],
    btc_prices: npt.ArrayLike,
    alt_prices: npt.ArrayLike,
    alt_values: npt.ArrayLike,
    btc_value: float = 0.0,
    funding: npt.ArrayLike | None = None,
    fear_greed: npt.ArrayLike | None = None,
    rules: str | Sequence[str] | None = None,
    band: float = DEFAULT_BAND,
    fee: float = DEFAULT_FEE,
    schedule: str = "daily",
    start: str | None = None,
    end: str | None = None,
    settings: RuleSettings | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> BacktestResult:
    """Replay hedge rules day by day on daily closes, with taker fees and every funding settlement.

    Parameters
    ----------
    dates : sequence of str, length n
        The UTC days of the rows, ``YYYY-MM-DD``, oldest first.
    btc_prices : array_like, shape (n,)
        BTC daily closes (USDT); no blank inside the period.
    alt_prices : array_like, shape (n, k) or (n,)
        The altcoins' closes, one column each; blank before a listing, none inside the period.
    alt_values : array_like, shape (k,)
        USD bought of each altcoin at the first close of the period, then held.
    btc_value : float, optional
        USD of BTC spot held too (not hedged; part of the equity). Default 0.
    funding : array_like, shape (n,), optional
        Each day's BTCUSDT funding rates summed (the settlements stamped on that UTC day);
        ``NaN`` for a day without a record. Default: no funding.
    fear_greed : array_like, shape (n,), optional
        The Fear & Greed index of each day (``NaN`` where unpublished); needed by its rule.
    rules : str or sequence of str, optional
        Names from :data:`althedge_xl.core.backtest.rules.DEFAULT_RULES` (default all of them),
        ``flatNN`` for any flat NN %; unhedged is always included, first.
    band : float, optional
        The no-trade band, a fraction of the target 0–1 (default 10 %).
    fee : float, optional
        Taker fee per unit of notional traded, 0–1 % (default 0.05 %).
    schedule : {"daily", "weekly", "monthly"}, optional
        When a re-size may happen (see :data:`~althedge_xl.core.backtest.engine.SCHEDULES`).
    start, end : str, optional
        First and last day of the period; default the first day every rule can decide (its
        windows full, every coin listed) and the last row.
    settings : RuleSettings, optional
        Windows and tables of the rules.
    progress : callable, optional
        Called as ``progress(done, total)`` after each rule (for a progress bar).

    Returns
    -------
    BacktestResult

    Raises
    ------
    WrongTypeError
        Shapes that do not match, dates not in order, an unknown rule or schedule.
    BadNumberError
        A non-positive price, a band outside 0–100 %, a fee above 1 %, a negative value.
    MissingValueError
        A blank price inside the period, dates outside the data, a period of fewer than 2 days,
        a start before a rule can decide.

    Notes
    -----
    Every convention, enough to rebuild the numbers by hand. The period's closes are days
    ``0 .. T`` (``T`` days of returns); ``B_t`` is BTC's close, ``A_t`` the altcoins' value.

    1. **Holdings.** Each altcoin is bought at the close of day 0 for its ``alt_values`` USD
       (units = value / close on day 0) and held, never rebalanced; ``btc_value`` likewise buys
       BTC. ``A_t`` = sum of units x closes; the spot value ``S_t`` adds the BTC held.
    2. **Decisions.** At the close of day ``t`` the rule decides its ratio ``h_t`` from rows up to
       ``t`` only (trailing windows end at ``t``; the Fear & Greed rule uses the index dated day
       ``t``, published at its start, so known at its close). The target short is
       ``h_t x A_t / B_t`` BTC. A rule that cannot decide (``NaN``) keeps the short held.
    3. **Trades.** Only at the closes ``0 .. T - 1``: the last close trades nothing, since what it
       decides would be held after the period. Of those, the schedule's closes: ``daily`` every
       one; ``weekly`` closes 0, 7, 14, ... counted from day 0; ``monthly`` day 0 and the first
       close of each calendar month. There the short ``Q`` is re-sized to the target only when
       ``|target - Q| > band x target`` (so the opening trade happens on day 0 for any ratio
       above 0). Each trade pays ``fee x |change in Q| x B_t``.
    4. **Hedge P/L** of day ``t >= 1``: ``-Q_t-1 x (B_t - B_t-1)``, ``Q_t-1`` the short held after
       the close of day ``t - 1``.
    5. **Funding.** The rates of the settlements stamped on UTC day ``t`` (00:00, 08:00, 16:00)
       are summed into one rate ``f_t``; day ``t >= 1`` brings the short ``Q_t-1 x B_t x f_t``
       (positive rate: a short receives). This amount is netted per day before it is split: a
       day's positive total counts as funding received, a negative one as funding paid. Day 0's
       settlements precede the first trade and count nothing; a day without a record counts
       nothing and is named in :attr:`BacktestResult.days_without_funding`.
    6. **Equity** at the close of day ``t``: ``S_t`` + hedge P/L + funding received - funding
       paid - fees, all to that close. So ``E_0`` is the portfolio's value minus the opening fee.
    7. **Metrics** (:func:`~althedge_xl.core.backtest.metrics.equity_metrics`), from ``E_0`` (after
       the opening fee): daily returns ``r_t = E_t / E_t-1 - 1`` for ``t = 1 .. T``; total return
       ``E_T / E_0 - 1``; annual return ``(E_T / E_0) ** (365 / T) - 1``; annual volatility
       ``std(r, ddof=1) x sqrt(365)``; maximum drawdown ``min_t E_t / max_s<=t E_s - 1`` with the
       days of its peak and trough; worst 30 days ``min_t E_t / E_t-30 - 1`` (blank if ``T <
       30``); CVaR 5 % the mean of the ``ceil(0.05 x T)`` lowest daily returns (at least one).
    8. **Costs.** Fees paid; funding received and paid (item 5); trades = closes with a re-size;
       days hedged = the share of days ``1 .. T`` held with a short (``Q_t-1 > 0``). The drawdown
       avoided per 1,000 = (unhedged's largest USD fall from a peak - the rule's) / (fees +
       funding paid) x 1,000; blank for unhedged and for a rule that paid nothing. Funding
       received is reported beside the cost, not netted against it, so that a rule does not look
       free because the period's funding happened to favour shorts (2020-2025 mostly did).

    Examples
    --------
    Three days: BTC 100 → 90 → 99, one altcoin 1,000 → 800 → 900, a flat 50 % hedge without
    fees; the short of 5 BTC gains 50 then loses 45:

    >>> r = backtest(["2024-01-01", "2024-01-02", "2024-01-03"], [100.0, 90.0, 99.0],
    ...              [10.0, 8.0, 9.0], [1000.0], rules="flat50", band=0.5, fee=0.0)
    >>> [x.label for x in r.rules], r.rules[1].path.equity.round(2).tolist()
    (['Unhedged', 'Flat 50%'], [1000.0, 850.0, 905.0])
    """
    btc, _ = checked_prices(btc_prices, "btc_prices", allow_2d=False)
    alts, _ = checked_prices(alt_prices, "alt_prices", allow_2d=True)
    check_same_rows(alts, "alt_prices", btc, "btc_prices")
    if alts.ndim == 1:
        alts = alts[:, None]
    n, k = alts.shape
    if n < 2:
        raise MissingValueError(f"btc_prices has {n} row{'s' if n != 1 else ''}; a backtest needs at least 2 days")
    day = _dates(dates, n)
    values = float_view(alt_values, "alt_values").ravel()
    if values.size != k:
        raise WrongTypeError(f"alt_values has {values.size} values but alt_prices has {k} columns")
    if np.isnan(values).any():
        raise MissingValueError("alt_values has a blank; give a USD value for every altcoin")
    held_btc = one_number(btc_value, "btc_value")
    if not (np.isfinite(values).all() and (values >= 0).all() and math.isfinite(held_btc) and held_btc >= 0):
        raise BadNumberError("alt_values and btc_value must be finite USD amounts, not negative")
    too_large = [(f"alt_values column {j + 1}", v) for j, v in enumerate(values.tolist()) if v > MAX_HOLDING_USD]
    too_large += [("btc_value", held_btc)] if held_btc > MAX_HOLDING_USD else []
    if too_large:
        name, value = too_large[0]
        raise BadNumberError(
            f"{name} is {value:.3g} USD: above {MAX_HOLDING_USD:.0e} USD, the largest holding taken as meant"
        )
    if not values.sum() + held_btc > 0:
        raise BadNumberError("the portfolio is worth nothing: give alt_values (or btc_value) above 0")
    rates = np.zeros(n) if funding is None else float_view(funding, "funding").ravel()
    check_same_rows(rates, "funding", btc, "btc_prices")
    if np.isinf(rates).any():
        raise BadNumberError("funding must be finite; leave a day blank when it has no record")
    fg = None if fear_greed is None else float_view(fear_greed, "fear_greed").ravel()
    if fg is not None:
        check_same_rows(fg, "fear_greed", btc, "btc_prices")
    band_ = _fraction(band, "band", DEFAULT_BAND, 1.0, "10% is 0.1")
    fee_ = _fraction(fee, "fee", DEFAULT_FEE, MAX_FEE, "0.05% is 0.0005")
    when = parse_choice(schedule, "schedule", SCHEDULES)
    keys = parse_rules(rules)
    first, last = _period(day, start, end)
    settings = settings or RuleSettings()
    market = Market(btc, alts, np.zeros(k), fg)
    # The quantities depend on the start, the rules' ratios only on prices up to each day.
    probe = {key: ratio_path(key, Market(btc, alts, np.ones(k), fg), settings) for key in keys}
    listed = np.isfinite(alts).all(axis=1) & np.isfinite(btc)  # a leading blank, BTC's or a coin's, is not listed yet
    decidable = [np.flatnonzero(~np.isnan(p) & listed) for p in probe.values()]
    earliest = max(int(d[0]) if d.size else n for d in decidable)
    if earliest >= last:
        raise MissingValueError("no day in the data where every rule can decide; give a longer history")
    if first is None:
        first = earliest
    elif first < earliest:
        raise MissingValueError(
            f"start {day[first]} is too early: every rule can decide from {day[earliest]} on "
            "(windows full, every altcoin listed)"
        )
    if last - first < 1:
        raise MissingValueError("the period has fewer than 2 days")
    span = slice(first, last + 1)
    if not np.isfinite(btc[span]).all():
        row = first + int(np.argmax(~np.isfinite(btc[span])))
        raise MissingValueError(f"btc_prices has a blank inside the period (on {day[row]})")
    if not np.isfinite(alts[span]).all():
        row, bad = (int(x) for x in np.argwhere(~np.isfinite(alts[span]))[0])
        raise MissingValueError(f"alt_prices column {bad + 1} has a blank inside the period (on {day[first + row]})")
    quantities = values / alts[first]
    market = Market(btc, alts, quantities, fg)
    with np.errstate(all="ignore"):  # prices so extreme that the value overflows are refused below
        alt_value = row_dots(alts[span], quantities)
        spot = alt_value + held_btc / btc[first] * btc[span]
    if not np.isfinite(spot).all():
        raise BadNumberError("the portfolio's value overflows: the prices are too extreme")
    allowed = rebalance_days(day[span], when)
    period_rates = rates[span]
    results: list[RuleResult] = []
    for key in keys:
        ratio = ratio_path(key, market, settings)[span] if key in ("minvar", "beta") else probe[key][span]
        path = simulate(ratio, spot, alt_value, btc[span], period_rates, allowed, band_, fee_)
        stats = equity_metrics(path.equity)
        trades = int(np.count_nonzero(path.traded))
        hedged = float(np.mean(path.quantity[:-1] > 0))
        if results:
            cost = path.fees + path.funding_paid
            avoided = results[0].metrics.drawdown_usd - stats.drawdown_usd
            per_1000 = avoided / cost * 1000.0 if cost > 0 else math.nan
        else:
            per_1000 = math.nan
        results.append(RuleResult(key, rule_label(key), ratio, path, stats, trades, hedged, per_1000))
        if progress is not None:
            progress(len(results), len(keys))
    missing = tuple(day[first + 1 + int(i)] for i in np.flatnonzero(np.isnan(period_rates[1:])))
    return BacktestResult(tuple(day[span]), tuple(results), missing if funding is not None else ())


def metrics_table(result: BacktestResult) -> list[list[str | float]]:
    """One row per rule: its name, then the :data:`METRICS` (numbers, the drawdown's dates as text).

    >>> r = backtest(["2024-01-01", "2024-01-02", "2024-01-03"], [100.0, 90.0, 99.0],
    ...              [10.0, 8.0, 9.0], [1000.0], rules="flat50", band=0.5, fee=0.0)
    >>> metrics_table(r)[1][:2]
    ['Flat 50%', 905.0]
    """
    rows: list[list[str | float]] = []
    for rule in result.rules:
        m = rule.metrics
        rows.append(
            [
                rule.label,
                m.final_equity,
                m.total_return,
                m.annual_return,
                m.annual_volatility,
                m.max_drawdown,
                result.dates[m.peak],
                result.dates[m.trough],
                m.worst_30_days,
                m.cvar_5,
                rule.path.funding_received,
                rule.path.funding_paid,
                rule.path.fees,
                float(rule.trades),
                rule.days_hedged,
                rule.avoided_per_1000,
            ]
        )
    return rows

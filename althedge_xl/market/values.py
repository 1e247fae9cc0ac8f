"""Numbers and times as the exchanges send them: finite floats, epoch milliseconds, UTC ISO-8601, ages."""

from __future__ import annotations

import math
from datetime import datetime, timezone
from typing import Any

MS_PER_DAY = 86_400_000
SECONDS_PER_DAY = 86_400.0


def finite(value: Any) -> float | None:
    """``value`` as a finite float (numbers and numeric strings), else None; booleans are not numbers."""
    if value is None or isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def positive(value: Any) -> float | None:
    number = finite(value)
    return number if number is not None and number > 0 else None


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


def iso(moment: datetime) -> str:
    """UTC ISO-8601 with milliseconds: ``2025-06-17T08:38:08.000Z``."""
    utc = moment.astimezone(timezone.utc)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def iso_ms(value: Any) -> str | None:
    """Epoch milliseconds → UTC ISO-8601; None for absent, zero or negative stamps (Binance sends 0 for none)."""
    number = finite(value)
    if number is None or number <= 0:
        return None
    try:
        return iso(datetime.fromtimestamp(number / 1000, tz=timezone.utc))
    except (OverflowError, OSError, ValueError):  # a stamp beyond year 9999 is no time at all
        return None


def to_ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def parse_iso(text: str) -> datetime:
    moment = datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)


def human_age(seconds: float) -> str:
    """``93784`` → ``"1 d 2 h"``; ``125`` → ``"2 min 5 s"``."""
    total = int(seconds)
    days, rest = divmod(total, 86_400)
    hours, rest = divmod(rest, 3_600)
    minutes, secs = divmod(rest, 60)
    parts = [(days, "d"), (hours, "h"), (minutes, "min"), (secs, "s")]
    shown = [f"{n} {unit}" for n, unit in parts if n][:2]
    return " ".join(shown) or "0 s"

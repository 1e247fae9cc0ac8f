"""What the benchmark scripts share."""

from __future__ import annotations

import os


def load_note() -> str:
    """The machine's load average, flagged when other work is likely to inflate the figures."""
    try:
        one, five, _ = os.getloadavg()
    except OSError:
        return ""
    busy = " (busy machine: figures are inflated)" if one > 0.5 * (os.cpu_count() or 1) else ""
    return f"load average {one:.2f} / {five:.2f} (1 / 5 min){busy}"

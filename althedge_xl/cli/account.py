"""The account side of ``althedge refresh --account``: the key, the fault lines and the exit code.

Exit codes: 0 every part written (or already up to date); 1 some parts did not arrive (the others are
written, each part's status printed); 2 a setting to fix (no key, a key rejected or refused for its
rights, a clock or IP fault): nothing was written.
"""

from __future__ import annotations

import math
import sys
from pathlib import Path
from typing import Any

from althedge_xl.cli._common import UserError


def account_request(exchange: str, dust_usd: float, offline: bool) -> Any:
    """The :class:`~althedge_xl.workbook.account_request.AccountRequest` of the run, or the exit code of a setting fault."""
    from althedge_xl.market.account.faults import AccountFault
    from althedge_xl.market.account.keys import load_key
    from althedge_xl.workbook.account_request import AccountRequest

    if offline:
        raise UserError("--account reads the exchange: it cannot be combined with --offline")
    if not (math.isfinite(dust_usd) and dust_usd >= 0):
        raise UserError(f"--dust must be a number of USD of 0 or more, got {dust_usd:g}")
    try:
        api_key = load_key(exchange.strip().lower())
    except AccountFault as fault:
        print(f"althedge: {fault.line()}; nothing was written", file=sys.stderr)
        return fault.exit_code
    return AccountRequest(api_key, dust_usd)


def account_fault_exit(exc: Exception, workbook: Path) -> int:
    """The exit code of an :class:`AccountFault` raised by the refresh (printed as one line); others re-raised."""
    from althedge_xl.market.account.faults import AccountFault

    if not isinstance(exc, AccountFault):
        raise exc
    print(f"althedge: {exc.line()}; {workbook} is unchanged (nothing was written)", file=sys.stderr)
    return exc.exit_code


def account_exit(update: Any, workbook: Path) -> int:
    """Print each account part's status and what was written; 0, or 1 when a part did not arrive."""
    snapshot = update.account
    for part in snapshot.parts.values():
        status = f"FAILED: {part.error}" if not part.ok else f"not read: {part.unreadable}" if part.unreadable else "ok"
        print(f"althedge: {snapshot.exchange} {part.name}: {status}", file=sys.stderr)
    if update.written:
        backup = f" (previous file kept as {update.backup.name})" if update.backup is not None else ""
        print(f"refreshed {workbook}{backup}")
    else:
        print(f"{workbook} already shows this account; nothing was written")
    return 1 if snapshot.failed else 0

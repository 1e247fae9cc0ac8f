"""What ``althedge refresh --account`` asks of the account read: the key, the dust threshold and the read."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, NamedTuple


class AccountRequest(NamedTuple):
    """``--account``: the key, the dust threshold (USD) and the read (``fetch_account`` unless a test's)."""

    api_key: Any
    dust_usd: float = 1.0
    fetch: Callable[..., Any] | None = None
    options: Mapping[str, Any] = {}

    def read(self, deadline: Any) -> Any:
        """The account snapshot, within the refresh's ``deadline``."""
        fetch = self.fetch
        if fetch is None:
            from althedge_xl.market.account.snapshot import fetch_account

            fetch = fetch_account
        return fetch(self.api_key, deadline=deadline, **self.options)

"""The account's API key: from environment variables, else from the operating system's keyring.

``ALTHEDGE_<EXCHANGE>_API_KEY`` and ``ALTHEDGE_<EXCHANGE>_API_SECRET`` (``_API_PASSPHRASE`` where the
exchange has one) win over the keyring; the keyring holds one entry per exchange under the service
:data:`KEYRING_SERVICE`, its secret a small JSON document. A key is never printed: :class:`ApiKey`'s
``repr`` and ``str`` show which exchange and where it came from, not one byte of the key.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from althedge_xl.market.account.faults import AccountFault

KEYRING_SERVICE = "althedge-xl"
#: Exchanges whose keys ``althedge keys`` and the account refresh know how to check for read-only rights.
SUPPORTED_EXCHANGES = ("binance", "bybit", "okx")
#: Exchanges whose keys have a third part, the passphrase chosen when the key was created.
PASSPHRASE_EXCHANGES = frozenset({"okx"})
_FIELDS = ("API_KEY", "API_SECRET", "API_PASSPHRASE")


@dataclass(frozen=True)
class ApiKey:
    """An exchange's API key, secret and (where the exchange has one) passphrase; ``origin`` says where from."""

    exchange: str
    key: str = field(repr=False)
    secret: str = field(repr=False)
    passphrase: str | None = field(default=None, repr=False)
    origin: str = "environment"

    def __str__(self) -> str:
        return f"{self.exchange} API key from the {self.origin}"

    def ccxt_config(self) -> dict[str, Any]:
        """The credentials as ccxt's exchange configuration takes them."""
        config: dict[str, Any] = {"apiKey": self.key, "secret": self.secret}
        if self.passphrase:
            config["password"] = self.passphrase
        return config


def env_names(exchange: str) -> tuple[str, str, str]:
    """``ALTHEDGE_BINANCE_API_KEY``, ``…_API_SECRET``, ``…_API_PASSPHRASE`` for ``exchange``."""
    stem = "ALTHEDGE_" + "".join(c if c.isalnum() else "_" for c in exchange.upper())
    key, secret, passphrase = (f"{stem}_{name}" for name in _FIELDS)
    return key, secret, passphrase


def load_key(exchange: str, environ: Mapping[str, str] | None = None, keyring: Any = None) -> ApiKey:
    """The key of ``exchange``: the environment's, else the keyring's; :class:`AccountFault` (exit 2) when none.

    ``keyring`` is the ``keyring`` module unless a test passes another backend.
    """
    env = os.environ if environ is None else environ
    names = env_names(exchange)
    key, secret, passphrase = (env.get(name, "").strip() for name in names)
    if key or secret:
        if not (key and secret):
            missing = names[0] if not key else names[1]
            raise AccountFault(exchange, f"{missing} is not set (its pair is)", f"set {missing} too", 2)
        if exchange in PASSPHRASE_EXCHANGES and not passphrase:
            raise AccountFault(
                exchange,
                f"{names[2]} is not set (the key and secret are)",
                f"set {names[2]} too: the key's passphrase",
                2,
            )
        return ApiKey(exchange, key, secret, passphrase or None, "environment")
    stored = _keyring_entry(exchange, keyring)
    if stored is not None and exchange in PASSPHRASE_EXCHANGES and not stored.passphrase:
        raise AccountFault(
            exchange, "the keyring entry has no passphrase", f"run `althedge keys set {exchange}` again", 2
        )
    if stored is None:
        raise AccountFault(
            exchange,
            "no API key is configured",
            f"run `althedge keys set {exchange}` or set {names[0]} and {names[1]}",
            2,
        )
    return stored


def _keyring_entry(exchange: str, keyring: Any) -> ApiKey | None:
    backend = keyring if keyring is not None else _keyring_module()
    if backend is None:
        return None
    try:
        raw = backend.get_password(KEYRING_SERVICE, exchange)
    except Exception as exc:  # a locked or absent keyring backend
        raise AccountFault(
            exchange,
            f"the keyring could not be read ({type(exc).__name__})",
            f"unlock the keyring, or set {env_names(exchange)[0]} and {env_names(exchange)[1]}",
            2,
        ) from None
    if not raw:
        return None
    try:
        doc = json.loads(raw)
        return ApiKey(exchange, str(doc["key"]), str(doc["secret"]), doc.get("passphrase") or None, "keyring")
    except (ValueError, KeyError, TypeError):
        raise AccountFault(
            exchange, "the keyring entry is not one althedge wrote", f"run `althedge keys set {exchange}` again", 2
        ) from None


def store_key(api_key: ApiKey, keyring: Any = None) -> None:
    """Save ``api_key`` in the keyring (replacing the exchange's entry)."""
    backend = keyring if keyring is not None else _require_keyring()
    doc = {"key": api_key.key, "secret": api_key.secret, "passphrase": api_key.passphrase or ""}
    backend.set_password(KEYRING_SERVICE, api_key.exchange, json.dumps(doc))


def delete_key(exchange: str, keyring: Any = None) -> bool:
    """Remove ``exchange``'s keyring entry; False when there was none."""
    backend = keyring if keyring is not None else _require_keyring()
    if not backend.get_password(KEYRING_SERVICE, exchange):
        return False
    backend.delete_password(KEYRING_SERVICE, exchange)
    return True


def configured(environ: Mapping[str, str] | None = None, keyring: Any = None) -> dict[str, str]:
    """Each supported exchange with a key -> where it is (``"environment"`` or ``"keyring"``); never the key."""
    env = os.environ if environ is None else environ
    found: dict[str, str] = {}
    for exchange in SUPPORTED_EXCHANGES:
        if env.get(env_names(exchange)[0], "").strip():
            found[exchange] = "environment"
            continue
        backend = keyring if keyring is not None else _keyring_module()
        try:
            if backend is not None and backend.get_password(KEYRING_SERVICE, exchange):
                found[exchange] = "keyring"
        except Exception:
            continue
    return found


def _keyring_module() -> Any:
    try:
        import keyring
    except ImportError:
        return None
    return keyring


def _require_keyring() -> Any:
    backend = _keyring_module()
    if backend is None:
        raise AccountFault("keyring", "the keyring package is not installed", "pip install 'althedge-xl[market]'", 2)
    return backend

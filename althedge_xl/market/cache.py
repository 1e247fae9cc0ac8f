"""The on-disk cache of last good values: one JSON file per series, written atomically."""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from althedge_xl.files import write_atomically
from althedge_xl.market.errors import CacheError
from althedge_xl.market.values import iso, parse_iso

CACHE_ENV_VAR = "ALTHEDGE_CACHE_DIR"
CACHE_APP_NAME = "althedge-xl"
_CACHE_FORMAT = 1


def resolve_cache_dir(cache_dir: str | os.PathLike[str] | None = None) -> Path:
    """The cache folder: ``cache_dir`` if given, else ``$ALTHEDGE_CACHE_DIR``, else the per-user cache dir.

    The per-user dir is ``platformdirs.user_cache_dir("althedge-xl")`` (``~/.cache/althedge-xl`` on Linux,
    ``%LOCALAPPDATA%\\althedge-xl\\Cache`` on Windows). The folder is created on the first write.

    >>> resolve_cache_dir("/tmp/x").as_posix()
    '/tmp/x'
    """
    if cache_dir is not None:
        return Path(cache_dir)
    from_env = os.environ.get(CACHE_ENV_VAR, "").strip()
    if from_env:
        return Path(from_env)
    import platformdirs  # imported here: only a refresh needs it

    return Path(platformdirs.user_cache_dir(CACHE_APP_NAME, appauthor=False))


@dataclass(frozen=True)
class Record:
    """A series' value as cached: the payload, when it was fetched (UTC) and where from."""

    payload: dict[str, Any]
    fetched_at: datetime
    source: str


class Cache:
    """One JSON file per series in ``directory``; every write is atomic (temporary file + ``os.replace``)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def path(self, key: str) -> Path:
        """The file of series ``key``."""
        return self.directory / f"{key}.json"

    def load(self, key: str) -> Record | None:
        """The cached record of ``key``, None when there is none; :class:`CacheError` when it is unreadable."""
        path = self.path(key)
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise CacheError(f"cannot read {path}: {exc}") from exc
        try:
            doc = json.loads(text)
            if doc.get("format") != _CACHE_FORMAT or doc.get("key") != key:
                raise ValueError("not a cache record of this series")
            record = Record(dict(doc["payload"]), parse_iso(doc["fetched_at"]), str(doc["source"]))
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise CacheError(f"{path} is not a valid cache record ({exc})") from exc
        return record

    def save(self, key: str, record: Record) -> None:
        """Write ``record`` for ``key`` atomically: readers see the old file or the new one, never half of one."""
        doc = {
            "format": _CACHE_FORMAT,
            "key": key,
            "fetched_at": iso(record.fetched_at),
            "source": record.source,
            "payload": record.payload,
        }
        write_atomically(self.path(key), json.dumps(doc, indent=1, allow_nan=False).encode("utf-8"))


def cache_key(*parts: str) -> str:
    """A file-name-safe key: ``("binance", "spot", "BTC/USDT")`` → ``"binance.spot.BTC_USDT"``."""
    return ".".join(re.sub(r"[^A-Za-z0-9_-]+", "_", part).strip("_") for part in parts)

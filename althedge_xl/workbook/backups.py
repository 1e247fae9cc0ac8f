"""Dated backups of a workbook that refresh replaces: a bounded number, the oldest removed, none overwritten."""

from __future__ import annotations

import contextlib
import os
import re
from datetime import datetime, timezone
from pathlib import Path

from althedge_xl.files import write_atomically

#: Backups kept of one workbook; the oldest beyond this are removed after a successful refresh.
KEEP_BACKUPS = 5


def backup_pattern(path: Path) -> re.Pattern[str]:
    """The names of ``path``'s backups: ``AltHedge.backup-20250617-084000.xlsm`` (``-2`` … for the same second)."""
    return re.compile(rf"^{re.escape(path.stem)}\.backup-(\d{{8}}-\d{{6}})(?:-(\d+))?{re.escape(path.suffix)}$")


def backups_of(path: Path) -> list[Path]:
    """``path``'s backups, oldest first."""
    pattern = backup_pattern(path)
    found = []
    with contextlib.suppress(OSError):
        for entry in os.scandir(path.parent):
            match = pattern.match(entry.name)
            if match:
                found.append((match[1], int(match[2] or 1), Path(entry.path)))
    return [backup for *_, backup in sorted(found)]


def new_backup_name(path: Path, when: datetime | None = None) -> Path:
    """A backup name for ``path`` that no file has yet: ``AltHedge.backup-20250617-084000.xlsm``.

    >>> new_backup_name(Path("/nowhere/AltHedge.xlsm"), datetime(2025, 6, 17, 8, 40, tzinfo=timezone.utc)).name
    'AltHedge.backup-20250617-084000.xlsm'
    """
    stamp = (when or datetime.now(timezone.utc)).astimezone(timezone.utc).strftime("%Y%m%d-%H%M%S")
    candidate = path.with_name(f"{path.stem}.backup-{stamp}{path.suffix}")
    number = 1
    while candidate.exists():
        number += 1
        candidate = path.with_name(f"{path.stem}.backup-{stamp}-{number}{path.suffix}")
    return candidate


def write_backup(path: Path, content: bytes, mode: int) -> Path:
    """Keep ``content`` (the file as it was) as a new dated backup of ``path`` with permissions ``mode``."""
    backup = new_backup_name(path)
    write_atomically(backup, content)
    os.chmod(backup, mode)
    return backup


def prune_backups(path: Path, keep: int = KEEP_BACKUPS) -> list[Path]:
    """Remove the oldest of ``path``'s backups beyond the newest ``keep``; the ones removed."""
    removed = []
    for old in backups_of(path)[:-keep] if keep > 0 else backups_of(path):
        with contextlib.suppress(FileNotFoundError):
            old.unlink()
            removed.append(old)
    return removed

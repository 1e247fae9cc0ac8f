"""Who may write a workbook now: Excel's own lock file, and ours that serialises refreshes of one workbook."""

from __future__ import annotations

import contextlib
import os
import sys
import time
from collections.abc import Iterator
from pathlib import Path

#: How often a refresh waiting for another one's lock looks again.
_POLL_S = 0.05


def excel_owner_file(path: Path) -> Path | None:
    """Excel's lock file ``~$NAME.xlsm`` beside ``path`` while the workbook is open in Excel, else None.

    Excel creates it (hidden) in the workbook's folder when it opens the file and removes it when it closes
    it; it stays behind only when Excel crashed, and then Excel or the user deletes it.
    """
    owner = path.with_name(f"~${path.name}")
    return owner if owner.exists() else None


def lock_path(path: Path) -> Path:
    """The lock file of ``path``'s refreshes: ``.AltHedge.xlsm.althedge-lock`` beside it."""
    return path.with_name(f".{path.name}.althedge-lock")


class LockTimeout(Exception):
    """Another refresh of the same workbook held the lock for longer than the wait allowed."""


@contextlib.contextmanager
def refresh_lock(path: Path, wait_s: float) -> Iterator[None]:
    """Hold the lock of ``path`` (waiting at most ``wait_s`` for another refresh to finish); removed after.

    The lock is the operating system's (``fcntl.flock``, ``msvcrt.locking`` on Windows), so a refresh that
    was killed holds nothing: its lock file is taken over by the next one. Raises :class:`LockTimeout`.
    """
    file = lock_path(path)
    end = time.monotonic() + wait_s
    while True:
        handle = os.open(file, os.O_RDWR | os.O_CREAT, 0o644)
        if _try_lock(handle):
            try:
                same = os.fstat(handle).st_ino == os.stat(file).st_ino  # not a file another refresh removed
            except FileNotFoundError:
                same = False
            if same:
                break
        os.close(handle)
        if time.monotonic() >= end:
            raise LockTimeout(f"another refresh of {path.name} is still running (its lock {file.name})")
        time.sleep(_POLL_S)
    try:
        yield
    finally:
        with contextlib.suppress(OSError):
            file.unlink()
        os.close(handle)  # closing releases the lock


def _try_lock(handle: int) -> bool:
    if sys.platform == "win32":
        import msvcrt

        try:
            msvcrt.locking(handle, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True
    import fcntl

    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False
    return True

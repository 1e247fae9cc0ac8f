"""Writing files so that a reader never sees half of one, and nothing is left behind.

Temporary files are named ``.NAME.<pid>.<random>.tmp`` beside the file they become: a reader sees the old
file or the new one, never half of one, and a later run recognises a temporary whose process is gone (or,
where that cannot be asked, one older than :data:`STALE_AFTER_S`) and removes it. A signal the process can
catch (SIGTERM, SIGHUP) inside :func:`exit_on_signals` becomes ``SystemExit``, so that every ``finally``
(the removal of a temporary file or folder) runs before the process ends.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import signal
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

#: A temporary file of ours whose process cannot be asked about is stale after this many seconds.
STALE_AFTER_S = 3600.0
_TEMPORARY = re.compile(r"^\.(?P<name>.+)\.(?P<pid>\d+)\.[A-Za-z0-9_]+\.tmp$")


def write_atomically(path: Path, content: bytes) -> None:
    """Write ``content`` to a temporary file beside ``path``, flush it to disk, rename it over ``path``.

    A reader sees the old file or the new one, never half of one; if anything fails (or the process is
    told to stop, see :func:`exit_on_signals`) the old file is untouched and the temporary file is
    removed. An existing file keeps its permissions, a new one gets rw-r--r--.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    mode = path.stat().st_mode & 0o777 if path.exists() else 0o644
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.{os.getpid()}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(content)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def stale_temporaries(path: Path, now: float | None = None) -> list[Path]:
    """Temporary files of ours for ``path`` left by a process that was killed (see the module's docstring)."""
    now = time.time() if now is None else now
    found = []
    try:
        entries = list(os.scandir(path.parent))
    except OSError:
        return []
    for entry in entries:
        match = _TEMPORARY.match(entry.name)
        if match is None or match["name"] != path.name or not entry.is_file(follow_symlinks=False):
            continue
        pid = int(match["pid"])
        try:
            age = now - entry.stat(follow_symlinks=False).st_mtime
        except OSError:
            continue
        if pid != os.getpid() and (not _process_alive(pid) or age > STALE_AFTER_S):
            found.append(Path(entry.path))
    return sorted(found)


def remove_stale_temporaries(path: Path) -> list[Path]:
    """Remove :func:`stale_temporaries` of ``path``; the ones removed (none that vanished meanwhile)."""
    removed = []
    for temporary in stale_temporaries(path):
        with contextlib.suppress(FileNotFoundError):
            temporary.unlink()
            removed.append(temporary)
    return removed


#: A scratch folder of ours whose process is gone is removed once it is older than this (a day): a process
#: of another pid namespace sharing the temporary directory (a container) can look gone while it runs.
STALE_SCRATCH_AFTER_S = 86400.0


def remove_stale_scratch_folders(prefix: str, now: float | None = None) -> list[Path]:
    """Remove ``<prefix><pid>-<random>`` folders in the temporary directory left by a process that was killed.

    A folder is removed only when both hold: its process ``pid`` is gone (asked of the system; where it
    cannot be asked, as on Windows, nothing is removed) and it is older than :data:`STALE_SCRATCH_AFTER_S`.
    So the folder of a live process is never touched; nor is any name without a pid, nor a link.
    """
    import shutil

    now = time.time() if now is None else now
    pattern = re.compile(rf"^{re.escape(prefix)}(?P<pid>\d+)-[A-Za-z0-9_]+$")
    removed = []
    root = Path(tempfile.gettempdir())
    try:
        entries = list(os.scandir(root))
    except OSError:
        return []
    for entry in entries:
        match = pattern.match(entry.name)
        if match is None or not entry.is_dir(follow_symlinks=False):
            continue
        try:
            age = now - entry.stat(follow_symlinks=False).st_mtime
        except OSError:
            continue
        pid = int(match["pid"])
        if pid != os.getpid() and age > STALE_SCRATCH_AFTER_S and not _process_alive(pid):
            shutil.rmtree(entry.path, ignore_errors=True)
            removed.append(Path(entry.path))
    return removed


@contextlib.contextmanager
def scratch_folder(prefix: str) -> Iterator[Path]:
    """A temporary folder ``<prefix><pid>-<random>``, removed on leaving; stale ones of ``prefix`` removed first.

    A process killed outright (SIGKILL) cannot remove its folder: the pid in the name lets a later run
    see, by :func:`remove_stale_scratch_folders`, that its owner is gone.
    """
    remove_stale_scratch_folders(prefix)
    with tempfile.TemporaryDirectory(prefix=f"{prefix}{os.getpid()}-") as folder:
        yield Path(folder)


def _process_alive(pid: int) -> bool:
    """True when process ``pid`` exists (or cannot be asked about: then the age decides)."""
    if os.name == "nt":  # os.kill(pid, 0) would terminate it on Windows
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # EPERM: someone else's live process
        return True
    return True


@contextlib.contextmanager
def exit_on_signals() -> Iterator[None]:
    """Inside, SIGTERM and SIGHUP raise ``SystemExit(128 + signal)`` in the main thread, so cleanup runs.

    Outside the main thread (Excel's Python, a worker) nothing changes: only the main thread may set
    signal handlers.
    """
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    wanted = [getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name)]

    def stop(signum: int, _frame: object) -> None:
        raise SystemExit(128 + signum)

    previous = {signum: signal.signal(signum, stop) for signum in wanted}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def os_error_reason(exc: OSError) -> str:
    """The real cause of a failed read or write, in words a user can act on.

    >>> os_error_reason(OSError(errno.ENOSPC, "No space left on device"))
    'the disk is full (no space left on device)'
    >>> os_error_reason(OSError(errno.EROFS, "Read-only file system"))
    'the disk is read-only (read-only file system)'
    """
    reasons = {
        errno.ENOSPC: "the disk is full",
        errno.EDQUOT: "the disk quota is exceeded",
        errno.EROFS: "the disk is read-only",
        errno.EACCES: "permission denied",
        errno.EPERM: "permission denied",
        errno.EBUSY: "the file is locked by another program",
        errno.ETXTBSY: "the file is locked by another program",
        errno.ELOOP: "a symbolic link loop",
        errno.ENOENT: "no such file or folder",
        errno.ENAMETOOLONG: "the name is too long",
    }
    detail = (exc.strerror or str(exc) or type(exc).__name__).strip()
    winerror = getattr(exc, "winerror", None)
    if winerror in (32, 33):  # ERROR_SHARING_VIOLATION, ERROR_LOCK_VIOLATION: open in Excel
        return f"the file is locked by another program, probably Excel ({detail})"
    known = reasons.get(exc.errno) if exc.errno is not None else None
    if known is None:
        return detail
    return f"{known} ({detail[:1].lower() + detail[1:]})" if detail.lower() != known else known


def is_link_loop(exc: BaseException) -> bool:
    """True for the error ``Path.resolve(strict=True)`` raises on a symbolic link loop (any Python 3.10+)."""
    if isinstance(exc, OSError) and exc.errno == errno.ELOOP:
        return True
    return isinstance(exc, RuntimeError) and "loop" in str(exc).lower()

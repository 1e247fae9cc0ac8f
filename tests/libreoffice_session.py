"""What the LibreOffice add-in tests need: the reason to skip them, or nothing when everything is there.

The tests need LibreOffice, a Python with its ``uno`` module and numpy, and the SDK's ``unoidl-write``
(Debian/Ubuntu: ``libreoffice-calc libreoffice-dev python3-uno libreoffice-script-provider-python
python3-numpy``, which ``scripts/ensure_libreoffice.py`` installs as root). Without them the tests
are skipped, except in CI (``CI=true``), where a missing package is a failure.
"""

from __future__ import annotations

import os

import pytest

from althedge_xl.libreoffice.extension import LIBREOFFICE_TYPES, UNOIDL_WRITE
from althedge_xl.libreoffice.headless import LibreOfficeError, find_soffice, find_uno_python


def missing() -> str | None:
    """Why the LibreOffice add-in cannot be tested here, or None."""
    try:
        find_soffice()
        find_uno_python()
    except LibreOfficeError as exc:
        return str(exc)
    if not UNOIDL_WRITE.exists() or not LIBREOFFICE_TYPES.exists():
        return f"{UNOIDL_WRITE} is missing (Debian/Ubuntu: apt-get install libreoffice-dev)"
    return None


def require_libreoffice() -> None:
    """Skip the calling test (fail under CI) when the add-in cannot be tested here."""
    reason = missing()
    if reason is None:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI needs the LibreOffice packages: {reason} (scripts/ensure_libreoffice.py installs them)")
    pytest.skip(reason)

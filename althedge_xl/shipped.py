"""The files the package ships beside its code: the template workbook and the README.

An installed package (a wheel, ``pip install .``) carries them in ``althedge_xl/_shipped/``,
copied there from the checkout's ``workbook/AltHedge.xlsm`` and ``README.md`` when the wheel is
built (``setup.py``); a checkout or an editable install reads them where they are.
"""

from __future__ import annotations

from pathlib import Path

TEMPLATE_NAME = "AltHedge.xlsm"
README_NAME = "README.md"
#: The folder inside the installed package that holds the shipped files.
SHIPPED_FOLDER = "_shipped"

_PACKAGE = Path(__file__).resolve().parent
_CHECKOUT = _PACKAGE.parent


def template_path() -> Path | None:
    """The template workbook this installation ships (or the checkout's), None when neither is there."""
    return _first(_PACKAGE / SHIPPED_FOLDER / TEMPLATE_NAME, _CHECKOUT / "workbook" / TEMPLATE_NAME)


def readme_path() -> Path | None:
    """The README this installation ships (or the checkout's), None when neither is there."""
    return _first(_PACKAGE / SHIPPED_FOLDER / README_NAME, _CHECKOUT / README_NAME)


def _first(*candidates: Path) -> Path | None:
    return next((path for path in candidates if path.is_file()), None)

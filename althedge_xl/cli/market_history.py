"""Where the command line finds its daily market history: a folder of CSVs, or a workbook's History sheet.

``backtest`` reads, in this order: ``--data DIR``, ``--workbook FILE``, ``$ALTHEDGE_DATA``, a checkout's
``../shared/data``, then the History sheet of the template this installation ships. ``build-workbook``
and ``lite`` read the folder alone. Nothing here imports an extra's module; a missing folder or file is
one line naming what was looked for and how to get it, never a path inside the installed package.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from althedge_xl.cli._common import UserError

ENVIRONMENT_VARIABLE = "ALTHEDGE_DATA"
#: What a market-history folder holds (its README says where each file comes from).
FOLDER_SHAPE = "prices/, funding/, sentiment/"
#: How a user with a workbook of their own gets its History up to date.
HOW_TO_REFRESH = "`althedge init` copies the template, `althedge refresh --history FILE` brings its History up to date"


@dataclass(frozen=True)
class HistorySource:
    """Where a backtest's days come from: a market-history ``folder`` or a workbook's History sheet."""

    path: Path
    is_folder: bool
    #: How the line on stderr names it ("the History sheet of Mine.xlsm").
    label: str


def checkout_data_dir() -> Path | None:
    """``../shared/data`` beside the checkout this package runs from; None when installed or absent."""
    root = Path(__file__).resolve().parents[2]
    folder = root.parent / "shared" / "data"
    return folder if (root / "pyproject.toml").is_file() and folder.is_dir() else None


def data_folder(given: str | None, *, needed_for: str) -> Path:
    """The market-history folder: ``given``, else ``$ALTHEDGE_DATA``, else a checkout's ``../shared/data``.

    One line when there is none: what was looked for, for what, and the options.
    """
    if given:
        return existing_folder(Path(given), "--data")
    env = os.environ.get(ENVIRONMENT_VARIABLE)
    if env:
        return existing_folder(Path(env), f"${ENVIRONMENT_VARIABLE}")
    found = checkout_data_dir()
    if found is None:
        raise UserError(
            f"{needed_for} needs the project's market-history folder ({FOLDER_SHAPE}): none given with --data or "
            f"${ENVIRONMENT_VARIABLE}, and no ../shared/data beside a checkout"
        )
    return found


def existing_folder(path: Path, named_by: str) -> Path:
    """``path`` when it is a folder; otherwise one line saying what ``named_by`` should name."""
    if not path.is_dir():
        what = "a file" if path.exists() else "no such folder"
        raise UserError(f"{path} ({named_by}): {what}; a market-history folder holds {FOLDER_SHAPE}")
    return path


def backtest_source(data: str | None, workbook: str | None) -> HistorySource:
    """The source of ``althedge backtest``'s days, in the order of the module's docstring."""
    if data:
        folder = existing_folder(Path(data), "--data")
        return HistorySource(folder, True, f"the market-history folder {folder}")
    if workbook:
        path = Path(workbook)
        if not path.is_file():
            what = "a folder, not a workbook" if path.is_dir() else "no such workbook"
            raise UserError(f"{path} (--workbook): {what}; {HOW_TO_REFRESH}")
        return HistorySource(path, False, f"the History sheet of {path}")
    env = os.environ.get(ENVIRONMENT_VARIABLE)
    if env:
        folder = existing_folder(Path(env), f"${ENVIRONMENT_VARIABLE}")
        return HistorySource(folder, True, f"the market-history folder {folder} (${ENVIRONMENT_VARIABLE})")
    folder_found = checkout_data_dir()
    if folder_found is not None:
        return HistorySource(folder_found, True, f"the market-history folder {folder_found}")
    from althedge_xl.shipped import template_path

    template = template_path()
    if template is None:
        raise UserError(
            "no market history: no --data, --workbook or $ALTHEDGE_DATA, no ../shared/data beside a checkout, "
            f"and this installation ships no template; {HOW_TO_REFRESH}"
        )
    return HistorySource(template, False, "the History sheet of the template this installation ships")

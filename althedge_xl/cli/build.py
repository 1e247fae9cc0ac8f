"""``althedge build-workbook``: write the template workbook from code."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from althedge_xl.cli._common import DEFAULT_WORKBOOK, Subcommands, UserError, needs
from althedge_xl.cli.market_history import data_folder

#: What a user without the market history reads (an installed package does not carry it).
HOW_TO_GET_DATA = (
    "It rebuilds the template from the project's market history (beside a checkout as ../shared/data, with "
    "margin/ and wire_samples/ too); to start a workbook of your own, `althedge init` copies the template "
    "this installation ships"
)


def register(commands: Subcommands) -> None:
    parser = commands.add_parser("build-workbook", help="write the template workbook from code")
    parser.add_argument("--out", default=str(DEFAULT_WORKBOOK), help=f"where to write it (default {DEFAULT_WORKBOOK})")
    parser.add_argument(
        "--data",
        help="market-history folder for the sample data (default $ALTHEDGE_DATA, else a checkout's ../shared/data)",
    )
    parser.set_defaults(run=run, needs=needs("report"))  # the engine computes its values


def run(args: argparse.Namespace) -> int:
    from althedge_xl.files import os_error_reason
    from althedge_xl.headless.template import build_workbook
    from althedge_xl.workbook.samples import MarketDataMissing

    out = Path(args.out)
    check_out(out)
    try:
        data = data_folder(args.data, needed_for="build-workbook")
    except UserError as exc:
        raise UserError(f"{exc}. {HOW_TO_GET_DATA}") from None
    try:
        path = build_workbook(out, data)
    except MarketDataMissing as exc:
        raise UserError(f"{exc}. {HOW_TO_GET_DATA}") from None
    except UnicodeDecodeError:
        raise UserError(f"a file of the market-history folder {data} is not UTF-8 text") from None
    except FileNotFoundError as exc:
        if exc.filename and Path(exc.filename).is_relative_to(data):
            raise UserError(
                f"{exc.filename}: no such file; is {data} the market-history folder (prices/, funding/, "
                "sentiment/, wire_samples/)?"
            ) from None
        raise UserError(f"cannot write {out}: {os_error_reason(exc)}; nothing was changed") from None
    except OSError as exc:  # the write itself: disk full, a folder that is not really one (/proc)
        raise UserError(f"cannot write {out}: {os_error_reason(exc)}; nothing was changed") from None
    print(f"wrote {path}")
    return 0


def check_out(out: Path) -> None:
    """Refuse an ``--out`` that cannot become the workbook, before spending time on building it."""
    from althedge_xl.workbook.refresh import read_only_reason

    if out.is_dir():
        raise UserError(f"{out}: is a folder; --out names the workbook file, e.g. {out / DEFAULT_WORKBOOK.name}")
    folder = out.parent
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    if folder.exists() and not folder.is_dir():
        raise UserError(f"{out}: {folder} is a file, not a folder")
    if out.exists():
        reason = read_only_reason(out)
        if reason:
            raise UserError(f"{reason}; nothing was changed")
    elif not os.access(folder, os.W_OK | os.X_OK):
        raise UserError(f"{out}: cannot write into {folder} (permission denied); nothing was changed")

"""``althedge``: the command line of AltHedge XL.

Every failure a user can act on ends in one clear line on stderr and exit code 2; no traceback.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from althedge_xl import __version__
from althedge_xl.render import Table, render_plain, render_rich, to_csv, to_json

FORMATS = ("table", "csv", "json")


class UserError(Exception):
    """A problem the user can fix; printed as one line, exit code 2."""


def print_tables(tables: Sequence[Table], fmt: str) -> None:
    """Print tables as ``table`` (rich on a terminal, plain text otherwise), ``csv`` or ``json``."""
    if fmt == "csv":
        sys.stdout.write(to_csv(tables))
    elif fmt == "json":
        sys.stdout.write(to_json(tables))
    else:
        draw = render_rich if sys.stdout.isatty() else render_plain
        sys.stdout.write("\n".join(draw(t) for t in tables))


def _example(args: argparse.Namespace) -> int:
    from althedge_xl.example import worked_example_tables

    print_tables(worked_example_tables(), args.format)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="althedge", description="Hedge an altcoin portfolio with short BTC futures.")
    parser.add_argument("--version", action="version", version=f"althedge {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)
    example = commands.add_parser("example", help="print the method's worked example computed by the Excel functions")
    example.add_argument("--format", choices=FORMATS, default="table")
    example.set_defaults(run=_example)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    args = build_parser().parse_args(argv)
    try:
        code: int = args.run(args)
    except UserError as exc:
        print(f"althedge: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("althedge: interrupted", file=sys.stderr)
        return 130
    return code


if __name__ == "__main__":
    sys.exit(main())

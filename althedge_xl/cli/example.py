"""``althedge example``: the method's worked example computed by the Excel functions."""

from __future__ import annotations

import argparse

from althedge_xl.cli._common import FORMAT_HELP, FORMATS, Subcommands, needs, print_tables


def register(commands: Subcommands) -> None:
    parser = commands.add_parser("example", help="print the method's worked example computed by the Excel functions")
    parser.add_argument("--format", choices=FORMATS, default="table", help=FORMAT_HELP)
    parser.set_defaults(run=run, needs=needs())


def run(args: argparse.Namespace) -> int:
    from althedge_xl.headless.example import worked_example_tables

    print_tables(worked_example_tables(), args.format)
    return 0

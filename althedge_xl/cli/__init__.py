"""``althedge``: the command line of AltHedge XL, one module per subcommand.

Every failure a user can act on ends in one clear line on stderr and exit code 2; no traceback.
A subcommand whose dependencies are not installed names the extra to install (exit code 2), before
it imports any of them: each declares what it needs for the options given (``needs``, :mod:`.extras`).
Exit code 1: ``refresh`` could refresh nothing (the file keeps its last good values, marked stale).
Exit code 3: a bug (one line asking for a report; ``ALTHEDGE_DEBUG=1`` shows the traceback).
Exit code 4: ``report`` is incomplete (a holding has no price: only the holdings are shown).
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Sequence

from althedge_xl import __version__
from althedge_xl.cli import backtest, build, example, init, keys, libreoffice, lite, refresh, report
from althedge_xl.cli._common import Parser, UserError, fail, os_error_line
from althedge_xl.cli.extras import install_hint, missing_line

#: The subcommands, in the order ``--help`` lists them; each module has ``register(commands)``.
SUBCOMMANDS = (init, example, build, report, refresh, keys, backtest, lite, libreoffice)


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(prog="althedge", description="Hedge an altcoin portfolio with short BTC futures.")
    parser.add_argument("--version", action="version", version=f"althedge {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)
    for subcommand in SUBCOMMANDS:
        subcommand.register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code (``--help``, ``--version`` and usage errors too)."""
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as exc:  # argparse has printed the help, the version or the one-line usage error
        return exc.code if isinstance(exc.code, int) else 0 if exc.code is None else 2
    try:
        missing = missing_line(args.command, args.needs(args))
        if missing is not None:  # before the subcommand imports anything an extra brings
            return fail(missing, 2)
        code: int = args.run(args)
    except UserError as exc:
        return fail(str(exc), 2)
    except ModuleNotFoundError as exc:
        hint = install_hint(args.command, exc)
        if hint is None:
            return _internal_error(exc)
        return fail(hint, 2)
    except OSError as exc:
        return fail(os_error_line(exc), 2)
    except KeyboardInterrupt:
        return fail("interrupted", 130)
    except Exception as exc:
        return _internal_error(exc)
    return code


def _internal_error(exc: Exception) -> int:
    """A bug: one line, not a traceback, unless asked for (``ALTHEDGE_DEBUG=1``)."""
    if os.environ.get("ALTHEDGE_DEBUG"):
        raise exc
    return fail(
        f"internal error: {type(exc).__name__}: {exc}; please report it (ALTHEDGE_DEBUG=1 shows the traceback)", 3
    )

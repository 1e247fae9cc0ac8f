"""``althedge keys set|list|delete EXCHANGE``: the account link's API key in the operating system's keyring.

``set`` asks for the key and secret without echo (and a passphrase where the exchange has one); ``list``
names the exchanges that have a key and where it is, never the key; ``delete`` removes one.
"""

from __future__ import annotations

import argparse
import getpass
import sys

from althedge_xl.cli._common import Subcommands, UserError, needs


def register(commands: Subcommands) -> None:
    parser = commands.add_parser("keys", help="the read-only API key of refresh --account, in your keyring")
    parser.add_argument(
        "action", choices=("set", "list", "delete"), help="set: ask and save; list: which have one; delete: remove"
    )
    parser.add_argument("exchange", nargs="?", help="binance, bybit or okx (set, delete)")
    parser.set_defaults(run=run, needs=needs("market"))


def run(args: argparse.Namespace) -> int:
    from althedge_xl.market.account.faults import AccountFault
    from althedge_xl.market.account.keys import (
        PASSPHRASE_EXCHANGES,
        SUPPORTED_EXCHANGES,
        ApiKey,
        configured,
        delete_key,
        store_key,
    )

    if args.action == "list":
        found = configured()
        for exchange in SUPPORTED_EXCHANGES:
            print(f"{exchange}: {'a key in the ' + found[exchange] if exchange in found else 'no key'}")
        return 0
    exchange = (args.exchange or "").strip().lower()
    if exchange not in SUPPORTED_EXCHANGES:
        raise UserError(f"name the exchange: {' or '.join(SUPPORTED_EXCHANGES)}")
    try:
        if args.action == "delete":
            print(f"{exchange}: key deleted" if delete_key(exchange) else f"{exchange}: there was no key")
            return 0
        key = getpass.getpass(f"{exchange} API key (read-only): ").strip()
        secret = getpass.getpass(f"{exchange} API secret: ").strip()
        passphrase = None
        if exchange in PASSPHRASE_EXCHANGES:
            passphrase = getpass.getpass(f"{exchange} API passphrase: ").strip()
            if not passphrase:
                raise UserError(f"{exchange} keys have a passphrase: it is needed too; nothing was saved")
        if not (key and secret):
            raise UserError("both the key and the secret are needed; nothing was saved")
        store_key(ApiKey(exchange, key, secret, passphrase, "keyring"))
    except AccountFault as fault:
        print(f"althedge: {fault.line()}", file=sys.stderr)
        return fault.exit_code
    except Exception as exc:  # the keyring backend's own errors (none available, locked)
        print(f"althedge: the keyring refused ({type(exc).__name__}); set the environment variables instead",
              file=sys.stderr)  # fmt: skip
        return 2
    print(f"{exchange}: key saved in the keyring (it is checked for read-only rights on the next --account)")
    return 0

"""`tickwork secret …`: secrets kept in the OS keyring (values from standard input)."""

from __future__ import annotations

import argparse
import sys

from app.cli.output import print_json
from app.cli.parser import EXIT_OK
from app.cli.store import service


def cmd_secret(args: argparse.Namespace) -> int:
    svc = service(args)
    if args.secret_cmd == "set":
        svc.keyring.require()
        if sys.stdin.isatty():
            import getpass

            value = getpass.getpass(f"value of secret {args.name}: ")
        else:
            value = sys.stdin.read()
            value = value[:-1] if value.endswith("\n") else value
        svc.set_secret(args.name, value)
        print(f"secret {args.name!r} stored in the keyring")
    elif args.secret_cmd == "list":
        names = svc.list_secrets()
        print_json(names) if args.json else print("\n".join(names) if names else "(none)")
        missing = svc.keyring.missing(names)
        if missing:  # (a store restored or moved from another home)
            print(f"note: not in this home's keyring: {', '.join(missing)} (set each with "
                  "`tickwork secret set NAME`, or the runs that use it fail)", file=sys.stderr)
    elif args.secret_cmd == "delete":
        svc.delete_secret(args.name)
        print(f"secret {args.name!r} deleted")
    return EXIT_OK

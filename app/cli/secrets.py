"""`tickwork secret …`: secrets kept in the OS keyring (values from standard input).

`secret list` lists every name (the store keeps them), then says on stderr which of their
values this home's keyring lacks, or, when the keyring cannot be asked (locked, no usable
backend), that this is not known and why: the list is whole either way, so it exits 0."""

from __future__ import annotations

import argparse
import sys

from app.cli.output import print_json
from app.cli.parser import EXIT_OK
from app.cli.store import service
from app.core.errors import SecretStoreUnavailable
from app.secrets import Keyring
from app.service_secrets import MAX_SECRET, too_large


def cmd_secret(args: argparse.Namespace) -> int:
    svc = service(args)
    if args.secret_cmd == "set":
        svc.keyring.require()
        if sys.stdin.isatty():
            import getpass

            value = getpass.getpass(f"value of secret {args.name}: ")
        else:
            # bytes that are not UTF-8 kept as such, to be refused in words (a strict locale
            # raised "failed: UnicodeDecodeError")
            raw = sys.stdin.buffer.read(MAX_SECRET + 3)  # (+ a line's end): never unbounded
            too_large(len(raw.removesuffix(b"\n").removesuffix(b"\r")))
            value = raw.decode("utf-8", "surrogateescape")
            # the line's end, as a file saved on Windows ends it too (its "\r" was kept)
            value = value.removesuffix("\r\n") if value.endswith("\r\n") else (
                value.removesuffix("\n"))
        svc.set_secret(args.name, value)
        print(f"secret {args.name!r} stored in the keyring")
    elif args.secret_cmd == "list":
        names = svc.list_secrets()
        print_json(names) if args.json else print("\n".join(names) if names else "(none)")
        if names:
            _say_missing_values(svc.keyring, names)
    elif args.secret_cmd == "delete":
        svc.delete_secret(args.name)
        print(f"secret {args.name!r} deleted")
    elif args.secret_cmd == "workers-key":
        _write_workers_key(svc.keyring, args.file)
    return EXIT_OK


def _write_workers_key(keyring: Keyring, file: str) -> None:
    """`secret workers-key FILE`: the home's workers' key (made when there is none) into a
    new file only its owner can read, or to standard output (`-`)."""
    from app.remote import sealing

    keyring.require()
    key = sealing.home_key(keyring, make=True)
    if key is None:
        raise SecretStoreUnavailable("the keyring did not keep the workers' key")
    text = sealing.key_text(key) + "\n"
    if file == "-":
        sys.stdout.write(text)
        return
    from app.cli.audit_keys import write_key_file

    write_key_file(file, text, "file")
    print(f"workers' key {sealing.key_id(key)} written to {file}: on each machine that runs "
          "this home's Celery runs, `tickwork worker --key-file FILE` (whoever holds it can "
          "read the secrets of those runs in the broker)")


def _say_missing_values(keyring: Keyring, names: list[str]) -> None:
    """After the names: those whose values this home's keyring lacks (a store restored or
    moved from another home), or why that is not known."""
    try:
        keyring.require()
        missing = keyring.missing(names)
    except SecretStoreUnavailable as exc:
        print(f"note: not known whether this home's keyring holds their values: {exc}; runs "
              "that use them fail until it can be asked", file=sys.stderr)
        return
    if missing:
        print(f"note: not in this home's keyring: {', '.join(missing)} (set each with "
              "`tickwork secret set NAME`, or the runs that use it fail)", file=sys.stderr)

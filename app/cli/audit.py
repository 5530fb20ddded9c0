"""`tickwork audit`: the audit trail, and checking its chain."""

from __future__ import annotations

import argparse
import dataclasses
import sys
from typing import TYPE_CHECKING, Any

from app.cli.arguments import BIGGEST
from app.cli.output import broken, local_times, print_json, shown, table
from app.cli.parser import EXIT_FAILURE, EXIT_OK
from app.cli.store import service
from app.core.errors import ValidationError
from app.core.nouns import plural

if TYPE_CHECKING:
    from app.service import Service


def cmd_audit(args: argparse.Namespace) -> int:
    if args.yes and not args.accept_unkeyed:
        raise ValidationError("yes", "goes with --accept-unkeyed")
    keying = "export-key" if args.export_key is not None else (
        "import-key" if args.import_key is not None else None)
    if keying is not None:
        others = [f"--{o}" for o, given in (
            ("export-key", args.export_key), ("import-key", args.import_key),
            ("verify", args.verify), ("accept-unkeyed", args.accept_unkeyed),
            ("search", args.search), ("json", args.json)) if given and o != keying]
        if others:
            raise ValidationError(keying, f"not with {others[0]}: it is a command of its own")
    svc = service(args)
    if keying is not None:
        from app.cli import audit_keys

        if args.export_key is not None:
            audit_keys.export_key(svc, args.export_key)
        else:
            audit_keys.import_key(svc, args.import_key)
        return EXIT_OK
    if args.accept_unkeyed:
        try:
            return _accept_unkeyed(svc, args)
        except Declined as exc:
            print(f"tickwork: {exc}", file=sys.stderr)
            return EXIT_FAILURE
    if args.verify:
        report = svc.verify_audit()
        if args.json:
            print_json(dataclasses.asdict(report))
        elif report.ok:
            print(f"audit trail verified: {plural(report.events, 'event')}, chain intact"
                  + (f" ({report.note})" if report.note else ""))
        else:
            print(shown(broken(report)), file=sys.stderr)
        return EXIT_OK if report.ok else EXIT_FAILURE
    # one more than asked: whether --limit left older events out (50 rows read as all, as
    # `run list`'s did before it said so)
    found = svc.audit_events(limit=min(args.limit + 1, BIGGEST), search=args.search)
    events = found[:args.limit]
    if args.json:
        print_json(events)
    else:
        _table(events)
        if len(found) > args.limit:
            print(f"note: the newest {plural(args.limit, 'event')} only; older ones are "
                  "left out (--limit N shows more)", file=sys.stderr)
    return EXIT_OK


def _table(events: list[dict[str, Any]]) -> None:
    """Events (their JSON) one a line."""
    table(["ID", "WHEN", "WHO", "ACTION", "TARGET"],
          [[str(e["id"]), at, e["actor"], e["action"], e["target"] or ""]
           for e, at in zip(events, local_times([e["at"] for e in events]), strict=True)])


def _accept_unkeyed(svc: Service, args: argparse.Namespace) -> int:
    """Accept the events recorded without the trail's key (a command run while the keyring
    was locked), listed first: they are the person's to recognise. On a terminal they are
    asked; elsewhere `--yes` says so, else nothing is accepted (exit 2), as a change no one
    can take back must not be made by a script that never looked (it accepted at once)."""
    from datetime import UTC, datetime

    from app.store import audit_check

    with svc.store.read():
        found = audit_check.unkeyed_events()
    if not found:
        print_json([]) if args.json else print("nothing to accept: every event of the keyed "
                                               "trail is keyed")
        return EXIT_OK
    asked = not args.yes
    if asked:
        if not args.json:
            _table([e.to_json() for e in found])
        _ask(len(found))
    with svc.store.write():
        accepted = [e.to_json() for e in audit_check.accept_unkeyed(
            "cli", datetime.now(UTC), shown=[(e.id, e.hash) for e in found])]
    if args.json:
        print_json(accepted)
        return EXIT_OK
    if not asked:
        _table(accepted)
    print(f"accepted {plural(len(accepted), 'event')} recorded while the keyring was "
          f"unavailable (audited as {audit_check.ACCEPT})")
    return EXIT_OK


def _ask(count: int) -> None:
    """Ask on the terminal whether to accept `count` events; raise unless the answer is yes
    (no terminal to ask on: `--yes` is needed)."""
    events = plural(count, "event")
    if not sys.stdin.isatty():
        raise ValidationError("accept-unkeyed", f"{events} recorded while the keyring was "
                              "unavailable would be accepted as yours: add --yes to accept "
                              "them (standard input is not a terminal to ask on)")
    print(f"accept {'this event' if count == 1 else f'these {events}'} as yours? [y/N] ",
          end="", file=sys.stderr, flush=True)
    answer = sys.stdin.readline().strip().lower()
    if answer not in ("y", "yes"):
        raise Declined("nothing accepted")


class Declined(Exception):
    """The person said no: nothing was changed."""

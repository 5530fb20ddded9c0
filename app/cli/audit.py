"""`tickwork audit`: the audit trail, and checking its chain."""

from __future__ import annotations

import argparse
import dataclasses
import sys
from typing import TYPE_CHECKING, Any

from app.cli.output import broken, local_times, print_json, shown, table
from app.cli.parser import EXIT_FAILURE, EXIT_OK
from app.cli.store import service
from app.core.nouns import plural

if TYPE_CHECKING:
    from app.service import Service


def cmd_audit(args: argparse.Namespace) -> int:
    svc = service(args)
    if args.accept_unkeyed:
        return _accept_unkeyed(svc, args.json)
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
    events = svc.audit_events(limit=args.limit, search=args.search)
    if args.json:
        print_json(events)
    else:
        _table(events)
    return EXIT_OK


def _table(events: list[dict[str, Any]]) -> None:
    """Events (their JSON) one a line."""
    table(["ID", "WHEN", "WHO", "ACTION", "TARGET"],
          [[str(e["id"]), at, e["actor"], e["action"], e["target"] or ""]
           for e, at in zip(events, local_times([e["at"] for e in events]), strict=True)])


def _accept_unkeyed(svc: Service, as_json: bool) -> int:
    """Accept the events recorded without the trail's key (a command run while the keyring
    was locked), listing each: they are the person's to recognise."""
    from datetime import UTC, datetime

    from app.store import audit_check

    with svc.store.write():
        accepted = [e.to_json() for e in audit_check.accept_unkeyed("cli", datetime.now(UTC))]
    if as_json:
        print_json(accepted)
    elif not accepted:
        print("nothing to accept: every event of the keyed trail is keyed")
    else:
        _table(accepted)
        print(f"accepted {plural(len(accepted), 'event')} recorded while the keyring was "
              f"unavailable (audited as {audit_check.ACCEPT})")
    return EXIT_OK

"""`tickwork audit`: the audit trail, and checking its chain."""

from __future__ import annotations

import argparse
import dataclasses
import sys

from app.cli.output import local, print_json, table
from app.cli.parser import EXIT_FAILURE, EXIT_OK
from app.cli.store import service


def cmd_audit(args: argparse.Namespace) -> int:
    svc = service(args)
    if args.verify:
        report = svc.verify_audit()
        if args.json:
            print_json(dataclasses.asdict(report))
        elif report.ok:
            print(f"audit trail verified: {report.events} events, chain intact"
                  + (f" ({report.note})" if report.note else ""))
        else:
            print(f"audit trail BROKEN: {report.problem}", file=sys.stderr)
        return EXIT_OK if report.ok else EXIT_FAILURE
    events = svc.audit_events(limit=args.limit, search=args.search)
    if args.json:
        print_json(events)
    else:
        table(["ID", "WHEN", "WHO", "ACTION", "TARGET"],
               [[str(e["id"]), local(e["at"]), e["actor"], e["action"], e["target"] or ""]
                for e in events])
    return EXIT_OK

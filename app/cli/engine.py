"""`tickwork engine` (headless, until a signal) and `simulate` (what would run, running
nothing)."""

from __future__ import annotations

import argparse
import os
from datetime import UTC, datetime

from app.cli.output import local_times, print_json, table
from app.cli.parser import EXIT_OK
from app.cli.store import service


def cmd_engine(args: argparse.Namespace) -> int:
    from app.engine.headless import run_headless

    if getattr(args, "broker", None):  # runs on Celery workers go through it (app/remote/)
        from app.remote.broker import BROKER_VAR, broker_url

        os.environ[BROKER_VAR] = broker_url(args.broker)

    return run_headless(args)


def cmd_simulate(args: argparse.Namespace) -> int:
    from app.engine.simulate import simulate

    svc = service(args)
    start = _parse_instant(args.from_) if args.from_ else datetime.now(UTC)
    items = simulate(svc, start, args.hours)
    if args.json:
        print_json([i.to_json() for i in items])
    else:
        table(["FIRE AT", "TASK", "NOTE"],
               [[at, i.task_name, i.reason or ""] for i, at in zip(
                   items, local_times([i.fire_at for i in items]), strict=True)])
    return EXIT_OK


def _parse_instant(text: str) -> datetime:
    """`--from`: a naive time is wall time in this machine's zone, read as `--at` reads one
    in a task's (a time the clocks skip is refused, a repeated one is its first pass)."""
    from app.core.schedule import parse_timezone, system_timezone_name
    from app.core.schedule.zones import parse_datetime

    # (in UTC: the simulated hours are real hours, not a ZoneInfo's wall-clock arithmetic)
    return parse_datetime(text, parse_timezone(system_timezone_name()), "from").astimezone(UTC)

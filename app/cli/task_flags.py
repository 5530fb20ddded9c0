"""The options of `task add`, `update` and `reschedule`: when a task runs, what it runs and
how (their values are turned into task JSON by `app.cli.task_options`)."""

from __future__ import annotations

import argparse
from typing import Any

from app.cli.arguments import JSON_HELP, Parser, int_arg
from app.core.notify import NOTIFY_MODES


class WhenAction(argparse.Action):
    """A repeatable timed-schedule option: its values, and every such option in order
    (``namespace.when``), so ``--cron A --every 5m --cron B`` keeps the order typed."""

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace,
                 values: Any, option_string: str | None = None) -> None:
        setattr(namespace, self.dest, [*(getattr(namespace, self.dest, None) or []), values])
        namespace.when = [*(getattr(namespace, "when", None) or []), (self.dest, values)]


def add_when_options(p: argparse.ArgumentParser, *, change: bool = True) -> None:
    """When a task runs: any mix of timed schedules (each repeatable), or after/manual;
    exclusion dates (`change`: a stored task's, which --exclude-clear drops)."""
    p.add_argument("--at", metavar="ISO8601", action=WhenAction,
                   help="run once at this time (repeatable; mixes with the three below)")
    p.add_argument("--every", metavar="DURATION", action=WhenAction,
                   help="run every 30s, 5m, 1h30m, 1d … (repeatable)")
    p.add_argument("--cron", metavar="EXPR", action=WhenAction,
                   help="POSIX cron expression, optional seconds (repeatable)")
    p.add_argument("--calendar", metavar="SPEC", action=WhenAction,
                   help="calendar interval, e.g. 1mo@02:00 (repeatable)")
    when = p.add_mutually_exclusive_group()
    when.add_argument("--after", metavar="TASK[,TASK]", action="append",
                      help="run when these tasks succeed (repeatable; each task once)")
    when.add_argument("--manual", action="store_true", help="run only on demand")
    p.add_argument("--exclude", metavar="DATE|FILE.ics", action="append",
                   help="no fire on this local date (YYYY-MM-DD, R/YYYY-MM-DD/P1Y for every "
                   "year) or on the all-day events of an iCalendar file (repeatable)")
    if change:
        p.add_argument("--exclude-clear", action="store_true",
                       help="drop the exclusion dates the task has (before any --exclude)")


def add_task_options(p: Parser, *, update: bool) -> None:
    """`task add`'s options, and `update`'s: those also drop what a stored task has
    (--unset-env, --env-clear, --untag, --tag-clear, --exclude-clear), which a new task has
    not (`task add --help` listed them, and `add --untag t` said "the task has no tag")."""
    action = p.add_mutually_exclusive_group(required=not update)
    action.add_argument("--command", metavar="CMD", help="command line (split like a shell)")
    action.add_argument("--python", metavar="MODULE:FUNC", help="Python callable to run")
    p.add_argument("--shell", action=argparse.BooleanOptionalAction, default=None,
                   help="run --command through /bin/sh (--no-shell: split it like a shell "
                   "and run the program itself; update keeps the task's way if neither)")
    p.add_argument("--kwargs", metavar="JSON", help="JSON keyword arguments for --python "
                   "(update keeps the task's if not given)")
    add_when_options(p, change=update)
    p.add_argument("--tz", metavar="ZONE", help="time zone (default: the system's)")
    p.add_argument("--start", metavar="ISO", help="do not fire before this time")
    p.add_argument("--end", metavar="ISO", help="do not fire after this time")
    p.add_argument("--depends-on", metavar="TASK", action="append",
                   help="wait for TASK's latest run to succeed (repeatable)")
    p.add_argument("--priority", metavar="N", type=int_arg("priority"),
                   help="of runs due together, higher starts first (default 0)")
    p.add_argument("--retries", metavar="N", type=int_arg("retries"),
                   help="tries again after a failure or time-out, up to N times (default 0)")
    p.add_argument("--retry-delay", metavar="DURATION",
                   help="wait before a retry (default 10s; 0: at once)")
    p.add_argument("--backoff", choices=["fixed", "exponential"],
                   help="the retry delay stays fixed (default) or doubles each time")
    p.add_argument("--timeout", metavar="DURATION",
                   help="stop a run that takes longer (it ends timed_out); 'none': no limit")
    p.add_argument("--dependency-timeout", metavar="DURATION",
                   help="give up waiting for its --depends-on upstreams after this long (the "
                   "run ends skipped); 'none': wait as long as it takes (the default)")
    p.add_argument("--max-instances", metavar="N", type=int_arg("max-instances"),
                   help="runs of this task at once (default 1)")
    p.add_argument("--overlap", choices=["skip", "queue", "replace"],
                   help="a fire while --max-instances runs are going: skip it (default), "
                   "queue it, or cancel the runs going and start it")
    p.add_argument("--group", metavar="NAME[:LIMIT]",
                   help="a concurrency group: at most LIMIT runs of its tasks at once "
                   "('': in no group)")
    p.add_argument("--catch-up", choices=["skip", "once", "all"],
                   help="fires missed while no engine ran: skip them, run once (default), or "
                   "run each (up to 100)")
    p.add_argument("--cwd", metavar="DIR", help="the folder a run starts in")
    p.add_argument("--env", metavar="KEY=VALUE", action="append",
                   help="an environment variable for its runs (repeatable; sets KEY, keeps "
                   "the task's others)")
    p.add_argument("--secret-env", metavar="KEY=SECRET", action="append",
                   help="set KEY from the stored secret SECRET (`tickwork secret set`; "
                   "repeatable)")
    if update:
        dropped = p.add_mutually_exclusive_group()  # one of them says which the task loses
        dropped.add_argument("--unset-env", metavar="KEY", action="append",
                             help="drop the task's variable KEY, plain or secret (repeatable)")
        dropped.add_argument("--env-clear", action="store_true", help="drop every variable "
                             "the task sets (before any --env, --secret-env)")
    # (--unset-env KEY beside --env KEY or --secret-env KEY: `task_options._variables`, which
    # knows the task's variables: one that changes KEY's kind is not a contradiction)
    p.refuse_naming_one("--secret-env", "--env", "variable")
    p.add_argument("--fallback", metavar="TASK", help="task to run when the last attempt fails")
    p.add_argument("--description", help="what the task is for")
    p.add_argument("--tag", action="append", help="add a tag (repeatable)")
    if update:
        untagged = p.add_mutually_exclusive_group()
        untagged.add_argument("--untag", metavar="TAG", action="append",
                              help="remove a tag the task has (repeatable)")
        untagged.add_argument("--tag-clear", action="store_true",
                              help="remove every tag the task has (before any --tag)")
        p.refuse_naming_one("--untag", "--tag", "tag", by=str)
    notify = p.add_mutually_exclusive_group()  # one of them says what is notified
    notify.add_argument("--notify-success", action="store_true", default=None,
                   help="a desktop notification when a run succeeds too (as --notify always)")
    p.add_argument("--keep-runs", metavar="N", help="keep at least the last N runs' history "
                   "('default': the global setting)")
    p.add_argument("--keep-days", metavar="N", help="keep every run of the last N days "
                   "('default': the global setting)")
    p.add_argument("--runs-on", metavar="WHERE", help="where its runs execute: 'local' (the "
                   "engine's own worker processes, the default), 'celery' or 'celery:QUEUE' "
                   "(a `tickwork worker`)")
    notify.add_argument("--notify", choices=NOTIFY_MODES,
                   help="desktop notification: never, on failure (the default), or always")
    state = p.add_mutually_exclusive_group()
    if update:
        p.add_argument("--name", help="rename the task")
        state.add_argument("--enabled", action="store_true", default=None,
                           help="fire on its schedule again")
    state.add_argument("--disabled", action="store_true", default=None,
                       help="kept, but fires on no schedule (runs by hand still work)")
    p.add_argument("--no-verify", dest="verify", action="store_false",
                   help="store it even if its program, module or folder is not there (yet)")
    p.add_argument("--json", action="store_true", help=JSON_HELP)

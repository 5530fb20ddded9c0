"""The command line's grammar: every noun, verb and option, and a parser that reports bad
usage in one line (exit 2) instead of argparse's usage block."""

from __future__ import annotations

import argparse
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, NoReturn

from app import version
from app.cli.arguments import UsageError as UsageError
from app.cli.arguments import (
    home_arg,
    hours_arg,
    int_arg,
    not_allowed,
    seconds_arg,
    status_arg,
    store_url,
    workers_arg,
)
from app.cli.settings import add_settings_command
from app.cli.store import add_store_commands
from app.cli.transfer import add_transfer_commands
from app.core.notify import NOTIFY_MODES

EXIT_OK, EXIT_FAILURE, EXIT_USAGE = 0, 1, 2


class Parser(argparse.ArgumentParser):
    """argparse that reports a usage error in one line and exits 2, without the usage block."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # a value that starts with '-' and a digit is a value, as '-5' already was: `--every
        # -5m` reaches the check that names the field ("every: must be positive"), not
        # argparse's "expected one argument" (no option here starts with '-' and a digit)
        self._negative_number_matcher = re.compile(r"-\.?\d")
        self._naming: list[tuple[str, str, str, Callable[[str], str]]] = []

    def refuse_naming_one(self, first: str, second: str, what: str,
                          by: Callable[[str], str] = lambda value: value.partition("=")[0]
                          ) -> None:
        """Refuse `first` and `second` in one command when their values name one `what`
        (`by`: what a value names; a ``KEY=VALUE``'s KEY), as a mutually exclusive group
        refuses two options: which would win is an accident (``--tag t --untag t``)."""
        self._naming.append((first, second, what, by))

    def refuse_same_names(self, namespace: argparse.Namespace) -> None:
        """Raise if two options `refuse_naming_one` paired name one thing here."""
        for first, second, what, by in self._naming:
            named = {by(v).strip() for v in getattr(namespace, second[2:].replace("-", "_")) or []}
            for value in getattr(namespace, first[2:].replace("-", "_")) or []:
                if by(value).strip() in named:
                    raise not_allowed(first, second, f"{what} {by(value).strip()!r}")

    def error(self, message: str) -> NoReturn:
        raise UsageError(message)


class WhenAction(argparse.Action):
    """A repeatable timed-schedule option: its values, and every such option in order
    (``namespace.when``), so ``--cron A --every 5m --cron B`` keeps the order typed."""

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace,
                 values: Any, option_string: str | None = None) -> None:
        setattr(namespace, self.dest, [*(getattr(namespace, self.dest, None) or []), values])
        namespace.when = [*(getattr(namespace, "when", None) or []), (self.dest, values)]


def add_when_options(p: argparse.ArgumentParser) -> None:
    """When a task runs: any mix of timed schedules (each repeatable), or after/manual;
    exclusion dates."""
    p.add_argument("--at", metavar="ISO8601", action=WhenAction,
                   help="run once at this time (repeatable; mixes with the three below)")
    p.add_argument("--every", metavar="DURATION", action=WhenAction,
                   help="run every 30s, 5m, 1h30m, 1d … (repeatable)")
    p.add_argument("--cron", metavar="EXPR", action=WhenAction,
                   help="POSIX cron expression, optional seconds (repeatable)")
    p.add_argument("--calendar", metavar="SPEC", action=WhenAction,
                   help="calendar interval, e.g. 1mo@02:00 (repeatable)")
    when = p.add_mutually_exclusive_group()
    when.add_argument("--after", metavar="TASK[,TASK]", help="run when these tasks succeed")
    when.add_argument("--manual", action="store_true", help="run only on demand")
    p.add_argument("--exclude", metavar="DATE|FILE.ics", action="append",
                   help="no fire on this local date (YYYY-MM-DD, R/YYYY-MM-DD/P1Y for every "
                   "year) or on the all-day events of an iCalendar file (repeatable)")
    p.add_argument("--exclude-clear", action="store_true",
                   help="drop the exclusion dates the task has (before any --exclude)")


def add_task_options(p: Parser, *, update: bool) -> None:
    action = p.add_mutually_exclusive_group(required=not update)
    action.add_argument("--command", metavar="CMD", help="command line (split like a shell)")
    action.add_argument("--python", metavar="MODULE:FUNC", help="Python callable to run")
    p.add_argument("--shell", action=argparse.BooleanOptionalAction, default=None,
                   help="run --command through /bin/sh (--no-shell: split it like a shell "
                   "and run the program itself; update keeps the task's way if neither)")
    p.add_argument("--kwargs", metavar="JSON", help="JSON keyword arguments for --python "
                   "(update keeps the task's if not given)")
    add_when_options(p)
    p.add_argument("--tz", metavar="ZONE", help="time zone (default: the system's)")
    p.add_argument("--start", metavar="ISO", help="do not fire before this time")
    p.add_argument("--end", metavar="ISO", help="do not fire after this time")
    p.add_argument("--depends-on", metavar="TASK", action="append",
                   help="wait for TASK's latest run to succeed (repeatable)")
    p.add_argument("--priority", metavar="N", type=int_arg("priority"),
                   help="of runs due together, higher starts first (default 0)")
    p.add_argument("--retries", metavar="N", type=int_arg("retries"),
                   help="tries again after a failure or time-out, up to N times (default 0)")
    p.add_argument("--retry-delay", metavar="DURATION", help="wait before a retry (default 10s)")
    p.add_argument("--backoff", choices=["fixed", "exponential"],
                   help="the retry delay stays fixed (default) or doubles each time")
    p.add_argument("--timeout", metavar="DURATION",
                   help="stop a run that takes longer (it ends timed_out); 'none': no limit")
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
    dropped = p.add_mutually_exclusive_group()  # one of them says which the task loses
    dropped.add_argument("--unset-env", metavar="KEY", action="append",
                         help="drop the task's variable KEY, plain or secret (repeatable)")
    dropped.add_argument("--env-clear", action="store_true", help="drop every variable the "
                         "task sets (before any --env, --secret-env)")
    # (--unset-env KEY beside --env KEY or --secret-env KEY: `task_options._variables`, which
    # knows the task's variables: one that changes KEY's kind is not a contradiction)
    p.refuse_naming_one("--secret-env", "--env", "variable")
    p.add_argument("--fallback", metavar="TASK", help="task to run when the last attempt fails")
    p.add_argument("--description", help="what the task is for")
    p.add_argument("--tag", action="append", help="add a tag (repeatable)")
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


class _Version(argparse.Action):
    """--version, read from the package metadata only when asked (it costs ~30 ms)."""

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace,
                 values: object, option_string: str | None = None) -> None:
        print(f"tickwork {version()}")
        parser.exit()


if TYPE_CHECKING:
    _Subparsers = argparse._SubParsersAction[Parser]
else:
    _Subparsers = argparse._SubParsersAction


class Commands(_Subparsers):
    """Subcommands whose options are added only when one is chosen, on the command line or
    for its --help: building every noun's and verb's options cost each command ~10 ms
    (`task list`). A listing (`tickwork --help`) needs only their names and help."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._fills: dict[str, Callable[[Parser], None]] = {}

    def add_command(self, name: str, fill: Callable[[Parser], None], **kwargs: Any) -> Parser:
        """A subcommand that `fill` gives its options when it is chosen."""
        parser = self.add_parser(name, **kwargs)
        self._fills[name] = fill
        return parser

    def fill(self, name: str) -> Parser:
        """The subcommand's parser, with its options."""
        parser = self._name_parser_map[name]
        fill = self._fills.pop(name, None)
        if fill is not None:
            fill(parser)
        return parser

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace,
                 values: Any, option_string: str | None = None) -> None:
        chosen = self.fill(values[0])  # argparse has checked that it is one of the choices
        super().__call__(parser, namespace, values, option_string)
        chosen.refuse_same_names(namespace)


def commands(parser: argparse.ArgumentParser, dest: str, *, required: bool = False
             ) -> Commands:
    """`parser`'s subcommands, each filled when chosen (`Commands`)."""
    found = parser.add_subparsers(dest=dest, required=required, parser_class=Parser,
                                  action=Commands)
    assert isinstance(found, Commands)
    return found


def _named(what: str) -> Callable[[Parser], None]:
    """A verb's options: one positional, the name of what it acts on."""
    def fill(p: Parser) -> None:
        p.add_argument(what)
    return fill


JSON_HELP = "print JSON instead of text"


def _json_only(p: Parser) -> None:
    p.add_argument("--json", action="store_true", help=JSON_HELP)


def _task_add(p: Parser) -> None:
    p.add_argument("name")
    add_task_options(p, update=False)


def _task_update(p: Parser) -> None:
    p.add_argument("task")
    add_task_options(p, update=True)


def _task_list(p: Parser) -> None:
    p.add_argument("--search", metavar="TEXT", help="only tasks whose name, tags, action or "
                   "description contain TEXT (any case)")
    p.add_argument("--sort", default="name", choices=["name", "next_run_at", "priority", "id"],
                   help="order of the rows (default: name)")
    p.add_argument("--json", action="store_true", help=JSON_HELP)


def _task_show(p: Parser) -> None:
    p.add_argument("task")
    p.add_argument("--json", action="store_true", help=JSON_HELP)


def _task_delete(p: Parser) -> None:
    p.add_argument("task")
    p.add_argument("--force", action="store_true", help="even if other tasks depend on it")


def _task_run(p: Parser) -> None:
    p.add_argument("task")
    p.add_argument("--wait", type=seconds_arg("wait"), metavar="DURATION", nargs="?",
                   const=3600.0, help="wait up to this long (seconds, or 30s, 5m …; default "
                   "1h) for the run to finish: exit 1 unless it succeeded")
    p.add_argument("--json", action="store_true", help=JSON_HELP)


def _task_reschedule(p: Parser) -> None:
    p.add_argument("task")
    add_when_options(p)
    p.add_argument("--tz", metavar="ZONE", help="a new time zone")
    p.add_argument("--start", metavar="ISO", help="do not fire before this time")
    p.add_argument("--end", metavar="ISO", help="do not fire after this time")


def _task(task: Parser) -> None:
    verbs = commands(task, "task_cmd", required=True)
    verbs.add_command("add", _task_add, help="create a task")
    verbs.add_command("update", _task_update, help="change a task (only the options given)")
    verbs.add_command("list", _task_list, help="list tasks")
    verbs.add_command("show", _task_show, help="show one task")
    verbs.add_command("delete", _task_delete, help="delete a task and its history")
    verbs.add_command("run", _task_run, help="run a task now")
    verbs.add_command("reschedule", _task_reschedule, help="give a task a new schedule")
    for name in ("pause", "resume"):
        verbs.add_command(name, _named("task"), help=f"{name} a task")


def _run_list(p: Parser) -> None:
    p.add_argument("--task", metavar="TASK", help="only this task's runs")
    p.add_argument("--status", type=status_arg, help="only runs with this status (succeeded, "
                   "failed, timed_out, running, …)")
    p.add_argument("--limit", metavar="N", type=int_arg("limit", 1), default=50,
                   help="at most N runs (default 50)")
    p.add_argument("--json", action="store_true", help=JSON_HELP)


def _run_show(p: Parser) -> None:
    p.add_argument("run", type=int_arg("run", 1))
    p.add_argument("--log", action="store_true", help="include the output")
    p.add_argument("--json", action="store_true", help=JSON_HELP)


def _run_cancel(p: Parser) -> None:
    p.add_argument("run", type=int_arg("run", 1))


def _run(runs: Parser) -> None:
    verbs = commands(runs, "run_cmd", required=True)
    verbs.add_command("list", _run_list, help="runs, newest first")
    verbs.add_command("show", _run_show, help="one run")
    verbs.add_command("cancel", _run_cancel, help="cancel a queued or running run")


def _audit(p: Parser) -> None:
    p.add_argument("--verify", action="store_true", help="check the hash chain")
    p.add_argument("--limit", metavar="N", type=int_arg("limit", 1), default=50,
                   help="at most N events (default 50)")
    p.add_argument("--search", metavar="TEXT",
                   help="only events whose action or target contains TEXT (any case)")
    p.add_argument("--json", action="store_true", help=JSON_HELP)


def _secret(sec: Parser) -> None:
    verbs = commands(sec, "secret_cmd", required=True)
    verbs.add_command("set", _named("name"), help="store a secret (value from standard input)")
    verbs.add_command("list", _json_only, help="secret names")
    verbs.add_command("delete", _named("name"), help="delete a secret")


def _engine(p: Parser) -> None:
    p.add_argument("--workers", metavar="N", type=workers_arg, default=None,
                   help="runs at once, 1 to 256 (default: $TICKWORK_WORKERS, else 8)")
    p.add_argument("--store", metavar="URL", type=store_url, default=argparse.SUPPRESS,
                   help="a shared PostgreSQL store (as the top-level --store)")
    p.add_argument("--grace", metavar="DURATION", type=seconds_arg("grace", zero=True),
                   default=10.0, help="how long running tasks get to finish on shutdown: "
                   "seconds, or 30s, 5m … (default 10s; 0: stop them at once)")
    p.add_argument("--broker", metavar="URL", help="the Redis broker of tasks that run on "
                   "Celery (default: $TICKWORK_BROKER, else redis://127.0.0.1:6379/0)")


def _worker(p: Parser) -> None:
    """`tickwork worker`: a Celery worker running the runs of `--runs-on celery` tasks."""
    p.add_argument("--queue", metavar="QUEUE", action="append",
                   help="the queue to take runs from (repeatable; default: tickwork, the "
                   "queue of --runs-on celery)")
    p.add_argument("--broker", metavar="URL", help="the Redis broker (default: "
                   "$TICKWORK_BROKER, else redis://127.0.0.1:6379/0)")
    p.add_argument("--concurrency", type=int_arg("concurrency"), default=None,
                   help="runs at once (default: the CPUs, at least 4)")
    p.add_argument("--name", metavar="NAME", help="the worker's Celery node name")


def _simulate(p: Parser) -> None:
    p.add_argument("--from", dest="from_", metavar="ISO8601", help="start here (default: now)")
    p.add_argument("--hours", metavar="H", type=hours_arg, default=24.0,
                   help="how far ahead (default 24)")
    p.add_argument("--json", action="store_true", help=JSON_HELP)


def build_parser() -> Parser:
    parser = Parser(prog="tickwork", description="Tickwork: a desktop task scheduler.")
    parser.add_argument("--home", metavar="DIR", type=home_arg, help="data directory "
                        "(default: $TICKWORK_HOME or the platform's per-user data directory)")
    parser.add_argument("--store", metavar="URL", type=store_url,
                        help="a shared PostgreSQL store (postgresql://USER@HOST[:PORT]/DB) "
                        "instead of the SQLite file under the home (default: $TICKWORK_STORE)")
    parser.add_argument("--version", action=_Version, nargs=0,
                        help="show the version and exit")
    parser.add_argument("--minimized", "--tray", dest="minimized", action="store_true",
                        help="open the window hidden, with its tray icon (start at login)")
    parser.add_argument("--show-run", metavar="RUN", type=int_arg("show-run", 1),
                        help="open the window at this run (a notification's Open log)")
    sub = commands(parser, "cmd")
    sub.add_command("task", _task, help="create, change and run tasks")
    sub.add_command("run", _run, help="run history")
    sub.add_command("audit", _audit, help="the audit trail")
    sub.add_command("secret", _secret, help="secrets kept in the OS keyring")
    add_transfer_commands(sub)
    sub.add_command("engine", _engine, help="run the engine headless until SIGINT/SIGTERM")
    sub.add_command("worker", _worker,
                    help="run tasks marked --runs-on celery (a Celery worker)")
    sub.add_command("simulate", _simulate, help="what would run in the next hours (runs nothing)")
    add_store_commands(sub)
    add_settings_command(sub)
    return parser

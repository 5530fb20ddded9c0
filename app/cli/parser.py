"""The command line's grammar: every noun, verb and option (a task's options:
`app.cli.task_flags`), parsed by `arguments.Parser`, which reports bad usage in one line
(exit 2) instead of argparse's usage block."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from app import version
from app.cli.arguments import (
    JSON_HELP,
    home_arg,
    hours_arg,
    int_arg,
    seconds_arg,
    status_arg,
    store_url,
    workers_arg,
)
from app.cli.arguments import Parser as Parser
from app.cli.arguments import UsageError as UsageError
from app.cli.settings import add_settings_command
from app.cli.store_file import add_store_commands
from app.cli.task_flags import add_task_options, add_when_options
from app.cli.transfer import add_transfer_commands

EXIT_OK, EXIT_FAILURE, EXIT_USAGE = 0, 1, 2


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
        chosen.refuse_idle(namespace)


def commands(parser: argparse.ArgumentParser, dest: str, *, required: bool = False
             ) -> Commands:
    """`parser`'s subcommands, each filled when chosen (`Commands`)."""
    found = parser.add_subparsers(dest=dest, required=required, parser_class=Parser,
                                  action=Commands, metavar="COMMAND")  # (not `task_cmd`)
    assert isinstance(found, Commands)
    return found


TASK_HELP = "the task: its name (any letter case) or its id"
RUN_HELP = "the run's id (`tickwork run list`)"


def _named(what: str, help: str) -> Callable[[Parser], None]:
    """A verb's options: one positional, the name of what it acts on, and what it is."""
    def fill(p: Parser) -> None:
        p.add_argument(what, help=help)
    return fill


def _json_only(p: Parser) -> None:
    p.add_argument("--json", action="store_true", help=JSON_HELP)


def _task_add(p: Parser) -> None:
    p.add_argument("name", help="the new task's name (no other task's, in any letter case)")
    add_task_options(p, update=False)


def _task_update(p: Parser) -> None:
    p.add_argument("task", help=TASK_HELP)
    add_task_options(p, update=True)


def _task_list(p: Parser) -> None:
    p.add_argument("--search", metavar="TEXT", help="only tasks whose name, tags, action or "
                   "description contain TEXT (any case)")
    p.add_argument("--sort", default="name", choices=["name", "next_run_at", "priority", "id"],
                   help="order of the rows (default: name; priority: highest first, as they "
                   "start, with a PRIORITY column)")
    p.add_argument("--json", action="store_true", help=JSON_HELP)


def _task_show(p: Parser) -> None:
    p.add_argument("task", help=TASK_HELP)
    p.add_argument("--json", action="store_true", help=JSON_HELP)


def _task_delete(p: Parser) -> None:
    p.add_argument("task", help=TASK_HELP)
    p.add_argument("--force", action="store_true", help="even if other tasks depend on it")


def _task_run(p: Parser) -> None:
    p.add_argument("task", help=TASK_HELP)
    p.add_argument("--wait", type=seconds_arg("wait"), metavar="DURATION", nargs="?",
                   const=3600.0, help="wait up to this long (seconds, or 30s, 5m …; default "
                   "1h) for the run to finish: exit 1 unless it succeeded")
    p.add_argument("--json", action="store_true", help=JSON_HELP)


def _task_reschedule(p: Parser) -> None:
    p.add_argument("task", help=TASK_HELP)
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
    verbs.add_command("cancel", _named("task", TASK_HELP),
                      help="cancel a task's runs in progress (queued, waiting, running or "
                      "retrying)",
                      description="Cancel every run of the task in progress (queued, waiting, "
                      "running or retrying). None in progress is said so, and that is no error "
                      "(exit 0); a task that does not exist is (exit 2).")
    verbs.add_command("reschedule", _task_reschedule, help="give a task a new schedule")
    for name in ("pause", "resume"):
        verbs.add_command(name, _named("task", TASK_HELP), help=f"{name} a task")


def _run_list(p: Parser) -> None:
    p.add_argument("--task", metavar="TASK", help="only this task's runs (its name, any "
                   "letter case, or its id)")
    p.add_argument("--status", type=status_arg, help="only runs with this status (succeeded, "
                   "failed, timed_out, running, …)")
    p.add_argument("--limit", metavar="N", type=int_arg("limit", 1), default=50,
                   help="the newest N runs (default 50; a note says when older ones are "
                   "left out)")
    p.add_argument("--json", action="store_true", help=JSON_HELP)


def _run_show(p: Parser) -> None:
    p.add_argument("run", type=int_arg("run", 1), help=RUN_HELP)
    p.add_argument("--log", action="store_true", help="include the output")
    p.add_argument("--json", action="store_true", help=JSON_HELP)


def _run_cancel(p: Parser) -> None:
    p.add_argument("run", type=int_arg("run", 1), help=RUN_HELP)


def _run(runs: Parser) -> None:
    verbs = commands(runs, "run_cmd", required=True)
    verbs.add_command("list", _run_list, help="runs, newest first")
    verbs.add_command("show", _run_show, help="one run")
    verbs.add_command("cancel", _run_cancel, help="cancel a queued or running run",
                      description="Cancel a run in progress (queued, waiting, running or "
                      "retrying). A run that has already ended is said so, with how and when "
                      "it ended, and that is no error (exit 0, as `task cancel` with no run in "
                      "progress); a run id that does not exist is (exit 2).")


def _audit(p: Parser) -> None:
    p.add_argument("--verify", action="store_true", help="check the hash chain")
    p.add_argument("--accept-unkeyed", action="store_true",
                   help="list the events recorded while the keyring was unavailable (which "
                   "--verify fails on) and, asked on a terminal, accept them as yours, with a "
                   "keyed event")
    p.add_argument("--yes", action="store_true",
                   help="with --accept-unkeyed: accept them without asking (without it, "
                   "nothing is accepted when standard input is not a terminal)")
    p.add_argument("--export-key", metavar="FILE", help="write the store's audit key, kept "
                   "in this home's keyring, to FILE (a new file, readable by you only), for "
                   "--import-key in another home on the same shared store")
    p.add_argument("--import-key", metavar="FILE", help="keep the audit key --export-key "
                   "wrote in another home on this store in this home's keyring: this home's "
                   "events are keyed from then on, and --verify here checks them")
    p.add_argument("--limit", metavar="N", type=int_arg("limit", 1), default=50,
                   help="the newest N events (default 50; a note says when older ones "
                   "are left out)")
    p.add_argument("--search", metavar="TEXT",
                   help="only events whose action or target contains TEXT (any case)")
    p.add_argument("--json", action="store_true", help=JSON_HELP)


def _secret(sec: Parser) -> None:
    verbs = commands(sec, "secret_cmd", required=True)
    verbs.add_command("set", _named("name", "the secret's name, as --secret-env KEY=NAME "
                                    "names it"), help="store a secret (value from standard "
                      "input)", description="Store a secret in the OS keyring. Its value is "
                      "read from standard input (`printf %s VALUE | tickwork secret set "
                      "NAME`), or asked for without echo on a terminal; it never appears on "
                      "the command line, in the store or in an export.")
    verbs.add_command("list", _json_only, help="secret names")
    verbs.add_command("delete", _named("name", "the secret's name (`tickwork secret list`)"),
                      help="delete a secret")
    verbs.add_command("workers-key", _named("file", "where to write it (a new file, readable "
                                            "by you only; - for standard output)"),
                      help="write the key Celery workers open runs' secrets with",
                      description="A run sent to a Celery worker carries its secrets through "
                      "the broker sealed with this home's workers' key (made on first use, "
                      "kept in the keyring). Give the file to `tickwork worker --key-file "
                      "FILE` on each machine that runs this home's Celery runs; on this "
                      "machine a worker finds the key in the keyring itself.")


def _engine_word(text: str) -> str:
    """`engine`'s one word, `stop`; `engine start` (a newcomer's guess) was "invalid choice:
    'start' (choose from 'stop')", which did not say how to start it."""
    if text != "stop":
        raise UsageError(f"engine: {text!r} is not a word it takes: `tickwork engine` alone "
                         "starts the engine (here, until Ctrl+C), `tickwork engine stop` "
                         "stops it")
    return text


def _engine(p: Parser) -> None:
    p.add_argument("action", nargs="?", metavar="stop", type=_engine_word,
                   help="ask this home's engine without a window to stop (its runs "
                   "get its grace), as the window's Quit stops its own")
    p.add_argument("--workers", metavar="N", type=workers_arg, default=None,
                   help="runs at once, 1 to 256 (default: $TICKWORK_WORKERS, else 8)")
    p.add_argument("--store", metavar="URL", type=store_url, default=argparse.SUPPRESS,
                   help="a shared PostgreSQL store (as the top-level --store)")
    p.add_argument("--grace", metavar="DURATION", type=seconds_arg("grace", zero=True),
                   default=None, help="how long running tasks get to finish on shutdown: "
                   "seconds, or 30s, 5m … (default 10s; 0: stop them at once)")
    p.add_argument("--broker", metavar="URL", help="the Redis broker of tasks that run on "
                   "Celery (default: $TICKWORK_BROKER, else redis://127.0.0.1:6379/0)")
    # (what starts an engine, not `engine stop`: which stops it with the grace it was given)
    p.refuse_with("action", "stop", ("--workers", "--grace", "--broker"), "starting an engine")


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
    p.add_argument("--key-file", metavar="FILE", action="append", help="a workers' key "
                   "(`tickwork secret workers-key FILE` where the engine runs) that opens the "
                   "secrets of its runs (repeatable: one per engine's home; on the engine's "
                   "own machine its home's key is found in the keyring)")
    p.add_argument("--unsigned", action="store_true", help="also run jobs that come "
                   "unsigned (only when no one else can write to the broker: without it, a "
                   "worker runs only the jobs signed with a workers' key it has)")


def _simulate(p: Parser) -> None:
    p.add_argument("--from", dest="from_", metavar="ISO8601", help="start here (default: now)")
    p.add_argument("--hours", metavar="H", type=hours_arg, default=24.0,
                   help="how far ahead (default 24)")
    p.add_argument("--json", action="store_true", help=JSON_HELP)


def build_parser() -> Parser:
    parser = Parser(prog="tickwork", description="Tickwork: a desktop task scheduler.",
                    epilog="Exit codes: 0 success (nothing to do is success too: a run "
                    "cancelled that had already ended), 2 bad usage or input (one line on "
                    "stderr naming it: an unknown option, task or run id, a bad value), 1 any "
                    "other failure; `tickwork engine` also 65, 66, 73, 77 and 78 for what "
                    "starting it again cannot mend (its line says which).")
    parser.add_argument("--home", metavar="DIR", type=home_arg, help="data directory "
                        "(default: $TICKWORK_HOME or the platform's per-user data directory)")
    parser.add_argument("--store", metavar="URL", type=store_url,
                        help="a shared PostgreSQL store (postgresql://USER@HOST[:PORT]/DB) "
                        "instead of the SQLite file under the home (default: $TICKWORK_STORE, "
                        "else the home's remembered one: `tickwork settings --shared-store`)")
    parser.add_argument("--new-home", action="store_true",
                        help="make a new, empty store where an engine kept one before and it "
                        "is gone (its home moved or deleted), which Tickwork otherwise refuses")
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
    sub.add_command("engine", _engine, help="run the engine headless until SIGINT/SIGTERM/SIGHUP "
                    "(or `tickwork engine stop`)")
    sub.add_command("worker", _worker,
                    help="run tasks marked --runs-on celery (a Celery worker)")
    sub.add_command("simulate", _simulate, help="what would run in the next hours (runs nothing)")
    add_store_commands(sub)
    add_settings_command(sub)
    return parser

"""The `tickwork` command line.

`tickwork` alone opens the window; `tickwork engine` runs the engine headless; the other
commands work on the store directly, whether or not an engine is running (a running engine
notices their changes within a second). Exit codes: 0 success, 2 bad usage or input (one
line on stderr naming the problem), 1 any other failure. Qt is never imported here unless
the window is asked for, so the commands start fast.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import shlex
import sys
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NoReturn

from app.cli_store import (
    add_store_commands,
    cmd_backup,
    cmd_check,
    cmd_restore,
    store_fault_line,
    writes,
)
from app.core.errors import (
    EnvironmentCheckError,
    NotFoundError,
    SecretStoreUnavailable,
    StoreError,
    TickworkError,
    ValidationError,
)

EXIT_OK, EXIT_FAILURE, EXIT_USAGE = 0, 1, 2


class UsageError(Exception):
    """Bad command-line usage: exit 2 with one line."""


class Parser(argparse.ArgumentParser):
    """argparse that reports a usage error in one line and exits 2, without the usage block."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(message)


# -- option parsing for task add / update -------------------------------------------------

def _add_task_options(p: argparse.ArgumentParser, *, update: bool) -> None:
    action = p.add_mutually_exclusive_group(required=not update)
    action.add_argument("--command", metavar="CMD", help="command line (split like a shell)")
    action.add_argument("--python", metavar="MODULE:FUNC", help="Python callable to run")
    p.add_argument("--shell", action="store_true", default=None,
                   help="run --command through /bin/sh")
    p.add_argument("--kwargs", metavar="JSON", help="JSON keyword arguments for --python")
    when = p.add_mutually_exclusive_group()
    when.add_argument("--at", metavar="ISO8601", help="run once at this time")
    when.add_argument("--every", metavar="DURATION", help="run every 30s, 5m, 1h30m, 1d …")
    when.add_argument("--cron", metavar="EXPR", help="POSIX cron expression (optional seconds)")
    when.add_argument("--calendar", metavar="SPEC", help="calendar interval, e.g. 1mo@02:00")
    when.add_argument("--after", metavar="TASK[,TASK]", help="run when these tasks succeed")
    when.add_argument("--manual", action="store_true", help="run only on demand")
    p.add_argument("--tz", metavar="ZONE", help="time zone (default: the system's)")
    p.add_argument("--start", metavar="ISO", help="do not fire before this time")
    p.add_argument("--end", metavar="ISO", help="do not fire after this time")
    p.add_argument("--depends-on", metavar="TASK", action="append",
                   help="wait for TASK's latest run to succeed (repeatable)")
    p.add_argument("--priority", type=_int_arg("priority"))
    p.add_argument("--retries", type=_int_arg("retries"))
    p.add_argument("--retry-delay", metavar="DURATION")
    p.add_argument("--backoff", choices=["fixed", "exponential"])
    p.add_argument("--timeout", metavar="DURATION")
    p.add_argument("--max-instances", type=_int_arg("max-instances"))
    p.add_argument("--overlap", choices=["skip", "queue", "replace"])
    p.add_argument("--group", metavar="NAME[:LIMIT]")
    p.add_argument("--catch-up", choices=["skip", "once", "all"])
    p.add_argument("--cwd", metavar="DIR")
    p.add_argument("--env", metavar="KEY=VALUE", action="append")
    p.add_argument("--secret-env", metavar="KEY=SECRET", action="append")
    p.add_argument("--fallback", metavar="TASK", help="task to run when the last attempt fails")
    p.add_argument("--description")
    p.add_argument("--tag", action="append", help="a tag (repeatable)")
    p.add_argument("--notify-success", action="store_true", default=None)
    if update:
        p.add_argument("--name", help="rename the task")
        p.add_argument("--enabled", action="store_true", default=None)
    p.add_argument("--disabled", action="store_true", default=None)
    p.add_argument("--no-verify", dest="verify", action="store_false",
                   help="store it even if its program, module or folder is not there (yet)")
    p.add_argument("--json", action="store_true")


_TASK_OPTION_KEYS = (
    "command", "python", "shell", "kwargs", "at", "every", "cron", "calendar", "after", "manual",
    "tz", "start", "end", "depends_on", "priority", "retries", "retry_delay", "backoff", "timeout",
    "max_instances", "overlap", "group", "catch_up", "cwd", "env", "secret_env", "fallback",
    "description", "tag", "notify_success", "name", "enabled", "disabled",
)


def _int_arg(name: str) -> Callable[[str], int]:
    def parse(text: str) -> int:
        try:
            return int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{name}: not a whole number: {text!r}") from None
    return parse


def _pairs(items: list[str] | None, field: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in items or []:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise ValidationError(field, f"expected KEY=VALUE, got {item!r}")
        out[key] = value
    return out


def task_changes(args: argparse.Namespace, current: dict[str, Any] | None) -> dict[str, Any]:
    """The task JSON keys that the given options set (for add: a whole task)."""
    from app.core.schedule import Schedule, parse_timezone, system_timezone_name
    from app.core.task import duration_seconds

    args = argparse.Namespace(**{**dict.fromkeys(_TASK_OPTION_KEYS), **vars(args)})
    out: dict[str, Any] = {}
    action: dict[str, Any] | None = None
    old_action = dict(current["action"]) if current else None
    if args.command is not None:
        if args.shell:
            argv = [args.command]
        else:
            try:
                argv = shlex.split(args.command)
            except ValueError as exc:
                raise ValidationError("command", str(exc)) from None
            if not argv:
                raise ValidationError("command", "is empty")
        action = {"kind": "command", "argv": argv, "shell": bool(args.shell),
                  "line": args.command}  # kept as typed, shown back verbatim
    elif args.python is not None:
        if args.shell:
            raise ValidationError("shell", "goes with --command, not --python")
        action = {"kind": "python", "target": args.python, "kwargs": {}}
    elif old_action is not None and (args.kwargs is not None or args.shell is not None
                                     or args.cwd is not None):
        action = old_action
        if args.shell and action["kind"] == "python":
            raise ValidationError("shell", "goes with --command, not --python")
    if args.kwargs is not None:
        if action is None or action["kind"] != "python":
            raise ValidationError("kwargs", "goes with --python")
        try:
            action["kwargs"] = json.loads(args.kwargs)
        except json.JSONDecodeError as exc:
            raise ValidationError("kwargs", f"not valid JSON: {exc.msg}") from None
        except RecursionError:
            raise ValidationError("kwargs", "is nested too deeply") from None
    if args.cwd is not None and action is not None:
        action["cwd"] = args.cwd
    elif action is not None and old_action is not None and "cwd" not in action:
        action["cwd"] = old_action.get("cwd")
    if action is not None:
        out["action"] = action

    tz_name = args.tz or (current["timezone"] if current else system_timezone_name())
    if args.tz is not None:
        parse_timezone(args.tz, "tz")
        out["timezone"] = args.tz
    tz = parse_timezone(tz_name, "tz")
    schedule: Schedule | None = None
    if args.at is not None:
        schedule = Schedule.parse_at(args.at, tz)
    elif args.every is not None:
        schedule = Schedule.parse_every(args.every)
    elif args.cron is not None:
        schedule = Schedule.parse_cron(args.cron)
    elif args.calendar is not None:
        schedule = Schedule.parse_calendar(args.calendar)
    elif args.after is not None:
        names = tuple(n.strip() for n in args.after.split(",") if n.strip())
        if not names:
            raise ValidationError("after", "name at least one task")
        schedule = Schedule(kind="after", after=names)
    elif args.manual:
        schedule = Schedule(kind="manual")
    if schedule is not None:
        out["schedule"] = schedule.to_json()
    for opt, key in (("start", "start_at"), ("end", "end_at")):
        value = getattr(args, opt)
        if value is not None:
            out[key] = value
    if args.depends_on is not None:
        out["depends_on"] = [n.strip() for d in args.depends_on for n in d.split(",")
                             if n.strip()]
    for key in ("priority", "retries", "backoff", "overlap", "description", "fallback"):
        value = getattr(args, key)
        if value is not None:
            out[key] = value
    if args.max_instances is not None:
        out["max_instances"] = args.max_instances
    if args.catch_up is not None:
        out["catch_up"] = args.catch_up
    if args.retry_delay is not None:
        out["retry_delay"] = duration_seconds(args.retry_delay, "retry-delay")
    if args.timeout is not None:
        out["timeout"] = duration_seconds(args.timeout, "timeout")
    if args.group is not None:
        name, sep, limit = args.group.partition(":")
        out["group"] = name
        if sep:
            try:
                out["group_limit"] = int(limit)
            except ValueError:
                raise ValidationError("group", f"limit must be a whole number: {limit!r}") from None
    if args.env is not None:
        out["env"] = _pairs(args.env, "env")
    if args.secret_env is not None:
        out["secret_env"] = _pairs(args.secret_env, "secret-env")
    if args.tag is not None:
        out["tags"] = args.tag
    if args.notify_success is not None:
        notify = dict(current["notify"]) if current else {"on_failure": True}
        notify["on_success"] = True
        out["notify"] = notify
    if args.disabled:
        out["enabled"] = False
    if getattr(args, "enabled", None):
        out["enabled"] = True
    if getattr(args, "name", None) is not None and current is not None:
        out["name"] = args.name
    return out


# -- output ---------------------------------------------------------------------------------

def _local(value: str | None) -> str:
    if not value:
        return "-"
    return datetime.fromisoformat(value).astimezone().strftime("%Y-%m-%d %H:%M:%S")


def _print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")


def _table(headers: Sequence[str], rows: list[Sequence[str]]) -> None:
    widths = [len(h) for h in headers]
    for row in rows:
        widths = [min(max(w, len(c)), 60) for w, c in zip(widths, row, strict=True)]
    line = "  ".join(f"{{:{w}}}" for w in widths)
    print(line.format(*headers).rstrip())
    for row in rows:
        print(line.format(*(c if len(c) <= 60 else c[:59] + "…" for c in row)).rstrip())


def _run_row(run: dict[str, Any]) -> list[str]:
    late = run["lateness_ms"]
    return [str(run["id"]), run["task_name"], run["status"], str(run["attempt"]),
            _local(run["scheduled_for"]), _local(run["started_at"]),
            "-" if late is None else f"{late:.1f}",
            "-" if run["exit_code"] is None else str(run["exit_code"]),
            (run["error"] or run["reason"] or "")[:60]]


def _show_task(t: dict[str, Any]) -> None:
    last = t["last_run"]
    fields = [
        ("id", str(t["id"])), ("name", t["name"]), ("enabled", "yes" if t["enabled"] else "no"),
        ("schedule", t["schedule_text"]), ("time zone", t["timezone"]),
        ("next run", _local(t["next_run_at"])),
        ("last run", f"{last['status']} at {_local(last['scheduled_for'])}" if last else "-"),
        ("action", json.dumps(t["action"], ensure_ascii=False)),
        ("depends on", ", ".join(t["depends_on"]) or "-"), ("priority", str(t["priority"])),
        ("retries", f"{t['retries']} ({t['backoff']}, delay {t['retry_delay']}s)"),
        ("timeout", f"{t['timeout']}s" if t["timeout"] else "-"),
        ("instances", f"max {t['max_instances']}, overlap {t['overlap']}"),
        ("group", f"{t['group']} (limit {t['group_limit']})" if t["group"] else "-"),
        ("catch-up", t["catch_up"]), ("fallback", t["fallback"] or "-"),
        ("tags", ", ".join(t["tags"]) or "-"), ("description", t["description"] or "-"),
    ]
    for key, value in fields:
        print(f"{key:>12}: {value}")


# -- commands -------------------------------------------------------------------------------

def _service(args: argparse.Namespace) -> Any:
    from app.service import Service
    from app.store.database import Store
    from app.store.home import resolve_home

    store = Store.open(resolve_home(args.home), actor="cli", check=writes(args))
    return Service(store, "cli")


def cmd_task(args: argparse.Namespace) -> int:
    svc = _service(args)
    sub = args.task_cmd
    if sub == "add":
        data = task_changes(args, None)
        data["name"] = args.name
        task = svc.create_task(data, verify=args.verify)
        if args.json:
            _print_json(task.to_json())
        else:
            print(f"created task {task.id} {task.name!r}: {task.to_json()['schedule_text']}")
    elif sub == "update":
        current = svc.get_task(args.task).to_json()
        changes = task_changes(args, current)
        if not changes:
            raise UsageError("update: give at least one option to change")
        task = svc.update_task(args.task, changes, verify=args.verify)
        if args.json:
            _print_json(task.to_json())
        else:
            print(f"updated task {task.id} {task.name!r}")
    elif sub == "list":
        items = [t.to_json() for t in svc.list_tasks(search=args.search, sort=args.sort)]
        if args.json:
            _print_json(items)
        else:
            _table(["ID", "NAME", "ON", "SCHEDULE", "NEXT RUN", "LAST RUN"], [
                [str(t["id"]), t["name"], "yes" if t["enabled"] else "no", t["schedule_text"],
                 _local(t["next_run_at"]),
                 f"{t['last_run']['status']}" if t["last_run"] else "-"] for t in items])
    elif sub == "show":
        data = svc.get_task(args.task).to_json()
        _print_json(data) if args.json else _show_task(data)
    elif sub == "delete":
        task = svc.get_task(args.task)
        svc.delete_task(task.id, force=args.force)
        print(f"deleted task {task.id} {task.name!r}")
    elif sub == "run":
        run = svc.run_now(args.task)
        if args.wait:
            run = _wait_for(svc, run.id, args.wait)
        if args.json:
            _print_json(run.to_json())
        else:
            print(f"run {run.id} of {run.task_name!r}: {run.status}")
        if args.wait and run.status != "succeeded":
            return EXIT_FAILURE
    elif sub == "reschedule":
        current = svc.get_task(args.task).to_json()
        changes = task_changes(args, current)
        if "schedule" not in changes:
            raise UsageError("reschedule: give one of --at, --every, --cron, --calendar, "
                             "--after, --manual")
        task = svc.update_task(args.task, {k: v for k, v in changes.items()
                                           if k in ("schedule", "timezone", "start_at",
                                                    "end_at")})
        print(f"rescheduled {task.name!r}: {task.to_json()['schedule_text']}")
    elif sub in ("pause", "resume"):
        task = svc.set_enabled(args.task, sub == "resume")
        print(f"{'resumed' if sub == 'resume' else 'paused'} task {task.id} {task.name!r}")
    return EXIT_OK


def _wait_for(svc: Any, run_id: int, seconds: float) -> Any:
    import time

    from app.core.task import FINISHED_STATUSES

    deadline = time.monotonic() + seconds
    run = svc.get_run(run_id)
    while run.status not in FINISHED_STATUSES and time.monotonic() < deadline:
        time.sleep(0.1)
        run = svc.get_run(run_id)
    return run


def cmd_run(args: argparse.Namespace) -> int:
    svc = _service(args)
    if args.run_cmd == "list":
        items = [r.to_json() for r in svc.list_runs(task=args.task, status=args.status,
                                                    limit=args.limit)]
        if args.json:
            _print_json(items)
        else:
            _table(["ID", "TASK", "STATUS", "TRY", "SCHEDULED", "STARTED", "LATE MS", "EXIT",
                    "NOTE"], [_run_row(r) for r in items])
    elif args.run_cmd == "show":
        run = svc.get_run(args.run).to_json()
        chunks = svc.run_output(args.run) if args.log else []
        if args.json:
            if args.log:
                run["log"] = [{"seq": s, "stream": st, "text": tx} for s, st, tx in chunks]
            _print_json(run)
        else:
            for key, value in run.items():
                print(f"{key:>16}: {'-' if value is None else value}")
            if args.log:
                print("-" * 16 + " output")
                for _seq, _stream, text in chunks:
                    sys.stdout.write(text)
    elif args.run_cmd == "cancel":
        run = svc.cancel_run(args.run)
        print(f"run {run.id}: {'cancel requested' if run.status == 'running' else run.status}")
    return EXIT_OK


def cmd_audit(args: argparse.Namespace) -> int:
    svc = _service(args)
    if args.verify:
        report = svc.verify_audit()
        if args.json:
            _print_json(dataclasses.asdict(report))
        elif report.ok:
            print(f"audit trail verified: {report.events} events, chain intact"
                  + (f" ({report.note})" if report.note else ""))
        else:
            print(f"audit trail BROKEN: {report.problem}", file=sys.stderr)
        return EXIT_OK if report.ok else EXIT_FAILURE
    events = svc.audit_events(limit=args.limit, search=args.search)
    if args.json:
        _print_json(events)
    else:
        _table(["ID", "WHEN", "WHO", "ACTION", "TARGET"],
               [[str(e["id"]), _local(e["at"]), e["actor"], e["action"], e["target"] or ""]
                for e in events])
    return EXIT_OK


def cmd_secret(args: argparse.Namespace) -> int:
    svc = _service(args)
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
        _print_json(names) if args.json else print("\n".join(names) if names else "(none)")
    elif args.secret_cmd == "delete":
        svc.delete_secret(args.name)
        print(f"secret {args.name!r} deleted")
    return EXIT_OK


def cmd_export(args: argparse.Namespace) -> int:
    count = _service(args).export_tasks(Path(args.file))
    print(f"exported {count} tasks to {args.file}")
    return EXIT_OK


def cmd_import(args: argparse.Namespace) -> int:
    report = _service(args).import_tasks(Path(args.file), verify=args.verify)
    print(f"imported {len(report.created)} tasks: {', '.join(report.created) or '-'}")
    return EXIT_OK


def cmd_engine(args: argparse.Namespace) -> int:
    from app.engine.headless import run_headless

    return run_headless(args)


def cmd_simulate(args: argparse.Namespace) -> int:
    from app.engine.simulate import simulate

    svc = _service(args)
    start = _parse_instant(args.from_) if args.from_ else datetime.now(UTC)
    items = simulate(svc, start, args.hours)
    if args.json:
        _print_json([i.to_json() for i in items])
    else:
        _table(["FIRE AT", "TASK", "NOTE"],
               [[_local(i.fire_at.isoformat()), i.task_name, i.reason or ""] for i in items])
    return EXIT_OK


def _parse_instant(text: str) -> datetime:
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise ValidationError("from", f"not an ISO 8601 date-time: {text!r}") from None
    return value if value.tzinfo else value.astimezone()


def build_parser() -> Parser:
    parser = Parser(prog="tickwork", description="Tickwork: a desktop task scheduler.")
    parser.add_argument("--home", metavar="DIR", help="data directory (default: $TICKWORK_HOME "
                        "or the platform's per-user data directory)")
    sub = parser.add_subparsers(dest="cmd", parser_class=Parser)

    task = sub.add_parser("task", help="create, change and run tasks")
    tsub = task.add_subparsers(dest="task_cmd", required=True, parser_class=Parser)
    add = tsub.add_parser("add", help="create a task")
    add.add_argument("name")
    _add_task_options(add, update=False)
    upd = tsub.add_parser("update", help="change a task (only the options given)")
    upd.add_argument("task")
    _add_task_options(upd, update=True)
    lst = tsub.add_parser("list", help="list tasks")
    lst.add_argument("--search")
    lst.add_argument("--sort", default="name", choices=["name", "next_run_at", "priority", "id"])
    lst.add_argument("--json", action="store_true")
    show = tsub.add_parser("show", help="show one task")
    show.add_argument("task")
    show.add_argument("--json", action="store_true")
    delete = tsub.add_parser("delete", help="delete a task and its history")
    delete.add_argument("task")
    delete.add_argument("--force", action="store_true", help="even if other tasks depend on it")
    run = tsub.add_parser("run", help="run a task now")
    run.add_argument("task")
    run.add_argument("--wait", type=float, metavar="SECONDS", nargs="?", const=3600.0,
                     help="wait for the run to finish (exit 1 unless it succeeded)")
    run.add_argument("--json", action="store_true")
    resched = tsub.add_parser("reschedule", help="give a task a new schedule")
    resched.add_argument("task")
    for opt in ("--at", "--every", "--cron", "--calendar", "--after", "--tz", "--start", "--end"):
        resched.add_argument(opt)
    resched.add_argument("--manual", action="store_true")
    for name in ("pause", "resume"):
        p = tsub.add_parser(name, help=f"{name} a task")
        p.add_argument("task")

    runs = sub.add_parser("run", help="run history")
    rsub = runs.add_subparsers(dest="run_cmd", required=True, parser_class=Parser)
    rl = rsub.add_parser("list", help="runs, newest first")
    rl.add_argument("--task")
    rl.add_argument("--status")
    rl.add_argument("--limit", type=_int_arg("limit"), default=50)
    rl.add_argument("--json", action="store_true")
    rs = rsub.add_parser("show", help="one run")
    rs.add_argument("run", type=_int_arg("run"))
    rs.add_argument("--log", action="store_true", help="include the output")
    rs.add_argument("--json", action="store_true")
    rc = rsub.add_parser("cancel", help="cancel a queued or running run")
    rc.add_argument("run", type=_int_arg("run"))

    aud = sub.add_parser("audit", help="the audit trail")
    aud.add_argument("--verify", action="store_true", help="check the hash chain")
    aud.add_argument("--limit", type=_int_arg("limit"), default=50)
    aud.add_argument("--search")
    aud.add_argument("--json", action="store_true")

    sec = sub.add_parser("secret", help="secrets kept in the OS keyring")
    ssub = sec.add_subparsers(dest="secret_cmd", required=True, parser_class=Parser)
    sset = ssub.add_parser("set", help="store a secret (value from standard input)")
    sset.add_argument("name")
    sl = ssub.add_parser("list", help="secret names")
    sl.add_argument("--json", action="store_true")
    sdel = ssub.add_parser("delete", help="delete a secret")
    sdel.add_argument("name")

    exp = sub.add_parser("export", help="write every task to a JSON file")
    exp.add_argument("file")
    imp = sub.add_parser("import", help="create tasks from an export file (all or nothing)")
    imp.add_argument("file")
    imp.add_argument("--no-verify", dest="verify", action="store_false",
                     help="import even if programs, modules or folders are not there (yet)")

    eng = sub.add_parser("engine", help="run the engine headless until SIGINT/SIGTERM")
    eng.add_argument("--workers", type=_int_arg("workers"), default=None)
    eng.add_argument("--grace", type=float, default=10.0,
                     help="seconds running tasks get to finish on shutdown")
    sim = sub.add_parser("simulate", help="what would run in the next hours (runs nothing)")
    sim.add_argument("--from", dest="from_", metavar="ISO8601")
    sim.add_argument("--hours", type=float, default=24.0)
    sim.add_argument("--json", action="store_true")
    add_store_commands(sub)
    return parser


COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {
    "task": cmd_task, "run": cmd_run, "audit": cmd_audit, "secret": cmd_secret,
    "export": cmd_export, "import": cmd_import, "engine": cmd_engine, "simulate": cmd_simulate,
    "check": cmd_check, "backup": cmd_backup, "restore": cmd_restore,
}


def _fail(code: int, message: str) -> int:
    print(f"tickwork: {message}", file=sys.stderr)
    return code


def main(argv: Sequence[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
    except UsageError as exc:
        return _fail(EXIT_USAGE, f"error: {exc}")
    if args.cmd is None:
        from app.gui.bootstrap import main as gui_main

        return gui_main(["--home", args.home] if args.home else [])
    try:
        return COMMANDS[args.cmd](args)
    except EnvironmentCheckError as exc:
        return _fail(EXIT_USAGE, f"error: {exc} (--no-verify stores it anyway)")
    except (UsageError, ValidationError, NotFoundError) as exc:
        return _fail(EXIT_USAGE, f"error: {exc}")
    except SecretStoreUnavailable as exc:
        return _fail(EXIT_FAILURE, f"error: {exc}")
    except (StoreError, TickworkError) as exc:
        return _fail(EXIT_FAILURE, f"error: {exc}")
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_FAILURE
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # not the user's input: say what failed, one line, exit 1
        if os.environ.get("TICKWORK_DEBUG"):
            raise
        line = store_fault_line(args, exc)
        if line is not None:
            return _fail(EXIT_FAILURE, line)
        return _fail(EXIT_FAILURE, f"failed: {type(exc).__name__}: {exc} "
                     "(set TICKWORK_DEBUG=1 for details)")


if __name__ == "__main__":
    sys.exit(main())

"""`tickwork engine` (headless, until a signal), `tickwork engine stop` (asks this home's
engine without a window to stop, as the window's Engine → Take over… does) and `simulate`
(what would run, running nothing)."""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from app.cli.output import local_times, note_here, print_json, shown, table
from app.cli.parser import EXIT_FAILURE, EXIT_OK
from app.cli.store import service
from app.core.errors import TickworkError

if TYPE_CHECKING:
    from app.store.lock import EngineLease, SharedMark

STOP_WAIT = 120.0  # seconds past its runs' grace `engine stop` waits for the engine to let go
GRACE = 10.0  # the grace of an engine started without --grace (app/cli/parser.py)
TAKE_OVER = 5.0  # seconds it waits for an engine standing by to take the lock (2 tries a s)
NAMELESS_WAIT = 1.0  # seconds it reads again a lock file that is held but names nobody


def cmd_engine(args: argparse.Namespace) -> int:
    from app.engine.headless import Halted, run_headless

    if getattr(args, "action", None) == "stop":
        return stop_engine(args)
    if args.grace is None:  # (None: not given, which `engine stop` refuses given)
        args.grace = GRACE
    from app.engine.environment import check_engine
    from app.remote.broker import BROKER_VAR, broker_url

    if getattr(args, "broker", None):  # runs on Celery workers go through it (app/remote/)
        os.environ[BROKER_VAR] = broker_url(args.broker)
    # a bad $TICKWORK_LAUNCHERS, $TICKWORK_WORKERS, …: exit 2 (--workers wins over the latter)
    check_engine(os.environ, workers=getattr(args, "workers", None) is None)
    if os.environ.get("INVOCATION_ID"):  # systemd started it: from a unit of an earlier version?
        _refresh_unit(args)
    try:
        return run_headless(args, getattr(args, "stop_signals", None))
    except Halted as exc:  # its own status: a service manager does not start it again
        from app.store.home import home_named_by
        from app.store.home_naming import as_named

        said = as_named(str(exc), home_named_by(args.home))  # (`--home` or TICKWORK_HOME)
        print(f"tickwork: error: {shown(said)}", file=sys.stderr)
        return exc.status


def _refresh_unit(args: argparse.Namespace) -> None:
    """Our systemd unit for this home, written by an earlier version, brought up to this
    one's (service_unit.refresh) before the engine starts — so the statuses a restart cannot
    mend hold for this start too; said in the log, a failure as well, never fatal."""
    from app.engine.log import log_to_stderr
    from app.platform import service_unit
    from app.store.home import home_named_by, resolve_home

    log_to_stderr(named_by=home_named_by(args.home))
    log = logging.getLogger("tickwork.engine")
    try:
        said = service_unit.refresh(resolve_home(args.home))
    except TickworkError:  # (a bad home: the engine's start says it)
        return
    except OSError as exc:
        log.warning("cannot bring the background service's unit up to this version: %s", exc)
        return
    if said is not None:
        log.info("%s", said)


def cmd_simulate(args: argparse.Namespace) -> int:
    from app.engine.simulate import simulate

    svc = service(args)
    start = _parse_instant(args.from_) if args.from_ else datetime.now(UTC)
    items = simulate(svc, start, args.hours)
    if args.json:
        print_json([i.to_json() for i in items])
    else:
        table(["FIRE AT", "TASK", "NOTE"],
               [[at, i.task_name, note_here(i.reason) or ""] for i, at in zip(
                   items, local_times([i.fire_at for i in items]), strict=True)])
    return EXIT_OK


def _parse_instant(text: str) -> datetime:
    """`--from`: a naive time is wall time in this machine's zone, read as `--at` reads one
    in a task's (a time the clocks skip is refused, a repeated one is its first pass)."""
    from app.core.schedule import parse_timezone, system_timezone_name
    from app.core.schedule.zones import parse_datetime

    # (in UTC: the simulated hours are real hours, not a ZoneInfo's wall-clock arithmetic)
    return parse_datetime(text, parse_timezone(system_timezone_name()), "from").astimezone(UTC)


def stop_engine(args: argparse.Namespace) -> int:
    """Stop this home's engine without a window (the one Quit → "Keep scheduling in the
    background" leaves, or a `tickwork engine` in another terminal) gracefully: SIGTERM, so
    its runs get its grace (10 s unless started with --grace; its lock file says it) and
    runs cut off are interrupted and retried when an engine starts again; then wait until it
    has let go."""
    from app.core.durations import duration_text
    from app.engine.lineage import local_pid
    from app.platform import command_line
    from app.platform.processes import terminate_if
    from app.store.lock import EngineLock, SharedMark, engine_lock, grace_of

    svc = service(args)
    shared = svc.store.url is not None  # its leader's lease, else the home's lock file
    lock: EngineLease | SharedMark = engine_lock(svc.store.home, svc.store.url)
    with svc.store.read():
        info = _named(lock)
    where = ""
    if info is None and not shared:  # none on the home's own store: one started from it
        mark = SharedMark(svc.store.home)  # on a shared store (`--store` not given again)?
        found = _named(mark)
        if found is not None:
            lock, info, shared = mark, found, True
            where = f" on the shared store {found.get('store')}"
    engine, pid = str((info or {}).get("engine") or ""), (info or {}).get("pid")
    if info is not None and type(pid) is not int and isinstance(lock, EngineLock | SharedMark):
        print(shown(f"tickwork: a process holds {lock.path}, but the file does not say which "
                    "one (it is damaged or was deleted): nothing stopped"), file=sys.stderr)
        return EXIT_FAILURE
    if info is None or type(pid) is not int:
        print(shown(f"no engine leads {svc.store.name}: nothing to stop") if shared else
              "no engine is running for this home: nothing to stop")
        return EXIT_OK
    if engine.count(":") >= 2 and local_pid(engine) is None:
        print(f"tickwork: the engine runs on {engine.rsplit(':', 2)[0]}: stop it there",
              file=sys.stderr)
        return EXIT_FAILURE
    told = grace_of(info)  # (only an engine without a window writes it: not the window's)
    argv = command_line(pid) if told is None else None
    if argv is not None and "engine" not in argv:
        print(f"tickwork: the engine runs in a Tickwork window (process {pid}): quit that "
              "window to stop it", file=sys.stderr)
        return EXIT_FAILURE
    if not terminate_if(pid, lambda: lock.names(pid) if isinstance(lock, EngineLock | SharedMark)
                        else local_pid(engine) == pid):
        print(shown(f"the engine (process {pid}){where} had already stopped"))
        return EXIT_OK
    grace = told if told is not None else engine_grace(argv)
    print(f"asked the engine (process {pid}){shown(where)} to stop; its runs get "
          f"{'a few seconds' if grace <= GRACE else 'up to ' + duration_text(grace)} "
          "to finish…", flush=True)
    deadline = time.monotonic() + grace + STOP_WAIT
    while time.monotonic() < deadline:
        with svc.store.read():
            now = lock.holder() or {}
        if now.get("pid") != pid or str(now.get("engine") or "") != engine:
            print(shown(_stopped(lock, info, now)))
            return EXIT_OK
        time.sleep(0.1)
    print(f"tickwork: the engine (process {pid}) still holds the store after "
          f"{duration_text(grace + STOP_WAIT)}", file=sys.stderr)
    return EXIT_FAILURE


def engine_grace(argv: list[str] | None) -> float:
    """The grace an engine's runs get when it stops, as its command line gives it
    (`tickwork engine --grace 5m`; 10 s without one, or where the line cannot be read), for
    an engine whose lock file does not say it (one started by an older version):
    `engine stop` gave up on an engine whose longer grace was still going ("still holds
    the store after 120 s", exit 1) while it stopped as it was told to."""
    from app.cli.arguments import UsageError, seconds_arg

    line = argv or []
    words = line[line.index("engine") + 1:] if "engine" in line else []
    grace = GRACE
    for at, word in enumerate(words):  # (argparse takes `--gr 5m` and `--grace=5m` too)
        option, equals, value = word.partition("=")
        if len(option) < 3 or not "--grace".startswith(option):
            continue
        value = value if equals else (words[at + 1] if at + 1 < len(words) else "")
        try:
            grace = seconds_arg("grace", zero=True)(value)
        except UsageError:
            continue
    return grace


def _named(lock: EngineLease | SharedMark) -> dict[str, Any] | None:
    """Who holds `lock`, as its file says; a file that names no process while held (its
    engine writing it this instant, as it takes the lock or lets go) is read again for up
    to a second: read mid-write, `engine stop` said "no engine is running for this home"."""
    from app.store.lock import EngineLock, SharedMark

    deadline = time.monotonic() + NAMELESS_WAIT
    while True:
        info = lock.holder()
        if (info is None or type(info.get("pid")) is int or time.monotonic() >= deadline
                or not isinstance(lock, EngineLock | SharedMark)):
            return info
        time.sleep(0.01)


def _stopped(lock: object, was: dict[str, object], now: dict[str, object]) -> str:
    """What stopping the engine (`was`, as its lock or mark named it) did, now that `now`
    holds its lock (empty: none): on this home's file, an engine standing by takes over;
    on a shared store, a standby of it may (on any machine), and a standby stopped leaves
    the leader as it was."""
    from app.store.lock import EngineLock, SharedMark

    if isinstance(lock, SharedMark) and was.get("state") == "standby":
        return ("stopped: it was standing by, not leading: the engine that leads the shared "
                f"store {was.get('store')} schedules its tasks as before")
    if not isinstance(lock, EngineLock):
        return "stopped: an engine waiting as a standby takes over, if one does"
    deadline = time.monotonic() + TAKE_OVER
    while not isinstance(now.get("pid"), int) and lock.standing_by() and (
            time.monotonic() < deadline):  # (it takes the lock at its next try)
        time.sleep(0.1)
        now = lock.holder() or {}
    if isinstance(now.get("pid"), int):
        return (f"stopped: the engine standing by (process {now['pid']}) took over: it "
                "schedules this home's tasks now")
    return ("stopped: nothing schedules this home's tasks until Tickwork or `tickwork "
            "engine` starts again")

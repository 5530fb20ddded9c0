"""`tickwork engine`: the engine without a window, until SIGINT, SIGTERM or SIGHUP (its
terminal closed), each a graceful stop; a SIGHUP ignored at start (`nohup`) stays ignored.

It refuses a store that fails `quick_check`, and exits with the same one line when the
store turns out damaged while it runs (SQLITE_CORRUPT); a full disk only pauses it, also
at start: a store the full disk will not let open is waited for (said once, tried again
from 1 s to every 30 s) instead of an exit that a service manager would restart until it
gives up.

It makes a new data home where none ever was (the first start of the package's unit), but
not where an engine kept one before (app/store/kept_homes.py). What starting it again cannot
mend ends it with its own status (`Halted`, one a kind: below), which its systemd units name
in `RestartPreventExitStatus=`: a service manager that restarted an engine whose data home
had been moved or deleted had it make a new, empty home in its place 2 s later, and the
folder moved back went inside that one; one whose store was another program's, another
user's or a newer Tickwork's, or that found a folder where its lock goes, exited 1 and was
started again every 2 s, each time to the same line, until systemd gave up."""

from __future__ import annotations

import argparse
import logging
import os
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

from app.core.errors import StoreError
from app.engine.events import Event, Notification, RunChanged
from app.platform.stop_signals import StopSignals

if TYPE_CHECKING:
    from app.store.database import Store

# `tickwork engine`'s exits that starting it again cannot mend, until its user acts (the
# numbers of BSD's sysexits.h, which `systemctl status` names: "status=66/NOINPUT"), each
# by what that header says it is for. A passing fault is none of them: a full disk is
# waited out, a lock another engine holds is stood by, anything else exits 1 (restarted).
EXIT_DAMAGED = 65  # EX_DATAERR, "the input data was incorrect": the store is damaged
# (restore a backup), or the file where it goes is not a Tickwork store (move it away)
EXIT_HOME_GONE = 66  # EX_NOINPUT, "an input file did not exist": the data home was moved
# or deleted (put it back)
EXIT_REPLACED = 66  # EX_NOINPUT again: the store's file the engine had was replaced (a backup
# copied or moved over it) or deleted under it (its line says what became of each)
EXIT_LOCK = 73  # EX_CANTCREAT, "a (user specified) output file cannot be created": a
# folder, a fifo … stands where the engine's lock file goes (remove it)
EXIT_READ_ONLY = 73  # EX_CANTCREAT again: the store is on a file system mounted read-only
# (remount it read-write); sysexits.h keeps EX_NOPERM for permissions above the file system
EXIT_NOT_PERMITTED = 77  # EX_NOPERM, "did not have sufficient permission": the home or its
# store is another user's, another user could replace it, or this user may not write it
EXIT_NEWER = 78  # EX_CONFIG, "something was found in an unconfigured or misconfigured
# state": a newer Tickwork upgraded the store (install that version again)
NO_RESTART = (2, EXIT_DAMAGED, EXIT_HOME_GONE, EXIT_LOCK, EXIT_NOT_PERMITTED, EXIT_NEWER)
# (with 2, a bad option or variable)

def run_headless(args: argparse.Namespace, signals: StopSignals | None = None) -> int:
    """The engine until a stop signal; `signals`: its handler, installed by the command
    line before the engine was imported (app/cli/entry.py), so a signal while it starts
    stops it as gracefully as one later: what it opened is closed, what it started is
    stopped as any stop does (its runs given back, its lock released)."""
    from app.core.fields import workers_from
    from app.engine.engine import Engine
    from app.engine.log import log_to_stderr
    from app.service import Service
    from app.store import kept_homes
    from app.store.database import Store
    from app.store.home import SHARED_NAME, home_named_by, resolve_home, stop_command
    from app.store.location import resolve_store
    from app.store.lock import SharedMark

    signals = signals if signals is not None else StopSignals().install()
    workers = args.workers or workers_from(os.environ)  # a bad $TICKWORK_WORKERS: exit 2
    named_by = home_named_by(args.home)  # (a line that says how to name another home, and
    # the line that says it is gone, say it so: `--home` or TICKWORK_HOME)
    log_to_stderr(named_by=named_by)  # (controls in a record shown escaped: app/engine/log.py)
    signals.log_ready()  # (a signal heard while the engine was imported: said now)
    stop = signals.stop
    home = resolve_home(args.home)
    if stop.is_set():  # (before anything is opened: nothing to give back)
        return 0
    url = resolve_store(getattr(args, "store", None), home)
    # (its choice of a shared store gone with it too)
    if url is None and not getattr(args, "new_home", False) and (
            gone := kept_homes.missing(home, named_by=named_by)) is not None:
        raise Halted(gone, EXIT_HOME_GONE)
    try:
        store = _open_when_there_is_room(lambda: Store.open(
            home, actor="engine", check=True, url=url), stop)
    except StoreError as exc:  # (not a Halted: `run_headless` raises none before here)
        status = refused(exc)
        if status is None:
            raise
        raise Halted(str(exc), status) from None
    if store is None:
        return 0
    if stop.is_set():  # (while the store opened: the engine never started)
        store.close()
        return 0
    kept_homes.note(home, shared=url is not None)  # (a shared store's choice is kept there)
    service = Service(store, "engine")
    engine = Engine(store, workers=workers, grace=args.grace)
    service.subscribe(engine.on_service_change)
    engine.subscribe(_log_event, watches=False)  # a log, not a window
    state = engine.start()
    # (`tickwork engine stop` in this home finds it; a second engine started from the home,
    # e.g. its standby, marks it once the first lets go)
    mark = SharedMark(store.home) if store.url is not None else None
    try:
        unmarked = (mark.take(engine.id, store.name, state, args.grace) if mark is not None
                    else None)
        if unmarked is not None:
            logging.getLogger("tickwork.engine").warning(
                "cannot mark the home %s as this engine's (%s: %s): `tickwork engine stop` "
                "there does not find it; `%s` does", store.home, SHARED_NAME, unmarked,
                stop_command(store.home, store.url))
        logging.getLogger("tickwork.engine").info(
            "engine %s on %s (pid %d, engine id %s)%s", state,
            store.home if store.url is None else store.name, os.getpid(), engine.id,
            ": another engine schedules these tasks; this one takes over if it stops"
            if state == "standby" else "")
        while not stop.wait(0.5) and engine.fault is None:
            if mark is not None and not mark.held:
                mark.take(engine.id, store.name, engine.state, args.grace)
            elif mark is not None:  # (it took over, or stands by again)
                mark.say(engine.state)
    finally:  # (whatever ends it: never an engine left scheduling in a process that failed)
        engine.stop(grace=args.grace)
        if mark is not None:
            mark.release()
    store.close()
    if engine.fault is not None:  # (the CLI prints it as its one line)
        raise Halted(engine.fault, EXIT_HOME_GONE if engine.home_went else
                     EXIT_REPLACED if engine.faults.replaced else
                     EXIT_DAMAGED if engine.faults.damaged else
                     EXIT_LOCK if engine.faults.lock_refused else 1)
    return 0


def refused(exc: StoreError) -> int | None:
    """The status of a store the engine will not open until its user acts (NO_RESTART);
    None for any other failure to open it (exit 1: tried again)."""
    from app.store.integrity import NewerStore, NotPermitted, NotTickworks, StoreDamaged
    from app.store.writable import Unwritable

    if isinstance(exc, Unwritable) and exc.mounted:
        return EXIT_READ_ONLY
    for kind, status in ((StoreDamaged, EXIT_DAMAGED), (NotTickworks, EXIT_DAMAGED),
                         (NotPermitted, EXIT_NOT_PERMITTED), (NewerStore, EXIT_NEWER)):
        if isinstance(exc, kind):
            return status
    return None


class Halted(StoreError):
    """What stopped the engine, in one line, and the status it exits with."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


def _open_when_there_is_room(open_store: Callable[[], Store], stop: threading.Event
                             ) -> Store | None:
    """The store, once the disk holding it has room to open it; None when a signal ends
    the wait."""
    from app.store.integrity import DiskFull

    log = logging.getLogger("tickwork.engine")
    delay, waited = 1.0, False
    while True:
        try:
            store = open_store()
        except DiskFull as exc:
            if not waited:
                log.warning("%s; waiting for space (the engine starts once there is)", exc)
                waited = True
            if stop.wait(delay):
                return None
            delay = min(delay * 2, 30.0)
            continue
        if waited:
            log.info("the store opens again: starting")
        return store


def _log_event(event: Event) -> None:
    log = logging.getLogger("tickwork.runs")
    if isinstance(event, RunChanged) and event.status not in ("queued", "running"):
        log.info("run %d of %s: %s", event.run_id, event.task_name, event.status)
    elif isinstance(event, Notification) and event.kind != "store":  # logged by the engine
        log.warning("%s: %s", event.title, event.message)

"""What the engine does when its store fails it: a full disk or an unreachable server is a
pause, a damage is a stop.

A full disk (SQLITE_FULL, or a PostgreSQL store's server out of disk) is a state, not a
loop: the writer holds the batch it could not commit and retries it with backoff; the
engine becomes `stalled` — it says so once (log,
an `EngineState` the GUI's status bar shows, a `Notification` for the tray), drops its armed
fires and fires nothing new. Nothing is lost by that: a task's stored next fire time only
moves when a fire is claimed, so once a write commits again the engine is `running` and
`recovery.redo_due` applies each task's catch-up policy to what fell due meanwhile, exactly
as after a clock jump. A full disk already at start-up (recovery cannot mark what a dead
engine left) stalls the engine the same way, and start-up recovery is retried whole with
backoff until it commits.

A PostgreSQL store's server that cannot be reached (stopped, restarting, a cut network) is
the same pause, met by whichever engine thread uses the store first: the writer holds its
batch, the store thread and the dispatcher hand the error here (`met`). It is said once, with
the server's URL (never its password) — or, when the server had ended that thread's session
for its silence inside a transaction (SQLSTATE 25P03), as that; the writer then tries a
write every second (a probe, when it held nothing) and the first that commits ends the
pause: the engine is `running` and catches up, as after a full disk.

Another process holding the SQLite store's write lock past the busy timeout (10 s: a tool's
`BEGIN IMMEDIATE` left open, a database browser with unsaved changes) is the same pause:
said once, naming the lock, the writer's batch held and tried again until the lock is let
go, then the fires missed meanwhile are caught up by each task's policy. It failed writes
one by one instead — a traceback each — and dropped the fires they claimed.

A damaged store (SQLITE_CORRUPT met on any engine thread) stops the engine, once, with one
line naming the newest backup and the restore command (`fatal`).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any, Protocol

from app.engine import orphans, recovery
from app.engine.attempts import Sink
from app.engine.clock import Clock
from app.engine.dispatcher import Dispatcher
from app.engine.events import EventHub, Notification
from app.engine.horizon import Horizon
from app.engine.watcher import StoreWatcher
from app.engine.writer import RETRY_AWAY, RETRY_FIRST, RETRY_MAX, Writer
from app.store.database import Store
from app.store.integrity import (
    BUSY,
    CORRUPT,
    FULL,
    UNREACHABLE,
    FilesMoved,
    HomeMoved,
    StoreGone,
    StoreReplaced,
    ended_silent,
    find_fault,
)
from app.store.location import connection_advice, password_refused
from app.store.said_url import passwords


class EngineParts(Protocol):
    """What the engine's fault handling reads and asks of it."""

    state: str
    workers_said: str  # "8 workers": what its state says while it runs
    id: str  # the engine's id, which its runs' tokens carry

    @property
    def store(self) -> Store: ...
    @property
    def clock(self) -> Clock: ...
    @property
    def hub(self) -> EventHub: ...
    @property
    def horizon(self) -> Horizon: ...
    @property
    def watcher(self) -> StoreWatcher: ...
    @property
    def dispatcher(self) -> Dispatcher: ...
    @property
    def writer(self) -> Writer: ...
    @property
    def recorder(self) -> Sink: ...
    def post(self, fn: Callable[[], None]) -> None: ...
    def set_state(self, state: str, detail: str = "") -> None: ...
    def stop(self, grace: float = 10.0) -> None: ...

log = logging.getLogger("tickwork.engine")


class StoreFaults:
    def __init__(self, engine: EngineParts) -> None:
        self.engine = engine
        self.fatal: str | None = None  # the one line that stopped the engine
        self.home_went = False  # ... its data home moved or deleted: its files are whole
        self.damaged = False  # ... its store damaged (SQLITE_CORRUPT)
        self.replaced = False  # ... its store's file replaced or deleted under it
        self.lock_refused = False  # ... its lock file not one it can open (a folder there)
        self.down = False  # dispatcher's view: the store cannot be written, fire nothing
        self._down_since = 0.0
        self._kind = FULL  # dispatcher's view: why it is down (FULL, UNREACHABLE or BUSY)
        self._start_up_delay = 0.0  # > 0 while start-up recovery waits for the store
        self._said: tuple[str, bool] | None = None  # the pause said and not yet over (any
        # thread): its kind, and whether the server refused the password
        self._silent = False  # ... UNREACHABLE said as a session the server ended (25P03)
        self._refused = False  # ... UNREACHABLE said as the engine's password refused
        self._lock = threading.Lock()

    @property
    def why(self) -> str:
        """The stalled engine's state detail."""
        if self._kind == UNREACHABLE:
            return ("the store's server ended this engine's session for its silence: "
                    "retrying every second" if self._silent else
                    "the store's server refuses this engine's password: retrying every second"
                    if self._said and self._said[1] else
                    "the store's server cannot be reached: retrying every second")
        if self._kind == BUSY:
            return "another process holds the store's write lock: waiting for it"
        return "the store cannot be written (disk full?): retrying"

    def unanswered(self) -> bool:
        """Any thread: whether the store's server is said not to answer (not that it
        refuses the password)."""
        with self._lock:
            return self._said == (UNREACHABLE, False)

    def met(self, exc: BaseException) -> bool:
        """Any engine thread met `exc`: True when it is a fault of the store (now handled),
        False for any other error (the caller logs it)."""
        if isinstance(exc, StoreReplaced):  # (its files kept apart: app/store/replaced.py)
            self.replaced = self.replaced or self.fatal is None
            self.halt(str(exc), "Tickwork stopped: its store's file was replaced")
            return True
        if isinstance(exc, FilesMoved):
            self.home_went = self.home_went or (self.fatal is None and isinstance(exc, HomeMoved))
            self.halt(str(exc), "Tickwork stopped: its store's files were removed")
            return True
        if isinstance(exc, StoreGone) and self.fatal is not None:
            return True  # (stopping for its store already: said once)
        fault = find_fault(exc)
        if fault is None:
            return False
        kind, err = fault
        if kind == CORRUPT:
            self.report(CORRUPT, str(err))
        elif kind == UNREACHABLE:
            self.away(str(err), ended_silent(exc))
        else:
            log.warning("store write failed: %s", err)  # the writer reports the state
        return True

    def away(self, detail: str, silent: bool = False) -> None:
        """Any engine thread: the store's server cannot be reached. The first time, pause
        firing (said once) and give the writer a probe, so that a write is tried every
        second even when nothing else is written; the first that commits ends the pause."""
        if self._say(UNREACHABLE, detail, silent):
            self.engine.post(lambda: self._stall(UNREACHABLE))
            self.engine.writer.submit(lambda: None, self._probed)

    def _probed(self, _result: object, error: BaseException | None) -> None:
        """Writer: the probe committed (the server is back), or failed at the writer's stop."""
        if error is None:
            self.report(None, "")

    def start_up(self) -> None:
        """Dispatcher: start-up recovery, retried with backoff while the store is full, every
        second while its server is away."""
        try:
            engine = self.engine
            engine.watcher.audit_mark = recovery.recover(engine.store, engine.dispatcher,
                                                         engine.recorder)
        except Exception as exc:
            fault = find_fault(exc)
            if fault is None or fault[0] == CORRUPT:
                raise
            if not self.down:
                self._say(fault[0], str(fault[1]), ended_silent(exc))
                self._stall(fault[0])
            backoff = min(max(self._start_up_delay * 2, RETRY_FIRST), RETRY_MAX)
            delay = self._start_up_delay = (RETRY_AWAY if fault[0] in (UNREACHABLE, BUSY)
                                            else backoff)
            self.engine.clock.call_later(delay, lambda: self.engine.post(self.start_up))
            return
        if self._start_up_delay:
            self._start_up_delay = 0.0
            self.down = False
            with self._lock:
                self._said = None
            if self._kind == UNREACHABLE:
                log.warning("the store's server %s %s: start-up recovery done",
                            self.engine.store.name,
                            "lets this engine in" if self._refused else "is back")
            elif self._kind == BUSY:
                log.warning("the store's write lock was let go: start-up recovery done")
            else:
                log.warning("the store can be written again: start-up recovery done")
            if self.engine.state == "stalled":
                self.engine.set_state("running", self.engine.workers_said)

    def unreachable(self, detail: str) -> None:
        """The store's server could not be asked who leads (at start): said once, as an
        outage is; the engine waits for it as a standby would."""
        self._kind = UNREACHABLE
        self._say(UNREACHABLE, detail)

    def reset(self) -> None:
        """Dispatcher: a new term as the store's leader (app/engine/leadership.py) starts
        with no pause said: start-up recovery runs again and finds out."""
        self.down = False
        self._start_up_delay = 0.0
        with self._lock:
            self._said = None

    def report(self, kind: str | None, detail: str, silent: bool = False) -> None:
        """The writer's report: CORRUPT, FULL, UNREACHABLE (`silent`: the server ended its
        session for its silence), or None when a write committed again."""
        engine = self.engine
        if kind == CORRUPT and engine.watcher.swapped():
            return  # (not damaged: another file's pages read over its log: the watcher says)
        if kind == CORRUPT:
            self.damaged = self.damaged or self.fatal is None
            self.halt(str(engine.store.damaged(detail)))
        elif kind is not None:
            if self._say(kind, detail, silent):
                engine.post(lambda: self._stall(kind))
        else:
            with self._lock:
                self._said = None
            engine.post(self._resume)

    def _say(self, kind: str, detail: str, silent: bool = False) -> bool:
        """Say a pause (FULL, UNREACHABLE or BUSY) once: False when it was said already."""
        said = (kind, kind == UNREACHABLE and password_refused(detail))
        with self._lock:
            if self._said == said:
                return False
            before, self._said = self._said, said
        if before is not None and before[0] == kind:  # the same pause, its cause said anew
            self._say_away(detail, silent)
            self.engine.post(self._restate)
            return False
        if kind == UNREACHABLE:
            self._say_away(detail, silent)
        elif kind == BUSY:
            self._say_locked()
        else:
            self._say_full(detail)
        return True

    def _say_full(self, detail: str) -> None:
        store = self.engine.store  # (PostgreSQL's words end in a second line, its HINT)
        detail = detail.strip().splitlines()[0] if detail.strip() else "disk full"
        free = ("free disk space" if store.url is None
                else f"free disk space on the server of {store.name}")
        log.error("the store cannot be written (%s): firing paused, retrying with backoff; "
                  "%s", detail, free)
        self.engine.hub.emit(Notification(
            "store", "Tickwork cannot write its store",
            f"{detail}: no task starts until it can ({free}); fires missed "
            "meanwhile are caught up afterwards"))

    def _say_locked(self) -> None:
        store = self.engine.store
        log.error("another process holds the write lock of %s (an open transaction in sqlite3 "
                  "or a database browser?): firing paused until it lets go, then missed fires "
                  "are caught up", store.name)
        self.engine.hub.emit(Notification(
            "store", "Another program has locked Tickwork's store",
            f"{store.name}: another process holds its write lock: no task starts until it "
            "lets go (end that program's open transaction); fires missed meanwhile are "
            "caught up afterwards"))

    def _say_away(self, detail: str, silent: bool) -> None:
        store = self.engine.store
        detail = _without_password(detail.strip().splitlines()[0] if detail.strip() else
                                   "no connection", store.url)
        self._silent = silent
        self._refused = not silent and password_refused(detail)
        if silent:  # (it was there: it ended a session, as it says)
            log.error("the store's server %s ended this engine's session for staying silent "
                      "inside a transaction too long (the process was stopped, or busy between "
                      "two statements): firing paused, retrying every second", store.name)
            title, said = ("Tickwork's store ended its session", "the server ended this "
                           "engine's session for staying silent inside a transaction too long")
        elif password_refused(detail):
            said = connection_advice(store.url or "", detail, 0)
            log.error("the store's server %s refuses this engine's password: %s: firing "
                      "paused, retrying every second", store.name, said)
            title = "Tickwork's store refuses its password"
        else:
            log.error("the store's server cannot be reached (%s: %s): firing paused, retrying "
                      "every second", store.name, detail)
            title, said = "Tickwork cannot reach its store", detail
        self.engine.hub.emit(Notification(
            "store", title, f"{store.name}: {said}: no task starts until the server answers "
            "again; fires missed meanwhile are caught up afterwards"))

    def left(self, *given_up: Any) -> None:
        """Writer, at its stop: keep the ends it could not write for the next start."""
        orphans.leave_ends(self.engine.store.home, self.engine.id, *given_up)

    def _restate(self) -> None:
        """Dispatcher: a stalled engine's state says the pause's cause as it is now."""
        if self.engine.state == "stalled":
            self.engine.set_state("stalled", self.why)

    def _stall(self, kind: str) -> None:
        """Dispatcher: stop firing until the store takes writes again."""
        engine = self.engine
        if not self.down:
            self._down_since = engine.clock.monotonic()
        self.down = True
        self._kind = kind
        engine.horizon.disarm_all()
        if engine.state in ("running", "stalled"):  # (stalled for its lease: the store's
            engine.set_state("stalled", self.why)  # fault is the cause to say)

    def _resume(self) -> None:
        """Dispatcher: the store takes writes again; catch up what fell due meanwhile."""
        if not self.down or self._start_up_delay:
            return  # (start-up recovery, when it waits, resumes by itself)
        engine = self.engine
        self.down = False
        down = engine.clock.monotonic() - self._down_since
        if self._kind == UNREACHABLE and self._refused:  # (it was there all along)
            log.warning("the store's server %s lets this engine in again after %.0fs: "
                        "catching up missed fires", engine.store.name, down)
            cause = f"after the store's server refused this engine's password for {down:.0f} s"
        elif self._kind == UNREACHABLE:
            log.warning("the store's server %s is back after %.0fs: catching up missed fires",
                        engine.store.name, down)
            cause = (f"after the store's server ended this engine's session ({down:.0f} s)"
                     if self._silent else
                     f"after the store's server could not be reached for {down:.0f} s")
        elif self._kind == BUSY:
            log.warning("the store's write lock was let go after %.0fs: catching up missed "
                        "fires", down)
            cause = f"after another process held the store's write lock for {down:.0f} s"
        else:
            log.warning("the store can be written again after %.0fs: catching up missed "
                        "fires", down)
            cause = f"after the store could not be written for {down:.0f} s"
        if engine.state == "stalled":
            engine.set_state("running", engine.workers_said)
        recovery.redo_due(engine.store, engine.dispatcher, cause)

    def halt(self, message: str, title: str = "Tickwork stopped: its store is damaged"
             ) -> None:
        """Stop the engine for good (its store is damaged, its lock cannot be taken): once,
        in one line; `tickwork engine` exits with it."""
        if self.fatal is not None:
            return
        self.fatal = message
        log.error("%s", message)
        self.engine.hub.emit(Notification("store", title, message))
        threading.Thread(target=self.engine.stop, kwargs={"grace": 2.0}, name="tickwork-halt",
                         daemon=True).start()


def _without_password(text: str, url: str | None) -> str:
    """`text` with the store URL's passwords (if it has any) blanked out."""
    for password in passwords(url) if url is not None else []:
        text = text.replace(password, "***")
    return text

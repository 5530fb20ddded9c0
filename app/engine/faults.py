"""What the engine does when its store fails it: a full disk is a pause, a damage is a stop.

A full disk (SQLITE_FULL) is a state, not a loop: the writer holds the batch it could not
commit and retries it with backoff; the engine becomes `stalled` — it says so once (log,
an `EngineState` the GUI's status bar shows, a `Notification` for the tray), drops its armed
fires and fires nothing new. Nothing is lost by that: a task's stored next fire time only
moves when a fire is claimed, so once a write commits again the engine is `running` and
`recovery.redo_due` applies each task's catch-up policy to what fell due meanwhile, exactly
as after a clock jump. A full disk already at start-up (recovery cannot mark what a dead
engine left) stalls the engine the same way, and start-up recovery is retried whole with
backoff until it commits. A damaged store (SQLITE_CORRUPT met on any engine thread) stops
the engine, once, with one line naming the newest backup and the restore command (`fatal`).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Protocol

from app.engine import recovery
from app.engine.clock import Clock
from app.engine.control import Requests
from app.engine.dispatcher import Dispatcher
from app.engine.events import EventHub, Notification
from app.engine.horizon import Horizon
from app.engine.watcher import StoreWatcher
from app.engine.writer import RETRY_FIRST, RETRY_MAX
from app.store.database import Store
from app.store.integrity import CORRUPT, FULL, find_fault


class EngineParts(Protocol):
    """What the engine's fault handling reads and asks of it."""

    state: str
    workers: int

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
    def requests(self) -> Requests: ...
    def post(self, fn: Callable[[], None]) -> None: ...
    def set_state(self, state: str, detail: str = "") -> None: ...
    def stop(self, grace: float = 10.0) -> None: ...

log = logging.getLogger("tickwork.engine")


class StoreFaults:
    def __init__(self, engine: EngineParts) -> None:
        self.engine = engine
        self.fatal: str | None = None  # the one line that stopped the engine
        self.down = False  # dispatcher's view: the store cannot be written, fire nothing
        self._down_since = 0.0
        self._start_up_delay = 0.0  # > 0 while start-up recovery waits for the store

    def met(self, exc: BaseException) -> bool:
        """Any engine thread met `exc`: True when it is a fault of the store (now handled),
        False for any other error (the caller logs it)."""
        fault = find_fault(exc)
        if fault is None:
            return False
        kind, err = fault
        if kind == CORRUPT:
            self.report(CORRUPT, str(err))
        else:
            log.warning("store write failed: %s", err)  # the writer reports the state
        return True

    def start_up(self) -> None:
        """Dispatcher: start-up recovery, retried with backoff while the store is full."""
        try:
            engine = self.engine
            engine.watcher.audit_mark = recovery.recover(engine.store, engine.dispatcher,
                                                         engine.requests)
        except Exception as exc:
            fault = find_fault(exc)
            if fault is None or fault[0] == CORRUPT:
                raise
            if not self.down:
                self._say_full(str(fault[1]))
                self._stall()
            delay = self._start_up_delay = min(max(self._start_up_delay * 2, RETRY_FIRST),
                                               RETRY_MAX)
            self.engine.clock.call_later(delay, lambda: self.engine.post(self.start_up))
            return
        if self._start_up_delay:
            self._start_up_delay = 0.0
            self.down = False
            log.warning("the store can be written again: start-up recovery done")
            if self.engine.state == "stalled":
                self.engine.set_state("running", f"{self.engine.workers} workers")

    def report(self, kind: str | None, detail: str) -> None:
        """The writer's report: CORRUPT, FULL, or None when a write committed again."""
        engine = self.engine
        if kind == CORRUPT:
            self._halt(str(engine.store.damaged(detail)))
        elif kind == FULL:
            self._say_full(detail)
            engine.post(self._stall)
        else:
            engine.post(self._resume)

    def _say_full(self, detail: str) -> None:
        log.error("the store cannot be written (%s): firing paused, retrying with backoff; "
                  "free disk space", detail)
        self.engine.hub.emit(Notification(
            "store", "Tickwork cannot write its store",
            f"{detail}: no task starts until it can (free disk space); fires missed "
            "meanwhile are caught up afterwards"))

    def _stall(self) -> None:
        """Dispatcher: stop firing until the store takes writes again."""
        engine = self.engine
        self.down = True
        self._down_since = engine.clock.monotonic()
        engine.horizon.disarm_all()
        if engine.state == "running":
            engine.set_state("stalled", "the store cannot be written (disk full?): retrying")

    def _resume(self) -> None:
        """Dispatcher: the store takes writes again; catch up what fell due meanwhile."""
        if not self.down or self._start_up_delay:
            return  # (start-up recovery, when it waits, resumes by itself)
        engine = self.engine
        self.down = False
        down = engine.clock.monotonic() - self._down_since
        log.warning("the store can be written again after %.0fs: catching up missed fires",
                    down)
        if engine.state == "stalled":
            engine.set_state("running", f"{engine.workers} workers")
        recovery.redo_due(engine.store, engine.dispatcher,
                          f"after the store could not be written for {down:.0f}s")

    def _halt(self, message: str) -> None:
        """Stop the engine for good because its store is damaged: once, in one line."""
        if self.fatal is not None:
            return
        self.fatal = message
        log.error("%s", message)
        self.engine.hub.emit(Notification("store", "Tickwork stopped: its store is damaged",
                                          message))
        threading.Thread(target=self.engine.stop, kwargs={"grace": 2.0}, name="tickwork-halt",
                         daemon=True).start()

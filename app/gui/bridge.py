"""The one QObject that turns engine events and service changes into Qt signals.

The engine calls `on_engine_event` from its own threads, the service calls
`on_service_change` from whichever thread ran the operation. Neither ever touches a widget:
both append to a buffer under a lock, and the first append into an empty buffer posts one
queued wake-up to the GUI thread. There the buffer is drained in one go and re-emitted as
typed, batched signals, at most once per `COALESCE_MS`, and once a second while a storm
flows (`STORM_MS`: a burst of 100,000 fires a minute is one delivery a second, not thousands
of slot calls); the first event after a quiet spell is delivered at once.

A `QTimer` also polls the store's `PRAGMA data_version` on the GUI thread's own connection
(no table is read): it changes when any other connection commits, so a viewer of another
process's engine, or a CLI edit, still refreshes the views. A poll that fails (a PostgreSQL
server restarting, the store's file gone, a moment's I/O error) is a state, not the end of
polling: it is said in one line once, the store is looked at every `FAILING_POLL_MS` meanwhile,
and once a look works again the full rate is back and `store_changed` is emitted (what others
committed meanwhile was not seen). A failed poll stopped polling for good, and a viewer
window's tables froze with nothing said but one traceback.

An SQLite connection keeps the file it opened, wherever it goes: a home moved away and put
back as a copy (`cp -a`, a sync tool, a backup put in its place) left the poll looking at
the old file, and a window with no engine of its own never saw another change, with nothing
said. Each poll compares the file at the store's path with the one it opened (device and
inode); another file there is said in one line (`store_replaced`), the poll's connection
opens it, and the views read it (`store_changed`).

Signals:
    runs_changed(list[RunChanged]): runs entered new statuses (rows already committed).
    run_output(list[RunOutput]): output chunks of running tasks.
    notified(Notification): a failure, or a success a task asked to hear about.
    engine_state_changed(str, str): running | standby | stopped, and a detail.
    metrics_sampled(list[MetricsSampled]): resource samples.
    tasks_changed(frozenset[int]): tasks the engine saw change (also other processes' edits).
    service_changed(Change): an operation of this process's service committed.
    store_changed(): another connection committed something (the data_version poll), or
        may have: the poll works again after failing, or looks at another file now.
    store_replaced(str): SQLite: another file is at the store's path than the one the poll
        opened (a copy put back): read from now on; the line that says so.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from app.engine.events import (
    EngineState,
    Event,
    MetricsSampled,
    Notification,
    RunChanged,
    RunOutput,
    TasksChanged,
)
from app.gui.background import describe_error
from app.gui.qt import QObject, QTimer, Signal, Slot
from app.service import Change
from app.store.database import Store

log = logging.getLogger(__name__)

# ms between deliveries while events flow. Each delivery repaints what changed, and Qt's
# painting, not the slots' Python, is most of the GUI thread's time under load; with the
# engine in the window's process that CPU is taken from it: at 100,000 Python fires a minute,
# three alternated pairs gave fire lateness p99 81 / 66 / 50 ms at 50 ms and 38 / 59 / 32 ms
# at 200 ms (event-loop stall p99 36–51 ms either way).
COALESCE_MS = 200
# ... and while a storm flows (a delivery carried `STORM_EVENTS` or more: over ~1,000 events
# a second, five or more runs starting and ending each 20 ms), once a second: nobody reads
# rows changing faster, and each delivery's repaint took the engine's interpreter. At 100,000
# Python fires a minute, three alternated pairs (2026-12-05, a loaded machine): the GUI
# thread's CPU 0.034–0.041 cores against 0.058–0.093, stall p99 19–33 ms against 25–68, fire
# lateness p99 37–67 ms against 54–721; on a quiet machine a wash but for the GUI thread's
# CPU (a third less), the longest stalls longer (README, "What limits the misses").
STORM_MS = 1000
STORM_EVENTS = 250
FAILING_POLL_MS = 5000  # how often a store whose poll fails is looked at again


class Bridge(QObject):
    runs_changed = Signal(list)
    run_output = Signal(list)
    notified = Signal(object)
    engine_state_changed = Signal(str, str)
    metrics_sampled = Signal(list)
    tasks_changed = Signal(object)
    service_changed = Signal(object)
    store_changed = Signal()
    store_replaced = Signal(str)
    _wake = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._lock = threading.Lock()
        self._buffer: list[Event | Change] = []
        self._cooldown = QTimer(self)
        self._cooldown.setSingleShot(True)
        self._cooldown.setInterval(COALESCE_MS)
        self._cooldown.timeout.connect(self._on_cooldown_timeout)
        self._wake.connect(self._on_wake)
        self._store: Store | None = None
        self._version: int | None = None
        self._poll = QTimer(self)
        self._poll.timeout.connect(self._on_poll_timeout)
        self._interval = 0  # ms between polls while they work
        self.poll_failing: str | None = None  # why the last poll failed, while polls fail
        self.delivered = 0  # batches delivered (the stall benchmark reports it)

    # -- any thread ------------------------------------------------------------------------

    def on_engine_event(self, event: Event) -> None:
        """Engine listener: called from engine threads."""
        self._push(event)

    def on_service_change(self, change: Change) -> None:
        """Service listener: called from the thread that ran the operation."""
        self._push(change)

    def _push(self, item: Event | Change) -> None:
        with self._lock:
            first = not self._buffer
            self._buffer.append(item)
        if first:
            self._wake.emit()

    # -- GUI thread ------------------------------------------------------------------------

    def watch_store(self, store: Store, interval_ms: int) -> None:
        """Poll the store's data_version every `interval_ms` (changes by other connections)."""
        self._store = store
        self._version = store.data_version()
        self._interval = interval_ms
        self._poll.start(interval_ms)

    def set_poll_interval(self, interval_ms: int) -> None:
        self._interval = interval_ms
        if self._poll.isActive() and self.poll_failing is None:
            self._poll.start(interval_ms)

    @property
    def coalesce_ms(self) -> int:
        """How long events gather before the next delivery (`COALESCE_MS`, `STORM_MS`)."""
        return int(self._cooldown.interval())

    @property
    def pending(self) -> bool:
        """Events are buffered, or a delivery just went out and more may follow at once."""
        with self._lock:
            return bool(self._buffer) or self._cooldown.isActive()

    def stop(self) -> None:
        self._poll.stop()
        self._cooldown.stop()

    @Slot()
    def _on_poll_timeout(self) -> None:
        if self._store is None:
            return
        try:
            replaced = self._replaced()
            version = self._store.data_version()
        except Exception as exc:  # (any: the next look may work)
            self._on_poll_failed(exc)
            return
        if replaced:
            self._version = version
            self.store_changed.emit()
            return
        if self.poll_failing is not None:  # back: full rate, and whatever changed meanwhile
            self.poll_failing = None
            log.info("the store can be looked at for changes again")
            self._poll.start(self._interval)
            self._version = version
            self.store_changed.emit()
            return
        if version != self._version:
            self._version = version
            self.store_changed.emit()

    def _replaced(self) -> bool:
        """Whether the store follows another file at its path (`Store.follow`: this thread's
        connection opens it at the next look), said once. No file there: the home is away,
        which the window says otherwise."""
        store = self._store
        if store is None or not store.follow():
            return False
        line = (f"{store.path} is another file than the one this window was reading (a copy "
                "put back, a backup put in its place?): this window reads it now")
        log.warning("%s", line)
        self.store_replaced.emit(line)
        return True

    def _on_poll_failed(self, error: Exception) -> None:
        """Said once, in one line naming the error; then the store is looked at every
        `FAILING_POLL_MS` until a look works."""
        if self.poll_failing is not None:
            return
        self.poll_failing = describe_error(error).splitlines()[0].strip()  # (psycopg: several)
        log.warning("cannot look for changes in the store (%s): looking again every %d s",
                    self.poll_failing, FAILING_POLL_MS // 1000)
        self._poll.start(FAILING_POLL_MS)

    @Slot()
    def _on_wake(self) -> None:
        if not self._cooldown.isActive():
            self.flush()
            self._cooldown.start()

    @Slot()
    def _on_cooldown_timeout(self) -> None:
        with self._lock:
            pending = bool(self._buffer)
        if pending:
            self.flush()
            self._cooldown.start()

    def flush(self) -> None:
        """Deliver everything buffered, grouped by kind, in arrival order within a kind."""
        with self._lock:
            items, self._buffer = self._buffer, []
        if not items:
            return
        self.delivered += 1
        self._cooldown.setInterval(STORM_MS if len(items) >= STORM_EVENTS else COALESCE_MS)
        runs: list[RunChanged] = []
        output: list[RunOutput] = []
        metrics: list[MetricsSampled] = []
        task_ids: set[int] = set()
        later: list[tuple[str, Any]] = []
        for item in items:
            if isinstance(item, RunChanged):
                runs.append(item)
            elif isinstance(item, RunOutput):
                output.append(item)
            elif isinstance(item, MetricsSampled):
                metrics.append(item)
            elif isinstance(item, TasksChanged):
                task_ids |= item.task_ids
            elif isinstance(item, Change):
                later.append(("service", item))
            elif isinstance(item, EngineState):
                later.append(("state", item))
            elif isinstance(item, Notification):
                later.append(("note", item))
        for kind, value in later:
            if kind == "state":
                self.engine_state_changed.emit(value.state, value.detail)
            elif kind == "service":
                self.service_changed.emit(value)
        if task_ids:
            self.tasks_changed.emit(frozenset(task_ids))
        if runs:
            self.runs_changed.emit(runs)
        if output:
            self.run_output.emit(output)
        if metrics:
            self.metrics_sampled.emit(metrics)
        for kind, value in later:
            if kind == "note":
                self.notified.emit(value)


class RunOpener(QObject):
    """Brings "open this run", asked on any thread (a desktop notification's Open log, heard
    by the engine's notifier), to the GUI thread.

    Signals:
        requested(int): open this run.
    """

    requested = Signal(int)

    @staticmethod
    def connected(slot: Callable[[int], None], parent: QObject) -> Callable[[int], None]:
        """A function any thread may call; `slot` runs on `parent`'s thread."""
        opener = RunOpener(parent)
        opener.requested.connect(slot)
        return opener.requested.emit

"""The engine's lifecycle: start (active, or a hot standby), stop, and the wiring of its parts.

Threads, each with one job:
- APScheduler's thread decides *when* (`Timing`, scheduler.py), handing due jobs to the dispatcher;
- the dispatcher thread runs the `Dispatcher` (app/engine/dispatcher.py), which owns every
  run (one `RunRecord` each) and makes every decision on a run's route — fire → claim →
  admit → start → finish → after — by the rules of `app.core.rules`; everything else posts
  to it (`Engine.post`);
- the writer thread group-commits the engine's writes (`Writer`);
- the store thread reads (`StoreWatcher`): it loads tasks about to fall due, notices changes
  made by other processes and clock jumps;
- the QThreadPool workers run the actions (`Executor`) and report to the `RunRecorder`; the
  metrics sampler reads psutil.

The dispatcher's collaborators: `Horizon` (which tasks are armed), `ReadyQueue` (what starts
next), `Upstreams` (dependency holds and chains), `TaskSync` (the task cache kept in step
with the store), `outcomes.decide` (what follows an attempt), `Requests` (cancel requests
and manual runs seen in the store), `recovery` (start-up), `ClockJumps` (clock jumps, jumps.py).
Every one takes the engine's `Clock` (app/engine/clock.py). See docs/architecture.md.

Only an engine holding the store's lock fires tasks; one that cannot get it waits as a
hot standby and takes over when the holder dies (`Leadership`, app/engine/leadership.py:
a file lock for an SQLite store, a renewed lease and a fencing epoch for a shared
PostgreSQL store, where a deposed leader steps down and may lead again later).

`pace` (default `$TICKWORK_PACE`, else 1) scales the engine's idle looks (the standby's, the
store thread's, the retention's); the tests run at 0.1. Faults of the store are states, not
loops (`StoreFaults`, app/engine/faults.py): a full disk makes the engine `stalled` until a
write commits again; a damaged store stops it with one line naming the newest backup.
"""

from __future__ import annotations

import logging
import os
import queue
import sys
import threading
import time
from collections.abc import Callable
from datetime import datetime
from math import inf
from pathlib import Path
from typing import Any

from app.core.fields import workers_from
from app.core.policy import should_retry
from app.core.sweeps import keep_from_sweeps
from app.engine import lineage
from app.engine.backups import DailyBackups
from app.engine.clock import WALL, Clock, pace_from_env
from app.engine.control import Requests
from app.engine.dispatcher import Dispatcher
from app.engine.events import EngineState, Event, EventHub
from app.engine.executor import Attempt, Executor, Outcome
from app.engine.faults import StoreFaults
from app.engine.handoffs import HandOffLog, Logged
from app.engine.horizon import Horizon
from app.engine.jumps import ClockJumps
from app.engine.launcher import ends
from app.engine.leadership import Leadership
from app.engine.notifier import Notifier
from app.engine.recorder import RunRecorder
from app.engine.retention import DEBOUNCE, Retention
from app.engine.scheduler import Timing
from app.engine.stats import Stats
from app.engine.stopping import LET_GO, Stopping, release_lock
from app.engine.sync import TaskSync
from app.engine.upstreams import StoreHistory
from app.engine.watcher import RunRows, StoreWatcher
from app.engine.writer import Writer
from app.platform.open_files import fit_workers
from app.secrets import Keyring
from app.store import connection
from app.store.database import Store
from app.store.lock import engine_lock

log = logging.getLogger("tickwork.engine")
logging.getLogger("apscheduler").setLevel(logging.WARNING)  # it logs every job add/remove

HORIZON = 3.0  # seconds of upcoming fires held as APScheduler jobs
STANDBY_POLL = 0.5  # seconds between attempts to take the lock
SWITCH_INTERVAL = 0.0005  # seconds; see _activate
ACTIVE = ("running", "stalled")  # states of the engine that holds the store

__all__ = ["HORIZON", "Engine", "Stats"]


class Engine:
    """One engine over one open store. Call `start()`, later `stop()`."""

    def __init__(self, store: Store, *, workers: int | None = None, horizon: float = HORIZON,
                 metrics: bool = True, backups: bool = True, clock: Clock = WALL,
                 pace: float | None = None, grace: float | None = None) -> None:
        pace = pace if pace is not None else pace_from_env()
        self._settings: dict[str, Any] = {"workers": workers, "horizon": horizon,
                                          "metrics": metrics, "backups": backups,
                                          "clock": clock, "pace": pace, "grace": grace}
        self.store = store
        self.home: Path = store.home
        self.clock = clock
        self.id = lineage.engine_id(int(clock.time() * 1000))
        self.hub = EventHub()
        self.state = "stopped"
        self.lock = engine_lock(self.home, store.url, grace)  # (`engine stop` reads grace)
        self.keyring = Keyring(self.home)
        self.stats = Stats(clock)
        self.workers_asked = workers or workers_from(os.environ)  # (fewer may fit)
        self.workers, self.workers_said = fit_workers(self.workers_asked)
        self._metrics_enabled = metrics
        self._standby_poll = STANDBY_POLL * pace
        self._inbox: queue.SimpleQueue[Callable[[], None] | None] = queue.SimpleQueue()
        self._stop = threading.Event()
        self._life = threading.Lock()  # a stop waits for a part of the engine being started
        self._stopped = threading.Event()  # the stop is over: a second `stop` waits for it
        self.backups = DailyBackups(self.home, self._stop, clock=clock) if backups else None
        self._threads: list[threading.Thread] = []
        self.faults = StoreFaults(self)
        self.writer = Writer(on_fault=self.faults.report, clock=clock, left=self.faults.left)
        self.stopping = Stopping(self._inbox, self.writer, clock, store.url and store.name,
                                 self.faults.unanswered)
        self.timing = Timing(self._on_due, clock.now)
        self.recorder = RunRecorder(self.home, self.writer, self.hub, self.stats, self.keyring,
                                    self._on_finished, clock=clock)
        self.leadership = Leadership(self, self._stop, poll=self._standby_poll, pace=pace)
        self.executor = Executor(self.recorder, self.workers, ends=str(self.home / ends.FOLDER),
                                 fenced=lambda: self.leadership.paused)
        self.handoffs = HandOffLog(self.home, self.id)
        self.watcher = StoreWatcher(store, self._stop, self.post, tick=self._tick,
                                    tasks_changed=self._tasks_changed,
                                    runs_seen=self._runs_seen, check_clock=self._check_clock,
                                    quiet=self._quiet, store_fault=self.faults.met, clock=clock,
                                    pace=pace)
        self._horizon_seconds = horizon
        self.writer.on_fenced = self.leadership.fenced_off
        self.writer.swapped = self.watcher.swapped
        self.rewire()
        self._metrics: Any = None
        self._watchers: list[Callable[[Event], None]] = []  # listeners that watch live
        # -- history retention (keep policy, app/engine/retention.py): its own thread --
        self.retention = Retention(self._stop, clock=clock, debounce=DEBOUNCE * pace)
        self.hub.subscribe(self.retention.on_event)
        self.notifier = Notifier(store, self.hub, on_service_change=self.on_service_change,
                                 clock=clock, pace=pace)  # desktop notifications (notify)

    def rewire(self) -> None:
        """Build the dispatcher and the parts that hold its state (at start, and afresh on
        the dispatcher thread when a deposed leader leads again)."""
        self.tasks = TaskSync(self.store, self.hub, post=self.post,
                              on_store=self.watcher.submit, python_due=self.executor.python.warm,
                              commands_due=self.executor.warm_commands)
        self.horizon = Horizon(self.timing, self.writer, self.tasks.tasks,
                               self._horizon_seconds, self.tasks.load, self.clock)
        self.horizon.commands_soon = self.executor.warm_commands
        logged = Logged(self.executor, self.handoffs)  # each hand-off logged first
        self.dispatcher = Dispatcher(
            self.id, clock=self.clock, post=self.post, writer=self.writer, hub=self.hub,
            timing=self.timing, recorder=self.recorder, executor=logged,
            stats=self.stats, horizon=self.horizon, tasks=self.tasks, workers=self.workers,
            paused=lambda: self.faults.down or self.leadership.paused,
            history=StoreHistory(self.store))
        self.jumps = ClockJumps(self.store, self.dispatcher)
        self.dispatcher.steady = self.jumps.steady
        logged.running = self.dispatcher.running
        self.requests = Requests(self.dispatcher, self.post)
        self.tasks.attach(self.horizon, self.dispatcher.upstreams, self.requests.task_dropped,
                          self.requests.tasks_changed)

    # -- public --------------------------------------------------------------------------

    def subscribe(self, listener: Callable[[Event], None], *, watches: bool = True) -> None:
        """Hear the engine's events; a listener that `watches` (a window) keeps the metrics
        sampled every second while it stays subscribed (app/engine/metrics.py)."""
        self.hub.subscribe(listener)
        if watches:
            self._watchers.append(listener)
            if self._metrics is not None:
                self._metrics.wake()  # (it may rest through an idle period)

    def watched(self) -> bool:
        """Whether a watching listener is still subscribed (any thread)."""
        return any(self.hub.subscribed(listener) for listener in self._watchers)

    def start(self) -> str:
        """Become the active engine if the store is free, else a standby; returns which."""
        self.notifier.start()  # notify
        return self.leadership.start()

    def stop(self, grace: float = 10.0) -> None:
        """Stop firing; let running attempts finish for `grace` seconds; interrupt the rest."""
        with self._life:
            first = not self._stop.is_set()
            self._stop.set()
        if not first:  # a stop already going (the engine's own, its store's files gone) is
            if threading.current_thread() not in self._threads:  # waited for: `tickwork
                self._stopped.wait()  # engine` exited in it, its runs' commands left running
            return
        try:
            self._stop_parts(grace)
        finally:
            self._stopped.set()

    def _stop_parts(self, grace: float) -> None:
        self.retention.wake()
        recorded = True
        if self.leadership.led and self._threads:  # (activate started its parts)
            self.timing.stop()
            done = threading.Event()
            keeper = self.leadership.keep(done)  # the lease stands while runs are stopped
            self.post(lambda: self.stopping.shutdown(self.dispatcher, grace, done))
            recorded = self.stopping.wait(done, grace)  # (False: the store did not answer)
            done.set()
            if keeper is not None:  # (a renewal a frozen server never answers: not waited)
                keeper.join(LET_GO if recorded else 0.1)
            self._inbox.put(None)
            self.writer.stop(10.0 if recorded else 1.0)
            self.executor.shutdown(2.0)
            self.handoffs.close()  # what it did not start is given back in the ledger
        if self._metrics is not None:
            self._metrics.stop()
        self.watcher.wake()
        # each thread 5 s; 1 s for all where the store did not answer (one waits on it)
        until = None if recorded else time.monotonic() + 1.0
        for t in self._threads:
            if t is not threading.current_thread():
                t.join(5 if until is None else max(0.0, until - time.monotonic()))
        self.notifier.stop()  # notify: after the last failures were told
        release_lock(self.lock)
        self.set_state("stopped")

    def run_now(self, task_id: int) -> None:
        """Fire a task now (a manual run), from any thread."""
        self.post(lambda: self.dispatcher.fire_manual(task_id))

    def cancel(self, run_id: int, reason: str = "cancelled") -> None:
        self.post(lambda: self.dispatcher.cancel(run_id, reason))

    def on_service_change(self, change: Any) -> None:
        """Listener for an in-process `Service`: react to its changes at once."""
        if self.state not in ACTIVE:
            return
        ids = set(change.tasks) | set(change.deleted_tasks)
        if ids:
            self.post(lambda: self.tasks.request_reload(ids))
        if change.runs:
            self.watcher.read_runs(set(change.runs))

    def running_count(self) -> int:
        return self.dispatcher.running_count()

    def retried_if_stopped(self) -> dict[int, bool]:
        """Each running run's id, and whether a stop now would leave it to be retried."""
        return {r.run_id: should_retry("interrupted", r.attempt, r.task.spec.retries)
                for r in list(self.dispatcher.runs.values()) if r.running is not None}

    @property
    def fault(self) -> str | None:
        """Why the engine stopped itself (a damaged store), or None."""
        return self.faults.fatal

    @property
    def home_went(self) -> bool:
        """Whether the engine stopped itself because its data home was moved or deleted:
        its files went whole, and an engine may start on them again once the folder is back
        (`again`)."""
        return self.faults.home_went

    def again(self) -> Engine:
        """A new engine over the same store with this one's settings, where it is to be found
        (an engine runs once): to start once this one has stopped."""
        engine = Engine(self.store, **self._settings)
        engine.notifier.open_run = self.notifier.open_run
        return engine

    def post(self, fn: Callable[[], None]) -> None:
        """Run `fn` on the dispatcher thread."""
        self._inbox.put(fn)

    # -- life cycle -------------------------------------------------------------------------

    def set_state(self, state: str, detail: str = "") -> None:
        self.state = state
        log.info("engine %s%s", state, f": {detail}" if detail else "")
        self.hub.emit(EngineState(state, detail))

    def activate(self) -> None:
        """Start the parts of the store's leading engine (once, when it first leads)."""
        # Threads that wait on SQLite or a pipe give up the GIL and must win it back; with
        # CPython's default 5 ms switch interval that wait dominates at thousands of runs a
        # second (the convoy effect). 0.5 ms keeps the writer and the dispatcher flowing.
        sys.setswitchinterval(min(sys.getswitchinterval(), SWITCH_INTERVAL))
        with self._life:  # (a stop as it took over: "cannot join thread before it is started")
            if self._stop.is_set():
                return
            self.writer.start()
            self._spawn(self._dispatch_loop, "tickwork-dispatcher")
        ready = threading.Event()

        def recover() -> None:
            try:
                self.faults.start_up()
            finally:
                ready.set()
        self.post(recover)
        ready.wait(120)
        # What start-up loaded lives as long as the engine: keep it out of every collection
        # (a full collection over hundreds of thousands of objects stalls for 100+ ms) — here,
        # or on the window's GUI thread when it hosts this engine (app/core/sweeps.py).
        keep_from_sweeps(collect_first=True)
        with self._life:  # a stop meanwhile: nothing more starts
            if self._stop.is_set():
                return
            self._start_the_rest()
        if self.faults.down:
            self.set_state("stalled", self.faults.why)
        else:
            self.set_state("running", self.workers_said)

    def _start_the_rest(self) -> None:
        self.timing.start()
        self._spawn(self.watcher.run, "tickwork-store")
        if self.backups is not None:
            self._spawn(self.backups.run, "tickwork-backup")
        self._spawn(self.retention.run, "tickwork-retention")  # history retention
        if self._metrics_enabled:
            from app.engine.metrics import MetricsSampler
            self._metrics = MetricsSampler(self)
            self.hub.subscribe(self._metrics.on_event)
            self._metrics.start()

    def _spawn(self, target: Callable[[], None], name: str) -> None:
        t = threading.Thread(target=target, name=name, daemon=True)
        self._threads.append(t)
        t.start()

    def _dispatch_loop(self) -> None:
        while True:
            fn = self._inbox.get()
            if fn is None:
                break
            try:
                fn()
                self.watcher.stir()  # a resting store thread: is the engine still quiet?
                horizon = self.horizon  # (built afresh when a deposed leader leads again)
                if horizon.to_arm:
                    self.timing.arm_many(horizon.take_armed())
            except Exception as exc:
                if not self.faults.met(exc):
                    log.exception("dispatcher step failed")
        connection.close()

    # -- what other threads hand the dispatcher ----------------------------------------------

    def _on_due(self, due: list[tuple[str, list[datetime]]]) -> None:
        """APScheduler's thread: jobs fell due together (`scheduler._Scheduler`)."""
        self.dispatcher.fires.extend(due)

    def _on_finished(self, attempt: Attempt, outcome: Outcome) -> None:
        """A worker thread: an attempt ended."""
        self.dispatcher.on_finished(attempt, outcome)

    def _tasks_changed(self, changed: set[int], names: set[str]) -> None:
        # a task changed or deleted elsewhere may be out of the cache while a run of it is in
        # flight (a one-shot past its fire): its runs know it, so a deletion is noticed too
        flying = {r.task.id for r in list(self.dispatcher.runs.values()) if r.task.name in names}
        self.tasks.names_changed(changed | flying, names)

    def _runs_seen(self, rows: RunRows) -> None:
        self.requests.seen(rows)

    def _tick(self) -> None:
        self.dispatcher.tick()

    def _check_clock(self) -> None:
        """Store thread: a jump the detector sees is handled on the dispatcher."""
        if self.jumps.detector.look():
            self.post(self._tick)  # (a tick looks for a jump first)

    def _quiet(self) -> float:
        """Store thread: for how long nothing falls due within the horizon plus a second and
        no run goes, waits in line or waits on its upstreams (0: busy; a hint read across
        threads: a wrong answer costs one tick, and each dispatcher step stirs the watcher).
        A run going commits its output as it comes: resting, the store thread would wake at
        each commit."""
        d = self.dispatcher
        if d.upstreams.waiting() or d.running_count() or d.queued_count():
            return 0.0
        head = self.horizon.head()
        return inf if head is None else max(head - self.clock.time() - self.horizon.horizon - 1, 0)


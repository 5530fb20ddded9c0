"""The engine: fires every task on time, runs it, records what happened, loses nothing.

Threads, each with one job:
- APScheduler's thread decides *when* (`Timing`), handing due jobs to the dispatcher;
- the dispatcher thread owns every piece of run state and makes every decision
  (claims, overlap, dependencies, the ready queue, retries, fallbacks); everything else posts
  to it;
- the writer thread group-commits the engine's writes (`Writer`);
- the store thread reads (`StoreWatcher`): it loads tasks about to fall due, notices changes
  made by other processes and clock jumps;
- the QThreadPool workers run the actions (`Executor`) and report to the `RunRecorder`; the
  metrics sampler reads psutil.

The dispatcher's state lives in parts with a module each: `Horizon` (which tasks are armed),
`ReadyQueue` (what starts next), `Upstreams` (the dependency rules); and its steps: `sync`
(the engine's view of tasks kept in step with the store), `recovery` (start-up, clock
jumps), `outcomes` (after an attempt), `control` (cancel requests, manual runs).
A run's way through the dispatcher:

    fire (`_fire_job`) → claim (`_claim`: overlap policy; the ledger row, via the writer)
    → claimed (`_claimed`, once committed) → admit (`_admit`: upstreams may hold it
    `waiting` or skip it) → enqueue → start (`_start`, when the ready queue lets it)
    → finished → after (`outcomes`: retries, fallback, notifications, chain triggers)

Only an engine holding the store's lock fires tasks; one that cannot get it waits as a
hot standby and takes over when the holder dies.

Faults of the store are states, not loops (`_on_store_fault`): while the store cannot be
written (a full disk) the engine is `stalled` — it fires nothing new, says so once, and the
writer retries with backoff; once a write commits again it is `running` and the fires missed
meanwhile follow each task's catch-up policy (`recovery.redo_due`). A damaged store
(SQLITE_CORRUPT anywhere) stops the engine with one line naming the newest backup. Both are
the job of `StoreFaults` (app/engine/faults.py).
"""

from __future__ import annotations

import gc
import json
import logging
import os
import queue
import socket
import sys
import threading
import time
from collections.abc import Callable, Mapping
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Any

from app.core.task import Task
from app.engine import control, outcomes, recovery, sync
from app.engine.backups import DailyBackups
from app.engine.dispatcher import BY_GROUP, Pending, ReadyQueue
from app.engine.events import EngineState, Event, EventHub, RunChanged
from app.engine.executor import Attempt, Executor, Outcome
from app.engine.faults import StoreFaults
from app.engine.horizon import Horizon
from app.engine.inbox import Batch
from app.engine.notifier import Notifier
from app.engine.processes import TOKEN_VAR, run_token
from app.engine.recorder import RunRecorder, utcnow
from app.engine.scheduler import Timing
from app.engine.stats import Stats
from app.engine.upstreams import Upstreams
from app.engine.watcher import StoreWatcher
from app.engine.writer import Writer
from app.secrets import Keyring
from app.store import connection, ledger
from app.store.database import Store
from app.store.lock import EngineLock
from app.store.times import utc_text

log = logging.getLogger("tickwork.engine")
logging.getLogger("apscheduler").setLevel(logging.WARNING)  # it logs every job add/remove

HORIZON = 3.0  # seconds of upcoming fires held as APScheduler jobs
STANDBY_POLL = 0.5  # seconds between attempts to take the lock
SWITCH_INTERVAL = 0.0005  # seconds; see _activate
OVERLAP_TRIGGERS = frozenset({"schedule", "catch_up", "chain"})  # fires the overlap policy sees
ACTIVE = ("running", "stalled")  # states of the engine that holds the store

__all__ = ["HORIZON", "Engine", "Stats", "utcnow"]


class Engine:
    """One engine over one open store. Call `start()`, later `stop()`."""

    def __init__(self, store: Store, *, workers: int | None = None, horizon: float = HORIZON,
                 metrics: bool = True, backups: bool = True) -> None:
        self.store = store
        self.home: Path = store.home
        self.id = f"{socket.gethostname()}:{os.getpid()}:{int(time.time() * 1000)}"
        self.hub = EventHub()
        self.state = "stopped"
        self.lock = EngineLock(self.home)
        self.keyring = Keyring(self.home)
        self.stats = Stats()
        self.workers = workers or int(os.environ.get("TICKWORK_WORKERS", "0") or 0) or 8
        self._metrics_enabled = metrics
        self._inbox: queue.SimpleQueue[Callable[[], None] | None] = queue.SimpleQueue()
        self._stop = threading.Event()
        self.backups = DailyBackups(self.home, self._stop, utcnow) if backups else None
        self._stopping = False  # the dispatcher's own view of _stop: start nothing new
        self._threads: list[threading.Thread] = []
        self.faults = StoreFaults(self)
        self.writer = Writer(on_fault=self.faults.report)
        self.timing = Timing(self._on_fire)
        self.recorder = RunRecorder(self.home, self.writer, self.hub, self.stats, self.keyring,
                                    self.on_finished)
        self.executor = Executor(self.recorder, self.workers)
        self.ready = ReadyQueue(self.workers)
        self.watcher = StoreWatcher(store, self._stop, self._post, tick=self._tick,
                                    tasks_changed=partial(sync.names_changed, self),
                                    runs_seen=partial(control.runs_seen, self),
                                    clock_jumped=partial(recovery.after_clock_jump, self),
                                    quiet=self._quiet, store_fault=self.faults.met)
        # dispatcher-owned state
        self._tasks: dict[int, Task] = {}
        self.horizon = Horizon(self.timing, self.writer, self._tasks, horizon,
                               partial(sync.load_tasks, self))
        self._attempts: dict[int, Attempt] = {}  # run id -> running attempt
        self._retries: dict[int, tuple[int, int, datetime]] = {}  # run -> (task, attempt, fire)
        self._due: dict[int, datetime] = {}  # queued retry run -> when it fell due
        self._meta: dict[int, tuple[Task, datetime, int]] = {}  # queued run -> task, fire, attempt
        self._run_tasks: dict[int, Task] = {}  # running run -> its task (as it started)
        self._metrics: Any = None
        # the dependency graph as the hot path reads it (set by Upstreams.set_graph)
        self.upstreams = Upstreams(self)
        self.booked: frozenset[int] = frozenset()  # tasks others wait on
        self.wait_ups: Mapping[int, tuple[int, ...]] = {}  # task -> upstreams it waits on
        self.chain_downs: Mapping[int, tuple[int, ...]] = {}  # task -> chain tasks after it
        self.levels: Mapping[int, int] = {}  # task -> topological level (0 when absent)
        # the three busiest messages arrive in batches: one dispatcher step each
        self._fires = Batch(self._post, self._fire_job, self._pump)
        self._claims = Batch(self._post, self._claimed, self._pump)
        self._finishes = Batch(self._post, self._finished, self._pump)
        # desktop notifications (notify): started with the engine, stopped after its last run
        self.notifier = Notifier(store, self.hub, on_service_change=self.on_service_change)

    # -- public --------------------------------------------------------------------------

    def subscribe(self, listener: Callable[[Event], None]) -> None:
        self.hub.subscribe(listener)

    def start(self) -> str:
        """Become the active engine if the store is free, else a standby; returns which."""
        self.notifier.start()  # notify
        if self.lock.try_acquire(self.id):
            self._activate()
        else:
            self._set_state("standby", self._holder_text())
            self._spawn(self._standby, "tickwork-standby")
        return self.state

    def stop(self, grace: float = 10.0) -> None:
        """Stop firing; let running attempts finish for `grace` seconds; interrupt the rest."""
        if self._stop.is_set():
            return
        self._stop.set()
        if self.state in ACTIVE:
            self.timing.stop()
            done = threading.Event()
            self._post(lambda: self._shutdown(grace, done))
            done.wait(grace + 15)
            self._inbox.put(None)
            self.writer.stop()
            self.executor.shutdown(2.0)
        if self._metrics is not None:
            self._metrics.stop()
        for t in self._threads:
            if t is not threading.current_thread():
                t.join(5)
        self.notifier.stop()  # notify: after the last failures were told
        self.lock.release()
        self._set_state("stopped")

    def run_now(self, task_id: int) -> None:
        """Fire a task now (a manual run), from any thread."""
        self._post(lambda: self._fire_manual(task_id))

    def cancel(self, run_id: int, reason: str = "cancelled") -> None:
        self._post(lambda: control.cancel(self, run_id, reason))

    def on_service_change(self, change: Any) -> None:
        """Listener for an in-process `Service`: react to its changes at once."""
        if self.state not in ACTIVE:
            return
        ids = set(change.tasks) | set(change.deleted_tasks)
        if ids:
            self._post(lambda: sync.request_reload(self, ids))
        if change.runs:
            self.watcher.read_runs(set(change.runs))

    def next_fire(self) -> datetime | None:
        return self.horizon.earliest()

    def running_count(self) -> int:
        return len(self._attempts)

    # -- life cycle -------------------------------------------------------------------------

    def _holder_text(self) -> str:
        holder = self.lock.holder() or {}
        pid = holder.get("pid")
        return f"engine pid {pid} holds this store" if pid else "another engine holds this store"

    @property
    def fault(self) -> str | None:
        """Why the engine stopped itself (a damaged store), or None."""
        return self.faults.fatal

    def set_state(self, state: str, detail: str = "") -> None:
        self._set_state(state, detail)

    def post(self, fn: Callable[[], None]) -> None:
        """Run `fn` on the dispatcher thread."""
        self._post(fn)

    def _set_state(self, state: str, detail: str = "") -> None:
        self.state = state
        log.info("engine %s%s", state, f": {detail}" if detail else "")
        self.hub.emit(EngineState(state, detail))

    def _standby(self) -> None:
        while not self._stop.wait(STANDBY_POLL):
            if self.lock.try_acquire(self.id):
                log.warning("the engine holding %s is gone: taking over", self.home)
                self._activate()
                return

    def _activate(self) -> None:
        # Threads that wait on SQLite or a pipe give up the GIL and must win it back; with
        # CPython's default 5 ms switch interval that wait dominates at thousands of runs a
        # second (the convoy effect). 0.5 ms keeps the writer and the dispatcher flowing.
        sys.setswitchinterval(min(sys.getswitchinterval(), SWITCH_INTERVAL))
        self.writer.start()
        self._spawn(self._dispatch_loop, "tickwork-dispatcher")
        ready = threading.Event()

        def recover() -> None:
            try:
                self.faults.start_up()
            finally:
                ready.set()
        self._post(recover)
        ready.wait(120)
        # What start-up loaded lives as long as the engine: keep it out of every collection
        # (a full collection over hundreds of thousands of objects stalls for 100+ ms).
        gc.collect()
        gc.freeze()
        self.timing.start()
        self._spawn(self.watcher.run, "tickwork-store")
        if self.backups is not None:
            self._spawn(self.backups.run, "tickwork-backup")
        if self._metrics_enabled:
            from app.engine.metrics import MetricsSampler

            self._metrics = MetricsSampler(self)
            self._metrics.start()
        if self.faults.down:
            self._set_state("stalled", "the store cannot be written (disk full?): retrying")
        else:
            self._set_state("running", f"{self.workers} workers")

    def _spawn(self, target: Callable[[], None], name: str) -> None:
        t = threading.Thread(target=target, name=name, daemon=True)
        self._threads.append(t)
        t.start()

    def _post(self, fn: Callable[[], None]) -> None:
        self._inbox.put(fn)

    def _dispatch_loop(self) -> None:
        horizon = self.horizon
        while True:
            fn = self._inbox.get()
            if fn is None:
                break
            try:
                fn()
                if horizon.to_arm:
                    self.timing.arm_many(horizon.take_armed())
            except Exception as exc:
                if not self.faults.met(exc):
                    log.exception("dispatcher step failed")
        connection.close()

    def _shutdown(self, grace: float, done: threading.Event) -> None:
        """On the dispatcher: wait for running attempts, then interrupt what is left."""
        self._stopping = True
        deadline = time.monotonic() + grace
        self._interrupt_unstarted()
        for run_id in list(self._retries):
            self._retries.pop(run_id, None)  # stays `retrying`: the next engine re-arms it
        while self._attempts and time.monotonic() < deadline:
            self._drain(0.05)
        for attempt in list(self._attempts.values()):  # their whole trees are stopped
            attempt.cancel("the engine stopped", "interrupted")
        end = time.monotonic() + 5
        while self._attempts and time.monotonic() < end:
            self._drain(0.05)
        for attempt in list(self._attempts.values()):  # could not stop in time
            self._finished(attempt, Outcome("interrupted", utcnow(),
                                            error="the engine stopped"))
        self._interrupt_unstarted()  # runs claimed while attempts were finishing
        self.writer.flush()
        done.set()

    def _interrupt_unstarted(self) -> None:
        self.upstreams.frozen = True  # no releases or skips from here on
        for waiter in list(self.upstreams.gate):
            control.finish_unstarted(self, waiter.run_id, "interrupted",
                                     "the engine stopped while it waited for its upstreams")
        for run_id in list(self.ready._ids):
            control.finish_unstarted(self, run_id, "interrupted",
                                     "the engine stopped before it started")

    def _drain(self, timeout: float) -> None:
        """Process inbox messages for a while (used only while shutting down)."""
        try:
            fn = self._inbox.get(timeout=timeout)
        except queue.Empty:
            return
        if fn is None:
            self._inbox.put(None)
            return
        try:
            fn()
        except Exception:
            log.exception("dispatcher step failed")

    # -- recovery and the store's view (dispatcher thread) ------------------------------------

    def _arm_retry(self, run_id: int, due: datetime) -> None:
        self.timing.arm(f"r{run_id}", max(due, utcnow()))

    def _quiet(self) -> bool:
        """Store thread: nothing falls due within the horizon plus a second and no run waits
        on its upstreams (a hint read across threads; a wrong answer costs one tick)."""
        if self.upstreams.gate:
            return False
        try:
            head = self.horizon.index[0][0] if self.horizon.index else None
        except IndexError:
            return False
        return head is None or head > time.time() + self.horizon.horizon + 1.0

    def _tick(self) -> None:
        """Every few tens of milliseconds: refill the horizon, end over-long waits."""
        if self.faults.down:
            return
        self.horizon.refill()
        if self.upstreams.gate:
            self.upstreams.tick()

    # -- firing and claiming (dispatcher thread) ----------------------------------------------

    def _on_fire(self, job_id: str, run_times: list[datetime]) -> None:
        """APScheduler's thread: hand the due job to the dispatcher, nothing more."""
        self._fires.add((job_id, run_times))

    def _fire_job(self, job_id: str, run_times: list[datetime]) -> None:
        if self.faults.down:
            return  # re-armed (retries) or caught up (fires) once the store takes writes
        ident = int(job_id[1:])
        if job_id[0] == "r":
            outcomes.retry_due(self, ident)
            return
        ts = self.horizon.armed.pop(ident, None)
        for fire in run_times:
            if ts is None or abs(fire.timestamp() - ts) > 1e-3:
                continue  # disarmed or moved by a change after APScheduler took it
            task = self._tasks.get(ident)
            if task is None or not task.spec.enabled:
                continue
            self.stats.fired += 1
            self.horizon.advance(task, fire)
            self._claim(task, fire, 1, "schedule")

    def _fire_manual(self, task_id: int) -> None:
        task = sync.task(self, task_id)
        if task is not None:
            self._claim(task, utcnow(), 1, "manual")

    def _claim(self, task: Task, fire: datetime, attempt: int, trigger: str, *,
               reason: str | None = None, parent_run_id: int | None = None,
               status: str = "queued", due_at: datetime | None = None) -> None:
        """Claim a fire in the ledger; once committed, admit it (or record why not)."""
        spec = task.spec
        task_id = task.id
        if status == "queued" and trigger in OVERLAP_TRIGGERS:
            active = self.ready.running_by_task[task_id] + self.ready.queued_count(task_id)
            if task_id in self.wait_ups:
                active += self.upstreams.waiting_count(task_id)
            if active >= spec.max_instances:
                status, reason = self._overlap(task, fire, active, reason)
        if task_id in self.booked:
            self.upstreams.claiming(task_id, fire, status)
        row = (task_id, utc_text(fire), attempt, status, trigger, utc_text(utcnow()), reason,
               parent_run_id, self.id, utc_text(due_at) if due_at else None)

        def done(run_id: int | None, error: BaseException | None) -> None:
            self._claims.add((task, run_id, error, fire, attempt, status, due_at, reason))
        self.writer.claim(row, done)

    def _overlap(self, task: Task, fire: datetime, active: int,
                 reason: str | None) -> tuple[str, str | None]:
        """A fire while `max_instances` runs of its task are going: the overlap policy."""
        spec = task.spec
        if spec.overlap == "skip":
            return "skipped", (f"{active} run(s) of this task still going "
                               f"(max instances {spec.max_instances}, overlap: skip)")
        if spec.overlap == "replace":
            why = f"replaced by the fire at {fire.isoformat()}"
            for att in list(self._attempts.values()):
                if att.task_id == task.id:
                    att.cancel(why)
            for run_id in self.ready.queued_for_task(task.id):
                control.finish_unstarted(self, run_id, "cancelled", why)
            for waiter in list(self.upstreams.gate):
                if waiter.task_id == task.id:
                    control.finish_unstarted(self, waiter.run_id, "cancelled", why)
        return "queued", reason

    def _claimed(self, task: Task, run_id: int | None, error: BaseException | None,
                 fire: datetime, attempt: int, status: str, due_at: datetime | None,
                 reason: str | None) -> None:
        if error is not None or run_id is None:
            if error is None:
                log.info("fire of %s at %s attempt %d was already claimed", task.name,
                         fire.isoformat(), attempt)
            if task.id in self.booked:
                self.upstreams.claim_lost(task.id, fire)
            return
        now = utcnow()
        self.hub.emit(RunChanged(run_id, task.id, task.name, status, now, attempt,
                                 reason=reason))
        if status == "skipped":
            self.writer.submit(lambda: ledger.update(run_id, {"finished_at": now}))
            if task.id in self.booked:
                self.upstreams.settled(task.id, fire, status, run_id)
            return
        if status == "retrying":
            self._retries[run_id] = (task.id, attempt, fire)
            self._arm_retry(run_id, due_at or now)
            return
        self._admit(task, run_id, fire, attempt, reason)

    def _admit(self, task: Task, run_id: int, fire: datetime, attempt: int,
               reason: str | None = None) -> None:
        """A claimed run: queue it, unless its upstreams hold it back or skip it."""
        ups = self.wait_ups.get(task.id)
        if ups:
            self.upstreams.admit(task, run_id, fire, attempt, ups, reason)
        else:
            self._enqueue(task, run_id, fire, attempt)

    def _enqueue(self, task: Task, run_id: int, fire: datetime, attempt: int = 1) -> None:
        """Queue a run; it starts at the next `_pump` (each step that enqueues ends with one)."""
        spec = task.spec
        self.ready.push(Pending(
            run_id=run_id, task_id=task.id, priority=spec.priority,
            scheduled_ts=fire.timestamp(), level=self.levels.get(task.id, 0),
            max_instances=spec.max_instances, group=spec.group,
            group_limit=spec.group_limit or 1,
        ))
        self._meta[run_id] = (task, fire, attempt)

    def _pump(self) -> None:
        """Start every queued run the ready queue lets start, best first."""
        if self._stopping:
            return
        for pending in self.ready.take():
            self._start(pending)
        if self.ready.held:
            self._mark_held()

    def _mark_held(self) -> None:
        """Runs the ready queue holds back for their task or group are `waiting`, and say why."""
        held, self.ready.held = self.ready.held, []
        for pending in held:
            meta = self._meta.get(pending.run_id)
            if meta is None:
                continue
            task, _fire, attempt = meta
            spec = task.spec
            if pending.held == BY_GROUP:
                reason = (f"held back: group {spec.group} runs at most {pending.group_limit} "
                          "at a time")
            else:
                reason = (f"held back: at most {spec.max_instances} run(s) of this task at a "
                          f"time (overlap: {spec.overlap})")
            self._note(pending.run_id, task, attempt, "waiting", reason)

    def _note(self, run_id: int, task: Task, attempt: int, status: str, note: str) -> None:
        """Write a run's status and add a note to its reason; the event follows the commit."""
        event = RunChanged(run_id, task.id, task.name, status, utcnow(), attempt, reason=note)
        hub = self.hub

        def done(_result: Any, error: BaseException | None) -> None:
            if error is None:
                hub.emit(event)
        self.writer.submit(lambda: ledger.note(run_id, status, note), done)

    def _start(self, pending: Pending) -> None:
        run_id = pending.run_id
        task, fire, attempt_no = self._meta.pop(run_id)
        task_id = task.id
        spec = task.spec
        resume = None
        if attempt_no > 1:
            with self.store.read():
                text = ledger.latest_checkpoint(task_id, fire)
            resume = json.loads(text) if text else None
        env = dict(spec.env)
        env.update({
            "TICKWORK_RUN_ID": str(run_id), "TICKWORK_TASK": spec.name,
            "TICKWORK_SCHEDULED_FOR": fire.isoformat(), "TICKWORK_ATTEMPT": str(attempt_no),
            TOKEN_VAR: run_token(run_id, self.id),  # how a later engine finds its processes
        })
        checkpoint_file = None
        if spec.action.kind == "command":
            checkpoint_file = self.recorder.checkpoint_file(task_id, fire, resume)
            env["TICKWORK_CHECKPOINT_FILE"] = str(checkpoint_file)
        attempt = Attempt(
            run_id=run_id, task_id=task_id, task_name=spec.name, scheduled_for=fire,
            attempt=attempt_no, action=spec.action, env=env, timeout=spec.timeout,
            resume_state=resume, secret_env=dict(spec.secret_env),
            due_at=self._due.pop(run_id, None),
            checkpoint_file=str(checkpoint_file) if checkpoint_file else None,
        )
        self._attempts[run_id] = attempt
        self._run_tasks[run_id] = task
        self.stats.started += 1
        self.executor.start(attempt)

    # -- outcomes (dispatcher thread) ---------------------------------------------------------

    def on_finished(self, attempt: Attempt, outcome: Outcome) -> None:
        """A worker thread: an attempt ended (handled on the dispatcher, in batches)."""
        self._finishes.add((attempt, outcome))

    def _finished(self, attempt: Attempt, outcome: Outcome) -> None:
        run_id = attempt.run_id
        if self._attempts.pop(run_id, None) is None:
            return  # already settled (the engine gave up on it at shutdown)
        self.ready.finished(run_id)
        self.recorder.forget(run_id)
        if attempt.checkpoint_file:
            self.recorder.collect_checkpoint(attempt, outcome)
        task = self._run_tasks.pop(run_id, None)
        if outcome.status == "interrupted" and task is not None:  # the engine is stopping
            self.stats.finished += 1
            self.stats.failed += 1
            control.interrupt(self, task, run_id, attempt.scheduled_for, attempt.attempt,
                              "the engine stopped while this run was running",
                              error=outcome.error, exit_code=outcome.exit_code)
            return
        self.recorder.final(attempt, outcome)
        if task is not None:
            outcomes.after(self, task, run_id, attempt.scheduled_for, attempt.attempt,
                           outcome.status, outcome.error)

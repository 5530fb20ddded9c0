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
`ReadyQueue` (what starts next), `Upstreams` (the dependency rules), `recovery` (start-up).
A run's way through the dispatcher:

    fire (`_fire_job`) → claim (`_claim`: overlap policy; the ledger row, via the writer)
    → claimed (`_claimed`, once committed) → admit (`_admit`: upstreams may hold it
    `waiting` or skip it) → enqueue → start (`_start`, when the ready queue lets it)
    → finished → after (`_after`: retries, fallback, notifications, chain triggers)

Only an engine holding the store's lock fires tasks; one that cannot get it waits as a
hot standby and takes over when the holder dies.
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
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from app.core.policy import backoff_delay, should_retry
from app.core.task import Task
from app.engine import recovery
from app.engine.dispatcher import BY_GROUP, Pending, ReadyQueue
from app.engine.events import EngineState, Event, EventHub, Notification, RunChanged, TasksChanged
from app.engine.executor import Attempt, Executor, Outcome
from app.engine.horizon import Horizon
from app.engine.inbox import Batch
from app.engine.lock import EngineLock
from app.engine.recorder import RunRecorder
from app.engine.scheduler import Timing
from app.engine.stats import Stats
from app.engine.upstreams import Upstreams, names_of
from app.engine.watcher import RunRows, StoreWatcher
from app.engine.writer import Writer
from app.secrets import Keyring
from app.store import ledger
from app.store import tasks as task_store
from app.store.database import Store
from app.store.models import RunRow, TaskRow, db, utc_text

log = logging.getLogger("tickwork.engine")
logging.getLogger("apscheduler").setLevel(logging.WARNING)  # it logs every job add/remove

HORIZON = 3.0  # seconds of upcoming fires held as APScheduler jobs
STANDBY_POLL = 0.5  # seconds between attempts to take the lock
SWITCH_INTERVAL = 0.0005  # seconds; see _activate
OVERLAP_TRIGGERS = frozenset({"schedule", "catch_up", "chain"})  # fires the overlap policy sees

__all__ = ["HORIZON", "Engine", "Stats", "utcnow"]


def utcnow() -> datetime:
    return datetime.now(UTC)


class Engine:
    """One engine over one open store. Call `start()`, later `stop()`."""

    def __init__(self, store: Store, *, workers: int | None = None, horizon: float = HORIZON,
                 metrics: bool = True) -> None:
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
        self._stopping = False  # the dispatcher's own view of _stop: start nothing new
        self._threads: list[threading.Thread] = []
        self.writer = Writer()
        self.timing = Timing(self._on_fire)
        self.recorder = RunRecorder(self.home, self.writer, self.hub, self.stats, self.keyring,
                                    self.on_finished)
        self.executor = Executor(self.recorder, self.workers)
        self.ready = ReadyQueue(self.workers)
        self.watcher = StoreWatcher(store, self._stop, self._post, tick=self._tick,
                                    tasks_changed=self._names_changed,
                                    runs_seen=self._runs_seen, clock_jumped=self._clock_jumped)
        # dispatcher-owned state
        self._tasks: dict[int, Task] = {}
        self.horizon = Horizon(self.timing, self.writer, self._tasks, horizon, self._load_tasks)
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

    # -- public --------------------------------------------------------------------------

    def subscribe(self, listener: Callable[[Event], None]) -> None:
        self.hub.subscribe(listener)

    def start(self) -> str:
        """Become the active engine if the store is free, else a standby; returns which."""
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
        if self.state == "running":
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
        self.lock.release()
        self._set_state("stopped")

    def run_now(self, task_id: int) -> None:
        """Fire a task now (a manual run), from any thread."""
        self._post(lambda: self._fire_manual(task_id))

    def cancel(self, run_id: int, reason: str = "cancelled") -> None:
        self._post(lambda: self._cancel(run_id, reason))

    def on_service_change(self, change: Any) -> None:
        """Listener for an in-process `Service`: react to its changes at once."""
        if self.state != "running":
            return
        ids = set(change.tasks) | set(change.deleted_tasks)
        if ids:
            self._post(lambda: self._request_reload(ids))
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
                self._recover()
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
        if self._metrics_enabled:
            from app.engine.metrics import MetricsSampler

            self._metrics = MetricsSampler(self)
            self._metrics.start()
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
            except Exception:
                log.exception("dispatcher step failed")
        if not db.is_closed():
            db.close()

    def _shutdown(self, grace: float, done: threading.Event) -> None:
        """On the dispatcher: wait for running attempts, then interrupt what is left."""
        self._stopping = True
        deadline = time.monotonic() + grace
        self._interrupt_unstarted()
        for run_id in list(self._retries):
            self._retries.pop(run_id, None)  # stays `retrying`: the next engine re-arms it
        while self._attempts and time.monotonic() < deadline:
            self._drain(0.05)
        for attempt in list(self._attempts.values()):
            attempt.cancel("interrupted: the engine stopped")
        end = time.monotonic() + 5
        while self._attempts and time.monotonic() < end:
            self._drain(0.05)
        for run_id, attempt in list(self._attempts.items()):  # could not stop in time
            self.recorder.final(attempt, Outcome("interrupted", utcnow(),
                                                 error="the engine stopped"))
            self._attempts.pop(run_id, None)
        self._interrupt_unstarted()  # runs claimed while attempts were finishing
        self.writer.flush()
        done.set()

    def _interrupt_unstarted(self) -> None:
        self.upstreams.frozen = True  # no releases or skips from here on
        for waiter in list(self.upstreams.gate):
            self._finish_unstarted(waiter.run_id, "interrupted",
                                   "the engine stopped while it waited for its upstreams")
        for run_id in list(self.ready._ids):
            self._finish_unstarted(run_id, "interrupted", "the engine stopped before it started")

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

    def _recover(self) -> None:
        plan = recovery.plan_startup(self.store, utcnow())
        now = plan.now
        self.watcher.audit_mark = plan.audit_mark
        self._set_graph(plan.edges)
        for run in plan.orphans:
            self.hub.emit(RunChanged(run.id, run.task_id, run.task_name, "interrupted", now,
                                     run.attempt))
        for run in plan.orphans:
            task = self._task(run.task_id)
            if task and should_retry("interrupted", run.attempt, task.spec.retries):
                self._claim(task, run.scheduled_for, run.attempt + 1, "retry",
                            reason=f"retry of run {run.id}, interrupted by an engine stop",
                            parent_run_id=run.id)
        next_at: dict[int, datetime | None] = {}
        for catch_up in plan.catch_ups:
            task = catch_up.task
            self._tasks[task.id] = task
            for fire in catch_up.fires:
                self._claim(task, fire, 1, "catch_up", reason=(
                    f"catch-up ({task.spec.catch_up}): {catch_up.missed} fire(s) missed while "
                    "no engine ran"))
            if catch_up.missed and not catch_up.fires:
                log.info("task %s: %d missed fire(s) skipped (catch-up: skip)", task.name,
                         catch_up.missed)
            next_at[task.id] = catch_up.next_run_at
            self.horizon.record_next(task.id, catch_up.next_run_at)
        for task_id, stored_next in plan.index:
            when = next_at.get(task_id, stored_next)
            if when is not None:
                self.horizon.set(task_id, when)
        for task in plan.startup:
            self._tasks[task.id] = task
            self._claim(task, now, 1, "startup", reason="runs at engine start (@reboot)")
        for run_id in plan.manual:
            self._adopt(run_id)
        for retry in plan.retries:
            task = self._task(retry.task_id)
            if task is None:
                continue
            self._retries[retry.run_id] = (task.id, retry.attempt, retry.fire)
            self._arm_retry(retry.run_id, retry.due or now)
        self.upstreams.fire_complete_chains()
        self.horizon.refill()

    def _set_graph(self, edges: list[tuple[int, int, str]],
                   names: dict[int, str] | None = None) -> None:
        if names is None:
            with self.store.read():
                names = names_of({n for e in edges for n in e[:2]})
        self.upstreams.set_graph(edges, names)

    def _arm_retry(self, run_id: int, due: datetime) -> None:
        self.timing.arm(f"r{run_id}", max(due, utcnow()))

    def _tick(self) -> None:
        """Every few tens of milliseconds: refill the horizon, end over-long waits."""
        self.horizon.refill()
        if self.upstreams.gate:
            self.upstreams.tick()

    def _load_tasks(self, ids: list[int]) -> None:
        """Load tasks in bulk on the store thread, then arm them here."""
        def load() -> None:
            loaded = self._read_tasks(ids)
            self._post(lambda: self.horizon.loaded(ids, loaded))
        self.watcher.submit(load)

    def _read_tasks(self, ids: list[int]) -> list[Task]:
        with self.store.read():
            return task_store.load_ids(ids, with_last_run=False)

    def _task(self, task_id: int) -> Task | None:
        """A task by id from the cache, else read now (rare: manual runs, retries, chains)."""
        task = self._tasks.get(task_id)
        if task is None:
            loaded = self._read_tasks([task_id])
            if not loaded:
                return None
            task = self._tasks[task_id] = loaded[0]
        return task

    def _request_reload(self, ids: set[int]) -> None:
        """Tasks changed: drop what we knew, re-read them (and the dependency graph), re-arm
        them from their stored state."""
        for task_id in ids:
            self._tasks.pop(task_id, None)
            self.horizon.triggers.pop(task_id, None)

        def load() -> None:
            with self.store.read():
                loaded = task_store.load_ids(list(ids), with_last_run=False)
                edges = task_store.all_edges()
                names = names_of({n for e in edges for n in e[:2]})
            self._post(lambda: self._reloaded(ids, loaded, edges, names))
        self.watcher.submit(load)

    def _reloaded(self, ids: set[int], loaded: list[Task], edges: list[tuple[int, int, str]],
                  names: dict[int, str]) -> None:
        found = {t.id: t for t in loaded}
        for task_id in ids:
            task = found.get(task_id)
            if task is None:
                self.horizon.forget(task_id)
                self.upstreams.drop_task(task_id)
                continue
            if not task.spec.enabled:
                self.horizon.forget(task_id)
                self._tasks[task_id] = task
                continue
            self._tasks[task_id] = task
            self.horizon.set(task_id, task.next_run_at)
        self._set_graph(edges, names)
        self.upstreams.review(None)
        self.hub.emit(TasksChanged(frozenset(ids)))

    def _names_changed(self, changed: set[int], names: set[str]) -> None:
        gone = {tid for tid, t in self._tasks.items() if t.name in names} - changed
        if changed | gone:
            self._request_reload(changed | gone)

    def _clock_jumped(self, jump: float) -> None:
        """The wall clock moved (or the machine slept): redo what is due, apply catch-up."""
        log.warning("wall clock jumped by %+.1fs (clock change or resume from suspend): "
                    "recomputing what is due", jump)
        self.horizon.reset()
        for run_id in list(self._retries):
            row = RunRow.get_or_none(RunRow.id == run_id)
            self._arm_retry(run_id, (row.due_at if row else None) or utcnow())
        self.writer.flush()
        now = utcnow()
        with self.store.read():
            overdue = recovery.overdue_tasks(now)
        for task in overdue:
            plan = recovery.missed_fires(task, now)
            self._tasks[task.id] = task
            for fire in plan.fires:
                self._claim(task, fire, 1, "catch_up",
                            reason=f"catch-up ({task.spec.catch_up}) after a clock jump of "
                                   f"{jump:+.0f}s: {plan.missed} fire(s) missed")
            self.horizon.record_next(task.id, plan.next_run_at)
            self.horizon.set(task.id, plan.next_run_at)
        self.horizon.refill()
        self.timing.wakeup()

    # -- firing and claiming (dispatcher thread) ----------------------------------------------

    def _on_fire(self, job_id: str, run_times: list[datetime]) -> None:
        """APScheduler's thread: hand the due job to the dispatcher, nothing more."""
        self._fires.add((job_id, run_times))

    def _fire_job(self, job_id: str, run_times: list[datetime]) -> None:
        ident = int(job_id[1:])
        if job_id[0] == "r":
            self._retry_due(ident)
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
        task = self._task(task_id)
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
                self._finish_unstarted(run_id, "cancelled", why)
            for waiter in list(self.upstreams.gate):
                if waiter.task_id == task.id:
                    self._finish_unstarted(waiter.run_id, "cancelled", why)
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
        self.recorder.final(attempt, outcome)
        task = self._run_tasks.pop(run_id, None)
        if task is not None:
            self._after(task, run_id, attempt.scheduled_for, attempt.attempt, outcome.status,
                        outcome.error)

    def _after(self, task: Task, run_id: int, fire: datetime, attempt: int, status: str,
               error: str | None) -> None:
        """Retries, fallback, notifications and chain triggers once an attempt has ended."""
        spec = task.spec
        task_id = task.id
        if status == "succeeded":
            if spec.notify_on_success:
                self.hub.emit(Notification("success", f"{spec.name} succeeded",
                                           f"run {run_id} finished", run_id, task_id))
            self._on_success(task, run_id, fire)
            return
        if status == "cancelled" or status == "skipped":
            if task_id in self.booked:
                self.upstreams.settled(task_id, fire, status, run_id)
            return
        if should_retry(status, attempt, spec.retries):
            delay = backoff_delay(attempt, spec.retry_delay, spec.backoff)
            due = utcnow() + timedelta(seconds=delay)
            if task_id in self.booked:
                self.upstreams.settled(task_id, fire, "retrying", run_id)
            self._claim(task, fire, attempt + 1, "retry", status="retrying", due_at=due,
                        parent_run_id=run_id,
                        reason=f"attempt {attempt} {status}: {error or ''}; retry in {delay:.1f}s")
            return
        if task_id in self.booked:
            self.upstreams.settled(task_id, fire, status, run_id)
        if spec.notify_on_failure:
            self.hub.emit(Notification(
                "failure", f"{spec.name} {status.replace('_', ' ')}",
                error or f"run {run_id} {status}", run_id, task_id))
        if spec.fallback:
            fallback = self._fallback_task(spec.fallback)
            if fallback is not None:
                self._claim(fallback, utcnow(), 1, "fallback", parent_run_id=run_id,
                            reason=f"fallback for {spec.name} run {run_id} ({status})")

    def _on_success(self, task: Task, run_id: int, fire: datetime) -> None:
        """The dependency rules hear of a success: waiting downstreams, chain triggers."""
        task_id = task.id
        if task_id in self.booked:
            self.upstreams.settled(task_id, fire, "succeeded", run_id)
        if task_id in self.chain_downs:
            self.upstreams.succeeded(task, run_id)

    def _fallback_task(self, name: str) -> Task | None:
        with self.store.read():
            row = TaskRow.get_or_none(TaskRow.name == name)
        return self._task(row.id) if row else None

    def _retry_due(self, run_id: int) -> None:
        info = self._retries.pop(run_id, None)
        if info is None:
            return
        task_id, attempt, fire = info
        task = self._task(task_id)
        if task is None:
            return
        self._due[run_id] = utcnow()
        self.writer.submit(lambda: ledger.update(run_id, {"status": "queued"}))
        self.hub.emit(RunChanged(run_id, task_id, task.name, "queued", utcnow(), attempt))
        self._admit(task, run_id, fire, attempt)

    def _finish_unstarted(self, run_id: int, status: str, reason: str) -> None:
        """End a run that never started (cancelled, interrupted)."""
        self.ready.remove(run_id)
        retry = self._retries.pop(run_id, None)
        if retry is not None:
            self.timing.disarm(f"r{run_id}")
        waiter = self.upstreams.remove(run_id)
        meta = self._meta.pop(run_id, None)
        self._due.pop(run_id, None)
        task: Task | None = None
        fire: datetime | None = None
        attempt = 1
        if meta is not None:
            task, fire, attempt = meta
        elif waiter is not None:
            task, fire, attempt = waiter.data.task, waiter.data.fire, waiter.data.attempt
        elif retry is not None:
            task = self._tasks.get(retry[0])
            attempt, fire = retry[1], retry[2]
        now = utcnow()
        self.writer.submit(lambda: ledger.update(run_id, {"status": status, "finished_at": now,
                                                          "reason": reason}))
        if task is not None:
            self.hub.emit(RunChanged(run_id, task.id, task.name, status, now, attempt,
                                     reason=reason))
            if fire is not None and task.id in self.booked:
                self.upstreams.settled(task.id, fire, status, run_id)

    def _cancel(self, run_id: int, reason: str) -> None:
        attempt = self._attempts.get(run_id)
        if attempt is not None:
            attempt.cancel(reason)
        elif self._unstarted(run_id):
            self._finish_unstarted(run_id, "cancelled", reason)

    def _unstarted(self, run_id: int) -> bool:
        return run_id in self.ready or run_id in self._retries or run_id in self.upstreams.gate

    def _adopt(self, run_id: int) -> None:
        """Take a manual run queued by another process (or by this one's service)."""
        engine_id = self.id

        def work() -> tuple[int, datetime, int] | None:
            if not ledger.adopt(run_id, engine_id):
                return None
            row = RunRow.get_by_id(run_id)
            return int(row.task_id), row.scheduled_for, int(row.attempt)

        def done(result: tuple[int, datetime, int] | None, error: BaseException | None) -> None:
            if result is not None:
                self._post(lambda: self._adopted(run_id, *result))
        self.writer.submit(work, done)

    def _adopted(self, run_id: int, task_id: int, fire: datetime, attempt: int) -> None:
        task = self._task(task_id)
        if task is None:
            return
        self.upstreams.adopted(task_id, run_id, fire)
        self._admit(task, run_id, fire, attempt)
        self._pump()

    def _runs_seen(self, rows: RunRows) -> None:
        """Runs changed in the store: adopt manual ones, honour cancel requests."""
        for run_id, status, engine, cancel in rows:
            if status == "queued" and engine is None:
                self._adopt(run_id)
            elif cancel and engine == self.id and status not in ("cancelled",):
                self._cancel(run_id, "cancelled on request")
            elif status == "cancelled" and self._unstarted(run_id):
                self._finish_unstarted(run_id, "cancelled", "cancelled on request")

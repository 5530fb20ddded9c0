"""The engine: fires every task on time, runs it, records what happened, loses nothing.

Threads, each with one job:
- APScheduler's thread decides *when* (`Timing`), handing due jobs to the dispatcher;
- the dispatcher thread owns every piece of run state and makes every decision
  (claims, overlap, the ready queue, retries, fallbacks); everything else posts to it;
- the writer thread group-commits the engine's writes (`Writer`);
- the store thread reads: it loads tasks about to fall due, notices changes made by other
  processes (`PRAGMA data_version`), and notices clock jumps and resume from suspend;
- the QThreadPool workers run the actions (`Executor`); the metrics sampler reads psutil.

Only an engine holding the store's lock fires tasks; one that cannot get it waits as a
hot standby and takes over when the holder dies.
"""

from __future__ import annotations

import bisect
import gc
import heapq
import itertools
import json
import logging
import os
import queue
import socket
import sys
import threading
import time
from collections import deque
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from peewee import SQL

from app.core.policy import backoff_delay, should_retry
from app.core.schedule import build_trigger, parse_timezone
from app.core.task import Task
from app.engine import recovery
from app.engine.dispatcher import Pending, ReadyQueue
from app.engine.events import (
    EngineState,
    Event,
    EventHub,
    Notification,
    RunChanged,
    RunOutput,
    TasksChanged,
)
from app.engine.executor import Attempt, Executor, Outcome
from app.engine.lock import EngineLock
from app.engine.scheduler import Timing
from app.engine.writer import Writer
from app.secrets import Keyring
from app.store import ledger
from app.store import tasks as task_store
from app.store.database import Store
from app.store.models import NEEDS_ATTENTION, AuditEvent, RunRow, TaskRow, db, utc_text

log = logging.getLogger("tickwork.engine")
logging.getLogger("apscheduler").setLevel(logging.WARNING)  # it logs every job add/remove

HORIZON = 3.0  # seconds of upcoming fires held as APScheduler jobs
POLL = 0.25  # seconds between looks at the store for other processes' changes
REFILL = 0.05  # seconds between refills of the horizon
CLOCK_CHECK = 2.0  # seconds between wall-clock/monotonic comparisons
CLOCK_JUMP = 2.0  # a disagreement larger than this is a jump (or a resume)
STANDBY_POLL = 0.5  # seconds between attempts to take the lock
SWITCH_INTERVAL = 0.0005  # seconds; see _activate


def utcnow() -> datetime:
    return datetime.now(UTC)


class Stats:
    """Counters and the last minute's lateness, kept as plain floats (not GC-tracked
    tuples), so that a busy engine adds nothing for the garbage collector to scan."""

    WINDOW = 300_000

    def __init__(self) -> None:
        self.fired = 0
        self.started = 0
        self.finished = 0
        self.failed = 0
        self._stamps: deque[float] = deque(maxlen=self.WINDOW)
        self._lateness: deque[float] = deque(maxlen=self.WINDOW)

    def add_lateness(self, ms: float) -> None:
        self._stamps.append(time.monotonic())
        self._lateness.append(ms)

    def recent_lateness(self, seconds: float = 60.0) -> list[float]:
        """Lateness (ms) of the attempts that started in the last `seconds`."""
        cutoff = time.monotonic() - seconds
        stamps, values = list(self._stamps), list(self._lateness)
        n = min(len(stamps), len(values))
        i = bisect.bisect_left(stamps, cutoff, 0, n)
        return values[i:n]


class Batch:
    """Items from any thread, handled on the dispatcher in one step per batch.

    At thousands of fires a second, one inbox message per fire, per claim and per finished
    attempt would make the dispatcher fight for the GIL three times per run.
    """

    def __init__(self, post: Callable[[Callable[[], None]], None],
                 handle: Callable[..., None]) -> None:
        self._post = post
        self._handle = handle
        self._items: deque[tuple[Any, ...]] = deque()
        self._lock = threading.Lock()
        self._posted = False

    def add(self, item: tuple[Any, ...]) -> None:
        with self._lock:
            self._items.append(item)
            if self._posted:
                return
            self._posted = True
        self._post(self._drain)

    def _drain(self) -> None:
        with self._lock:
            items = list(self._items)
            self._items.clear()
            self._posted = False
        for item in items:
            try:
                self._handle(*item)
            except Exception:
                log.exception("dispatcher step failed on %r", item)


class Engine:
    """One engine over one open store. Call `start()`, later `stop()`."""

    def __init__(self, store: Store, *, workers: int | None = None, horizon: float = HORIZON,
                 metrics: bool = True) -> None:
        self.store = store
        self.home: Path = store.home
        self.id = f"{socket.gethostname()}:{os.getpid()}:{int(time.time() * 1000)}"
        self.hub = EventHub()
        self.state = "stopped"
        self.horizon = horizon
        self.lock = EngineLock(self.home)
        self.keyring = Keyring(self.home)
        self.stats = Stats()
        self.workers = workers or int(os.environ.get("TICKWORK_WORKERS", "0") or 0) or 8
        self._metrics_enabled = metrics
        self._inbox: queue.SimpleQueue[Callable[[], None] | None] = queue.SimpleQueue()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self.writer = Writer()
        self.timing = Timing(self._on_fire)
        self.executor = Executor(self, self.workers)
        self.ready = ReadyQueue(self.workers)
        # dispatcher-owned state
        self._tasks: dict[int, Task] = {}
        self._triggers: dict[int, Any] = {}
        self._index: list[tuple[float, int]] = []  # (next fire ts, task id), lazily pruned
        self._next_of: dict[int, float] = {}  # task id -> next fire ts (the truth for _index)
        self._armed: dict[int, float] = {}  # task id -> ts of its APScheduler job
        self._to_arm: list[tuple[str, datetime]] = []  # armed this step, handed over after it
        self._loading: set[int] = set()
        self._attempts: dict[int, Attempt] = {}  # run id -> running attempt
        self._retries: dict[int, tuple[int, int, datetime]] = {}  # run -> (task, attempt, fire)
        self._due: dict[int, datetime] = {}  # queued retry run -> when it fell due
        self._seq: dict[int, itertools.count[int]] = {}
        self._meta: dict[int, tuple[Task, datetime]] = {}  # queued run -> (task, fire)
        self._run_tasks: dict[int, Task] = {}  # running run -> its task (as it started)
        self._attempt_numbers: dict[int, int] = {}  # queued run -> its attempt number
        self._audit_mark = 0
        self._metrics: Any = None
        self._store_jobs: queue.SimpleQueue[Callable[[], None]] = queue.SimpleQueue()
        # the three busiest messages arrive in batches: one dispatcher step each
        self._fires = Batch(self._post, self._fire_job)
        self._claims = Batch(self._post, self._claimed)
        self._finishes = Batch(self._post, self._finished)

    # -- public --------------------------------------------------------------------------

    def subscribe(self, listener: Callable[[Event], None]) -> None:
        self.hub.subscribe(listener)

    def start(self) -> str:
        """Become the active engine if the store is free, else a standby; returns which."""
        if self.lock.try_acquire(self.id):
            self._activate()
        else:
            self._set_state("standby", self._holder_text())
            t = threading.Thread(target=self._standby, name="tickwork-standby", daemon=True)
            self._threads.append(t)
            t.start()
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
            self._post(lambda: self._look_at_runs(set(change.runs)))

    def next_fire(self) -> datetime | None:
        ts = min(self._next_of.values(), default=None) if self._next_of else None
        return datetime.fromtimestamp(ts, UTC) if ts is not None else None

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
        self._post(lambda: (self._recover(), ready.set()))
        ready.wait(120)
        # What start-up loaded lives as long as the engine: keep it out of every collection
        # (a full collection over hundreds of thousands of objects stalls for 100+ ms).
        gc.collect()
        gc.freeze()
        self.timing.start()
        self._spawn(self._store_loop, "tickwork-store")
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
        while True:
            fn = self._inbox.get()
            if fn is None:
                break
            try:
                fn()
                if self._to_arm:
                    arm, self._to_arm = self._to_arm, []
                    self.timing.arm_many(arm)
            except Exception:
                log.exception("dispatcher step failed")
        if not db.is_closed():
            db.close()

    def _shutdown(self, grace: float, done: threading.Event) -> None:
        """On the dispatcher: wait for running attempts, then interrupt what is left."""
        deadline = time.monotonic() + grace
        for run_id in list(self.ready._ids):
            self._finish_unstarted(run_id, "interrupted", "the engine stopped before it started")
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
            self._write_final(attempt, Outcome("interrupted", utcnow(),
                                               error="the engine stopped"))
            self._attempts.pop(run_id, None)
        self.writer.flush()
        done.set()

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

    # -- recovery, index and horizon (dispatcher thread) --------------------------------------

    def _recover(self) -> None:
        now = utcnow()
        with self.store.write():
            orphans = recovery.interrupt_orphans(now)
        for run in orphans:
            self.hub.emit(RunChanged(run.id, run.task_id, run.task_name, "interrupted", now,
                                     run.attempt))
        with self.store.read():
            mark = AuditEvent.select(AuditEvent.id).order_by(AuditEvent.id.desc()).first()
            self._audit_mark = mark.id if mark else 0
            overdue = recovery.overdue_tasks(now)
            startup = recovery.startup_tasks()
            manual = recovery.unclaimed_manual_runs()
            retries = recovery.waiting_retries()
            index = list(TaskRow.select(TaskRow.id, TaskRow.next_run_at).where(
                TaskRow.enabled & TaskRow.next_run_at.is_null(False)).tuples())
        for run in orphans:
            task = self._task(run.task_id)
            if task and should_retry("interrupted", run.attempt, task.spec.retries):
                self._claim(task, run.scheduled_for, run.attempt + 1, "retry",
                            reason=f"retry of run {run.id}, interrupted by an engine stop",
                            parent_run_id=run.id)
        next_updates: list[tuple[int, datetime | None]] = []
        for task in overdue:
            plan = recovery.missed_fires(task, now)
            self._tasks[task.id] = task
            for fire in plan.fires:
                reason = (f"catch-up ({task.spec.catch_up}): {plan.missed} fire(s) missed "
                          "while no engine ran")
                self._claim(task, fire, 1, "catch_up", reason=reason)
            if plan.missed and not plan.fires:
                log.info("task %s: %d missed fire(s) skipped (catch-up: skip)", task.name,
                         plan.missed)
            next_updates.append((task.id, plan.next_run_at))
        for task_id, next_at in next_updates:
            self._record_next(task_id, next_at)
        overdue_next = dict(next_updates)
        for task_id, next_at in index:
            when = overdue_next.get(task_id, next_at)
            if when is not None:
                self._index_set(task_id, when)
        for task in startup:
            self._tasks[task.id] = task
            self._claim(task, now, 1, "startup", reason="runs at engine start (@reboot)")
        for run_id in manual:
            self._adopt(run_id)
        for run_id, task_id, due in retries:
            task = self._task(task_id)
            if task is None:
                continue
            row = RunRow.get_by_id(run_id)
            self._retries[run_id] = (task_id, row.attempt, row.scheduled_for)
            self.timing_arm_retry(run_id, due or now)
        self._refill()

    def timing_arm_retry(self, run_id: int, due: datetime) -> None:
        self.timing.arm(f"r{run_id}", max(due, utcnow()))

    def _index_set(self, task_id: int, when: datetime | None) -> None:
        """Record a task's next fire; arm it at once when it falls inside the horizon."""
        if when is None:
            self._next_of.pop(task_id, None)
            if self._armed.pop(task_id, None) is not None:
                self.timing.disarm(f"t{task_id}")
            return
        ts = when.timestamp()
        self._next_of[task_id] = ts
        if self._armed.get(task_id) not in (None, ts):
            self._armed.pop(task_id)
            self.timing.disarm(f"t{task_id}")
        if ts <= time.time() + self.horizon and task_id in self._tasks:
            self._arm(task_id, ts)
        else:
            heapq.heappush(self._index, (ts, task_id))

    def _arm(self, task_id: int, ts: float) -> None:
        if self._armed.get(task_id) == ts:
            return
        self._armed[task_id] = ts
        self._to_arm.append((f"t{task_id}", datetime.fromtimestamp(ts, UTC)))

    def _refill(self) -> None:
        """Arm every task whose next fire falls inside the horizon (loading it if needed)."""
        limit = time.time() + self.horizon
        need: list[int] = []
        while self._index and self._index[0][0] <= limit:
            ts, task_id = heapq.heappop(self._index)
            if self._next_of.get(task_id) != ts:
                continue  # stale entry
            if task_id in self._tasks:
                self._arm(task_id, ts)
            elif task_id not in self._loading:
                self._loading.add(task_id)
                need.append(task_id)
        if need:
            self._load_tasks(need)

    def _load_tasks(self, ids: list[int]) -> None:
        """Load tasks in bulk on the store thread, then arm them here."""
        def load() -> None:
            loaded = self._read_tasks(ids)
            self._post(lambda: self._loaded(ids, loaded))
        self._store_jobs.put(load)

    def _read_tasks(self, ids: list[int]) -> list[Task]:
        with self.store.read():
            return task_store.load_ids(ids, with_last_run=False)

    def _loaded(self, ids: list[int], loaded: list[Task]) -> None:
        found = {t.id: t for t in loaded}
        limit = time.time() + self.horizon
        for task_id in ids:
            self._loading.discard(task_id)
            task = found.get(task_id)
            if task is None:
                self._forget(task_id)
                continue
            self._tasks[task_id] = task
            ts = self._next_of.get(task_id)
            if ts is not None:
                if ts <= limit:
                    self._arm(task_id, ts)
                else:
                    heapq.heappush(self._index, (ts, task_id))

    def _forget(self, task_id: int) -> None:
        self._tasks.pop(task_id, None)
        self._triggers.pop(task_id, None)
        self._index_set(task_id, None)

    def _task(self, task_id: int) -> Task | None:
        """A task by id from the cache, else read now (rare: manual runs, retries)."""
        task = self._tasks.get(task_id)
        if task is None:
            loaded = self._read_tasks([task_id])
            if not loaded:
                return None
            task = self._tasks[task_id] = loaded[0]
        return task

    def _request_reload(self, ids: set[int]) -> None:
        """Tasks changed: drop what we knew, re-read them, re-arm from their stored state."""
        for task_id in ids:
            self._tasks.pop(task_id, None)
            self._triggers.pop(task_id, None)

        def load() -> None:
            with self.store.read():
                loaded = task_store.load_ids(list(ids), with_last_run=False)
            self._post(lambda: self._reloaded(ids, loaded))
        self._store_jobs.put(load)

    def _reloaded(self, ids: set[int], loaded: list[Task]) -> None:
        found = {t.id: t for t in loaded}
        for task_id in ids:
            task = found.get(task_id)
            if task is None or not task.spec.enabled:
                self._forget(task_id)
                if task is not None:
                    self._tasks[task_id] = task
                continue
            self._tasks[task_id] = task
            self._index_set(task_id, task.next_run_at)
        self.hub.emit(TasksChanged(frozenset(ids)))

    # -- firing (dispatcher thread) ---------------------------------------------------------

    def _on_fire(self, job_id: str, run_times: list[datetime]) -> None:
        """APScheduler's thread: hand the due job to the dispatcher, nothing more."""
        self._fires.add((job_id, run_times))

    def _fire_job(self, job_id: str, run_times: list[datetime]) -> None:
        ident = int(job_id[1:])
        if job_id[0] == "r":
            self._retry_due(ident)
            return
        ts = self._armed.pop(ident, None)
        for fire in run_times:
            if ts is None or abs(fire.timestamp() - ts) > 1e-3:
                continue  # disarmed or moved by a change after APScheduler took it
            task = self._tasks.get(ident)
            if task is None or not task.spec.enabled:
                continue
            self.stats.fired += 1
            self._advance(task, fire)
            self._claim(task, fire, 1, "schedule")

    def _advance(self, task: Task, fire: datetime) -> None:
        """Compute the task's next fire after this one; record it and arm or index it."""
        spec = task.spec
        nxt: datetime | None = None
        if spec.schedule.kind != "date":
            trigger = self._triggers.get(task.id)
            if trigger is None:
                tz = parse_timezone(spec.timezone)
                trigger = self._triggers[task.id] = build_trigger(
                    spec.schedule, tz, task.anchor, spec.end_at)
            if trigger is not None:
                nxt = trigger.get_next_fire_time(fire, fire + timedelta(microseconds=1))
                while nxt is not None and nxt <= fire:
                    nxt = trigger.get_next_fire_time(nxt, nxt + timedelta(microseconds=1))
        task_id = task.id
        self._record_next(task_id, nxt)
        if nxt is None:
            self._next_of.pop(task_id, None)
            self._tasks.pop(task_id, None)
            self._triggers.pop(task_id, None)
        else:
            self._index_set(task_id, nxt)

    def _record_next(self, task_id: int, nxt: datetime | None) -> None:
        """Write a task's next fire time (folded into one statement per commit)."""
        self.writer.next_run(task_id, utc_text(nxt) if nxt is not None else None)

    def _fire_manual(self, task_id: int) -> None:
        task = self._task(task_id)
        if task is not None:
            self._claim(task, utcnow(), 1, "manual")

    def _claim(self, task: Task, fire: datetime, attempt: int, trigger: str, *,
               reason: str | None = None, parent_run_id: int | None = None,
               status: str = "queued", due_at: datetime | None = None) -> None:
        """Claim a fire in the ledger; once committed, queue it (or record why not)."""
        spec = task.spec
        active = self.ready.running_by_task[task.id] + self.ready.queued_count(task.id)
        if status == "queued" and trigger in ("schedule", "catch_up") and \
                active >= spec.max_instances:
            if spec.overlap == "skip":
                status = "skipped"
                reason = (f"{active} run(s) of this task still going "
                          f"(max instances {spec.max_instances}, overlap: skip)")
            elif spec.overlap == "replace":
                for run_id, att in list(self._attempts.items()):
                    if att.task_id == task.id:
                        att.cancel(f"replaced by the fire at {fire.isoformat()}")
                for run_id in self.ready.queued_for_task(task.id):
                    self._finish_unstarted(run_id, "cancelled",
                                           f"replaced by the fire at {fire.isoformat()}")
        row = (task.id, utc_text(fire), attempt, status, trigger, utc_text(utcnow()), reason,
               parent_run_id, self.id, utc_text(due_at) if due_at else None)

        def done(run_id: int | None, error: BaseException | None) -> None:
            self._claims.add((task, run_id, error, fire, attempt, status, due_at))
        self.writer.claim(row, done)

    def _claimed(self, task: Task, run_id: int | None, error: BaseException | None,
                 fire: datetime, attempt: int, status: str, due_at: datetime | None) -> None:
        if error is not None or run_id is None:
            if error is None:
                log.info("fire of %s at %s attempt %d was already claimed", task.name,
                         fire.isoformat(), attempt)
            return
        now = utcnow()
        self.hub.emit(RunChanged(run_id, task.id, task.name, status, now, attempt))
        if status == "skipped":
            self.writer.submit(lambda: ledger.update(run_id, {"finished_at": now}))
            return
        if status == "retrying":
            self._retries[run_id] = (task.id, attempt, fire)
            self.timing_arm_retry(run_id, due_at or now)
            return
        self._enqueue(task, run_id, fire)

    def _enqueue(self, task: Task, run_id: int, fire: datetime) -> None:
        spec = task.spec
        self.ready.push(Pending(
            run_id=run_id, task_id=task.id, priority=spec.priority,
            scheduled_ts=fire.timestamp(), max_instances=spec.max_instances, group=spec.group,
            group_limit=spec.group_limit or 1,
        ))
        self._meta[run_id] = (task, fire)
        self._pump()

    def _pump(self) -> None:
        for pending in self.ready.take():
            self._start(pending)

    def _start(self, pending: Pending) -> None:
        task, fire = self._meta.pop(pending.run_id)
        task_id = task.id
        attempt_no = self._attempt_numbers.pop(pending.run_id, 1)
        spec = task.spec
        resume = None
        if attempt_no > 1:
            with self.store.read():
                text = ledger.latest_checkpoint(task_id, fire)
            resume = json.loads(text) if text else None
        env = dict(spec.env)
        env.update({
            "TICKWORK_RUN_ID": str(pending.run_id), "TICKWORK_TASK": spec.name,
            "TICKWORK_SCHEDULED_FOR": fire.isoformat(), "TICKWORK_ATTEMPT": str(attempt_no),
        })
        checkpoint_file = None
        if spec.action.kind == "command":
            checkpoint_file = self._checkpoint_path(task_id, fire)
            env["TICKWORK_CHECKPOINT_FILE"] = str(checkpoint_file)
            if resume is not None and not checkpoint_file.exists():
                _write_private(checkpoint_file, json.dumps(resume))
        attempt = Attempt(
            run_id=pending.run_id, task_id=task_id, task_name=spec.name, scheduled_for=fire,
            attempt=attempt_no, action=spec.action, env=env, timeout=spec.timeout,
            resume_state=resume, secret_env=dict(spec.secret_env),
            due_at=self._due.pop(pending.run_id, None),
            checkpoint_file=str(checkpoint_file) if checkpoint_file else None,
        )
        self._attempts[pending.run_id] = attempt
        self._run_tasks[pending.run_id] = task
        self.stats.started += 1
        self.executor.start(attempt)

    def _checkpoint_path(self, task_id: int, fire: datetime) -> Path:
        folder = self.home / "checkpoints"
        folder.mkdir(mode=0o700, exist_ok=True)
        return folder / f"{task_id}-{int(fire.timestamp() * 1e6)}.json"

    # -- executor sink (worker threads) -------------------------------------------------------

    def secret(self, name: str) -> str | None:
        """A secret's value from the keyring (worker thread, at run time, never logged)."""
        return self.keyring.get(name)

    def on_started(self, attempt: Attempt) -> None:
        started = attempt.started_at or utcnow()
        lateness = (started - (attempt.due_at or attempt.scheduled_for)).total_seconds() * 1000.0
        self.stats.add_lateness(lateness)
        run_id = attempt.run_id
        event = RunChanged(run_id, attempt.task_id, attempt.task_name, "running", started,
                           attempt.attempt, lateness)
        self.writer.started(run_id, utc_text(started), round(lateness, 3),
                            lambda: self.hub.emit(event))

    def on_output(self, attempt: Attempt, stream: str, text: str) -> None:
        counter = self._seq.setdefault(attempt.run_id, itertools.count())
        seq = next(counter)
        run_id = attempt.run_id
        self.writer.output(run_id, seq, stream, text, utc_text(utcnow()))
        self.hub.emit(RunOutput(run_id, seq, stream, text))

    def on_checkpoint(self, attempt: Attempt, state: Any) -> None:
        text = json.dumps(state)
        run_id = attempt.run_id
        self.writer.submit(lambda: ledger.update(run_id, {"checkpoint": text}))

    def on_progress(self, attempt: Attempt, fraction: float | None, message: str) -> None:
        pct = "" if fraction is None else f"{fraction * 100:.0f}% "
        self.on_output(attempt, "tickwork", f"progress: {pct}{message}\n")

    def on_finished(self, attempt: Attempt, outcome: Outcome) -> None:
        self._finishes.add((attempt, outcome))

    # -- outcomes (dispatcher thread) ---------------------------------------------------------

    def _finished(self, attempt: Attempt, outcome: Outcome) -> None:
        if self._attempts.pop(attempt.run_id, None) is None:
            return  # already settled (the engine gave up on it at shutdown)
        self.ready.finished(attempt.run_id)
        self._seq.pop(attempt.run_id, None)
        if attempt.checkpoint_file:
            self._collect_checkpoint(attempt, outcome)
        self._write_final(attempt, outcome)
        task = self._run_tasks.pop(attempt.run_id, None)
        if task is not None:
            self._after(task, attempt.run_id, attempt.scheduled_for, attempt.attempt,
                        outcome.status, outcome.error)
        self._pump()

    def _collect_checkpoint(self, attempt: Attempt, outcome: Outcome) -> None:
        path = Path(attempt.checkpoint_file or "")
        try:
            if outcome.status == "succeeded":
                path.unlink(missing_ok=True)
                return
            if path.exists():
                text = path.read_text()[:65536]
                json.loads(text)
                run_id = attempt.run_id
                self.writer.submit(lambda: ledger.update(run_id, {"checkpoint": text}))
        except (OSError, ValueError):
            log.warning("checkpoint file of run %d is not valid JSON; ignored", attempt.run_id)

    def _write_final(self, attempt: Attempt, outcome: Outcome) -> None:
        self.stats.finished += 1
        if outcome.status != "succeeded":
            self.stats.failed += 1
        event = RunChanged(attempt.run_id, attempt.task_id, attempt.task_name, outcome.status,
                           outcome.finished_at, attempt.attempt)
        self.writer.finished(attempt.run_id, outcome.status, utc_text(outcome.finished_at),
                             outcome.exit_code, outcome.error, lambda: self.hub.emit(event))

    def _after(self, task: Task, run_id: int, fire: datetime, attempt: int, status: str,
               error: str | None) -> None:
        """Retries, fallback and notifications once an attempt has ended."""
        spec = task.spec
        task_id = task.id
        if status == "succeeded":
            if spec.notify_on_success:
                self.hub.emit(Notification("success", f"{spec.name} succeeded",
                                           f"run {run_id} finished", run_id, task_id))
            self._on_success(task, run_id)
            return
        if status == "cancelled" or status == "skipped":
            return
        if should_retry(status, attempt, spec.retries):
            delay = backoff_delay(attempt, spec.retry_delay, spec.backoff)
            due = utcnow() + timedelta(seconds=delay)
            self._claim(task, fire, attempt + 1, "retry", status="retrying", due_at=due,
                        parent_run_id=run_id,
                        reason=f"attempt {attempt} {status}: {error or ''}; retry in {delay:.1f}s")
            return
        if spec.notify_on_failure:
            self.hub.emit(Notification(
                "failure", f"{spec.name} {status.replace('_', ' ')}",
                error or f"run {run_id} {status}", run_id, task_id))
        if spec.fallback:
            fallback = self._fallback_task(spec.fallback)
            if fallback is not None:
                self._claim(fallback, utcnow(), 1, "fallback", parent_run_id=run_id,
                            reason=f"fallback for {spec.name} run {run_id} ({status})")

    def _on_success(self, task: Task, run_id: int) -> None:
        """Hook for the dependency rules (chain triggers)."""

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
        self._attempt_numbers[run_id] = attempt
        self._due[run_id] = utcnow()
        self.writer.submit(lambda: ledger.update(run_id, {"status": "queued"}))
        self.hub.emit(RunChanged(run_id, task_id, task.name, "queued", utcnow(), attempt))
        self._enqueue(task, run_id, fire)

    def _finish_unstarted(self, run_id: int, status: str, reason: str) -> None:
        self.ready.remove(run_id)
        self._retries.pop(run_id, None)
        self.timing.disarm(f"r{run_id}")
        meta = self._meta.pop(run_id, None)
        now = utcnow()
        self.writer.submit(lambda: ledger.update(run_id, {"status": status, "finished_at": now,
                                                          "reason": reason}))
        if meta:
            self.hub.emit(RunChanged(run_id, meta[0].id, meta[0].name, status, now))

    def _cancel(self, run_id: int, reason: str) -> None:
        attempt = self._attempts.get(run_id)
        if attempt is not None:
            attempt.cancel(reason)
        elif run_id in self.ready or run_id in self._retries:
            self._finish_unstarted(run_id, "cancelled", reason)

    def _adopt(self, run_id: int) -> None:
        """Take a manual run queued by another process (or by this one's service)."""
        engine_id = self.id

        def work() -> tuple[int, datetime, int] | None:
            if not ledger.adopt(run_id, engine_id):
                return None
            row = RunRow.get_by_id(run_id)
            return row.task_id, row.scheduled_for, row.attempt

        def done(result: tuple[int, datetime, int] | None, error: BaseException | None) -> None:
            if result is not None:
                self._post(lambda: self._adopted(run_id, *result))
        self.writer.submit(work, done)

    def _adopted(self, run_id: int, task_id: int, fire: datetime, attempt: int) -> None:
        task = self._task(task_id)
        if task is None:
            return
        self._attempt_numbers[run_id] = attempt
        self._enqueue(task, run_id, fire)

    def _look_at_runs(self, run_ids: set[int] | None) -> None:
        """Runs changed in the store: adopt manual ones, honour cancel requests."""
        def read() -> None:
            with self.store.read():
                q = RunRow.select(RunRow.id, RunRow.status, RunRow.engine,
                                  RunRow.cancel_requested)
                if run_ids is not None:
                    q = q.where(RunRow.id.in_(list(run_ids)))
                else:
                    q = q.where(RunRow.status.in_(["queued", "waiting", "running", "retrying"]))
                rows = list(q.tuples())
            self._post(lambda: self._runs_seen(rows))
        self._store_jobs.put(read)

    def _runs_seen(self, rows: list[tuple[int, str, str | None, bool]]) -> None:
        for run_id, status, engine, cancel in rows:
            if status == "queued" and engine is None:
                self._adopt(run_id)
            elif cancel and engine == self.id and status not in ("cancelled",):
                self._cancel(run_id, "cancelled on request")
            elif status == "cancelled" and (run_id in self.ready or run_id in self._retries):
                self._finish_unstarted(run_id, "cancelled", "cancelled on request")

    # -- the store thread: loads, other processes' changes, clock jumps ------------------------

    def _store_loop(self) -> None:
        last_version = None
        last_refill = last_poll = 0.0
        last_clock = time.monotonic()
        offset = time.time() - time.monotonic()
        while not self._stop.is_set():
            try:
                job = self._store_jobs.get(timeout=0.05)
            except queue.Empty:
                job = None
            try:
                if job is not None:
                    job()
                now_mono = time.monotonic()
                if now_mono - last_refill >= REFILL:
                    last_refill = now_mono
                    self._post(self._refill)
                if now_mono - last_poll >= POLL:
                    last_poll = now_mono
                    version = self.store.data_version()
                    if version != last_version:
                        if last_version is not None:
                            self._poll_changes()
                        last_version = version
                if now_mono - last_clock >= CLOCK_CHECK:
                    last_clock = now_mono
                    new_offset = time.time() - now_mono
                    if abs(new_offset - offset) > CLOCK_JUMP:
                        jump = new_offset - offset
                        self._post(lambda j=jump: self._clock_jumped(j))
                    offset = new_offset
            except Exception:
                log.exception("store thread step failed")
        if not db.is_closed():
            db.close()

    def _poll_changes(self) -> None:
        """Another connection committed: find task edits, manual runs and cancel requests."""
        with self.store.read():
            events = list(AuditEvent.select(AuditEvent.id, AuditEvent.action, AuditEvent.target,
                                            AuditEvent.before, AuditEvent.actor)
                          .where(AuditEvent.id > self._audit_mark).order_by(AuditEvent.id)
                          .tuples())
            names: set[str] = set()
            for ev_id, action, target, before, _actor in events:
                self._audit_mark = ev_id
                if action.startswith("task") and target:
                    names.add(target)
                    if isinstance(before, dict) and before.get("name"):
                        names.add(before["name"])
            changed = {tid for (tid,) in TaskRow.select(TaskRow.id)
                       .where(TaskRow.name.in_(list(names))).tuples()} if names else set()
            rows = list(RunRow.select(RunRow.id, RunRow.status, RunRow.engine,
                                      RunRow.cancel_requested)
                        .where(SQL(NEEDS_ATTENTION)).tuples())
        deleted = {n for n in names}
        if changed or deleted:
            self._post(lambda: self._names_changed(changed, deleted))
        if rows:
            self._post(lambda: self._runs_seen(rows))

    def _names_changed(self, changed: set[int], names: set[str]) -> None:
        gone = {tid for tid, t in self._tasks.items() if t.name in names} - changed
        if changed | gone:
            self._request_reload(changed | gone)

    def _clock_jumped(self, jump: float) -> None:
        """The wall clock moved (or the machine slept): redo what is due, apply catch-up."""
        log.warning("wall clock jumped by %+.1fs (clock change or resume from suspend): "
                    "recomputing what is due", jump)
        self.timing.clear()
        self._armed.clear()
        for run_id, (_t, _a, _f) in list(self._retries.items()):
            row = RunRow.get_or_none(RunRow.id == run_id)
            self.timing_arm_retry(run_id, (row.due_at if row else None) or utcnow())
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
            self._record_next(task.id, plan.next_run_at)
            self._index_set(task.id, plan.next_run_at)
        for task_id, ts in list(self._next_of.items()):
            heapq.heappush(self._index, (ts, task_id))
        self._refill()
        self.timing.wakeup()


def _write_private(path: Path, text: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(text)

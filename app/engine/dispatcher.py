"""The `Dispatcher`: owns every run the engine holds and makes every decision on its route.

One `RunRecord` per claimed run, from its claim to its end (dispatcher thread only):

    fire (`fire`) → claim (`claim`: the overlap rule; the ledger row, via the writer) →
    claimed (`claimed`, once committed) → admit (`admit`: `Upstreams.verdict` may hold it
    `waiting` or skip it) → start (`pump` → `start`, as the ready queue lets it) →
    finish (`finished`) → after (`after`: `outcomes.decide`: retry, fallback, notify, chains)

The rules are `app.core.rules`; see docs/architecture.md for the parts around it.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from app.core import nouns, rules
from app.core.policy import should_retry
from app.core.task import Task
from app.engine import outcomes
from app.engine.batch import Batch
from app.engine.clock import Clock
from app.engine.events import EventHub, RunChanged
from app.engine.executor import Attempt, Outcome
from app.engine.follows import Follower, Follows
from app.engine.horizon import Horizon
from app.engine.ports import Arming, History, Ledger, Recording, Runner
from app.engine.ready_queue import Pending, ReadyQueue, fire_rank
from app.engine.records import QUEUED, REQUEUING, RETRYING, RUNNING, WAITING, RunRecord, attempt_for
from app.engine.stats import Stats
from app.engine.sync import TaskSync
from app.engine.upstreams import Upstreams
from app.engine.writes import CUT_OFF, UNSTARTED, EndSaid, RunWrites
from app.store.times import utc_text

log = logging.getLogger("tickwork.engine")

OVERLAP_TRIGGERS = frozenset({"schedule", "catch_up", "chain"})  # fires the overlap rule sees


class Dispatcher:
    """Every run's state and every decision about it; see the module docstring."""

    def __init__(self, engine_id: str, *, clock: Clock, post: Callable[
            [Callable[[], None]], None], writer: Ledger, hub: EventHub, timing: Arming,
            executor: Runner, recorder: Recording, stats: Stats, horizon: Horizon,
            tasks: TaskSync, workers: int, paused: Callable[[], bool], history: History) -> None:
        self.engine_id, self.clock = engine_id, clock
        self.writer = writer
        self.hub = hub
        self.timing = timing
        self.executor = executor
        self.recorder = recorder
        self.stats = stats
        self.horizon = horizon
        self.tasks = tasks
        self.paused = paused  # the store cannot be written: fire nothing
        self.expected: Callable[[Task], str] = lambda task: ""  # its runs' length in words
        self.steady: Callable[[], bool] = lambda: True  # False: the clock jumped (jumps.py)
        self.ready = ReadyQueue(workers)
        writer.waiting = self.ready.backlog  # (a backlog: the writer gathers its writes longer)
        self.runs: dict[int, RunRecord] = {}  # every claimed run not settled yet
        self.stopping = False  # the engine is stopping: start nothing new
        self.writes = RunWrites(writer, hub, clock)
        self.follows = Follows(self.writes, hub)
        self.upstreams = Upstreams(history, writer, hub, clock, horizon.next_fire, tasks.get,
                                   release=self.release, forget=self.forget)
        # the busiest messages arrive in batches, a step each (fires due together best first)
        self.fires = Batch(post, self.fire, self.pump, first=lambda: self.steady(), rank=lambda
                           j, t: fire_rank(j, t, self.runs, tasks.cached, self.upstreams.levels))
        self._claims = Batch(post, self.claimed, self.pump)
        self._finishes = Batch(post, self.finished, self.pump)
        self._requeues = Batch(post, self.requeued, self.pump)

    def running_count(self) -> int:
        return len(self.ready.running)

    def queued_count(self) -> int:
        return len(self.ready)

    def running(self) -> list[Attempt]:
        """The attempts going now (any thread: the records are copied first)."""
        return [r.running for r in list(self.runs.values()) if r.running is not None]

    def unstarted(self, run_id: int) -> bool:
        record = self.runs.get(run_id)
        return record is not None and record.phase != RUNNING

    def tick(self) -> None:
        """Every few tens of milliseconds: refill the horizon, end over-long waits."""
        if self.paused() or not self.steady():
            return
        self.horizon.refill()
        self.upstreams.tick()

    # -- fire → claim ---------------------------------------------------------------------------

    def on_fire(self, job_id: str, run_times: list[datetime]) -> None:
        """APScheduler's thread: hand the due job to the dispatcher, nothing more."""
        self.fires.add((job_id, run_times))

    def fire(self, job_id: str, run_times: list[datetime]) -> None:
        """A job fell due: a task's fire (`t<id>`) or a retry's backoff end (`r<run id>`)."""
        if self.paused():
            return  # re-armed (retries) or caught up (fires) once the store takes writes
        ident = int(job_id[1:])
        if job_id[0] == "r":
            return self.retry_due(ident)
        for fire in self.horizon.fired(ident, run_times):
            task = self.tasks.cached(ident)
            if task is None or not task.spec.enabled:
                continue
            self.stats.fired += 1
            after = self.horizon.advance(task, fire)
            self.claim(task, fire, 1, "schedule")
            self.horizon.record_next(ident, after)  # after the claim (Horizon.advance)

    def fire_manual(self, task_id: int) -> None:
        task = self.tasks.get(task_id)
        if task is not None:
            self.claim(task, self.clock.now(), 1, "manual")

    def claim(self, task: Task, fire: datetime, attempt: int, trigger: str, *,
              reason: str | None = None, parent_run_id: int | None = None,
              status: str = "queued", due_at: datetime | None = None,
              follows: Follower | None = None) -> None:
        """Claim a fire in the ledger; once committed, admit it (or record why not), and
        tell `follows` its run id (a retry's or fallback's, noted in the run it follows)."""
        spec = task.spec
        task_id = task.id
        ups = self.upstreams
        if status == "queued" and trigger in OVERLAP_TRIGGERS:
            active = self.ready.running_by_task[task_id] + self.ready.queued_count(task_id)
            if task_id in ups.wait_ups:
                active += ups.waiting_count(task_id)
            verdict = rules.overlap(spec.overlap, active, spec.max_instances)
            if verdict == rules.SKIP_FIRE:
                status, reason = "skipped", rules.overlap_skip_reason(
                    active, spec.max_instances, self.expected(task))
            elif verdict == rules.REPLACE:
                self._replace(task, fire)
        if task_id in ups.booked:
            ups.claiming(task_id, fire, status)
        row = (task_id, utc_text(fire), attempt, status, trigger, utc_text(self.clock.now()),
               reason, parent_run_id, self.engine_id, utc_text(due_at) if due_at else None)

        def done(run_id: int | None, error: BaseException | None) -> None:
            if follows is not None:  # (first: what it carries is there when the run is)
                follows(run_id)
            self._claims.add((task, run_id, error, fire, attempt, status, due_at, reason, trigger))
        self.writer.claim(row, done)

    def _replace(self, task: Task, fire: datetime) -> None:
        """Overlap `replace`: what runs, queues or waits of the task gives way to this fire."""
        why = f"replaced by the fire at {rules.when_text(fire.timestamp())}"
        for run_id in [r for r, p in self.ready.running.items() if p.task_id == task.id]:
            attempt = self.runs[run_id].running
            if attempt is not None:
                attempt.cancel(why)
        for run_id in self.ready.queued_for_task(task.id):
            self.finish_unstarted(run_id, "cancelled", why)
        for run_id in self.upstreams.waiting_of(task.id):
            self.finish_unstarted(run_id, "cancelled", why)

    def claimed(self, task: Task, run_id: int | None, error: BaseException | None,
                fire: datetime, attempt: int, status: str, due_at: datetime | None,
                reason: str | None, trigger: str) -> None:
        """A claim committed (or lost to an earlier one): record the run and admit it."""
        if error is not None or run_id is None:
            if error is None:
                log.info("fire of %s at %s attempt %d was already claimed", task.name,
                         fire.isoformat(), attempt)
            if task.id in self.upstreams.booked:
                self.upstreams.claim_lost(task.id, fire)
            return
        now = self.clock.now()
        self.hub.emit(RunChanged(run_id, task.id, task.name, status, now, attempt, reason=reason))
        if status == "skipped":
            self.follows.claimed_skipped(run_id, now)
            if task.id in self.upstreams.booked:
                self.upstreams.settled(task.id, fire, status, run_id)
            return
        if status == "retrying":
            self.await_retry(RunRecord(run_id, task, fire, attempt, RETRYING, reason),
                             due_at or now)
            return
        self.admit(RunRecord(run_id, task, fire, attempt, QUEUED, reason, trigger == "catch_up"))

    # -- admit → start --------------------------------------------------------------------------

    def admit(self, record: RunRecord, *, adopted: bool = False) -> None:
        """A claimed run: queue it, unless its upstreams hold it back or skip it (`adopted`: one
        claimed before, by hand or by another engine, which this engine takes as it is)."""
        if adopted:
            self.upstreams.adopted(record.task.id, record.run_id, record.fire)
        self.runs[record.run_id] = record
        ups = self.upstreams.wait_ups.get(record.task.id)
        if not ups or self.upstreams.verdict(record, ups) == rules.READY:
            self.enqueue(record)

    def enqueue(self, record: RunRecord) -> None:
        """Queue a run; it starts at the next `pump` (each step that enqueues ends with one)."""
        spec = record.task.spec
        record.phase = QUEUED
        self.ready.push(Pending(
            run_id=record.run_id, task_id=record.task.id, priority=spec.priority,
            scheduled_ts=record.fire.timestamp(),
            level=self.upstreams.levels.get(record.task.id, 0),
            max_instances=spec.max_instances, group=spec.group, group_limit=spec.group_limit or 1,
        ))

    def release(self, records: list[RunRecord]) -> None:
        """Runs the upstreams let go: queued together, then started best first."""
        for record in records:
            self.enqueue(record)
        self.pump()

    def forget(self, record: RunRecord) -> None:
        """A run the upstreams skipped: it is settled."""
        self.runs.pop(record.run_id, None)

    def pump(self) -> None:
        """Start every queued run the ready queue lets start, best first; none while paused."""
        if self.stopping or self.paused():
            return
        if taken := self.ready.take():  # handed over together: one executor wake-up
            self.executor.start_many([self.start(self.runs[p.run_id]) for p in taken])
        if self.ready.held:
            self._mark_held()

    def _mark_held(self) -> None:
        """Runs the ready queue holds back for their task or group are `waiting`, and say why."""
        held, self.ready.held = self.ready.held, []
        for pending in held:
            if (record := self.runs.get(pending.run_id)) is not None:
                self.writes.held(record, pending.held or rules.BY_TASK, pending.group_limit)

    def start(self, record: RunRecord) -> Attempt:
        """A run's attempt, for the executor: the run is running from here."""
        task = record.task
        resume = None
        if record.attempt > 1:  # a retry resumes from the last checkpoint of its fire
            text = self.upstreams.history.checkpoint(task.id, record.fire)
            resume = json.loads(text) if text else None
        command = task.spec.action.kind == "command"
        attempt = attempt_for(record, self.engine_id, resume, self.recorder.checkpoint_file(
            record.run_id, task.id, record.fire, resume) if command else None)
        record.phase = RUNNING
        record.running = attempt
        self.stats.started += 1
        return attempt

    # -- finish → after -------------------------------------------------------------------------

    def on_finished(self, attempt: Attempt, outcome: Outcome) -> None:
        """A worker thread: an attempt ended (handled on the dispatcher, in batches)."""
        self._finishes.add((attempt, outcome))

    def finished(self, attempt: Attempt, outcome: Outcome) -> None:
        """An attempt ended: record it, free its slot, decide what follows."""
        run_id = attempt.run_id
        record = self.runs.get(run_id)
        if record is None or record.running is not attempt:
            return  # already settled (the engine gave up on it at shutdown)
        del self.runs[run_id]
        self.ready.finished(run_id)
        if attempt.checkpoint_file and outcome.checkpoint_written is not False:
            self.recorder.collect_checkpoint(attempt, outcome, should_retry(
                outcome.status, attempt.attempt, record.task.spec.retries))
        self.recorder.forget(run_id)  # (after: a checkpoint not recorded is told in its output)
        if not outcome.tried:  # never handed to anything that runs it: the next start does
            return self.writes.released(record, UNSTARTED)
        if outcome.status == "interrupted" and self.stopping:  # not a dead worker's run
            self.stats.ended("interrupted")
            task = record.task  # `interrupted`, its retry or fallback by policy: one commit
            fb = self.tasks.fallback_of(task) if task.spec.fallback else None
            return self.writes.interrupted(record, CUT_OFF, outcomes.cut_off(
                record.run_id, task.name, task.id, record.fire, record.attempt, task.spec.retries,
                None if fb is None else (fb.id, fb.name, fb.spec.enabled), self.engine_id),
                error=outcome.error, exit_code=outcome.exit_code)
        with self.writer.together():  # its end and what it claims: one commit
            end = EndSaid(self.hub)
            self.recorder.final(attempt, outcome, end.ended)
            self.after(record, outcome.status, outcome.error, end)

    def after(self, record: RunRecord, status: str, error: str | None, end: EndSaid) -> None:
        """Retries, fallback, notifications and chain triggers once an attempt has ended."""
        task = record.task
        task_id = task.id
        run_id = record.run_id
        ups = self.upstreams
        now = self.clock.now()
        then = outcomes.decide(task, run_id, record.attempt, status, error)
        if then.settle is not None and task_id in ups.booked:
            ups.settled(task_id, record.fire, then.settle, run_id)
        if status == "succeeded" and task_id in ups.chain_downs:
            for chain, reason in ups.succeeded(task_id):
                self.claim(chain, now, 1, "chain", reason=reason, parent_run_id=run_id)
        if then.retry_delay is not None:
            self.claim(task, record.fire, record.attempt + 1, "retry", status="retrying",
                       due_at=now + timedelta(seconds=then.retry_delay), parent_run_id=run_id,
                       reason=then.reason, follows=self.follows.retry(record, status, end))
            return
        self.follows.tell(record, status, then.notify)
        if then.fallback is not None:
            fallback = self.tasks.fallback_of(task)  # (as stored now: renamed, changed)
            if fallback is not None and (follows := self.follows.fallback(
                    record, status, then, end, fallback)) is not None:  # (None: it is paused)
                self.claim(fallback, now, 1, "fallback", parent_run_id=run_id, reason=then.reason,
                           follows=follows)

    # -- retries --------------------------------------------------------------------------------

    def await_retry(self, record: RunRecord, due: datetime) -> None:
        """A retry waits out its backoff: armed as an `r<run id>` job."""
        record.phase = RETRYING
        self.runs[record.run_id] = record
        self.timing.arm(f"r{record.run_id}", max(due, self.clock.now()))

    def rearm_retries(self, due_of: Callable[[int], datetime | None]) -> None:
        """After a clock jump: arm every waiting retry again at its stored due time."""
        now = self.clock.now()
        for record in [r for r in self.runs.values() if r.phase == RETRYING]:
            self.timing.arm(f"r{record.run_id}", max(due_of(record.run_id) or now, now))

    def retry_due(self, run_id: int) -> None:
        """A retry's backoff ended: admitted once its `queued` commits (handed over while the
        store said `retrying`, a kill -9 made the next engine run that attempt again)."""
        record = self.runs.get(run_id)
        if record is None or record.phase != RETRYING:
            return
        task = self.tasks.get(record.task.id)
        if task is None:
            del self.runs[run_id]
            return
        record.task, record.phase, record.due_at = task, REQUEUING, self.clock.now()
        record.reason = None  # (said when it was claimed)
        self.writes.requeued(record, lambda error: self._requeues.add((record, error)))

    def requeued(self, record: RunRecord, error: BaseException | None) -> None:
        """A retry's `queued` committed: said and admitted, unless it ended or was given back
        since; not written (the store refused it), it waits a second and is due again."""
        if self.runs.get(record.run_id) is not record or record.phase != REQUEUING:
            return
        if error is not None:
            return self.await_retry(record, self.clock.now() + timedelta(seconds=1))
        self.writes.said(record, "queued")
        self.admit(record)

    # -- runs that end before they start ----------------------------------------------------

    def finish_unstarted(self, run_id: int, status: str, reason: str) -> None:
        """End a run that never started (cancelled, interrupted)."""
        record = self.runs.get(run_id)
        if record is None or record.phase == RUNNING:
            return
        del self.runs[run_id]
        if record.phase == RETRYING:
            self.timing.disarm(f"r{run_id}")
        elif record.phase == QUEUED:
            self.ready.remove(run_id)
        elif record.phase == WAITING:
            self.upstreams.remove(run_id)
        if status == "released":
            return self.writes.released(record, reason)
        self.follows.ended_unstarted(record, status, reason)
        if record.task.id in self.upstreams.booked:
            self.upstreams.settled(record.task.id, record.fire, status, run_id)

    def cancel(self, run_id: int, reason: str) -> None:
        if (record := self.runs.get(run_id)) is not None and record.running is not None:
            record.running.cancel(reason)
        else:  # (nothing when it is settled)
            self.finish_unstarted(run_id, "cancelled", reason)

    # -- the engine stops -----------------------------------------------------------------------

    def stop_starting(self) -> None:
        """Start nothing more; retries stay `retrying` (the next engine re-arms them)."""
        self.stopping = True
        self.release_unstarted()
        for record in [r for r in self.runs.values() if r.phase == RETRYING]:
            del self.runs[record.run_id]

    def release_unstarted(self) -> None:
        """Every waiting or queued run goes back to the ledger unclaimed: it never started,
        so the next engine runs it (`ledger.release`), whatever its task's retries."""
        self.upstreams.frozen = True  # no releases or skips from here on
        for record in list(self.runs.values()):
            if record.phase in (WAITING, QUEUED, REQUEUING):
                self.finish_unstarted(record.run_id, "released", UNSTARTED)

    def give_up(self) -> None:
        """Attempts not stopped in time stay `running`, claimed by this engine: the next start
        stops what is left of them, then interrupts and retries them (as after a kill -9)."""
        if n := len(self.running()):
            log.warning("%s not stopped in time: the next start stops them", nouns.plural(n, "run"))

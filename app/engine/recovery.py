"""Start-up recovery: what a dead engine left behind, and what fell due while none ran.

`plan_startup` reads (and stops and marks orphans); `recover` applies the plan on the dispatcher;
`redo_due` does the catch-up part again when the wall clock jumps (app/engine/jumps.py) or
the store takes writes again after a fault.

What a dead engine left (its orphans: stopped, then interrupted and retried by policy, given
back unstarted, or recorded as they ended while no engine ran) is app/engine/orphans.py; the
retries it claims are armed here like any retry waiting out its backoff.

Runs no engine has claimed (manual runs queued while none ran, runs a graceful stop gave
back before they started) are adopted and run; retries waiting out their backoff are kept.
Fires missed while no engine ran follow each task's catch-up policy; the ledger's unique key
makes a catch-up of a fire that did run a no-op.

`@reboot` tasks run once per boot of the machine, as cron runs them: the first engine to start
after a boot (app/engine/boot.py names it) claims them and records that boot in the store in
the same commit as the claims; later engine starts, a standby taking over, a window's engine
in that boot claim none. A kill -9 after that commit leaves claimed runs, recovered as any
claimed run is; one before it left nothing, and the next engine claims them. A task created or
made `@reboot` later in the boot waits for the next boot, as in cron (whose `@reboot` jobs
run when cron starts at boot, never when the crontab changes).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from app.core.nouns import plural
from app.core.policy import CATCH_UP_BOUND, catch_up_fires
from app.core.rules import catch_up_reason
from app.core.run import Run
from app.core.schedule import Schedule, build_trigger, parse_timezone
from app.core.schedule.triggers import first_fire
from app.core.task import Task
from app.engine.attempts import Sink
from app.engine.boot import boot_identity
from app.engine.dispatcher import Dispatcher
from app.engine.events import RunChanged
from app.engine.orphans import Ended, record_ended, settle_orphans
from app.engine.records import QUEUED, RETRYING, RunRecord
from app.engine.scheduler import next_after
from app.store import audit_log, ledger, task_queries
from app.store import runs as run_store
from app.store import tasks as task_store
from app.store.database import Store

log = logging.getLogger("tickwork.engine")
STARTUP_REASON = "the first engine start after the machine booted (@reboot)"


@dataclass(frozen=True, slots=True)
class CatchUp:
    task: Task
    fires: list[datetime]  # to run now, in order
    missed: int  # how many fires were missed in all (at least this many when `more`)
    next_run_at: datetime | None
    more: bool = False  # more fires were missed than were counted

    @property
    def missed_text(self) -> str:
        return ("more than " if self.more else "") + plural(self.missed, "fire")


def missed_fires(task: Task, now: datetime, bound: int = CATCH_UP_BOUND) -> CatchUp:
    """The fires of `task` from its stored next run up to `now`, and what to run of them.

    The missed fires are found by stepping the task's own trigger from its stored next fire,
    as the engine would have. Past `bound` + 1 of them the fires to run (the latest for
    `once`, the latest `bound` for `all`) are read from a window just before `now`, so a
    long outage costs little more than a short one (and the count may say "more than").
    """
    spec = task.spec
    first = task.next_run_at
    if first is None or first > now:
        return CatchUp(task, [], 0, first)
    if spec.schedule.kind == "date":
        return CatchUp(task, catch_up_fires(spec.catch_up, [first], bound), 1, None)
    trigger = build_trigger(spec.schedule, parse_timezone(spec.timezone), task.anchor,
                            spec.end_at)
    missed = [first]
    fire: datetime | None = first
    while trigger is not None and fire is not None:
        fire = next_after(trigger, fire)
        if fire is None or fire > now:
            return CatchUp(task, catch_up_fires(spec.catch_up, missed, bound), len(missed),
                           fire)
        missed.append(fire)
        if len(missed) > bound:
            tail, upcoming, total = _latest_fires(trigger, now, bound, missed)
            return CatchUp(task, catch_up_fires(spec.catch_up, tail, bound),
                           total or len(missed), upcoming, more=total is None)
    return CatchUp(task, catch_up_fires(spec.catch_up, missed, bound), len(missed), None)


def stepping_key(schedule: Schedule, zone: str, end: datetime | None,
                 anchor: datetime | None, since: datetime | None) -> tuple[Any, ...]:
    """What a task's trigger, stepped from `since` on, depends on (tasks with equal keys
    fire alike from there): its schedule, zone and end, and its start (`anchor`) where that
    matters — a cron's fires are wall-clock times, so its start does not once `since` is
    past it; a calendar's count starts there."""
    began = schedule.kind == "cron" and (anchor is None or (
        since is not None and anchor <= since))
    return (schedule, zone, end, None if began else anchor)


def missed_fires_each(tasks: list[Task], now: datetime) -> list[CatchUp]:
    """`missed_fires` of each task, computed once for the tasks that would step the same
    trigger (`stepping_key`) from the same stored next fire with the same catch-up policy.
    100,000 overdue cron tasks on a few hundred schedules (a laptop resumed after a day
    asleep, an engine started after a day off): 16 s on the dispatcher before."""
    plans: dict[tuple[Any, ...], CatchUp] = {}
    out = []
    for task in tasks:
        spec, first = task.spec, task.next_run_at
        key = (*stepping_key(spec.schedule, spec.timezone, spec.end_at, task.anchor, first),
               spec.catch_up, first)
        plan = plans.get(key)
        if plan is None:
            plan = plans[key] = missed_fires(task, now)
        out.append(plan if plan.task is task else replace(plan, task=task))
    return out


def _latest_fires(trigger: Any, now: datetime, count: int, head: list[datetime]
                  ) -> tuple[list[datetime], datetime | None, int | None]:
    """The last `count` fires at or before `now`, the first after it, and how many were
    missed in all when that is known: read from a window before `now` that grows until it
    holds enough (its first guess: `count` fires at the pace of the first ones)."""
    pace = max((head[-1] - head[0]) / (len(head) - 1), timedelta(seconds=1))
    span = pace * (count + 1)
    while True:
        begin = max(now - span, head[-1])
        fires: list[datetime] = []
        fire = first_fire(trigger, begin)
        while fire is not None and fire <= now:
            fires.append(fire)
            fire = next_after(trigger, fire)
        if begin == head[-1]:  # the window met the fires counted from the start
            every = head[:-1] + fires if fires and fires[0] == head[-1] else head + fires
            return every[-count:], fire, len(every)
        if len(fires) >= count:
            return fires[-count:], fire, None
        span *= 4


def overdue_tasks(now: datetime) -> list[Task]:
    return task_queries.overdue(now)


def startup_tasks() -> list[Task]:
    """Enabled `@reboot` tasks."""
    return task_queries.startup()


@dataclass(frozen=True, slots=True)
class Retry:
    """A retry waiting out its backoff."""

    run_id: int
    task_id: int
    attempt: int
    fire: datetime
    due: datetime | None


def waiting_retries() -> list[Retry]:
    return [Retry(*r) for r in run_store.retrying()]


@dataclass(slots=True)
class StartupPlan:
    """Everything the engine needs to know at start-up, read in one go."""

    now: datetime
    orphans: list[Run] = field(default_factory=list)  # marked interrupted already
    ended: list[Ended] = field(default_factory=list)  # their commands ended while none ran
    audit_mark: int = 0
    catch_ups: list[CatchUp] = field(default_factory=list)
    startup: list[Task] = field(default_factory=list)
    given: list[tuple[int, int, datetime, int, datetime | None]] = field(
        default_factory=list)  # taken over
    retries: list[Retry] = field(default_factory=list)
    index: list[tuple[int, datetime]] = field(default_factory=list)  # (task, next run)
    edges: list[tuple[int, int, str]] = field(default_factory=list)
    commands: bool = False  # a task runs a command here (its launchers are started now)
    boot: str = ""  # this boot of the machine (app/engine/boot.py)
    booted: bool = False  # an engine claimed this boot's `@reboot` tasks already


def plan_startup(store: Store, now: datetime, engine_id: str, boot: str) -> StartupPlan:
    """Stop and interrupt what a dead engine left (claiming retries), and read what to run,
    arm and retry."""
    ended: list[Ended] = []
    orphans = settle_orphans(store, now, engine_id, logs=True, ended=ended)
    plan = StartupPlan(now, orphans, ended, boot=boot)
    with store.read():
        plan.audit_mark = audit_log.last_id()
        plan.catch_ups = missed_fires_each(overdue_tasks(now), now)
        plan.booted = task_queries.startup_fired_in(boot)
        plan.startup = [] if plan.booted else startup_tasks()
        plan.retries = waiting_retries()
        plan.index = task_queries.next_run_index()
        plan.edges = task_store.all_edges()
        plan.commands = task_queries.local_commands()
    with store.write():  # (last: a start-up retried after a fault takes them again)
        plan.given = ledger.adopt_all(engine_id)
    return plan


# -- orchestration (dispatcher thread) ----------------------------------------------------


def recover(store: Store, d: Dispatcher, sink: Sink, boot: str | None = None) -> int:
    """At start-up, on the dispatcher: stop and interrupt orphans (their retries, claimed by
    policy, are armed with the others), take the runs queued meanwhile or given back by a
    stop, record those that ended meanwhile, catch up missed fires, index every next fire,
    re-arm retries, fire chains whose upstreams all succeeded just before the last engine
    died, claim the `@reboot` tasks at the first start in this `boot` (default: the
    machine's); then start the best of what is ready. Returns the audit mark the store
    thread watches from."""
    plan = plan_startup(store, d.clock.now(), d.engine_id, boot or boot_identity())
    now = plan.now
    if plan.commands:  # (even by hand only: the first Run now does not wait for them)
        d.tasks.commands_defined()
    d.tasks.set_graph(plan.edges)
    for run in plan.orphans:
        d.hub.emit(RunChanged(run.id, run.task_id, run.task_name, "interrupted", now,
                              run.attempt))
    for run_id, task_id, fire, attempt, since in plan.given:  # (first: the overlap
        task = d.tasks.get(task_id)  # rule counts them when the fires missed are claimed)
        if task is not None and run_id not in d.runs:  # each waited for an engine to start
            # (given back by a stop, or queued by hand while none ran): a catch-up, its start
            # delay the engine's absence (app/engine/stats.py)
            d.admit(RunRecord(run_id, task, fire, attempt, QUEUED, catch_up=True, since=since),
                    adopted=True)
    record_ended(store, d, plan.ended, sink)
    next_at: dict[int, datetime | None] = {}
    for catch_up in plan.catch_ups:
        task = catch_up.task
        d.tasks.put(task)
        for fire in catch_up.fires:
            d.claim(task, fire, 1, "catch_up",
                    reason=catch_up_reason(task.spec.catch_up, catch_up.missed_text))
        if catch_up.missed and not catch_up.fires:
            log.info("task %s: %s missed, skipped (catch-up: skip)", task.name,
                     catch_up.missed_text)
        next_at[task.id] = catch_up.next_run_at
        d.horizon.record_next(task.id, catch_up.next_run_at)
    for task_id, stored_next in plan.index:
        when = next_at.get(task_id, stored_next)
        if when is not None:
            d.horizon.set(task_id, when)
    if not plan.booted:
        with d.writer.together():  # the boot is marked in its claims' own commit
            d.writer.submit(partial(task_queries.mark_startup_fired, plan.boot))
            for task in plan.startup:
                d.tasks.put(task)
                d.claim(task, now, 1, "startup", reason=STARTUP_REASON)
    for retry in plan.retries:  # those of the orphans among them
        retried = d.tasks.get(retry.task_id)
        if retried is None:
            continue
        d.await_retry(RunRecord(retry.run_id, retried, retry.fire, retry.attempt, RETRYING),
                      retry.due or now)
    for chain, reason in d.upstreams.complete_chains():
        d.claim(chain, now, 1, "chain", reason=reason)
    d.horizon.refill()
    d.pump()  # (together, best first: one by one, a group's lowest priority went first)
    return plan.audit_mark


def redo_due(store: Store, d: Dispatcher, cause: str) -> None:
    """Recompute what is due now and apply each task's catch-up policy to the fires missed
    (after a clock jump, or once the store can be written again after a fault)."""
    d.horizon.reset()
    d.rearm_retries(run_store.due_at)
    d.writer.flush()
    now = d.clock.now()
    with store.read():
        overdue = overdue_tasks(now)
    for plan in missed_fires_each(overdue, now):
        task = plan.task
        d.tasks.put(task)
        for fire in plan.fires:
            d.claim(task, fire, 1, "catch_up",
                    reason=catch_up_reason(task.spec.catch_up, plan.missed_text, cause))
        if plan.missed and not plan.fires:
            log.info("task %s: %s missed, skipped (catch-up: skip) %s", task.name,
                     plan.missed_text, cause)
        d.horizon.record_next(task.id, plan.next_run_at)
        d.horizon.set(task.id, plan.next_run_at)
    d.horizon.refill()
    d.timing.wakeup()
    d.pump()  # what the pause held in the ready queue

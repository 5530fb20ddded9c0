"""Start-up recovery: what a dead engine left behind, and what fell due while none ran.

Runs a dead engine had claimed but not finished (`queued`, `waiting`, `running`) become
`interrupted`; the engine then retries them by their task's policy (at-least-once: an
action that was running when the process died may run again, and a checkpoint lets it
resume). Manual runs that nobody has claimed yet, and retries waiting out their backoff, are
kept. Fires missed while no engine ran follow each task's catch-up policy; the ledger's
unique key makes a catch-up of a fire that did run a no-op.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from app.core.policy import CATCH_UP_BOUND, catch_up_fires
from app.core.run import Run
from app.core.schedule import next_fire_times, parse_timezone
from app.core.task import Task
from app.store import runs as run_store
from app.store import tasks as task_store
from app.store.database import Store
from app.store.models import AuditEvent, RunRow, TaskRow, utc_text

INTERRUPTIBLE = ("queued", "waiting", "running")


@dataclass(frozen=True, slots=True)
class CatchUp:
    task: Task
    fires: list[datetime]  # to run now, in order
    missed: int  # how many fires were missed in all
    next_run_at: datetime | None


def interrupt_orphans(now: datetime) -> list[Run]:
    """Mark runs claimed by a dead engine as interrupted; return them (for retries)."""
    rows = list(RunRow.select(RunRow.id).where(
        RunRow.status.in_(INTERRUPTIBLE) & RunRow.engine.is_null(False)).tuples())
    ids = [r[0] for r in rows]
    out: list[Run] = []
    for chunk in range(0, len(ids), 500):
        part = ids[chunk:chunk + 500]
        for run in run_store._with_names(RunRow.select().where(RunRow.id.in_(part))):
            RunRow.update(
                status="interrupted", finished_at=now,
                reason=f"the engine stopped while this run was {run.status}",
            ).where(RunRow.id == run.id).execute()
            out.append(run)
    return out


def missed_fires(task: Task, now: datetime, bound: int = CATCH_UP_BOUND) -> CatchUp:
    """The fires of `task` from its stored next run up to `now`, and what to run of them."""
    spec = task.spec
    first = task.next_run_at
    tz = parse_timezone(spec.timezone)
    missed: list[datetime] = []
    if first is not None and first <= now:
        missed.append(first)
        if spec.schedule.kind != "date":
            more = next_fire_times(spec.schedule, tz, first, bound + 1, task.anchor, spec.end_at)
            missed.extend(t for t in more if t <= now)
    upcoming = next_fire_times(spec.schedule, tz, now, 1, task.anchor, spec.end_at)
    return CatchUp(task, catch_up_fires(spec.catch_up, missed, bound), len(missed),
                   upcoming[0] if upcoming else None)


def overdue_tasks(now: datetime) -> list[Task]:
    rows = list(TaskRow.select().where(
        TaskRow.enabled & TaskRow.next_run_at.is_null(False)
        & (TaskRow.next_run_at <= utc_text(now))))
    return task_store.load(rows, with_last_run=False)


def startup_tasks() -> list[Task]:
    rows = [r for r in TaskRow.select().where(TaskRow.enabled & (TaskRow.schedule_kind == "cron"))
            if r.schedule.get("expr", "").strip().lower() == "@reboot"]
    return task_store.load(rows, with_last_run=False)


def unclaimed_manual_runs() -> list[int]:
    return [r[0] for r in RunRow.select(RunRow.id).where(
        (RunRow.status == "queued") & RunRow.engine.is_null()).order_by(RunRow.id).tuples()]


@dataclass(frozen=True, slots=True)
class Retry:
    """A retry waiting out its backoff."""

    run_id: int
    task_id: int
    attempt: int
    fire: datetime
    due: datetime | None


def waiting_retries() -> list[Retry]:
    return [Retry(r.id, r.task_id, r.attempt, r.scheduled_for, r.due_at) for r in
            RunRow.select(RunRow.id, RunRow.task, RunRow.attempt, RunRow.scheduled_for,
                          RunRow.due_at)
            .where(RunRow.status == "retrying")]


@dataclass(slots=True)
class StartupPlan:
    """Everything the engine needs to know at start-up, read in one go."""

    now: datetime
    orphans: list[Run] = field(default_factory=list)  # marked interrupted already
    audit_mark: int = 0
    catch_ups: list[CatchUp] = field(default_factory=list)
    startup: list[Task] = field(default_factory=list)
    manual: list[int] = field(default_factory=list)
    retries: list[Retry] = field(default_factory=list)
    index: list[tuple[int, datetime]] = field(default_factory=list)  # (task, next run)
    edges: list[tuple[int, int, str]] = field(default_factory=list)


def plan_startup(store: Store, now: datetime) -> StartupPlan:
    """Interrupt what a dead engine left, and read what to run, arm and retry."""
    with store.write():
        orphans = interrupt_orphans(now)
    plan = StartupPlan(now, orphans)
    with store.read():
        mark = AuditEvent.select(AuditEvent.id).order_by(AuditEvent.id.desc()).first()
        plan.audit_mark = mark.id if mark else 0
        plan.catch_ups = [missed_fires(task, now) for task in overdue_tasks(now)]
        plan.startup = startup_tasks()
        plan.manual = unclaimed_manual_runs()
        plan.retries = waiting_retries()
        plan.index = list(TaskRow.select(TaskRow.id, TaskRow.next_run_at).where(
            TaskRow.enabled & TaskRow.next_run_at.is_null(False)).tuples())
        plan.edges = task_store.all_edges()
    return plan

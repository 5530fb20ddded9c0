"""What happens once an attempt has ended (dispatcher thread): retries with backoff, the
fallback task when the last attempt failed, notifications, and the dependency rules hearing
of the outcome (waiting downstreams, chain triggers)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from app.core.policy import backoff_delay, should_retry
from app.core.task import Task
from app.engine import sync
from app.engine.events import Notification, RunChanged
from app.engine.recorder import utcnow
from app.store import ledger, task_queries

if TYPE_CHECKING:
    from app.engine.engine import Engine


def after(engine: Engine, task: Task, run_id: int, fire: datetime, attempt: int, status: str,
           error: str | None) -> None:
    """Retries, fallback, notifications and chain triggers once an attempt has ended."""
    spec = task.spec
    task_id = task.id
    if status == "succeeded":
        if spec.notify_on_success:
            engine.hub.emit(Notification("success", f"{spec.name} succeeded",
                                         f"run {run_id} finished", run_id, task_id))
        on_success(engine, task, run_id, fire)
        return
    if status == "cancelled" or status == "skipped":
        if task_id in engine.booked:
            engine.upstreams.settled(task_id, fire, status, run_id)
        return
    if should_retry(status, attempt, spec.retries):
        delay = backoff_delay(attempt, spec.retry_delay, spec.backoff)
        due = utcnow() + timedelta(seconds=delay)
        if task_id in engine.booked:
            engine.upstreams.settled(task_id, fire, "retrying", run_id)
        engine._claim(task, fire, attempt + 1, "retry", status="retrying", due_at=due,
                      parent_run_id=run_id,
                      reason=f"attempt {attempt} {status}: {error or ''}; retry in {delay:.1f}s")
        return
    if task_id in engine.booked:
        engine.upstreams.settled(task_id, fire, status, run_id)
    if spec.notify_on_failure:
        engine.hub.emit(Notification(
            "failure", f"{spec.name} {status.replace('_', ' ')}",
            error or f"run {run_id} {status}", run_id, task_id))
    if spec.fallback:
        fallback = fallback_task(engine, spec.fallback)
        if fallback is not None:
            engine._claim(fallback, utcnow(), 1, "fallback", parent_run_id=run_id,
                          reason=f"fallback for {spec.name} run {run_id} ({status})")


def on_success(engine: Engine, task: Task, run_id: int, fire: datetime) -> None:
    """The dependency rules hear of a success: waiting downstreams, chain triggers."""
    task_id = task.id
    if task_id in engine.booked:
        engine.upstreams.settled(task_id, fire, "succeeded", run_id)
    if task_id in engine.chain_downs:
        engine.upstreams.succeeded(task, run_id)


def fallback_task(engine: Engine, name: str) -> Task | None:
    with engine.store.read():
        task_id = task_queries.id_named(name)
    return sync.task(engine, task_id) if task_id is not None else None


def retry_due(engine: Engine, run_id: int) -> None:
    info = engine._retries.pop(run_id, None)
    if info is None:
        return
    task_id, attempt, fire = info
    task = sync.task(engine, task_id)
    if task is None:
        return
    engine._due[run_id] = utcnow()
    engine.writer.submit(lambda: ledger.update(run_id, {"status": "queued"}))
    engine.hub.emit(RunChanged(run_id, task_id, task.name, "queued", utcnow(), attempt))
    engine._admit(task, run_id, fire, attempt)

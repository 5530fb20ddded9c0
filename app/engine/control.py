"""Runs the dispatcher hears of from outside: cancel requests, manual runs queued by a
service (adopted), runs that end before they start, and runs the engine's own stop cuts
off (dispatcher thread).

A run cut off by a stop is `interrupted` (never `cancelled`: that means a person cancelled
it) and its retry, when the task's policy gives one, is claimed `retrying` in the same
commit, due at once: the next engine runs it at start, as after a crash (`recovery`)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from app.core.policy import should_retry
from app.core.task import Task
from app.engine import sync
from app.engine.events import RunChanged
from app.engine.recorder import utcnow
from app.engine.watcher import RunRows
from app.store import ledger
from app.store import runs as run_store

if TYPE_CHECKING:
    from app.engine.engine import Engine


def finish_unstarted(engine: Engine, run_id: int, status: str, reason: str) -> None:
    """End a run that never started (cancelled, interrupted)."""
    engine.ready.remove(run_id)
    retry = engine._retries.pop(run_id, None)
    if retry is not None:
        engine.timing.disarm(f"r{run_id}")
    waiter = engine.upstreams.remove(run_id)
    meta = engine._meta.pop(run_id, None)
    engine._due.pop(run_id, None)
    task: Task | None = None
    fire: datetime | None = None
    attempt = 1
    if meta is not None:
        task, fire, attempt = meta
    elif waiter is not None:
        task, fire, attempt = waiter.data.task, waiter.data.fire, waiter.data.attempt
    elif retry is not None:
        task = engine._tasks.get(retry[0])
        attempt, fire = retry[1], retry[2]
    if status == "interrupted" and task is not None and fire is not None:
        interrupt(engine, task, run_id, fire, attempt, reason)
        return
    now = utcnow()
    engine.writer.submit(lambda: ledger.update(run_id, {"status": status, "finished_at": now,
                                                        "reason": reason}))
    if task is not None:
        engine.hub.emit(RunChanged(run_id, task.id, task.name, status, now, attempt,
                                   reason=reason))
        if fire is not None and task.id in engine.booked:
            engine.upstreams.settled(task.id, fire, status, run_id)


def interrupt(engine: Engine, task: Task, run_id: int, fire: datetime, attempt: int,
              reason: str, *, error: str | None = None, exit_code: int | None = None) -> None:
    """Record a run the engine's stop cut off: `interrupted`, and its retry by policy."""
    now = utcnow()
    retry = ((task.id, fire, attempt + 1, engine.id)
             if should_retry("interrupted", attempt, task.spec.retries) else None)
    event = RunChanged(run_id, task.id, task.name, "interrupted", now, attempt, reason=reason)
    hub = engine.hub

    def done(_retry_id: int | None, failed: BaseException | None) -> None:
        if failed is None:
            hub.emit(event)
    engine.writer.submit(lambda: ledger.interrupt(run_id, now, reason, error=error,
                                                  exit_code=exit_code, retry=retry), done)


def cancel(engine: Engine, run_id: int, reason: str) -> None:
    attempt = engine._attempts.get(run_id)
    if attempt is not None:
        attempt.cancel(reason)
    elif unstarted(engine, run_id):
        finish_unstarted(engine, run_id, "cancelled", reason)


def unstarted(engine: Engine, run_id: int) -> bool:
    return run_id in engine.ready or run_id in engine._retries or run_id in engine.upstreams.gate


def adopt(engine: Engine, run_id: int) -> None:
    """Take a manual run queued by another process (or by this one's service)."""
    engine_id = engine.id

    def work() -> tuple[int, datetime, int] | None:
        if not ledger.adopt(run_id, engine_id):
            return None
        return run_store.fire_of(run_id)

    def done(result: tuple[int, datetime, int] | None, error: BaseException | None) -> None:
        if result is not None:
            engine._post(lambda: adopted(engine, run_id, *result))
    engine.writer.submit(work, done)


def adopted(engine: Engine, run_id: int, task_id: int, fire: datetime, attempt: int) -> None:
    task = sync.task(engine, task_id)
    if task is None:
        return
    engine.upstreams.adopted(task_id, run_id, fire)
    engine._admit(task, run_id, fire, attempt)
    engine._pump()


def runs_seen(engine: Engine, rows: RunRows) -> None:
    """Runs changed in the store: adopt manual ones, honour cancel requests."""
    for run_id, status, owner, wanted in rows:  # owner: the engine that claimed it
        if status == "queued" and owner is None:
            adopt(engine, run_id)
        elif wanted and owner == engine.id and status not in ("cancelled",):
            cancel(engine, run_id, "cancelled on request")
        elif status == "cancelled" and unstarted(engine, run_id):
            finish_unstarted(engine, run_id, "cancelled", "cancelled on request")

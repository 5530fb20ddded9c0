"""What follows an attempt's end, decided: a retry with backoff, the fallback task when the
last attempt failed, a notification, and what the dependency rules hear of it.

`decide` is plain logic; the `Dispatcher` carries the decision out (`Dispatcher.after`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from app.core.policy import backoff_delay, should_retry
from app.core.run import Run, ending, paused_fallback
from app.core.task import Task
from app.engine.events import Notification


@dataclass(frozen=True, slots=True)
class After:
    """What to do once an attempt has ended."""

    settle: str | None  # the fire's state the dependency rules hear of (None: nothing)
    notify: Notification | None = None
    retry_delay: float | None = None  # seconds until the next attempt (None: no retry)
    fallback: str | None = None  # the task to run instead (by name)
    reason: str | None = None  # the retry's or the fallback's reason


def decide(task: Task, run_id: int, attempt: int, status: str, error: str | None) -> After:
    """Retries, fallback and notifications for an attempt of `task` that ended `status`."""
    spec = task.spec
    error = ending(None, error)  # its first line, as the Runs view says it: a Python action's
    # error of many lines was the retry's note and the notification's body whole
    if status == "succeeded":
        return After("succeeded", Notification(
            "success", f"{spec.name} succeeded", f"run {run_id} finished", run_id, task.id,
            task=spec.name)
            if spec.notify_on_success else None)
    if status == "cancelled" or status == "skipped":
        return After(status)
    if should_retry(status, attempt, spec.retries):
        delay = backoff_delay(attempt, spec.retry_delay, spec.backoff)
        spread = ", the retry delay ± 10 %" if delay > 0 else ""  # (backoff_delay's jitter)
        ended = status.replace("_", " ")
        said = f"{ended}: {error}" if error else ended
        return After("retrying", retry_delay=delay,
                     reason=f"retry of run {run_id} (attempt {attempt} {said}), due "
                            f"{delay:.1f} s after it ended{spread}")  # true before and after
    notify = Notification("failure", f"{spec.name} {status.replace('_', ' ')}",
                          error or f"run {run_id} {status}", run_id, task.id,
                          task=spec.name) \
        if spec.notify_on_failure else None
    if spec.fallback:
        return After(status, notify, fallback=spec.fallback,
                     reason=fallback_reason(spec.name, run_id, status))
    return After(status, notify)


def told(task: Task, run: Run) -> Notification | None:
    """What the engine that ended `run` told of it (`decide`'s note), read back from the
    store: a window that is a viewer of another engine hears that engine's runs this way. A
    run an engine's stop cut off (`CUT_OFF`) was not told (`cut_off`), nor a run not ended;
    a fallback's sequel is told as the fallback's own end (follows.py keeps it in memory)."""
    from app.core.task import FINISHED_STATUSES
    from app.engine.writes import CUT_OFF

    if run.status not in FINISHED_STATUSES or (run.status == "interrupted"
                                               and run.reason == CUT_OFF):
        return None
    return decide(task, run.id, run.attempt, run.status, run.error).notify


def fallback_reason(name: str, run_id: int, status: str) -> str:
    return f"fallback for {name} run {run_id} ({status})"


def cut_off(run_id: int, name: str, task_id: int, fire: datetime, attempt: int, retries: int,
            fallback: tuple[int, str, bool] | None, engine_id: str) -> dict[str, Any]:
    """What follows an attempt that an engine's stop or death cut off, as `ledger.interrupt`'s
    keywords: its retry by the task's policy, else its task's `fallback` (id, name, whether
    it is active — a paused one is only noted), as after any attempt that ended
    `interrupted` (the fallback of a last attempt the engine's kill -9 cut off never ran)."""
    if should_retry("interrupted", attempt, retries):
        return {"retry": (task_id, fire, attempt + 1, engine_id)}
    if fallback is not None and not fallback[2]:
        return {"noted": paused_fallback(fallback[1])}
    if fallback is not None:
        return {"fallback": (*fallback[:2], fallback_reason(name, run_id, "interrupted"))}
    return {}

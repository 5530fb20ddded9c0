"""Today's failures from before this window opened, in the bell's list.

The status bar's "failed today" is read from the store, so it counts a failure from before
the window (or the engine) restarted; the bell's list lived in the window's memory alone, so
it had no entry for it: "1 failed today" over a bell with nothing to show. The store is the
truth (DESIGN.md), and a person who sees the count wants to find the failure where failures
are told, so the bell follows the count: at the window's start it lists the fires the count
counts — the Runs view's "failed, not retried" of today, the same rule (`FINAL_FAILURE`) —
each as the engine that ended it told it (`outcomes.told`: not for a task that asked for no
failure notification), at the time it ended.

They come as read: the red count already says there are failures, and a bell that counted
again, at every start, the failures a person had seen before the restart would cry wolf; nor
do they pop up on the desktop again. A note the engine tells meanwhile (a run found
interrupted at its start) is not listed twice (`NotificationList.add_earlier`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from app.core.run import Run
from app.engine.events import Notification
from app.engine.outcomes import told
from app.gui.runs.reads import period_bounds
from app.service import Service
from app.store import runs as run_store
from app.store import task_queries
from app.store.runs import FINAL_FAILURE


@dataclass(frozen=True)
class Told:
    """A note of a run that ended before the window opened, and when it ended."""

    note: Notification
    at: datetime


def failures_today(service: Service, limit: int, now: datetime | None = None) -> list[Told]:
    """The notes of today's failures (as the status bar counts them), newest first, at most
    `limit` (on a pool thread)."""
    now = (now or datetime.now(UTC)).astimezone()
    since, _until = period_bounds("today", now, now.date(), now.date())
    with service.store.read():
        runs: list[Run] = run_store.page(0, limit, status=FINAL_FAILURE, since=since)
        tasks = {t.id: t for t in task_queries.by_ids({r.task_id for r in runs})}
    return [Told(note, run.finished_at or now) for run in runs if run.task_id in tasks
            and (note := told(tasks[run.task_id], run)) is not None]

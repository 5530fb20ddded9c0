"""What a task runs next, as the task table, `tickwork task list` and `task show` say it: a
retry waiting out its delay comes before the schedule's next fire when it falls due first —
a task whose run failed at 22:41 with a retry due at 22:42 read "next run 22:46" (its
schedule's), and `task show` said the retry was "due" at the time of the fire it retries."""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple


class Retry(NamedTuple):
    """A task's retry waiting out its delay that falls due first (app/store/runs.py's
    `first_retries`): a task running several fires at once (max instances above 1) may have
    several, and its newest run need not be one — a newer fire running hid it."""

    due: datetime
    run_id: int
    attempt: int


def next_due(next_run_at: datetime | None,
             retry_due: datetime | None) -> tuple[datetime | None, bool]:
    """When the task runs next, and whether that is its retry (`retry_due`: when its first
    retry waiting out its delay falls due, of any of its runs; None when there is none)."""
    if retry_due is not None and (next_run_at is None or retry_due <= next_run_at):
        return retry_due, True
    return next_run_at, False

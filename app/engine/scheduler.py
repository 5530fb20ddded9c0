"""APScheduler decides *when*; it never runs anything itself.

Each task that falls due within the horizon has one APScheduler date job at its next fire
time (computed by the task's own APScheduler trigger, see `app.core.schedule`). When a job
falls due, APScheduler hands it to `HandOff`, an executor whose whole work is to pass
`(task, scheduled time)` to the dispatcher. Retries waiting out their backoff are date jobs
too. Tasks further away than the horizon are not held in memory at all: the engine refills
from the store's index on `next_run_at`, so 100,000 defined tasks cost what the next
minute's worth of fires cost. This is the "horizon" design the engine issue asks for.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from apscheduler.executors.base import BaseExecutor
from apscheduler.jobstores.base import JobLookupError
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.date import DateTrigger

log = logging.getLogger(__name__)

FireHandler = Callable[[str, list[datetime]], None]


def _never_called() -> None:  # the job function: HandOff never calls it
    raise AssertionError("Tickwork jobs are handed to the dispatcher, not run")


class HandOff(BaseExecutor):  # type: ignore[misc]
    """An APScheduler executor that runs nothing: it hands the due job to the dispatcher."""

    def __init__(self, on_fire: FireHandler) -> None:
        super().__init__()
        self._on_fire = on_fire

    def submit_job(self, job: Any, run_times: list[datetime]) -> None:
        # No instance bookkeeping: the dispatcher applies max_instances itself.
        try:
            self._on_fire(job.id, run_times)
        except Exception:
            log.exception("dispatcher hand-off failed for %s", job.id)

    def _do_submit_job(self, job: Any, run_times: list[datetime]) -> None:  # pragma: no cover
        raise NotImplementedError


class Timing:
    """The APScheduler instance and the jobs it holds: `t<task id>` and `r<run id>`."""

    def __init__(self, on_fire: FireHandler) -> None:
        self.scheduler = BackgroundScheduler(
            executors={"default": HandOff(on_fire)},
            job_defaults={"misfire_grace_time": None, "coalesce": False,
                          "max_instances": 1_000_000},
            timezone=UTC,
            daemon=True,
        )

    def start(self) -> None:
        self.scheduler.start()

    def stop(self) -> None:
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)

    def wakeup(self) -> None:
        """Re-examine the job store now (after a clock jump or resume)."""
        self.scheduler.wakeup()

    def arm(self, job_id: str, at: datetime) -> None:
        self.scheduler.add_job(_never_called, DateTrigger(at, timezone=UTC), id=job_id,
                               replace_existing=True)

    def disarm(self, job_id: str) -> None:
        try:
            self.scheduler.remove_job(job_id)
        except JobLookupError:
            pass

    def clear(self) -> None:
        self.scheduler.remove_all_jobs()

    def job_count(self) -> int:
        return len(self.scheduler.get_jobs())

    def next_time(self) -> datetime | None:
        jobs = self.scheduler.get_jobs()
        times = [j.next_run_time for j in jobs if j.next_run_time is not None]
        return min(times) if times else None

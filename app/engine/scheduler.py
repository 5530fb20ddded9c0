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

import contextlib
import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from apscheduler.executors.base import BaseExecutor
from apscheduler.job import Job
from apscheduler.jobstores.base import JobLookupError
from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.date import DateTrigger

from app.core.schedule.triggers import fire_after

log = logging.getLogger(__name__)

FireHandler = Callable[[str, list[datetime]], None]


def next_after(trigger: BaseTrigger, fire: datetime) -> datetime | None:
    """A trigger's next fire strictly after `fire`, in UTC: how the engine steps a task's
    schedule (and recovery and the simulation with it). The rule lives once, in
    `app.core.schedule.triggers.fire_after` (DST: see `app.core.schedule.zones`)."""
    return fire_after(trigger, fire)


def _never_called() -> None:  # the job function: HandOff never calls it
    raise AssertionError("Tickwork jobs are handed to the dispatcher, not run")


_FUNC_REF = f"{__name__}:_never_called"


class _Once(BaseTrigger):  # type: ignore[misc]
    """The trigger of an armed fire: due at the job's `next_run_time`, then never again.

    The task's real trigger has already computed that time; one shared instance serves every
    armed job, so a job costs one object.
    """

    def get_next_fire_time(self, previous_fire_time: datetime | None,
                           now: datetime) -> datetime | None:
        return None

    def __str__(self) -> str:
        return "once"


_ONCE = _Once()


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
        self.store = MemoryJobStore()
        self.scheduler = BackgroundScheduler(
            jobstores={"default": self.store},
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

    def arm_many(self, items: list[tuple[str, datetime]]) -> None:
        """Arm many fires at once: one lock, one wake-up.

        `add_job` validates the callable's signature and fires an event per job, which costs
        more than the dispatcher's whole work for a fire at 5,000 fires a second. Armed jobs
        are all alike, so they are built directly (as APScheduler's own `Job.__setstate__`
        does for jobs read back from a store) and put into the memory store under the
        scheduler's job-store lock. APScheduler is pinned below 4 for this.
        """
        if not items:
            return
        lookup, remove, add = self.store.lookup_job, self.store.remove_job, self.store.add_job
        with self.scheduler._jobstores_lock:
            for job_id, at in items:
                job = Job.__new__(Job)
                job._scheduler = self.scheduler
                job._jobstore_alias = "default"
                job.id = job_id
                job.func_ref = _FUNC_REF
                job.func = _never_called
                job.trigger = _ONCE
                job.executor = "default"
                job.args = ()
                job.kwargs = {}
                job.name = job_id
                job.misfire_grace_time = None
                job.coalesce = False
                job.max_instances = 1_000_000
                job.next_run_time = at
                if lookup(job_id) is not None:  # (re-armed: a raised JobLookupError costs
                    remove(job_id)              # more than a look, most jobs are new)
                add(job)
        if self.scheduler.running:
            self.scheduler.wakeup()

    def disarm(self, job_id: str) -> None:
        with contextlib.suppress(JobLookupError):
            self.scheduler.remove_job(job_id)

    def clear(self) -> None:
        self.scheduler.remove_all_jobs()

    def job_count(self) -> int:
        return len(self.scheduler.get_jobs())

    def next_time(self) -> datetime | None:
        when: datetime | None = self.store.get_next_run_time()
        return when

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
from threading import TIMEOUT_MAX
from typing import Any

from apscheduler.executors.base import BaseExecutor
from apscheduler.job import Job
from apscheduler.jobstores.base import JobLookupError
from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import STATE_PAUSED, STATE_STOPPED
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.date import DateTrigger

from app.core.schedule.triggers import fire_after

log = logging.getLogger(__name__)

DueHandler = Callable[[list[tuple[str, list[datetime]]]], None]


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
    """An APScheduler executor that runs nothing: it hands the due job to the dispatcher
    (a job `_Scheduler` does not hand over itself)."""

    def __init__(self, on_due: DueHandler) -> None:
        super().__init__()
        self._on_due = on_due

    def submit_job(self, job: Any, run_times: list[datetime]) -> None:
        # No instance bookkeeping: the dispatcher applies max_instances itself.
        try:
            self._on_due([(job.id, run_times)])
        except Exception:
            log.exception("dispatcher hand-off failed for %s", job.id)

    def _do_submit_job(self, job: Any, run_times: list[datetime]) -> None:  # pragma: no cover
        raise NotImplementedError


class _Scheduler(BackgroundScheduler):  # type: ignore[misc]
    """APScheduler's background scheduler, its loop and its timing as they are, with one
    short cut in its look at the due jobs: every job the engine arms is due once, so the due
    ones leave the memory store in one slice and reach the dispatcher in one call (`on_due`).

    APScheduler's own look hands them over one by one — per job an executor lookup, two
    events, a `remove_job` that searches the store and shifts its list, a log call — which
    held the engine's interpreter an eighth of the time at 300,000 fires a minute (py-spy
    --gil). A due job of any other kind (none is armed today) takes APScheduler's own way,
    as does a paused scheduler.
    """

    def __init__(self, on_due: DueHandler, store: _Store,
                 now: Callable[[], datetime], **options: Any) -> None:
        super().__init__(**options)
        self._on_due = on_due
        self._memory = store
        self._now = now  # the engine's clock (a test's moved one too)

    def _process_jobs(self) -> float | None:
        if self.state == STATE_PAUSED:
            return self._own_look()
        now = self._now()
        with self._jobstores_lock:
            due = self._memory.take_due(now.timestamp())
            if due is None:  # (not all one-shots)
                return self._own_look()
            if due:
                try:
                    self._on_due([(job.id, [job.next_run_time]) for job in due])
                except Exception:
                    log.exception("dispatcher hand-off failed for %d jobs", len(due))
            next_run: datetime | None = self._memory.get_next_run_time()
        if next_run is None:
            return None
        return min(max(next_run.timestamp() - self._now().timestamp(), 0.0), TIMEOUT_MAX)


    def _own_look(self) -> float | None:
        """APScheduler's own look at the due jobs. A stop while it looks ends it quietly: it
        removes a one-shot it has handed over by looking among a stopped scheduler's pending
        jobs, and raised JobLookupError on its thread (a traceback at the engine's stop)."""
        try:
            return super()._process_jobs()  # type: ignore[no-any-return]
        except JobLookupError:
            if self.state == STATE_STOPPED:
                return None
            raise


class _Store(MemoryJobStore):  # type: ignore[misc]
    """APScheduler's memory job store, from which the due jobs can leave in one slice."""

    def take_due(self, now: float) -> list[Job] | None:
        """The jobs due at `now` (a timestamp), taken out of the store in time order; None,
        taking nothing, when one of them is not a one-shot (APScheduler's own look then)."""
        count = 0
        for job, ts in self._jobs:  # (job, timestamp), by time; a paused job's None, last
            if ts is None or ts > now:
                break
            if job.trigger is not _ONCE and type(job.trigger) is not DateTrigger:
                return None
            count += 1
        due = [job for job, _ts in self._jobs[:count]]
        del self._jobs[:count]
        for job in due:
            del self._jobs_index[job.id]
        return due


class Timing:
    """The APScheduler instance and the jobs it holds: `t<task id>` and `r<run id>`."""

    def __init__(self, on_due: DueHandler, now: Callable[[], datetime]) -> None:
        self.store = _Store()
        self.scheduler = _Scheduler(
            on_due, self.store, now,
            jobstores={"default": self.store},
            executors={"default": HandOff(on_due)},
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

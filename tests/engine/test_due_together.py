"""APScheduler's look at the due jobs, as the engine has it (`scheduler._Scheduler`): the
due one-shots leave the store together and reach the dispatcher in one call, in time order,
each once; what is not due stays; a job of another kind takes APScheduler's own way. The
scheduler's clock is the engine's (here a fixed one): nothing waits on real time but the
scheduler thread's first look."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.base import STATE_STOPPED
from apscheduler.triggers.interval import IntervalTrigger

from app.engine.scheduler import Timing
from tests.engine.conftest import wait_until

T0 = datetime(2026, 3, 28, 9, 0, tzinfo=UTC)


class Heard:
    def __init__(self, expect: int) -> None:
        self.calls: list[list[tuple[str, list[datetime]]]] = []
        self.expect = expect
        self.done = threading.Event()

    def __call__(self, due: list[tuple[str, list[datetime]]]) -> None:
        self.calls.append(due)
        if sum(len(c) for c in self.calls) >= self.expect:
            self.done.set()


def test_a_top_of_the_hour_reaches_the_dispatcher_in_one_call_each_fire_once() -> None:
    heard = Heard(3_001)
    timing = Timing(heard, lambda: T0)
    top = [(f"t{i}", T0) for i in range(3_000)]
    earlier = [("t9001", T0 - timedelta(seconds=5))]
    later = [(f"t{i}", T0 + timedelta(minutes=1)) for i in range(5_000, 5_010)]
    timing.arm_many(top + later + earlier)
    timing.arm("r77", T0 + timedelta(seconds=30))  # a retry's backoff (a DateTrigger job)
    timing.start()
    try:
        assert heard.done.wait(10)
        left, next_time = timing.job_count(), timing.next_time()
        handed_gone = timing.store.lookup_job("t0") is None
        later_kept = timing.store.lookup_job("t5000") is not None
    finally:
        timing.stop()
    assert len(heard.calls) == 1  # one hand-off for the whole burst
    (due,) = heard.calls
    assert due[0] == ("t9001", [T0 - timedelta(seconds=5)])  # time order: the earliest first
    assert sorted(job_id for job_id, _ in due[1:]) == sorted(job_id for job_id, _ in top)
    assert all(times == [T0] for _, times in due[1:])
    # what was handed over has left the store; the rest waits, the earliest next
    assert left == 11
    assert next_time == T0 + timedelta(seconds=30)
    assert handed_gone and later_kept


def test_a_due_job_of_another_kind_takes_apschedulers_own_way() -> None:
    heard = Heard(2)
    timing = Timing(heard, lambda: T0)  # (APScheduler's own look reads the real clock: T0
    # must be past for it too)
    timing.arm_many([("t1", T0)])
    timing.scheduler.add_job(lambda: None, IntervalTrigger(minutes=5, start_date=T0 - timedelta(
        minutes=5), timezone=UTC), id="every5", next_run_time=T0)
    timing.start()
    try:
        assert heard.done.wait(10)
        gone = wait_until(lambda: timing.store.lookup_job("t1") is None, 5)  # (APScheduler
        job = timing.store.lookup_job("every5")  # removes it once it has handed it over)
    finally:
        timing.stop()
    handed = [item for call in heard.calls for item in call]
    assert sorted(job_id for job_id, _ in handed) == ["every5", "t1"]
    # APScheduler stepped the interval job on and kept it; the one-shot is gone
    assert job is not None and job.next_run_time > T0
    assert gone


def test_a_stop_while_apschedulers_own_look_hands_a_one_shot_over_is_quiet() -> None:
    """APScheduler's own look (a due job of another kind among them) hands the one-shot
    over, then removes it; an engine stopping meanwhile made that removal look among a
    stopped scheduler's pending jobs, and its thread died with JobLookupError."""
    died: list[BaseException | None] = []
    hook, threading.excepthook = threading.excepthook, lambda args: died.append(args.exc_value)
    stopper: list[threading.Thread] = []

    def on_due(due: list[tuple[str, list[datetime]]]) -> None:
        if any(job_id == "t1" for job_id, _ in due) and not stopper:  # stopped right here
            stopping = threading.Thread(target=timing.stop)
            stopping.start()
            stopper.append(stopping)  # (started first: the test joins it once it is listed)
            wait_until(lambda: timing.scheduler.state == STATE_STOPPED, 5)

    timing = Timing(on_due, lambda: T0)
    timing.arm_many([("t1", T0)])
    timing.scheduler.add_job(lambda: None, IntervalTrigger(minutes=5, start_date=T0 - timedelta(
        minutes=5), timezone=UTC), id="every5", next_run_time=T0)
    try:
        timing.start()
        wait_until(lambda: stopper, 10)
        stopper[0].join(10)
        assert not stopper[0].is_alive()
    finally:
        threading.excepthook = hook
    assert died == []

"""Wall-clock jumps on a real engine, judged by the ledger: forward (an NTP step, a resume
from suspend) follows the catch-up policy, as after downtime; back, no task waits out the
length of the jump; a backlog under load is not a jump.

The wall clock is shifted for the engine and for APScheduler alike (it reads
`datetime.now`), as in a real jump; monotonic time goes on (app/engine/jumps.py)."""

from __future__ import annotations

import itertools
import logging
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import apscheduler.schedulers.base as aps_base
import pytest

from app.engine.clock import JumpDetector, ShiftedClock, SimulatedClock
from tests.conftest import command_task
from tests.engine.conftest import wait_until

T0 = datetime(2026, 3, 28, 12, 0, tzinfo=UTC)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> ShiftedClock:
    shifted = ShiftedClock()

    class Jumped(datetime):
        @classmethod
        def now(cls, tz: Any = None) -> Any:  # type: ignore[override]
            return datetime.now(tz) + timedelta(seconds=shifted.shift)

    monkeypatch.setattr(aps_base, "datetime", Jumped)
    return shifted


@pytest.fixture
def engine(store: Any, service: Any, clock: ShiftedClock) -> Iterator[Any]:
    from app.engine.engine import Engine

    # pace 1: the store thread's periodic look for a jump comes every 2 s, as in use
    eng = Engine(store, workers=4, metrics=False, backups=False, clock=clock, pace=1.0)
    service.subscribe(eng.on_service_change)
    yield eng
    eng.stop(grace=2)


def _made_long_ago(*names: str) -> None:
    """The tasks were made two days ago (a cron task counts its window from its creation:
    one made while the clock was wrong is a case of its own, not these tests')."""
    from app.store.models import TaskRow

    TaskRow.update(created_at=datetime.now(UTC) - timedelta(days=2)).where(
        TaskRow.name.in_(names)).execute()


def _rows(service: Any, name: str) -> list[Any]:
    return sorted(service.list_runs(task=name, limit=5000), key=lambda r: r.scheduled_for)


def _settled(service: Any, clock: ShiftedClock, *names: str) -> None:
    """Every task's stored next run is ahead of the (jumped) clock again; then a little
    longer, for any fire still on its way. (30 s at most: in a full suite beside other work
    it once took more than the 10 s it had; the whole test takes 5 s alone, 8–12 s under
    three busy loops.)"""
    wait_until(lambda: all(service.get_task(n).next_run_at > clock.now() for n in names), 30)
    time.sleep(1.0)


@pytest.mark.parametrize(("policy", "runs"), [("skip", 0), ("once", 1), ("all", 60)])
def test_a_forward_jump_follows_the_catch_up_policy(
        engine: Any, service: Any, clock: ShiftedClock, policy: str, runs: int) -> None:
    service.create_task(command_task("minutely", catch_up=policy, overlap="queue",
                                     schedule={"kind": "interval", "seconds": 60}))
    engine.start()
    first = service.get_task("minutely").next_run_at
    clock.shift = 3600.0  # the wall clock steps an hour on (monotonic goes on)
    _settled(service, clock, "minutely")
    rows = _rows(service, "minutely")
    assert [r.trigger for r in rows] == ["catch_up"] * runs
    missed = [first + timedelta(seconds=60 * k) for k in range(60)]  # up to the jump's now
    assert [r.scheduled_for for r in rows] == {"skip": [], "once": missed[-1:],
                                               "all": missed}[policy]
    assert all("after a clock jump of +3600 s: 60 fires missed" in (r.reason or "")
               for r in rows)
    assert service.get_task("minutely").next_run_at == missed[-1] + timedelta(seconds=60)


def test_a_resume_after_a_night_runs_an_hourly_task_once(
        engine: Any, service: Any, clock: ShiftedClock) -> None:
    # a suspend: monotonic time stood still while the wall clock moved on 8 hours
    service.create_task(command_task("hourly", catch_up="once",
                                     schedule={"kind": "cron", "expr": "0 * * * *"}))
    service.create_task(command_task("skipped", catch_up="skip",
                                     schedule={"kind": "cron", "expr": "*/10 * * * *"}))
    engine.start()
    clock.shift = 8 * 3600.0
    _settled(service, clock, "hourly", "skipped")
    (row,) = _rows(service, "hourly")
    now = clock.now()
    assert row.trigger == "catch_up"
    assert row.scheduled_for == now.replace(minute=0, second=0, microsecond=0)
    assert _rows(service, "skipped") == []


def test_a_backward_jump_keeps_interval_and_cron_tasks_firing(
        engine: Any, service: Any, clock: ShiftedClock) -> None:
    service.create_task(command_task("every2s", schedule={"kind": "interval", "seconds": 2}))
    service.create_task(command_task("cron2s", schedule={"kind": "cron",
                                                         "expr": "*/2 * * * * *"}))
    at = (datetime.now(UTC) + timedelta(hours=1)).replace(microsecond=0)
    service.create_task(command_task("once", schedule={"kind": "date", "at": at.isoformat()}))
    _made_long_ago("every2s", "cron2s")
    engine.start()
    wait_until(lambda: all(_rows(service, n) for n in ("every2s", "cron2s")), 5)
    clock.shift = -600.0  # the clock is set back ten minutes
    back = clock.now()
    # within 5 s both fire again, at times on the new clock
    wait_until(lambda: all(any(r.scheduled_for < back + timedelta(seconds=60)
                               for r in _rows(service, n)) for n in ("every2s", "cron2s")),
               5)
    # the interval keeps the time that remained (its pace and phase); the cron fires on its
    # own seconds, from the new now
    rows = _rows(service, "every2s")
    assert all((r.scheduled_for - rows[0].scheduled_for).total_seconds() % 2 == 0
               for r in rows)
    assert back - timedelta(seconds=0.5) < rows[0].scheduled_for < back + timedelta(seconds=2)
    assert all(r.scheduled_for.second % 2 == 0 and r.scheduled_for.microsecond == 0
               for r in _rows(service, "cron2s"))
    assert service.get_task("cron2s").next_run_at < clock.now() + timedelta(seconds=3)
    assert service.get_task("once").next_run_at == at  # a one-shot keeps its instant


def test_tasks_sharing_a_schedule_keep_their_own_next_fire_after_a_set_back(
        engine: Any, service: Any, clock: ShiftedClock) -> None:
    """A set back computes a schedule once for the tasks that share it — but a calendar's
    count starts at each task's own start, and a cron's window may not have begun."""
    monday = datetime(2026, 1, 5, tzinfo=UTC)  # a Monday long ago: the fortnights' phases
    # their hour half a day from now: a set back of ten minutes crosses none of their fires
    # (at 03:00 it failed within ten minutes after 03:00 on a fortnight's Monday: the set
    # back clock made that morning's fire due again, as it should)
    hour = (datetime.now(UTC) + timedelta(hours=12)).hour
    fortnight = {"kind": "calendar", "weeks": 2, "hour": hour, "minute": 0}
    for name, start in (("fortnight-a", monday), ("fortnight-b", monday + timedelta(weeks=1))):
        service.create_task(command_task(name, schedule=fortnight, timezone="UTC",
                                         start_at=start.isoformat()))
    every2s = {"kind": "cron", "expr": "*/2 * * * * *"}
    later = (datetime.now(UTC) + timedelta(hours=2)).replace(microsecond=0)
    later += timedelta(seconds=later.second % 2)  # a fire of its own: an even second
    service.create_task(command_task("cron2s", schedule=every2s))
    service.create_task(command_task("cron2s-later", schedule=every2s,
                                     start_at=later.isoformat()))
    _made_long_ago("cron2s", "cron2s-later")
    engine.start()
    before = {n: service.get_task(n).next_run_at for n in ("fortnight-a", "fortnight-b")}
    assert abs(before["fortnight-a"] - before["fortnight-b"]) == timedelta(weeks=1)
    wait_until(lambda: _rows(service, "cron2s"), 5)
    clock.shift = -600.0  # the clock is set back ten minutes
    back = clock.now()
    wait_until(lambda: any(r.scheduled_for < back + timedelta(seconds=60)
                           for r in _rows(service, "cron2s")), 5)
    assert {n: service.get_task(n).next_run_at for n in before} == before
    assert service.get_task("cron2s-later").next_run_at == later  # its window's start
    assert _rows(service, "cron2s-later") == []


def test_a_clock_set_a_day_ahead_then_fixed_leaves_no_task_silent(
        engine: Any, service: Any, clock: ShiftedClock) -> None:
    for name, schedule in (("every2s", {"kind": "interval", "seconds": 2}),
                           ("cron2s", {"kind": "cron", "expr": "*/2 * * * * *"}),
                           ("daily", {"kind": "cron", "expr": "0 3 * * *"})):
        service.create_task(command_task(name, catch_up="skip", schedule=schedule))
    _made_long_ago("every2s", "cron2s", "daily")
    engine.start()
    daily = service.get_task("daily").next_run_at
    clock.shift = 86400.0
    _settled(service, clock, "every2s", "cron2s", "daily")
    assert _rows(service, "daily") == []  # skip: the day's fire is not run
    clock.shift = 0.0  # fixed
    fixed = clock.now()
    wait_until(lambda: all(any(fixed <= r.scheduled_for < fixed + timedelta(seconds=60)
                               for r in _rows(service, n)) for n in ("every2s", "cron2s")),
               5)
    assert service.get_task("daily").next_run_at == daily  # its fire as it was
    assert not [r for n in ("every2s", "cron2s", "daily") for r in _rows(service, n)
                if r.trigger != "schedule"]


def test_a_backlog_under_load_is_not_a_jump(
        engine: Any, service: Any, clock: ShiftedClock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, "tickwork.engine")
    service.create_task(command_task("every1s", catch_up="skip", overlap="queue",
                                     schedule={"kind": "interval", "seconds": 1}))
    engine.start()
    wait_until(lambda: _rows(service, "every1s"), 5)
    busy = threading.Event()

    def hold() -> None:  # the dispatcher is busy for 3.5 s: fires wait in its inbox
        busy.set()
        time.sleep(3.5)
    engine.post(hold)
    busy.wait(2)
    held_from = clock.now()
    time.sleep(3.5)
    wait_until(lambda: [r for r in _rows(service, "every1s")
                        if r.scheduled_for > held_from + timedelta(seconds=3)], 5)
    late = [r for r in _rows(service, "every1s")
            if held_from < r.scheduled_for < held_from + timedelta(seconds=3)]
    assert len(late) >= 2 and all(r.trigger == "schedule" for r in late)  # run, not skipped
    assert not [r for r in caplog.records if "clock jumped" in r.getMessage()]


def test_the_detector_reports_a_jump_once_and_lateness_never() -> None:
    clock = SimulatedClock(T0)
    detector = JumpDetector(clock)
    clock.advance(3600)  # an hour passes (a late look): wall and monotonic move alike
    assert detector.check() is None
    clock.set(clock.now() + timedelta(seconds=8 * 3600))  # a resume: wall only
    assert detector.check() == 8 * 3600
    assert detector.check() is None  # reported once
    clock.set(clock.now() - timedelta(seconds=600))
    assert detector.check() == -600
    clock.set(clock.now() + timedelta(seconds=1.5))  # below the threshold: not a jump
    assert detector.check() is None


def test_a_look_from_the_store_thread_leaves_the_jump_to_the_dispatcher() -> None:
    clock = SimulatedClock(T0)
    detector = JumpDetector(clock)
    for _ in range(3):  # slow drift, each step below the threshold: taken as the baseline
        clock.set(clock.now() + timedelta(seconds=1.5))
        assert not detector.look()
    assert detector.check() is None  # 4.5 s of drift in all, never a jump
    clock.set(clock.now() + timedelta(seconds=600))
    assert detector.look() and detector.look()  # seen, and left ...
    assert detector.check() == 600  # ... to the dispatcher's look, which handles it
    assert not detector.look()
    detector._offset = None  # the first reading lost the processor (review: an idle engine
    assert not detector.look()  # then never looked again); a look takes the baseline ...
    clock.set(clock.now() + timedelta(seconds=600))
    assert detector.look() and detector.check() == 600  # ... and sees the next jump


def test_a_retry_waiting_out_its_backoff_keeps_the_time_that_remained(
        engine: Any, service: Any, clock: ShiftedClock) -> None:
    service.create_task(command_task("flaky", retries=1, retry_delay=3,
                                     schedule={"kind": "manual"},
                                     action={"kind": "command", "argv": ["false"]}))
    engine.start()
    service.run_now("flaky")
    (retry,) = wait_until(lambda: [r for r in _rows(service, "flaky")
                                   if r.status == "retrying"], 5)
    due = _due_at(retry.id)
    clock.shift = -600.0  # set back while the retry waits: it still comes after ~3 s
    wait_until(lambda: _due_at(retry.id) == due - timedelta(seconds=600), 3)  # stored too
    wait_until(lambda: [r for r in _rows(service, "flaky")
                        if r.attempt == 2 and r.status == "failed"], 6)


def _due_at(run_id: int) -> datetime | None:
    from app.store.models import RunRow

    due: datetime | None = RunRow.get_by_id(run_id).due_at
    return due


def test_fires_that_ran_before_a_short_jump_back_are_not_run_again(
        engine: Any, service: Any, clock: ShiftedClock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, "tickwork.engine")
    service.create_task(command_task("cron1s", schedule={"kind": "cron",
                                                         "expr": "* * * * * *"}))
    _made_long_ago("cron1s")
    engine.start()
    wait_until(lambda: len(_rows(service, "cron1s")) >= 2, 6)
    clock.shift = -5.0  # the fires of the last 5 s fall due again: each ran already
    back = clock.now()
    wait_until(lambda: any(r.scheduled_for > back + timedelta(seconds=5.5)
                           for r in _rows(service, "cron1s")), 12)
    fires = [r.scheduled_for for r in _rows(service, "cron1s")]
    assert len(fires) == len(set(fires))  # each once
    assert all((b - a).total_seconds() == 1 for a, b in itertools.pairwise(fires))  # none lost
    loud = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(loud) == 1 and "wall clock jumped by -5.0s" in loud[0]


def test_a_calendar_task_fires_at_its_next_time_on_a_clock_set_back(
        engine: Any, service: Any, clock: ShiftedClock) -> None:
    """README: after a jump back a calendar schedule fires at its next time on the new clock
    (the tests above set cron and interval tasks back). Its time today has passed: its next
    fire is tomorrow; the clock set back to 3 s before today's makes today's its next."""
    now = clock.now()
    today = (now - timedelta(seconds=5)).replace(microsecond=0)  # passed, on the old clock
    daily = {"kind": "calendar", "days": 1, "hour": today.hour, "minute": today.minute,
             "second": today.second}
    service.create_task(command_task("daily", schedule=daily, timezone="UTC"))
    _made_long_ago("daily")
    engine.start()
    assert service.get_task("daily").next_run_at == today + timedelta(days=1)
    clock.shift = (today - timedelta(seconds=3) - now).total_seconds()  # about -8 s
    (row,) = wait_until(lambda: _rows(service, "daily"), 8)  # not tomorrow
    assert row.scheduled_for == today and row.trigger == "schedule"
    wait_until(lambda: service.get_task("daily").next_run_at == today + timedelta(days=1), 5)

"""Wall-clock jumps on a real engine, judged by the ledger: forward (an NTP step, a resume
from suspend) follows the catch-up policy, as after downtime; a backlog under load is not a
jump.

The wall clock is shifted for the engine and for APScheduler alike (it reads
`datetime.now`), as in a real jump; monotonic time goes on (app/engine/jumps.py)."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import apscheduler.schedulers.base as aps_base
import pytest

from app.engine.clock import JumpDetector, SimulatedClock
from tests.conftest import command_task
from tests.engine.conftest import wait_until
from tests.engine.test_clock_and_metrics import ShiftedClock

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


def _rows(service: Any, name: str) -> list[Any]:
    return sorted(service.list_runs(task=name, limit=5000), key=lambda r: r.scheduled_for)


def _settled(service: Any, clock: ShiftedClock, *names: str) -> None:
    """Every task's stored next run is ahead of the (jumped) clock again; then a little
    longer, for any fire still on its way."""
    wait_until(lambda: all(service.get_task(n).next_run_at > clock.now() for n in names), 10)
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
    assert all("after a clock jump of +3600s: 60 fire(s) missed" in (r.reason or "")
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

"""The engine's logic in simulated time: the clock itself, and a day of fires with retries
played through the real dispatcher (`SimulatedEngine`) in a fraction of a second."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from app.core.schedule import Schedule
from app.core.task import Action, Task, TaskSpec
from app.engine.clock import SimulatedClock
from app.engine.events import RunChanged
from app.engine.executor import Attempt
from app.engine.simulated import SimulatedEngine

T0 = datetime(2026, 3, 28, 0, 0, tzinfo=UTC)
DAY = 86_400.0


def test_the_simulated_clock_runs_calls_in_time_order_and_never_blocks() -> None:
    clock = SimulatedClock(T0)
    seen: list[tuple[str, float]] = []
    clock.call_later(5, lambda: seen.append(("b", clock.time() - T0.timestamp())))
    clock.call_later(2, lambda: clock.call_later(1, lambda: seen.append(
        ("a", clock.time() - T0.timestamp()))))
    clock.advance(4)
    assert seen == [("a", 3.0)] and clock.monotonic() == 4.0
    assert clock.wait(threading.Event(), 10) is False  # time moved on by the timeout instead
    assert seen == [("a", 3.0), ("b", 5.0)] and clock.now() == T0 + timedelta(seconds=14)
    clock.set(T0)  # a wall-clock jump back: monotonic time does not move
    assert clock.now() == T0 and clock.monotonic() == 14.0
    clock.call_later(100, lambda: seen.append(("c", 0.0)))
    clock.run_until_idle()
    assert seen[-1][0] == "c" and clock.next_due() is None


def _minutely(task_id: int, **extra: object) -> Task:
    spec = TaskSpec(name=f"every-minute-{task_id}", action=Action(kind="python", target="x:y"),
                    schedule=Schedule(kind="interval", seconds=60.0), notify_on_failure=False,
                    **extra)  # type: ignore[arg-type]
    return Task(task_id, spec, next_run_at=T0 + timedelta(minutes=1), created_at=T0)


def test_a_day_of_minutely_fires_each_failing_once_and_retried_after_its_backoff() -> None:
    def outcome(attempt: Attempt) -> tuple[float, str]:
        return 5.0, ("failed" if attempt.attempt == 1 else "succeeded")

    sim = SimulatedEngine([_minutely(1, retries=1, retry_delay=10.0)], [], start=T0,
                          workers=4, outcome=outcome)
    sim.run(until=T0 + timedelta(seconds=DAY + 30))
    starts = [(at - T0.timestamp(), a.attempt, a.scheduled_for) for at, a in
              sim.executor.started]
    firsts = [(at, fire) for at, n, fire in starts if n == 1]
    retries = {fire: at for at, n, fire in starts if n == 2}
    assert len(firsts) == 1440  # every minute of the day, none lost
    for at, fire in firsts:
        assert at == (fire - T0).total_seconds()  # on time, to the simulated microsecond
        # it failed after 5 s; its retry waits 10 s ± 10 % jitter
        assert 5 + 9 <= retries[fire] - at <= 5 + 11
    assert len(retries) == 1440
    statuses = [e.status for e in sim.events if isinstance(e, RunChanged)]
    assert statuses.count("retrying") == 1440 and statuses.count("queued") == 2 * 1440


def test_overlapping_fires_follow_the_overlap_policy_in_simulated_time() -> None:
    def slow(attempt: Attempt) -> tuple[float, str]:
        return 150.0, "succeeded"  # each run takes two and a half minutes

    skip = _minutely(1, overlap="skip")
    queue = _minutely(2, overlap="queue")
    sim = SimulatedEngine([skip, queue], [], start=T0, workers=4, outcome=slow)
    sim.run(until=T0 + timedelta(minutes=10, seconds=1))
    started: dict[int, list[float]] = {1: [], 2: []}
    for at, attempt in sim.executor.started:
        started[attempt.task_id].append(at - T0.timestamp())
    # skip: a fire while the run goes is dropped (fires at 60, 240, 420, 600 s run)
    assert started[1] == [60.0, 240.0, 420.0, 600.0]
    # queue: every fire runs, one after the other
    assert started[2] == [60.0 + 150.0 * i for i in range(4)]
    skipped = [e for e in sim.events if isinstance(e, RunChanged) and e.status == "skipped"]
    assert skipped and all(e.task_id == 1 and "overlap: skip" in (e.reason or "")
                           for e in skipped)


def test_a_week_of_cron_fires_across_the_spring_change_in_simulated_time() -> None:
    start = datetime(2026, 3, 26, 0, 0, tzinfo=UTC)  # Berlin springs forward on 29 March
    spec = TaskSpec(name="nightly", action=Action(kind="python", target="x:y"),
                    schedule=Schedule(kind="cron", expr="30 2 * * *"),
                    timezone="Europe/Berlin")
    first = datetime(2026, 3, 26, 1, 30, tzinfo=UTC)  # 02:30 CET
    sim = SimulatedEngine([Task(1, spec, next_run_at=first, created_at=start)], [],
                          start=start, workers=1, outcome=lambda _a: (60.0, "succeeded"))
    sim.run(until=start + timedelta(days=7))
    berlin = [a.scheduled_for.astimezone(ZoneInfo("Europe/Berlin")).isoformat()
              for _at, a in sim.executor.started]
    # 02:30 does not exist on 29 March: that night it fires once, at 03:00 CEST
    assert berlin == ["2026-03-26T02:30:00+01:00", "2026-03-27T02:30:00+01:00",
                      "2026-03-28T02:30:00+01:00", "2026-03-29T03:00:00+02:00",
                      "2026-03-30T02:30:00+02:00", "2026-03-31T02:30:00+02:00",
                      "2026-04-01T02:30:00+02:00"]
    assert all(at == a.scheduled_for.timestamp() for at, a in sim.executor.started)

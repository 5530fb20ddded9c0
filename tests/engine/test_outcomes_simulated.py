"""What follows an attempt's end (`outcomes.decide` through `Dispatcher.after`): retries with
backoff, the failure notification after the last attempt, the fallback task. Played on the
real dispatcher in simulated time; tests/engine/test_engine.py keeps the same with real
processes and the store."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from app.core.schedule import Schedule
from app.core.task import Action, Task, TaskSpec
from app.engine.events import Notification, RunChanged
from app.engine.executor import Attempt
from app.engine.simulated import SimulatedEngine

T0 = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
AT = T0 + timedelta(seconds=1)


def task(task_id: int, name: str, *, at: datetime | None = AT, **extra: Any) -> Task:
    schedule = Schedule(kind="date", at=at) if at is not None else Schedule(kind="manual")
    spec = TaskSpec(name=name, action=Action(kind="python", target="x:y"), schedule=schedule,
                    **extra)
    return Task(task_id, spec, next_run_at=at, created_at=T0)


def test_failure_is_retried_with_backoff_then_notifies() -> None:
    ends: list[tuple[float, int]] = []

    def fails(attempt: Attempt) -> tuple[float, str]:
        ends.append((sim.clock.time() + 0.2, attempt.attempt))
        return 0.2, "failed"

    sim = SimulatedEngine([task(1, "flaky", retries=2, retry_delay=0.3)], [], start=T0,
                          workers=2, outcome=fails)
    sim.run()
    starts = [(at, a.attempt, a.scheduled_for) for at, a in sim.executor.started]
    assert [n for _, n, _ in starts] == [1, 2, 3]
    assert {fire for _, _, fire in starts} == {AT}  # every attempt stands for the one fire
    for (end, _), (start, _, _) in zip(ends, starts[1:], strict=False):
        assert 0.27 - 1e-6 <= start - end <= 0.33 + 1e-6  # the backoff, ± 10 % jitter
    changed = [e for e in sim.events if isinstance(e, RunChanged)]
    retrying = [e for e in changed if e.status == "retrying"]
    assert [e.attempt for e in retrying] == [2, 3]
    (note,) = [e for e in sim.events if isinstance(e, Notification)]
    last = next(a for _, a in sim.executor.started if a.attempt == 3)
    assert note.kind == "failure" and note.run_id == last.run_id  # after the last only


def test_fallback_is_claimed_after_the_last_attempt_fails() -> None:
    def outcome(attempt: Attempt) -> tuple[float, str]:
        return 0.1, "failed" if attempt.task_name == "main" else "succeeded"

    sim = SimulatedEngine([task(1, "main", retries=1, retry_delay=0.5, fallback="cleanup",
                                notify_on_failure=False),
                           task(2, "cleanup", at=None)], [], start=T0, workers=2,
                          outcome=outcome)
    sim.run()
    started = [(round(at - T0.timestamp(), 3), a.task_name, a.attempt)
               for at, a in sim.executor.started]
    assert [(name, n) for _, name, n in started] == [("main", 1), ("main", 2), ("cleanup", 1)]
    assert started[2][0] == round(started[1][0] + 0.1, 3)  # at once after the last attempt
    assert 0.45 <= started[1][0] - started[0][0] - 0.1 <= 0.55  # main's backoff first


def test_a_run_replaced_by_a_newer_fire_says_which_in_utc_to_the_second() -> None:
    """Overlap `replace`: the run cut off names the fire that replaced it, in a note stored
    once and read in any zone — UTC, said so, to the second (was ISO with microseconds)."""
    from app.core.schedule import Schedule as Sched

    every = Sched(kind="interval", seconds=1.5)
    spec = TaskSpec(name="long", action=Action(kind="python", target="x:y"), schedule=every,
                    overlap="replace")
    sim = SimulatedEngine([Task(1, spec, next_run_at=AT, created_at=T0)], [], start=T0,
                          workers=2, outcome=lambda _attempt: (60.0, "succeeded"))
    sim.run(until=AT + timedelta(seconds=2))
    assert [(a.run_id, a.cancel_reason) for _, a in sim.executor.stopped] == [
        (1, "replaced by the fire at 2026-06-01 12:00:02 UTC")]  # (the fire at 02.5)

"""Start-up recovery: catch-up policies, interrupted runs, unclaimed manual runs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from app.store.models import RunRow
from tests.conftest import command_task
from tests.engine.conftest import finished_runs, wait_until


def _down_for(service: Any, name: str, policy: str, minutes: int = 5) -> None:
    """A task created as if the engine had been down for `minutes` since."""
    past = datetime.now(UTC) - timedelta(minutes=minutes, seconds=30)
    service.create_task(command_task(name, schedule={"kind": "interval", "seconds": 60},
                                     catch_up=policy), now=past)


@pytest.mark.parametrize(("policy", "expected"), [("skip", 0), ("once", 1), ("all", 5)])
def test_catch_up_policies(engine: Any, service: Any, policy: str, expected: int) -> None:
    _down_for(service, "t", policy)
    before = service.get_task("t").next_run_at
    engine.start()
    if expected:
        wait_until(lambda: len(finished_runs(service, "t")) == expected, 8)
    engine.writer.flush()
    runs = finished_runs(service, "t")
    assert len(runs) == expected
    assert all(r.trigger == "catch_up" and r.status == "succeeded" for r in runs)
    if runs:
        assert "missed" in (runs[0].reason or "")
        fires = sorted(r.scheduled_for for r in runs)
        assert fires[-1] <= datetime.now(UTC)
        assert fires[0] >= before
    wait_until(lambda: service.get_task("t").next_run_at > datetime.now(UTC), 3)


@pytest.mark.parametrize(("policy", "expected"), [("skip", 0), ("once", 1), ("all", 1)])
def test_missed_one_shot(engine: Any, service: Any, policy: str, expected: int) -> None:
    past = datetime.now(UTC) - timedelta(hours=1)
    service.create_task(command_task("once", catch_up=policy, schedule={
        "kind": "date", "at": (past + timedelta(minutes=1)).isoformat()}), now=past)
    engine.start()
    if expected:
        wait_until(lambda: len(finished_runs(service, "once")) == expected, 5)
    engine.writer.flush()
    assert len(finished_runs(service, "once")) == expected
    wait_until(lambda: service.get_task("once").next_run_at is None, 3)


def test_orphaned_runs_are_interrupted_and_retried(engine: Any, service: Any) -> None:
    service.create_task(command_task("r", retries=1, retry_delay=0.1))
    service.create_task(command_task("n", retries=0))
    now = datetime.now(UTC)
    for name in ("r", "n"):
        task = service.get_task(name)
        RunRow.create(task=task.id, scheduled_for=now, attempt=1, status="running",
                      trigger="schedule", queued_at=now, started_at=now, engine="dead:1:1")
    engine.start()
    wait_until(lambda: len(finished_runs(service, "r")) == 2, 5)
    r_runs = sorted(finished_runs(service, "r"), key=lambda r: r.attempt)
    assert [r.status for r in r_runs] == ["interrupted", "succeeded"]
    assert "engine died" in (r_runs[0].reason or "")
    assert r_runs[1].trigger == "retry"
    (n_run,) = finished_runs(service, "n")
    assert n_run.status == "interrupted"


def test_manual_run_queued_while_no_engine_runs_at_start(engine: Any, service: Any) -> None:
    service.create_task(command_task("m"))
    run = service.run_now("m")
    engine.start()
    wait_until(lambda: service.get_run(run.id).status == "succeeded", 5)


def _task(schedule: dict[str, Any], policy: str, next_run_at: datetime,
          created: datetime) -> Any:
    from app.core.task import Task, TaskSpec

    spec = TaskSpec.from_json(command_task("t", schedule=schedule, catch_up=policy),
                              now=created, check_past=False)
    return Task(id=1, spec=spec, next_run_at=next_run_at, created_at=created)


@pytest.mark.parametrize("schedule", [{"kind": "interval", "seconds": 60},
                                      {"kind": "cron", "expr": "* * * * *"}])
@pytest.mark.parametrize(("down", "missed_text"), [(timedelta(hours=3), "180 fires"),
                                                   (timedelta(days=2), "more than 101 fires")])
def test_a_long_outage_catches_up_the_latest_fires_not_the_first(
        schedule: Any, down: timedelta, missed_text: str) -> None:
    from app.engine.recovery import missed_fires

    now = datetime(2026, 3, 29, 3, 0, 30, tzinfo=UTC)
    created = datetime(2026, 3, 20, 0, 0, 0, tzinfo=UTC)
    first = now.replace(second=0) - down + timedelta(minutes=1)
    once = missed_fires(_task(schedule, "once", first, created), now)
    assert once.missed_text == missed_text
    assert once.fires == [datetime(2026, 3, 29, 3, 0, 0, tzinfo=UTC)]
    assert once.next_run_at == datetime(2026, 3, 29, 3, 1, 0, tzinfo=UTC)
    every = missed_fires(_task(schedule, "all", first, created), now)
    assert len(every.fires) == 100 and every.fires[-1] == once.fires[0]
    gaps = {(b - a).total_seconds() for a, b in zip(every.fires, every.fires[1:], strict=False)}
    assert gaps == {60.0}
    skip = missed_fires(_task(schedule, "skip", first, created), now)
    assert skip.fires == [] and skip.next_run_at == once.next_run_at


def test_a_short_outage_counts_exactly() -> None:
    from app.engine.recovery import missed_fires

    now = datetime(2026, 3, 29, 0, 5, 30, tzinfo=UTC)
    first = datetime(2026, 3, 29, 0, 1, 0, tzinfo=UTC)
    plan = missed_fires(_task({"kind": "interval", "seconds": 60}, "all", first,
                              datetime(2026, 3, 28, tzinfo=UTC)), now)
    assert plan.missed == 5 and not plan.more and plan.missed_text == "5 fires"
    assert [f.minute for f in plan.fires] == [1, 2, 3, 4, 5]


def test_tasks_that_share_a_schedule_share_its_catch_up_and_no_more() -> None:
    """Overdue tasks are planned once per schedule, stored next fire and policy; a cron whose
    window begins later, a calendar's own start, another policy or next fire: each its own
    plan — every plan as `missed_fires` makes it alone."""
    from dataclasses import replace

    from app.engine.recovery import missed_fires, missed_fires_each

    now = datetime(2026, 3, 29, 3, 0, 30, tzinfo=UTC)
    long_ago = datetime(2026, 1, 5, tzinfo=UTC)
    hourly = {"kind": "cron", "expr": "0 * * * *"}
    fortnight = {"kind": "calendar", "weeks": 2, "hour": 3, "minute": 0}
    first = datetime(2026, 3, 28, 12, tzinfo=UTC)
    tasks = [
        _task(hourly, "all", first, long_ago),
        _task(hourly, "all", first, long_ago + timedelta(days=30)),  # shares the first's
        _task(hourly, "once", first, long_ago),  # another policy
        _task(hourly, "all", first + timedelta(hours=5), long_ago),  # another next fire
        _task(hourly, "all", first, first + timedelta(hours=10)),  # its window begins later
        _task(fortnight, "all", datetime(2026, 3, 16, 3, tzinfo=UTC), long_ago),
        _task(fortnight, "all", datetime(2026, 3, 16, 3, tzinfo=UTC),
              long_ago + timedelta(weeks=1)),  # its own start
        _task({"kind": "date", "at": first.isoformat()}, "once", first, long_ago),
    ]
    tasks = [replace(task, id=i) for i, task in enumerate(tasks, 1)]
    shared = missed_fires_each(tasks, now)
    alone = [missed_fires(task, now) for task in tasks]
    assert [p.task.id for p in shared] == [t.id for t in tasks]
    assert [(p.fires, p.missed, p.next_run_at, p.more) for p in shared] == [
        (p.fires, p.missed, p.next_run_at, p.more) for p in alone]
    assert len(shared[0].fires) == 16 and shared[1].fires is shared[0].fires  # computed once
    # (its stored next fire stands; the ones after it wait for its window)
    assert shared[4].fires[1:] == [first + timedelta(hours=h) for h in range(10, 16)]


def test_reboot_task_runs_once_when_the_engine_starts(engine: Any, service: Any) -> None:
    service.create_task(command_task("at-start", schedule={"kind": "cron", "expr": "@reboot"}))
    service.create_task(command_task("daily", schedule={"kind": "cron", "expr": "0 3 * * *"}))
    engine.start()
    (run,) = wait_until(lambda: finished_runs(service, "at-start"), 5)
    assert run.trigger == "startup" and run.status == "succeeded"
    engine.writer.flush()
    assert finished_runs(service, "daily") == []

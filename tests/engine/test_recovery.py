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
    assert "engine stopped" in (r_runs[0].reason or "")
    assert r_runs[1].trigger == "retry"
    (n_run,) = finished_runs(service, "n")
    assert n_run.status == "interrupted"


def test_manual_run_queued_while_no_engine_runs_at_start(engine: Any, service: Any) -> None:
    service.create_task(command_task("m"))
    run = service.run_now("m")
    engine.start()
    wait_until(lambda: service.get_run(run.id).status == "succeeded", 5)

"""Dependencies, chains, groups and ordering in a real engine (real time, kept short): the
store's side of waits, skips and group holds, manual runs, chains, cancels and stops. The
logic alone (retries under a wait, dependency timeouts, groups with dependencies) is played
in simulated time in tests/engine/test_dependencies_simulated.py, and the ready order
over random DAGs in tests/engine/test_ordering.py."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from typing import Any

from app.core.run import Run
from app.engine.events import RunChanged
from app.store.models import RunRow
from tests.conftest import command_task
from tests.engine.conftest import Recorder, finished_runs, soon, wait_until


def py(name: str, target: str, module: str = "tests.engine.actions",
       **extra: Any) -> dict[str, Any]:
    kwargs = extra.pop("kwargs", {})
    return {"name": name, "timezone": "UTC",
            "action": {"kind": "python", "target": f"{module}:{target}", "kwargs": kwargs},
            **extra}


def at(when: str) -> dict[str, Any]:
    return {"kind": "date", "at": when}


def one(service: Any, name: str, timeout: float = 8.0) -> Run:
    (run,) = wait_until(lambda: finished_runs(service, name), timeout)
    return run  # type: ignore[no-any-return]


def statuses(events: Recorder, task: str) -> list[str]:
    return [e.status for e in events.of(RunChanged) if e.task_name == task]


def test_downstream_due_at_the_same_time_waits_for_its_upstream(
        engine: Any, service: Any, events: Recorder) -> None:
    engine.start()
    when = soon(1.0)
    service.create_task(py("A", "nap", kwargs={"seconds": 0.6}, schedule=at(when)))
    service.create_task(command_task("B", depends_on=["A"], schedule=at(when)))
    b = one(service, "B")
    a = one(service, "A")
    assert a.status == b.status == "succeeded"
    assert a.finished_at is not None and b.started_at is not None
    assert b.started_at >= a.finished_at
    assert "waiting" in statuses(events, "B")
    waiting = next(e for e in events.of(RunChanged) if e.task_name == "B" and
                   e.status == "waiting")
    assert waiting.reason is not None and "upstream A" in waiting.reason
    assert b.reason is not None and "waited" in b.reason and "A" in b.reason


def test_a_failed_upstream_skips_the_downstream_chain_with_the_reason(
        engine: Any, service: Any, events: Recorder) -> None:
    engine.start()
    when = soon(1.0)
    service.create_task(py("A", "boom", module="tests.support.actions", schedule=at(when)))
    service.create_task(command_task("B", depends_on=["A"], schedule=at(when)))
    service.create_task(command_task("C", depends_on=["B"], schedule=at(when)))
    a, b, c = one(service, "A"), one(service, "B"), one(service, "C")
    assert a.status == "failed"
    assert b.status == "skipped" and c.status == "skipped"
    assert b.reason is not None and f"upstream A (run {a.id} at" in b.reason
    assert b.reason.endswith("failed")
    assert c.reason is not None and f"upstream B (run {b.id}" in c.reason
    assert "was skipped" in c.reason
    assert b.started_at is None and c.started_at is None
    wait_until(lambda: "skipped" in statuses(events, "C"), 2)


def test_no_upstream_history_is_nothing_to_wait_for(engine: Any, service: Any) -> None:
    engine.start()
    service.create_task(command_task("A"))
    service.create_task(command_task("B", depends_on=["A"]))
    run = service.run_now("B")
    wait_until(lambda: service.get_run(run.id).status == "succeeded", 5)


def test_cancel_a_waiting_run(engine: Any, service: Any) -> None:
    engine.start()
    service.create_task(py("A", "sleepy", module="tests.support.actions",
                           kwargs={"seconds": 5}))
    service.create_task(command_task("B", depends_on=["A"]))
    a = service.run_now("A")
    wait_until(lambda: service.get_run(a.id).status == "running", 5)
    b = service.run_now("B")
    wait_until(lambda: service.get_run(b.id).status == "waiting", 5)
    assert "upstream A" in (service.get_run(b.id).reason or "")
    service.cancel_run(b.id)
    wait_until(lambda: service.get_run(b.id).status == "cancelled", 5)
    service.cancel_run(a.id)


def test_chain_runs_once_each_time_all_upstreams_succeeded(engine: Any,
                                                           service: Any) -> None:
    engine.start()
    service.create_task(command_task("A"))
    service.create_task(command_task("B"))
    service.create_task(command_task("C", schedule={"kind": "after", "tasks": ["A", "B"]}))

    def ran(name: str) -> Run:
        run = service.run_now(name)
        return wait_until(lambda: (r := service.get_run(run.id)).status == "succeeded" and r, 5)

    ran("A")
    ran("A")
    engine.writer.flush()
    assert finished_runs(service, "C") == []
    b = ran("B")
    c = one(service, "C")
    assert c.trigger == "chain" and c.parent_run_id == b.id and c.status == "succeeded"
    assert c.reason == "chain: after A and B succeeded"
    ran("A")
    engine.writer.flush()
    assert len(finished_runs(service, "C")) == 1  # B has not succeeded again since
    ran("B")
    wait_until(lambda: len(finished_runs(service, "C")) == 2, 5)


def test_a_chain_completed_just_before_a_crash_fires_at_start(engine: Any,
                                                              service: Any) -> None:
    past = datetime.now(UTC) - timedelta(hours=1)
    for name in ("A", "B"):
        service.create_task(command_task(name), now=past)
    service.create_task(command_task("C", schedule={"kind": "after", "tasks": ["A", "B"]}),
                        now=past)
    now = datetime.now(UTC)
    for name in ("A", "B"):
        task = service.get_task(name)
        RunRow.create(task=task.id, scheduled_for=now, attempt=1, status="succeeded",
                      trigger="manual", queued_at=now, started_at=now, finished_at=now,
                      engine="dead:1:1")
    engine.start()
    c = one(service, "C")
    assert c.trigger == "chain" and "found at engine start" in (c.reason or "")
    engine.stop(grace=1)
    from app.engine.engine import Engine

    again = Engine(service.store, workers=2, metrics=False)
    again.start()
    try:
        again.writer.flush()
        assert len(finished_runs(service, "C")) == 1  # C's run now counts as its last run
    finally:
        again.stop(grace=1)


def _max_overlap(runs: list[Run]) -> int:
    edges: list[tuple[datetime, int]] = []
    for r in runs:
        assert r.started_at is not None and r.finished_at is not None
        edges += [(r.started_at, 1), (r.finished_at, -1)]
    most = now = 0
    for _t, step in sorted(edges, key=lambda e: (e[0], e[1])):  # an end before a start
        now += step
        most = max(most, now)
    return most


def test_twenty_tasks_in_a_group_of_two_never_run_more_than_two_at_once(
        engine: Any, service: Any, events: Recorder) -> None:
    from datetime import UTC, datetime

    from app.core.task import TaskSpec

    engine.start()
    now, when = datetime.now(UTC), soon(1.0)  # in one import: twenty creations one by one
    # took over the second on a busy machine, and the last was refused as in the past
    service.import_specs([TaskSpec.from_json(py(f"g{i:02d}", "nap", kwargs={"seconds": 0.15},
                                                group="pool", group_limit=2, schedule=at(when)),
                                             now=now) for i in range(20)], "test")
    runs = wait_until(lambda: (r := [x for i in range(20) for x in
                                     finished_runs(service, f"g{i:02d}")]) and len(r) == 20
                      and r, 15)
    assert all(r.status == "succeeded" for r in runs)
    assert _max_overlap(runs) == 2
    held = [e for e in events.of(RunChanged) if e.status == "waiting"]
    assert held and all("group pool runs at most 2" in (e.reason or "") for e in held)


def test_stopping_gives_waiting_runs_back_and_the_next_start_takes_them(
        store: Any, service: Any) -> None:
    from app.engine.engine import Engine

    eng = Engine(store, workers=2, metrics=False)
    service.subscribe(eng.on_service_change)
    eng.start()
    service.create_task(py("A", "sleepy", module="tests.support.actions", kwargs={"seconds": 5}))
    service.create_task(command_task("B", depends_on=["A"]))
    a = service.run_now("A")
    wait_until(lambda: service.get_run(a.id).status == "running", 5)
    b = service.run_now("B")
    wait_until(lambda: service.get_run(b.id).status == "waiting", 5)
    eng.stop(grace=0.2)
    assert service.get_run(a.id).status == "interrupted"  # README: never `cancelled`
    given_back = service.get_run(b.id)  # it never started: not lost to a retry policy
    assert given_back.status == "queued"
    with sqlite3.connect(store.home / "tickwork.db") as con:  # claimed by no engine
        assert con.execute("SELECT engine FROM run WHERE id = ?", (b.id,)).fetchone() == (None,)
    assert "the next start runs it" in (given_back.reason or "")
    again = Engine(store, workers=2, metrics=False)
    again.start()
    try:  # adopted; A was cut off with no retries, so B is skipped, as the rule says
        wait_until(lambda: service.get_run(b.id).status == "skipped", 10)
    finally:
        again.stop(grace=0.2)

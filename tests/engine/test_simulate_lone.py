"""The simulation's fast path lists exactly what the real dispatcher does with lone tasks."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from app.engine.forecast import Forecast
from app.engine.lone import lone
from app.engine.occurrence import Occurrence
from app.engine.world import World
from tests.conftest import command_task

T0 = datetime(2026, 3, 27, 12, 0, tzinfo=UTC)  # before the spring DST change in Europe


def listing(service: Any, start: datetime, hours: float, *, shortcut: bool,
            limit: int = 100_000, per_task: int = 2_000) -> list[tuple[Any, ...]]:
    world = World.read(service.store, None, T0)
    items = Forecast(world, start, start + timedelta(hours=hours), T0, limit, per_task, None,
                     shortcut=shortcut).run()
    return sorted(key(o) for o in items)


def key(o: Occurrence) -> tuple[Any, ...]:
    return (o.fire_at.timestamp(), o.task_name, o.fire_at.isoformat(), o.kind, o.reason,
            o.expected_duration_s, o.scheduled_for)


def test_lone_fires_are_listed_as_the_dispatcher_starts_them(service: Any) -> None:
    every = {"kind": "interval", "seconds": 600}
    service.create_task(command_task("berlin", schedule={"kind": "cron", "expr": "30 2 * * *"},
                                     timezone="Europe/Berlin"), now=T0)
    service.create_task(command_task("quarter", schedule={"kind": "cron",
                                                          "expr": "*/15 * * * *"}), now=T0)
    service.create_task(command_task("twin", schedule={"kind": "cron",
                                                       "expr": "*/15 * * * *"}), now=T0)
    service.create_task(command_task("all", schedule=every, catch_up="all"),
                        now=T0 - timedelta(hours=1, minutes=5))
    service.create_task(command_task("once", schedule=every, catch_up="once"),
                        now=T0 - timedelta(hours=2))
    service.create_task(command_task("skip", schedule=every, catch_up="skip"),
                        now=T0 - timedelta(hours=2))
    service.create_task(command_task("soon", schedule={
        "kind": "date", "at": (T0 + timedelta(hours=5)).isoformat()}), now=T0)
    service.create_task(command_task("manual"), now=T0)
    world = World.read(service.store, None, T0)
    assert {t.name for t in world.tasks if t.id in lone(world, None)} == {
        "berlin", "quarter", "twin", "all", "once", "skip", "soon"}
    for start, hours, limit, per_task in ((T0, 72, 100_000, 2_000), (T0, 72, 150, 2_000),
                                          (T0, 72, 100_000, 40),
                                          (T0 + timedelta(hours=3), 24, 100_000, 2_000)):
        fast = listing(service, start, hours, shortcut=True, limit=limit, per_task=per_task)
        played = listing(service, start, hours, shortcut=False, limit=limit,
                         per_task=per_task)
        assert fast == played
        assert fast  # (the cases list something)
    capped = listing(service, T0, 72, shortcut=True, per_task=40)
    assert any("fires more than 40 times" in (k[4] or "") for k in capped)
    assert any(k[3] == "catch_up" for k in capped)


def test_a_worker_limit_or_a_duration_sends_tasks_through_the_dispatcher(
        service: Any) -> None:
    service.create_task(command_task("a", schedule={"kind": "cron", "expr": "0 * * * *"},
                                     group="g"), now=T0)
    service.create_task(command_task("b", schedule={"kind": "cron", "expr": "0 * * * *"}),
                        now=T0)
    service.create_task(command_task("c", schedule={"kind": "cron", "expr": "0 * * * *"},
                                     depends_on=["b"]), now=T0)
    service.create_task(command_task("d", schedule={"kind": "cron", "expr": "0 * * * *"}),
                        now=T0)
    world = World.read(service.store, None, T0)
    names = {t.id: t.name for t in world.tasks}
    assert {names[i] for i in lone(world, None)} == {"d"}
    assert lone(world, 4) == set()


def test_alike_schedules_with_an_interval_keep_each_tasks_own_phase(service: Any) -> None:
    """Two tasks with the same several schedules (an interval among them), created at
    different times, fire at different minutes: the interval counts from each one's anchor."""
    both = {"kind": "any", "schedules": [{"kind": "interval", "seconds": 420},
                                          {"kind": "cron", "expr": "0 15 * * *"}]}
    service.create_task(command_task("early", schedule=both), now=T0)
    service.create_task(command_task("late", schedule=both), now=T0 + timedelta(minutes=3))
    fires: dict[str, list[datetime]] = {"early": [], "late": []}
    for shortcut in (True, False):
        items = listing(service, T0 + timedelta(minutes=5), 5, shortcut=shortcut)
        for name in fires:
            fires[name] = [datetime.fromisoformat(i[2]) for i in items if i[1] == name]
        assert fires["early"][0] - T0 == timedelta(minutes=7)
        assert fires["late"][0] - T0 == timedelta(minutes=10)
        assert all((f - T0) % timedelta(minutes=7) == timedelta(0) or f.hour == 15
                   for f in fires["early"])
        assert all((f - T0 - timedelta(minutes=3)) % timedelta(minutes=7) == timedelta(0)
                   or f.hour == 15 for f in fires["late"])


def test_a_run_that_ends_before_the_next_fire_is_lone_and_listed_as_played(
        service: Any) -> None:
    """A typical duration shorter than the shortest gap the schedule leaves (an hour less for
    a fixed time of day, for DST) keeps a task lone; a longer one, or catch-ups to claim
    together, send it through the dispatcher. Either way the listing is the dispatcher's."""
    from tests.engine.test_simulate import history

    every = {"kind": "interval", "seconds": 600}
    service.create_task(command_task("short", schedule=every), now=T0)
    service.create_task(command_task("long", schedule=every), now=T0)
    service.create_task(command_task("berlin", timezone="Europe/Berlin", schedule={
        "kind": "cron", "expr": "30 1,2 * * *"}), now=T0)
    service.create_task(command_task("quarter", timezone="Europe/Berlin", schedule={
        "kind": "cron", "expr": "*/15 * * * *"}), now=T0)
    service.create_task(command_task("behind", schedule=every, catch_up="all"),
                        now=T0 - timedelta(hours=1))
    history(service, "short", 590)
    history(service, "long", 900)
    history(service, "berlin", 1800)  # fires an hour apart, and DST can close that gap
    history(service, "quarter", 800)
    history(service, "behind", 60)
    world = World.read(service.store, None, T0)
    assert {t.name for t in world.tasks if t.id in lone(world, None)} == {"short", "quarter"}
    for start, hours in ((T0, 72), (T0 + timedelta(hours=30), 24)):
        fast = listing(service, start, hours, shortcut=True)
        assert fast == listing(service, start, hours, shortcut=False)
        assert any(k[1] == "short" and k[5] == 590 for k in fast)
        assert any(k[1] == "long" and k[3] == "skipped" for k in fast)

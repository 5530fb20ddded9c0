"""The simulation: the engine's rules played forward, nothing run and nothing written."""

from __future__ import annotations

import itertools
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from app.engine.simulate import Occurrence, simulate
from app.store.models import RunRow
from tests.conftest import command_task

T0 = datetime(2026, 3, 27, 12, 0, tzinfo=UTC)  # "now" for these tests: before the spring DST


def cron(name: str, expr: str, **extra: Any) -> dict[str, Any]:
    return command_task(name, schedule={"kind": "cron", "expr": expr}, **extra)


def history(service: Any, name: str, seconds: float, count: int = 3,
            status: str = "succeeded") -> list[int]:
    """Past runs of a task taking `seconds` each (before T0)."""
    task = service.get_task(name)
    ids = []
    for i in range(count):
        start = T0 - timedelta(days=1, minutes=10 * i)
        row = RunRow.create(task=task.id, scheduled_for=start, attempt=1, status=status,
                            trigger="schedule", queued_at=start, started_at=start,
                            finished_at=start + timedelta(seconds=seconds), engine="old:1:1")
        ids.append(row.id)
    return ids


def of(items: list[Occurrence], name: str) -> list[Occurrence]:
    return [o for o in items if o.task_name == name]


def test_fire_times_follow_dst_like_the_engine(service: Any) -> None:
    service.create_task(cron("nightly", "30 2 * * *", timezone="Europe/Berlin"), now=T0)
    service.create_task(cron("hourly", "0 * * * *", timezone="Europe/Berlin"), now=T0)
    items = simulate(service, datetime(2026, 3, 28, tzinfo=UTC), 72, now=T0)
    nightly = [o.fire_at.isoformat() for o in of(items, "nightly")]
    # 02:30 does not exist on 29 March in Berlin: it fires once, at 03:00 (+02:00)
    assert nightly == ["2026-03-28T02:30:00+01:00", "2026-03-29T03:00:00+02:00",
                       "2026-03-30T02:30:00+02:00"]
    hourly = of(items, "hourly")
    utc = [o.fire_at.astimezone(UTC) for o in hourly]
    gaps = {b - a for a, b in itertools.pairwise(utc)}
    assert gaps == {timedelta(hours=1)}  # real hours, also across the change
    assert "2026-03-29T03:00:00+02:00" in [o.fire_at.isoformat() for o in hourly]
    assert all(o.kind == "fire" and o.reason is None for o in items)
    assert [o.fire_at for o in items] == sorted(o.fire_at for o in items)



def test_overdue_tasks_are_caught_up_at_now(service: Any) -> None:
    service.create_task(command_task("minutely", schedule={"kind": "interval", "seconds": 60},
                                     catch_up="once"), now=T0 - timedelta(minutes=10, seconds=30))
    service.create_task(command_task("skipper", schedule={"kind": "interval", "seconds": 60},
                                     catch_up="skip"), now=T0 - timedelta(minutes=10))
    service.create_task(command_task("every", schedule={"kind": "interval", "seconds": 60},
                                     catch_up="all"), now=T0 - timedelta(minutes=3, seconds=30))
    history(service, "every", 20)
    items = simulate(service, T0, 0.05, now=T0)
    first = of(items, "minutely")[0]
    assert first.kind == "catch_up" and first.fire_at == T0
    assert first.reason is not None and "catch-up (once): 10 fires missed" in first.reason
    assert first.scheduled_for is not None and first.scheduled_for < T0
    assert all(o.kind == "fire" for o in of(items, "skipper"))
    assert of(items, "minutely")[1].kind == "fire"
    # each missed fire runs, one after the other (max instances 1); the fire at +30s finds
    # them still going and is skipped (overlap: skip)
    every = of(items, "every")
    assert [o.kind for o in every[:4]] == ["catch_up", "delayed", "skipped", "delayed"]
    assert [o.fire_at - T0 for o in every[:4]] == [timedelta(seconds=s) for s in (0, 20, 30, 40)]


def test_chain_follows_its_upstreams_expected_end(service: Any) -> None:
    service.create_task(cron("extract", "0 3 * * *"), now=T0)
    service.create_task(cron("load", "0 3 * * *"), now=T0)
    service.create_task(command_task("report", schedule={"kind": "after",
                                                         "tasks": ["extract", "load"]}),
                        now=T0)
    history(service, "extract", 120)
    history(service, "load", 300)
    items = simulate(service, T0, 48, now=T0)
    (extract, *_), (report, *_) = of(items, "extract"), of(items, "report")
    assert extract.expected_duration_s == 120
    assert report.kind == "chain" and report.reason == "after extract and load succeeded"
    assert report.fire_at == datetime(2026, 3, 28, 3, 5, tzinfo=UTC)  # after the slower one
    assert len(of(items, "report")) == 2


def test_overlap_skip_and_queue_use_expected_durations(service: Any) -> None:
    every = {"kind": "interval", "seconds": 60}
    service.create_task(command_task("skips", schedule=every, overlap="skip"), now=T0)
    service.create_task(command_task("queues", schedule=every, overlap="queue"), now=T0)
    history(service, "skips", 150)
    history(service, "queues", 90)
    items = simulate(service, T0, 0.15, now=T0)  # nine minutes
    skips = of(items, "skips")
    assert [o.kind for o in skips[:4]] == ["fire", "skipped", "skipped", "fire"]
    assert "not ended yet (expected to take 2m30s)" in (skips[1].reason or "")
    queues = of(items, "queues")
    assert [o.kind for o in queues[:3]] == ["fire", "delayed", "delayed"]
    assert queues[1].fire_at - queues[0].fire_at == timedelta(seconds=90)
    assert queues[1].scheduled_for == queues[0].fire_at + timedelta(seconds=60)
    assert "at most 1 run of this task at a time: it starts when one ends" in (
        queues[1].reason or "")


def test_group_limit_delays_and_dependencies_wait(service: Any) -> None:
    service.create_task(cron("backup", "0 2 * * *", group="disk", group_limit=1), now=T0)
    service.create_task(cron("scrub", "0 2 * * *", group="disk", priority=-1), now=T0)
    service.create_task(cron("mail", "0 2 * * *", depends_on=["backup"]), now=T0)
    history(service, "backup", 600)
    history(service, "scrub", 60)
    items = simulate(service, T0, 24, now=T0)
    (backup,), (scrub,), (mail,) = of(items, "backup"), of(items, "scrub"), of(items, "mail")
    two = datetime(2026, 3, 28, 2, 0, tzinfo=UTC)
    assert backup.kind == "fire" and backup.fire_at == two
    assert scrub.kind == "delayed" and scrub.fire_at == two + timedelta(minutes=10)
    assert "group disk runs at most 1 at a time" in (scrub.reason or "")
    assert mail.kind == "delayed" and mail.fire_at == two + timedelta(minutes=10)
    assert "waited for upstream backup" in (mail.reason or "")


def test_an_upstream_that_failed_last_skips_its_downstream(service: Any) -> None:
    service.create_task(command_task("flaky"), now=T0)  # manual: only its history counts
    service.create_task(cron("after-flaky", "0 4 * * *", depends_on=["flaky"]), now=T0)
    (run_id,) = history(service, "flaky", 10, count=1, status="failed")
    (item,) = simulate(service, T0, 24, now=T0)
    assert item.kind == "skipped"
    assert item.reason is not None and f"upstream flaky (run {run_id} at" in item.reason


def test_work_is_bounded_per_task_and_in_all(service: Any) -> None:
    for i in range(5):
        service.create_task(command_task(f"busy{i}", schedule={"kind": "interval",
                                                               "seconds": 60}), now=T0)
    service.create_task(cron("daily", "0 5 * * *"), now=T0)
    items = simulate(service, T0, 24 * 31, now=T0, per_task=100)
    busy = of(items, "busy0")
    assert len(busy) == 100
    assert "fires more than 100 times in the window" in (busy[-1].reason or "")
    assert len(of(items, "daily")) == 31
    capped = simulate(service, T0, 24 * 31, now=T0, limit=50)
    assert len(capped) == 50
    assert capped == sorted(capped, key=lambda o: o.fire_at)
    only = simulate(service, T0, 24 * 31, now=T0, task_ids={service.get_task("daily").id})
    assert {o.task_name for o in only} == {"daily"} and len(only) == 31


def test_simulation_writes_nothing(service: Any, home: Path) -> None:
    service.create_task(cron("a", "*/5 * * * *", catch_up="all"), now=T0 - timedelta(hours=1))
    service.create_task(command_task("b", schedule={"kind": "after", "tasks": ["a"]}), now=T0)
    history(service, "a", 30)

    def snapshot() -> tuple[Any, ...]:
        con = sqlite3.connect(home / "tickwork.db")
        try:
            return tuple(con.execute(q).fetchall() for q in (
                "SELECT * FROM task", "SELECT * FROM run", "SELECT count(*) FROM audit_event"))
        finally:
            con.close()

    before = snapshot()
    items = simulate(service, T0, 2, now=T0)
    assert {"catch_up", "fire", "chain"} <= {o.kind for o in items}
    assert snapshot() == before


def test_to_json_has_the_contract_keys(service: Any) -> None:
    service.create_task(cron("n", "0 1 * * *", timezone="America/New_York"), now=T0)
    (item, *_) = simulate(service, T0, 48, now=T0)
    data = item.to_json()
    assert set(data) == {"task_id", "task_name", "fire_at", "reason", "kind",
                         "expected_duration_s"}
    assert data["fire_at"] == "2026-03-28T01:00:00-04:00"
    assert data["kind"] == "fire" and data["reason"] is None


def test_overlap_replace_and_a_worker_limit(service: Any) -> None:
    every = {"kind": "interval", "seconds": 60}
    service.create_task(command_task("replacer", schedule=every, overlap="replace"), now=T0)
    history(service, "replacer", 150)
    items = of(simulate(service, T0, 0.06, now=T0), "replacer")
    assert [o.kind for o in items] == ["fire", "fire", "fire"]
    assert items[0].reason is None
    assert items[1].reason == "replaces the run still going (overlap: replace)"
    # (a replacer restarts every minute and keeps a worker: off for the worker limit)
    service.set_enabled("replacer", False, now=T0)
    for i in range(3):
        service.create_task(cron(f"w{i}", "0 6 * * *"), now=T0)
        history(service, f"w{i}", 60)
    six = datetime(2026, 3, 28, 6, 0, tzinfo=UTC)
    limited = [o for o in simulate(service, T0, 24, now=T0, workers=2)
               if o.task_name.startswith("w")]
    assert [o.fire_at - six for o in limited] == [timedelta(0), timedelta(0),
                                                  timedelta(minutes=1)]
    assert [o.kind for o in limited] == ["fire", "fire", "delayed"]
    assert "all 2 workers busy" in (limited[2].reason or "")


def test_a_run_given_back_for_the_catch_ups_fire_runs_once(service: Any) -> None:
    """An engine stopped gave back a run of the very fire an overdue task's catch-up claims:
    the next engine takes that run, and its catch-up of the fire finds it claimed (the
    ledger's unique key); the forecast ran both."""
    service.create_task(command_task("m", schedule={"kind": "interval", "seconds": 60}),
                        now=T0 - timedelta(minutes=10, seconds=30))
    task = service.get_task("m")
    fire = T0 - timedelta(seconds=30)  # the last fire missed: the one `once` catches up
    RunRow.create(task=task.id, scheduled_for=fire, attempt=1, status="queued",
                  trigger="schedule", queued_at=fire,
                  reason="the engine stopped before it started: the next start runs it")
    items = simulate(service, T0, 0.05, now=T0)
    assert [(o.fire_at, o.kind, o.scheduled_for) for o in items[:2]] == [
        (T0, "fire", fire), (T0 + timedelta(seconds=30), "fire", None)], items


def test_a_play_leaves_its_attempts_to_reference_counting(service: Any) -> None:
    """Each calendar read plays the dispatcher forward; its parts refer to one another, and
    every attempt, event and occurrence of the play stayed in their cycle: tens of thousands
    of objects a read, freed only by the cyclic collector, which the window runs on its GUI
    thread (a soak of the window saw 300-500 ms stalls). Released once listed, they go when
    the listing does."""
    import gc
    from collections import Counter

    for i in range(3):  # played, not listed alone: a group limit holds them together
        service.create_task(command_task(f"busy{i}", schedule={"kind": "interval",
                                                               "seconds": 60},
                                         group="g", group_limit=1), now=T0)
    kinds = ("Attempt", "RunChanged", "Occurrence")
    gc.collect()
    # what an engine of an earlier test in this process still holds (tests/engine/
    # test_dependencies.py's, before it in one order) is not the play's: held here, so that
    # no object of the play takes the place, and the id, of one of them
    earlier = [o for o in gc.get_objects() if type(o).__name__ in kinds]
    was = gc.isenabled()  # (off in a test process a window ran in: its GUI thread collects,
    gc.disable()          # and collection turned on here ran on engine threads: a segfault)
    try:
        items = simulate(service, T0, 24, now=T0)
        assert len(items) > 1000
        del items
        ids = {id(o) for o in earlier}
        left = Counter(type(o).__name__ for o in gc.get_objects()
                       if type(o).__name__ in kinds and id(o) not in ids)
    finally:
        if was:
            gc.enable()
    assert left == Counter(), left

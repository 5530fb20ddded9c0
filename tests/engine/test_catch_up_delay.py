"""Opened in the morning, the Metrics view said "all 3 runs in the last minute started within
287246 ms": the night's missed fires, run by their task's catch-up policy when the engine came
up. How late a catch-up starts is how long no engine ran, not the engine's delay: its run's
ledger row keeps it, the sample's start-delay percentile leaves it out, and the sample counts
the catch-ups beside every start."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from app.engine.metrics import MetricsSampler
from app.store.models import MetricSample
from faults.harness import wait_until
from tests.conftest import command_task
from tests.engine.conftest import finished_runs

HOUR = 3600.0


def test_the_nights_catch_ups_are_counted_but_not_in_the_start_delay(engine: Any,
                                                                       service: Any) -> None:
    # no engine ran for the last 8 hours of an hourly task that catches up every fire missed
    night = datetime.now(UTC) - timedelta(hours=8, minutes=1)
    service.create_task(command_task("hourly", schedule={"kind": "interval", "seconds": HOUR},
                                     catch_up="all"), now=night)
    service.create_task(command_task("often", schedule={"kind": "interval", "seconds": 1},
                                     catch_up="skip"))  # due while the engine runs
    engine.start()
    caught = wait_until(lambda: (r := finished_runs(service, "hourly")) and len(r) == 8 and r,
                        15)
    wait_until(lambda: len(finished_runs(service, "often")) >= 2, 10)
    engine.writer.flush()
    assert {r.trigger for r in caught} == {"catch_up"}
    # each catch-up's own row says how late it started (a minute to 7 hours): true of it
    assert min(r.lateness_ms for r in caught) > 59_000
    assert max(r.lateness_ms for r in caught) > 7 * HOUR * 1000
    often = finished_runs(service, "often")

    values = MetricsSampler(engine).sample()
    started = values["fires_per_min"]
    assert started >= 8 + len(often)  # "Runs started": every start, the catch-ups too
    assert values["catch_ups_per_min"] == 8
    # the delay is of the runs the engine was due to start: the "often" fires alone
    assert values["lateness_p99_ms"] is not None and values["lateness_p99_ms"] < 5000
    engine.writer.flush()
    stored = MetricSample.select().where(MetricSample.kind == "system").order_by(
        MetricSample.id.desc()).get().values
    assert stored["catch_ups_per_min"] == 8 and stored["fires_per_min"] == started


def test_catch_ups_a_stop_gave_back_are_catch_ups_on_the_next_engine(store: Any,
                                                                      service: Any) -> None:
    """Catch-ups still queued when their engine stopped are given back; the next engine that
    starts them knows them for catch-ups (from the ledger), not as runs it was late for."""
    from app.engine.engine import Engine

    night = datetime.now(UTC) - timedelta(hours=3, minutes=1)
    service.create_task(command_task("hourly", action={"kind": "command", "argv": [
        "sleep", "30"]}, schedule={"kind": "interval", "seconds": HOUR}, catch_up="all",
        overlap="queue"), now=night)
    first = Engine(store, workers=4, metrics=False, backups=False)
    service.subscribe(first.on_service_change)
    first.start()
    wait_until(lambda: sorted(r.status for r in service.list_runs(task="hourly")) == [
        "running", "waiting", "waiting"], 15)  # one runs, the task's limit holds the others
    first.stop(grace=0.5)
    service.unsubscribe(first.on_service_change)
    service.update_task("hourly", {"action": {"kind": "command", "argv": ["true"]}})
    second = Engine(store, workers=4, metrics=False, backups=False)
    service.subscribe(second.on_service_change)
    second.start()
    try:
        given = wait_until(lambda: (r := [r for r in finished_runs(service, "hourly")
                                          if r.status == "succeeded"]) and len(r) == 2 and r, 15)
        values = MetricsSampler(second).sample()
    finally:
        second.stop(grace=2)
    assert min(r.lateness_ms for r in given) > 59_000  # (true of each, in its row)
    assert values["catch_ups_per_min"] == 2 and values["fires_per_min"] == 2
    assert values["lateness_p99_ms"] is None  # none the engine was due to start


def test_a_run_queued_by_hand_while_no_engine_ran_is_a_catch_up_too(engine: Any,
                                                                     service: Any) -> None:
    """`tickwork task run` with no engine running queues the run; the next engine takes it
    up at its start, its lateness the hours no engine ran (as a run a stop gave back): said
    in its row, counted in "Runs started", and not the engine's start delay."""
    service.create_task(command_task("report"))
    queued = service.run_now("report", now=datetime.now(UTC) - timedelta(hours=2))
    engine.start()
    ran = wait_until(lambda: (r := finished_runs(service, "report")) and r, 15)
    engine.writer.flush()
    assert [r.id for r in ran] == [queued.id] and ran[0].lateness_ms > 2 * HOUR * 1000 - 1
    values = MetricsSampler(engine).sample()
    assert values["catch_ups_per_min"] == 1 and values["fires_per_min"] == 1
    assert values["lateness_p99_ms"] is None  # none the engine was due to start

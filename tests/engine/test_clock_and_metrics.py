"""Clock jumps / resume from suspend, and the metrics sampler, on a real engine."""

from __future__ import annotations

import itertools
from datetime import timedelta
from typing import Any

from app.engine.clock import ShiftedClock
from app.engine.events import MetricsSampled
from app.store.models import MetricSample, TaskRow
from tests.conftest import command_task
from tests.engine.conftest import finished_runs, metered_engine, wait_until


def test_wall_clock_jump_applies_catch_up(store: Any, service: Any) -> None:
    from app.engine.engine import Engine

    clock = ShiftedClock()
    engine = Engine(store, workers=4, metrics=False, clock=clock)
    service.subscribe(engine.on_service_change)
    try:
        _clock_jump(engine, service, clock)
    finally:
        engine.stop(grace=2)


def _clock_jump(engine: Any, service: Any, clock: ShiftedClock) -> None:
    service.create_task(command_task("hourly-ish", catch_up="all",
                                     schedule={"kind": "interval", "seconds": 60}))
    engine.start()
    # The machine "sleeps" for 600 s: the wall clock is seen to have jumped against the
    # monotonic clock, as after a resume, and the store says the next fire was 150 s before
    # the new wall time (three fires missed).
    missed_from = clock.now() + timedelta(seconds=600 - 150)
    TaskRow.update(next_run_at=missed_from).where(TaskRow.name == "hourly-ish").execute()
    clock.shift = 600.0
    runs = wait_until(lambda: (r := finished_runs(service, "hourly-ish")) and len(r) == 3 and r,
                      10)
    assert all(r.trigger == "catch_up" and "clock jump" in (r.reason or "") for r in runs)
    fires = sorted(r.scheduled_for for r in runs)
    assert fires[0] == missed_from
    assert all((b - a).total_seconds() == 60 for a, b in itertools.pairwise(fires))
    wait_until(lambda: service.get_task("hourly-ish").next_run_at > clock.now(), 3)


def test_metrics_sampler_records_system_and_run_samples(store: Any, service: Any) -> None:
    with metered_engine(store, service, workers=2) as events:
        service.create_task(command_task("busy", action={
            "kind": "command", "argv": ["sh", "-c", "i=0; while [ $i -lt 100000 ]; do "
                                        "i=$((i+1)); done; sleep 2.5"]}))
        run = service.run_now("busy")
        wait_until(lambda: any(isinstance(e, MetricsSampled) and e.run_id == run.id
                               for e in events.events), 8)
        wait_until(lambda: service.get_run(run.id).status == "succeeded", 20)
    system = [e for e in events.of(MetricsSampled) if e.kind == "system"]
    assert system and {"cpu", "memory", "disk", "running", "fires_per_min",
                       "started_total"} <= set(system[0].values)
    assert system[-1].values["started_total"] == 1  # the run, counted (the day's minutes)
    per_run = [e for e in events.of(MetricsSampled) if e.run_id == run.id]
    assert per_run[0].values["rss_mb"] > 0
    kinds = {k for (k,) in MetricSample.select(MetricSample.kind).tuples()}
    assert kinds == {"system", "run"}

"""A one-shot that has run stays done through any edit that does not give it a new time: a
new zone moved its wall time to another instant (15:00 UTC read as 15:00 New York, five
hours on) and it ran a second time there; one moved into the past was refused."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from app.engine.clock import ShiftedClock
from tests.engine.conftest import wait_until
from tests.engine.test_clock_jumps import clock  # noqa: F401  (the fixture)


def _runs(cli: Any, name: str) -> list[dict[str, Any]]:
    return [r for r in cli("run", "list", "--json").json() if r["task_name"] == name]


def _ran_once(cli: Any, name: str) -> dict[str, Any]:
    """The one-shot, once its one run has ended; the run's time."""
    wait_until(lambda: [r["status"] for r in _runs(cli, name)] == ["succeeded"], 15)
    return cli("task", "show", name, "--json").json()


EDITS = [  # each alone, one after the other, on a one-shot that ran (UTC)
    ["--tz", "America/New_York"],  # its wall time five hours on: it ran again there
    ["--tz", "Europe/Paris"],  # an hour back, into the past: it was refused
    ["--tz", "Asia/Tokyo"],
    ["--tz", "Etc/GMT+12", "--description", "moved"],
    ["--tag", "x", "--priority", "5", "--retries", "2", "--group", "g:1",
     "--description", "again"],
]


def test_a_one_shot_that_ran_keeps_its_time_through_zones_and_edits(
        spawn: Any, cli: Any) -> None:
    spawn()
    at = (datetime.now(UTC) + timedelta(seconds=3)).replace(microsecond=0)
    assert cli("task", "add", "once", "--command", "true", "--at", at.isoformat(),
               "--tz", "UTC").code == 0
    assert _ran_once(cli, "once")["next_run_at"] is None
    for options in EDITS:
        result = cli("task", "update", "once", *options)
        assert result.code == 0, (options, result.err)
        shown = cli("task", "show", "once", "--json").json()
        # the instant it ran, said in the new zone; nothing ahead
        assert datetime.fromisoformat(shown["schedule"]["at"]) == at, options
        assert shown["next_run_at"] is None, options
    assert cli("task", "pause", "once").code == 0  # a done one-shot paused, then resumed
    assert cli("task", "resume", "once").code == 0
    assert cli("task", "show", "once", "--json").json()["next_run_at"] is None
    assert "next run: -" in cli("task", "show", "once").out
    assert len(_runs(cli, "once")) == 1
    # a new time is a new fire
    later = (datetime.now(UTC) + timedelta(hours=2)).replace(microsecond=0)
    assert cli("task", "update", "once", "--at", later.isoformat()).code == 0
    assert datetime.fromisoformat(
        cli("task", "show", "once", "--json").json()["next_run_at"]) == later


def test_a_zone_that_moves_a_one_shot_not_yet_run_into_the_past_is_refused(cli: Any) -> None:
    at = (datetime.now(UTC) + timedelta(minutes=30)).replace(microsecond=0)
    assert cli("task", "add", "soon", "--command", "true", "--at",
               at.strftime("%Y-%m-%dT%H:%M:%S"), "--tz", "UTC").code == 0
    result = cli("task", "update", "soon", "--tz", "Europe/Paris")  # 30 min on, an hour back
    assert result.code == 2
    assert "at: is in the past" in result.err
    assert cli("task", "update", "soon", "--tz", "America/New_York").code == 0  # ahead: so be it
    moved = at + timedelta(hours=5)
    assert datetime.fromisoformat(
        cli("task", "show", "soon", "--json").json()["next_run_at"]) == moved


@pytest.fixture
def engine(store: Any, service: Any, clock: ShiftedClock) -> Iterator[Any]:  # noqa: F811
    from app.engine.engine import Engine

    eng = Engine(store, workers=2, metrics=False, backups=False, clock=clock, pace=0.1)
    service.subscribe(eng.on_service_change)
    yield eng
    eng.stop(grace=2)


def test_a_one_shot_that_ran_does_not_run_again_at_its_wall_time_in_a_new_zone(
        engine: Any, cli: Any, clock: ShiftedClock) -> None:  # noqa: F811
    at = (datetime.now(UTC) + timedelta(seconds=3)).replace(microsecond=0)
    assert cli("task", "add", "once", "--command", "true", "--at", at.isoformat(),
               "--tz", "UTC").code == 0
    engine.start()
    _ran_once(cli, "once")
    assert cli("task", "update", "once", "--tz", "Etc/GMT+1").code == 0  # an hour on
    # the wall clock goes on to a second before that hour is up
    clock.shift = (at + timedelta(hours=1) - datetime.now(UTC)).total_seconds() - 1
    wait_until(lambda: clock.now() > at + timedelta(hours=1, seconds=3), 10)
    engine.writer.flush()
    assert len(_runs(cli, "once")) == 1


def test_a_done_one_shot_resumed_under_a_clock_set_back_has_no_next_run(
        service: Any) -> None:
    from app.store import ledger

    at = (datetime.now(UTC) + timedelta(minutes=10)).replace(microsecond=0)
    task = service.create_task({"name": "once", "action": {"kind": "command", "argv": ["true"]},
                                "timezone": "UTC", "schedule": {"kind": "date",
                                                                "at": at.isoformat()}})
    with service.store.write():  # its fire, claimed and run as an engine does
        ledger.claim(task.id, at, 1, "succeeded", "schedule", at, None)
        ledger.set_next_run([(task.id, None)])
    back = at - timedelta(minutes=1)  # the clock set back before the time it ran
    service.set_enabled("once", False, now=back)
    assert service.set_enabled("once", True, now=back).next_run_at is None
    assert service.update_task("once", {"timezone": "Etc/GMT-1"}, now=back).next_run_at is None

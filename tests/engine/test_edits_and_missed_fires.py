"""Edits made with `tickwork task …` while no engine runs, and the fires missed meanwhile: an
edit that leaves when a task fires as it was keeps them for its catch-up policy; a new
schedule, or a pause and a resume, fires from now on (README, "An edit keeps …")."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from tests.conftest import command_task
from tests.engine.conftest import finished_runs, wait_until

# task -> the `task update` options that leave its timing as it was
KEEPING = {
    "described": ["--description", "just a note"],
    "unlinked": ["--depends-on", ""],  # the tester's imported task
    "policy": ["--catch-up", "all"],  # from skip: the new policy takes the missed fires
    "renamed": ["--name", "renamed-now", "--tag", "x", "--priority", "3"],
}


def test_an_edit_keeps_the_fires_missed_while_no_engine_ran(
        engine: Any, service: Any, cli: Any) -> None:
    # every minute since 5 min 30 s ago, no engine since: 5 fires missed
    past = datetime.now(UTC) - timedelta(minutes=5, seconds=30)
    every_minute = {"kind": "interval", "seconds": 60}
    service.create_task(command_task("up"), now=past)
    for name in [*KEEPING, "rescheduled", "paused"]:
        service.create_task(command_task(
            name, schedule=every_minute, catch_up="skip" if name == "policy" else "all",
            depends_on=["up"] if name == "unlinked" else []), now=past)
    missed_from = service.get_task("described").next_run_at
    assert missed_from < datetime.now(UTC) - timedelta(minutes=4)
    for name, options in KEEPING.items():
        assert cli("task", "update", name, *options).code == 0
    assert cli("task", "update", "rescheduled", "--every", "2m").code == 0
    assert cli("task", "pause", "paused").code == 0
    assert cli("task", "resume", "paused").code == 0
    kept = ["described", "unlinked", "policy", "renamed-now"]
    assert [service.get_task(n).next_run_at for n in kept] == [missed_from] * 4
    for name in ("rescheduled", "paused"):  # their next fire is still to come (30 s on)
        assert service.get_task(name).next_run_at > datetime.now(UTC)

    engine.start()
    wait_until(lambda: all(len(finished_runs(service, n)) == 5 for n in kept), 10)
    engine.writer.flush()
    for name in kept:
        runs = sorted(finished_runs(service, name), key=lambda r: r.scheduled_for)
        assert [r.trigger for r in runs] == ["catch_up"] * 5, name
        assert runs[0].scheduled_for == missed_from
        assert "catch-up (all): 5 fires missed" in (runs[0].reason or ""), name
    assert finished_runs(service, "rescheduled") == []
    assert finished_runs(service, "paused") == []

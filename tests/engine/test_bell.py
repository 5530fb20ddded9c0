"""A manual run, a cancel request or a task's edit from another process reaches a busy engine
at once: the requester rings the home's bell after its commit (app/store/bell.py), and the
engine's store thread, which waits on the bell between its polls, looks then. It polled every
0.25 s while busy: `tickwork task run` started 100–250 ms after its commit, `tickwork run
cancel` ended the run as late, and a task's edit was never rung for. Pace 100: the busy
engine polls every 25 s, so only the bell can start (or end) the run, or stop or start a
task's fires, within the waits here. Real engine, real store, the CLI a real subprocess."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from app.engine.engine import Engine
from app.store import bell
from tests.conftest import command_task
from tests.engine.conftest import wait_until
from tests.support import tickwork

WAIT = 10.0  # seconds: well inside the 25 s between a busy engine's polls at pace 100


@pytest.fixture
def busy(store: Any, service: Any) -> Iterator[tuple[Engine, Any]]:
    """An engine at pace 100 with a run going (a run going keeps it busy: it polls), and
    the run."""
    eng = Engine(store, workers=2, metrics=False, backups=False, pace=100.0)
    service.subscribe(eng.on_service_change)  # (this process's requests: heard at once)
    service.create_task(command_task("going", action={"kind": "command",
                                                      "argv": ["sleep", "60"]},
                                     schedule={"kind": "manual"}))
    service.create_task(command_task("by-hand", schedule={"kind": "manual"}))
    eng.start()
    tickwork.warm()
    going = service.run_now("going")
    wait_until(lambda: service.get_run(going.id).status == "running", 15)
    yield eng, going
    eng.stop(grace=0)


def test_a_cli_run_starts_at_once_beside_a_busy_engine(busy: tuple[Engine, Any], home: Path,
                                                       service: Any) -> None:
    out = tickwork.run(["--home", str(home), "task", "run", "by-hand"], timeout=60)
    assert out.returncode == 0, out.stderr
    wait_until(lambda: any(r.started_at for r in service.list_runs(task="by-hand")), WAIT)


def test_a_cli_cancel_ends_a_run_of_a_busy_engine_at_once(busy: tuple[Engine, Any],
                                                          home: Path, service: Any) -> None:
    _engine, going = busy
    out = tickwork.run(["--home", str(home), "run", "cancel", str(going.id)], timeout=60)
    assert out.returncode == 0, out.stderr
    wait_until(lambda: service.get_run(going.id).status == "cancelled", WAIT)


def test_the_bell_is_the_owners_alone(home: Path, service: Any) -> None:
    """The bell is made by the first ring, owner-only as every file of the home."""
    service.create_task(command_task("by-hand", schedule={"kind": "manual"}))
    service.run_now("by-hand")
    assert bell.path(home).stat().st_mode & 0o077 == 0


def test_a_cli_pause_stops_the_fires_of_a_busy_engine_at_once(busy: tuple[Engine, Any],
                                                              home: Path, service: Any) -> None:
    """A task paused from the CLI beside a busy engine went on firing until the engine's next
    poll (up to 0.25 s; here 25 s): only a manual run or a cancel rang the bell."""
    service.create_task(command_task("ticking", schedule={"kind": "interval", "seconds": 1}))
    wait_until(lambda: service.list_runs(task="ticking"), WAIT)
    out = tickwork.run(["--home", str(home), "task", "pause", "ticking"], timeout=60)
    assert out.returncode == 0, out.stderr
    paused = datetime.now(UTC)
    time.sleep(3)  # three fires' time
    # (a fire claimed as the pause committed may still run: it was due by then)
    after = [r.scheduled_for for r in service.list_runs(task="ticking", limit=1000)
             if r.scheduled_for > paused + timedelta(seconds=1)]
    assert after == []


def test_a_cli_schedule_change_reaches_a_busy_engine_at_once(busy: tuple[Engine, Any],
                                                             home: Path, service: Any) -> None:
    """`task update` (its change written in the command's own transaction: the bell rings
    once that has committed) and `task add` beside a busy engine: their fires start within
    the wait, not at its next poll."""
    service.create_task(command_task("hourly", schedule={"kind": "interval", "seconds": 3600}))
    for args in (["update", "hourly", "--every", "1s"],
                 ["add", "added", "--command", "true", "--every", "1s"]):
        out = tickwork.run(["--home", str(home), "task", *args], timeout=60)
        assert out.returncode == 0, out.stderr
    wait_until(lambda: service.list_runs(task="hourly") and service.list_runs(task="added"),
               WAIT)


def test_the_bell_rings_once_a_commands_own_write_has_committed(home: Path, store: Any,
                                                                service: Any) -> None:
    """`task update` and `reschedule` change a task inside the command's own write: rung
    inside it, the bell woke the engine before the change could be seen, and the engine
    saw it at its next poll. It rings once that write has committed; not when it fails."""
    service.create_task(command_task("hourly", schedule={"kind": "interval", "seconds": 3600}))
    bell.path(home).unlink()
    with store.write():
        service.update_task("hourly", {"schedule": {"kind": "interval", "seconds": 1}})
        assert not bell.path(home).exists()  # (not yet committed)
    assert bell.path(home).exists()
    bell.path(home).unlink()
    with pytest.raises(RuntimeError), store.write():
        service.set_enabled("hourly", False)
        raise RuntimeError("the command failed after it")
    assert not bell.path(home).exists()
    assert service.get_task("hourly").spec.enabled  # (rolled back)

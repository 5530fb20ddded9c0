"""A manual run or a cancel request from another process reaches a busy engine at once: the
requester rings the home's bell after its commit (app/store/bell.py), and the engine's store
thread, which waits on the bell between its polls, looks then. It polled every 0.25 s while
busy: `tickwork task run` started 100–250 ms after its commit, `tickwork run cancel` ended
the run as late. Pace 100: the busy engine polls every 25 s, so only the bell can start
(or end) the run within the waits here. Real engine, real store, the CLI a real subprocess."""

from __future__ import annotations

from collections.abc import Iterator
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

"""An idle engine rests: its store thread sleeps until the store's write-ahead log is
written (another process's commit), a look for a clock jump is due, or a fire comes near —
it no longer wakes twice a second to poll (each wake-up of an idle process's thread costs
0.1–0.4 ms of CPU on a small VM: most of an idle engine's CPU). Real engines on real
stores; the CLI is a real subprocess."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from app.engine.engine import Engine
from tests.conftest import command_task
from tests.engine.conftest import wait_until
from tests.support import tickwork


@pytest.fixture
def idle_engine(store: Any, service: Any, request: pytest.FixtureRequest) -> Iterator[Engine]:
    eng = Engine(store, workers=2, metrics=False, backups=False, pace=request.param)
    service.subscribe(eng.on_service_change)
    service.create_task(command_task("daily", schedule={"kind": "cron", "expr": "0 3 * * *"}))
    service.create_task(command_task("by-hand", schedule={"kind": "manual"}))
    eng.start()
    yield eng
    eng.stop(grace=1)


@pytest.mark.parametrize("idle_engine", [0.1], indirect=True)
def test_an_idle_engine_wakes_only_to_look_at_the_clock(idle_engine: Engine) -> None:
    # pace 0.1: a look for a clock jump every 0.2 s; polling would be every 0.05 s
    wait_until(lambda: idle_engine.watcher.resting, 5)
    before = idle_engine.watcher.wakes
    time.sleep(1.0)
    assert idle_engine.watcher.wakes - before <= 7  # (polling: 20)


@pytest.mark.parametrize("idle_engine", [100.0], indirect=True)
def test_a_resting_engine_runs_a_cli_run_at_once(idle_engine: Engine, home: Path,
                                                 service: Any) -> None:
    # pace 100: a poll would come every 50 s and a clock look every 200 s — only the
    # commit itself can wake the store thread in time
    wait_until(lambda: idle_engine.watcher.resting, 5)
    out = tickwork.run(["--home", str(home), "task", "run", "by-hand"], timeout=60)
    asked = datetime.now(UTC)  # (the run was queued before the CLI returned)
    assert out.returncode == 0, out.stderr
    wait_until(lambda: [r for r in service.list_runs(task="by-hand")
                        if r.status == "succeeded"], 10)
    (run,) = service.list_runs(task="by-hand")
    assert run.started_at is not None and run.started_at - asked < timedelta(seconds=1)


@pytest.mark.parametrize("idle_engine", [100.0], indirect=True)
def test_a_task_edited_to_fire_soon_fires_on_time_from_a_rest(idle_engine: Engine,
                                                              service: Any) -> None:
    wait_until(lambda: idle_engine.watcher.resting, 5)
    due = datetime.now(UTC) + timedelta(seconds=6)
    service.update_task("daily", {"schedule": {"kind": "date", "at": due.isoformat()}})
    wait_until(lambda: [r for r in service.list_runs(task="daily") if r.started_at], 15)
    (run,) = service.list_runs(task="daily")
    assert abs((run.scheduled_for - due).total_seconds()) < 0.01
    # woken from its rest in time: the fire claimed on time (its command's start adds the
    # launcher's, which a loaded machine took 0.57 s over once: not the rest's doing)
    assert run.queued_at is not None and run.queued_at - due < timedelta(seconds=0.5)
    assert run.started_at is not None and run.started_at - due < timedelta(seconds=2)


@pytest.mark.parametrize("idle_engine", [1.0], indirect=True)
def test_a_run_printing_steadily_does_not_hide_a_cli_task(idle_engine: Engine, home: Path,
                                                          service: Any, tmp_path: Path) -> None:
    """Found in review: a run printing every few milliseconds (its output committed as it
    came) kept a resting store thread from ever looking, and a task added from the CLI
    fired only once the printing stopped (17 s late). An engine with runs going does not
    rest; the CLI's task fires on time."""
    enough = tmp_path / "enough"
    printer = (f"import os, time\nfor i in range(40000):\n    print(i, flush=True)\n"
               f"    time.sleep(0.003)\n    if os.path.exists({str(enough)!r}): break\n")
    service.create_task(command_task("printer", schedule={"kind": "manual"},
                                     action={"kind": "command",
                                             "argv": [sys.executable, "-c", printer]}))
    service.run_now("printer")
    wait_until(lambda: [r for r in service.list_runs(task="printer") if r.status == "running"],
               10)
    # its first fire is 4 s after the CLI's own now: a time the test chose before the CLI
    # started was now and then past by the time a loaded machine's CLI read it (refused)
    out = tickwork.run(["--home", str(home), "task", "add", "soon", "--command", "true",
                        "--every", "4s"], timeout=60)
    assert out.returncode == 0, out.stderr
    wait_until(lambda: [r for r in service.list_runs(task="soon") if r.started_at], 15)
    run = min(service.list_runs(task="soon"), key=lambda r: r.scheduled_for)
    printing = service.list_runs(task="printer")[0]
    enough.touch()
    assert printing.status == "running"  # (it still printed when the task fired)
    assert run.started_at is not None and run.started_at - run.scheduled_for < timedelta(
        seconds=1)

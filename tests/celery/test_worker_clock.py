"""A worker on a machine whose clock is off: its runs' start and end are on the engine's
clock all the same (app/remote/broker.py's clock_ahead). Before, a worker 5 minutes behind
gave a run that started 5 minutes before it was asked for (lateness -300 s)."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.celery.test_celery_runs import ended, shell_task

# the worker's machine, its wall clock 5 minutes behind (Python's clock in the worker and
# its launchers: there is no second machine here, and the test may not set the system's)
BEHIND = """import time
_time, _time_ns = time.time, time.time_ns
time.time = lambda: _time() - 300
time.time_ns = lambda: _time_ns() - 300_000_000_000
"""


def test_a_worker_whose_clock_is_5_minutes_behind_records_times_on_the_engines_clock(
        engine: Any, service: Any, start_worker: Any, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    machine = tmp_path / "machine"
    machine.mkdir()
    (machine / "sitecustomize.py").write_text(BEHIND)
    before = os.environ.get("PYTHONPATH")
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(machine), *filter(None, [before])]))
    worker = start_worker()
    if before is None:  # the engine's own launchers keep this machine's clock
        monkeypatch.delenv("PYTHONPATH")
    else:
        monkeypatch.setenv("PYTHONPATH", before)
    assert "ready" in worker.text()
    service.create_task(shell_task("elsewhere", "sleep 0.3"))
    asked = datetime.now(UTC)
    run = ended(service, service.run_now("elsewhere").id)
    now = datetime.now(UTC)
    assert run.status == "succeeded"
    slack = timedelta(seconds=1)  # a round trip to the broker, at most
    assert asked - slack <= run.started_at <= run.finished_at <= now + slack, run
    # its start and its end are each put on the broker's clock as the worker last read it
    # (a take, a heartbeat: so a clock set right mid-run is followed), each within a round
    # trip: its length within two (297 ms, once in a full run, of a `sleep 0.3`)
    assert run.finished_at - run.started_at >= timedelta(seconds=0.25)
    assert 0 <= run.lateness_ms < 5_000, run.lateness_ms

"""The runs a dead engine left on Celery workers are stopped on demand (for the standby's
recovery): given up, revoked, and gone before `stop_orphans` returns."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from faults.harness import wait_until
from tests.celery.test_celery_runs import gone, shell_task


def test_stop_orphans_stops_a_taken_run_and_gives_up_one_never_taken(
        engine: Any, service: Any, start_worker: Any, broker: str, tmp_path: Path) -> None:
    from app.remote.orphans import stop_orphans

    start_worker()
    pid_file = tmp_path / "pid"
    service.create_task(shell_task("left", f"echo $$ > {pid_file}; sleep 60"))
    run = service.run_now("left")
    wait_until(lambda: pid_file.exists() and pid_file.read_text().strip(), 30)
    celery_id = service.get_run(run.id).celery_id
    assert stop_orphans(broker, [celery_id, "never-sent"], timeout=15) == 1
    wait_until(lambda: gone(int(pid_file.read_text())), 10)
    assert stop_orphans(broker, []) == 0

"""A Python worker stopped (SIGSTOP, a debugger) while it runs an action with no timeout
held the run `running` for good (a cancel still worked: it kills the worker). Now the engine
treats it as it treats a frozen launcher (app/engine/launcher/overdue.py): a worker stopped
for STOP_MISS seconds is killed, and its run ends as at a worker's death — `interrupted`,
retried by its task's policy (app/engine/pyworkers/pool.py)."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path
from typing import Any

import psutil

from app.engine.launcher.overdue import STOP_MISS
from tests.engine.conftest import freeze, wait_until
from tests.engine.process_trees import gone, proc_in


def test_a_stopped_python_worker_is_killed_and_its_run_retried(
        spawn: Any, cli: Any, tmp_path: Path) -> None:
    engine = spawn()
    engine.wait_for("engine running")
    pid_file, go = tmp_path / "pid", tmp_path / "go"
    assert cli("task", "add", "held", "--python", "tests.engine.worker_actions:note_then_wait",
               "--kwargs", json.dumps({"path": str(pid_file), "go": str(go)}),
               "--retries", "1", "--retry-delay", "0.1", "--manual").code == 0
    run = cli("task", "run", "held", "--json").json()

    def shown() -> dict[str, Any]:
        return dict(cli("run", "show", str(run["id"]), "--json").json())

    worker = proc_in(pid_file)
    wait_until(lambda: shown()["status"] == "running", 10)
    pid_file.unlink()
    freeze(worker.pid)
    try:
        wait_until(lambda: shown()["status"] != "running", STOP_MISS + 15)
        first = shown()
        assert first["status"] == "interrupted", first
        assert first["error"] == "the Python worker running it died (killed by signal SIGKILL)"
        assert f"the Python worker process {worker.pid} has been stopped for " in engine.text()
        assert gone(worker)
        retry = proc_in(pid_file)  # the retry, on another worker
        assert retry.pid != worker.pid
        go.touch()
        runs = wait_until(lambda: [r for r in cli("run", "list", "--json").json()
                                   if r["attempt"] == 2 and r["status"] == "succeeded"], 15)
        assert runs[0]["reason"].startswith(f"retry of run {run['id']}")
        assert engine.stop() == 0
        assert "Traceback" not in engine.text()
    finally:
        with contextlib.suppress(psutil.Error):
            worker.kill()

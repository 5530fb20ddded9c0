"""Deleting a task while its command runs (`task delete --force`, an engine running): the
command is stopped, nothing it still sends lands anywhere, and no id comes back."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import psutil

from tests.engine.conftest import soon, wait_until


def _gone(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def test_a_task_deleted_while_its_command_runs_stops_it(spawn: Any, cli: Any,
                                                         tmp_path: Path) -> None:
    engine = spawn()
    engine.wait_for("engine running")
    pid_file = tmp_path / "a.pid"
    assert cli("task", "add", "A", "--shell", "--manual", "--command",
               f"echo $$ > {pid_file}; echo A-start; exec sleep 60").code == 0
    assert cli("task", "add", "B", "--shell", "--manual", "--command", "echo B-only").code == 0
    run_a = cli("task", "run", "A", "--json").json()["id"]
    wait_until(lambda: pid_file.exists() and pid_file.read_text().strip(), 10)
    pid = int(pid_file.read_text())
    refused = cli("task", "delete", "A")
    assert refused.code == 2 and f"run {run_a}" in refused.err, refused.err
    assert cli("task", "delete", "A", "--force").code == 0
    wait_until(lambda: _gone(pid), 10)  # stopped by the engine, not left running
    run_b = cli("task", "run", "B", "--json").json()["id"]
    assert run_b > run_a  # the deleted run's id is not given again
    wait_until(lambda: cli("run", "show", str(run_b), "--json").json()["status"]
               == "succeeded", 10)
    assert cli("run", "show", str(run_b), "--log").out.count("A-") == 0
    assert cli("run", "show", str(run_a)).code == 2
    assert engine.stop() == 0
    log = engine.text()
    assert "Traceback" not in log and "FOREIGN KEY" not in log, log


def test_a_dead_engine_s_command_is_stopped_by_a_cancel_or_a_delete(spawn: Any, cli: Any,
                                                                    tmp_path: Path) -> None:
    """kill -9 of the engine leaves its commands running until the next start's recovery.
    Cancelling such a run, or deleting its task, before that start stops the command: once
    the run is no longer `running`, no recovery would look for it."""
    engine = spawn()
    engine.wait_for("engine running")
    pids = {}
    for name in ("cancelled", "deleted"):
        pid_file = tmp_path / f"{name}.pid"
        assert cli("task", "add", name, "--shell", "--manual", "--command",
                   f"echo $$ > {pid_file}; exec sleep 60").code == 0
        run = cli("task", "run", name, "--json").json()["id"]
        wait_until(lambda f=pid_file: f.exists() and f.read_text().strip(), 10)
        wait_until(lambda r=run: cli("run", "show", str(r), "--json").json()["status"]
                   == "running", 10)
        pids[name] = (run, int(pid_file.read_text()))
    engine.kill9()
    assert not any(_gone(pid) for _run, pid in pids.values())  # left running by the crash
    run, pid = pids["cancelled"]
    assert cli("run", "cancel", str(run)).code == 0
    assert _gone(pid)  # stopped before the cancel returned
    assert cli("run", "show", str(run), "--json").json()["status"] == "cancelled"
    refused = cli("task", "delete", "deleted")
    assert refused.code == 2 and "in progress" in refused.err
    assert cli("task", "delete", "deleted", "--force").code == 0
    assert _gone(pids["deleted"][1])


def test_a_one_shot_deleted_after_its_fire_while_it_runs_is_stopped(spawn: Any, cli: Any,
                                                                     tmp_path: Path) -> None:
    """A one-shot task leaves the engine's task cache once it fired; deleted while its run
    goes on, its command is stopped all the same."""
    engine = spawn()
    engine.wait_for("engine running")
    pid_file = tmp_path / "once.pid"
    assert cli("task", "add", "once", "--shell", "--at", soon(1.0), "--command",
               f"echo $$ > {pid_file}; exec sleep 60").code == 0
    wait_until(lambda: pid_file.exists() and pid_file.read_text().strip(), 15)
    pid = int(pid_file.read_text())
    assert cli("task", "delete", "once", "--force").code == 0
    wait_until(lambda: _gone(pid), 10)
    assert engine.stop() == 0
    assert "Traceback" not in engine.text()
